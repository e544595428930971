"""The HTML report: self-contained, no full secret, hostile repository content inert, and the
page checked in a real browser (headless Chromium): its cards, timelines and filters, no
console error, nothing fetched from the network, no hostile payload run."""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import Browser, available
from tests.demo import build_demo
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_fal_key, fake_key_id_secret
from tests.report.test_report import planted

TITLE = "falguard audit of repo"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = available()
    if reason:
        if os.environ.get("FALGUARD_REQUIRE_BROWSER"):
            pytest.fail(f"FALGUARD_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(f"browser tests need headless Chromium: {reason}")
    with Browser() as started:
        yield started


def _page(falguard: Any, tmp_path: Path, *args: str, cwd: Path) -> Path:
    page = tmp_path / f"report-{len(list(tmp_path.glob('report-*.html')))}.html"
    run = falguard(*args, "--format", "html", "-o", str(page), cwd=cwd)
    assert run.code in (0, 1), run.err
    return page


def _clean_load(browser: Browser, page: Path, *, javascript: bool = True) -> None:
    """Open the page; it must fetch nothing but itself and log no error of any kind."""
    browser.open(page, javascript=javascript)
    assert browser.record.requests == [page.resolve().as_uri()]
    assert browser.record.errors == []
    assert [entry for entry in browser.record.console if entry[0] in ("error", "warning", "assert")] == []


# --- the file itself ---------------------------------------------------------------------


def test_every_mode_writes_a_self_contained_page_with_no_full_secret(repo: Path, tmp_path: Path, falguard) -> None:
    secrets = planted(repo)
    commit_all(repo, "everything")
    git(repo, "rm", "-q", "--cached", ".env")
    write(repo, "staged.py", f"K = '{secrets[2]}'\n")
    git(repo, "add", "staged.py")
    (repo / "stdin.txt").write_text(f"FAL_KEY={secrets[0]}\n")
    pages = [
        _page(falguard, tmp_path, "scan", cwd=repo),
        _page(falguard, tmp_path, "scan", "--staged", cwd=repo),
        _page(falguard, tmp_path, "scan", "--history", cwd=repo),
        _page(falguard, tmp_path, "scan", "--no-git", ".", cwd=repo),
        _page(falguard, tmp_path, "audit", cwd=repo),
    ]
    saved = tmp_path / "audit.json"
    falguard("audit", "--format", "json", "-o", str(saved), cwd=repo)
    pages.append(_page(falguard, tmp_path, "report", str(saved), cwd=tmp_path))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in text, page
        assert text.count("<script>") == 1 and "<script " not in text
        assert not re.search(r"\s(src|href|srcset|action|formaction|xlink:href)\s*=", text), page
        assert re.search(r'<meta http-equiv="Content-Security-Policy" content="default-src \'none\';', text)
        assert "unsafe-inline" not in text and "unsafe-eval" not in text
    assert '<article class="card' in pages[2].read_text() and "pt-added" in pages[2].read_text()


def test_stdin_scan_as_html(repo: Path, falguard, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    key = fake_fal_key(random.Random(8))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"log: FAL_KEY={key}\n".encode())))
    run = falguard("scan", "-", "--format", "html", cwd=repo)
    assert run.code == 1 and "in standard input" in run.out and key not in run.out and "(stdin)" in run.out


def test_verification_is_shown_when_present(tmp_path: Path, falguard) -> None:
    document = json.loads((Path(__file__).parents[1] / "golden" / "scan.json").read_text())
    statuses = iter(["live", "rejected", "unknown", "live"])
    for finding in document["findings"]:
        if finding["key_id"] or "****" in finding["secret"]:
            finding["verification"] = {"status": next(statuses, "unknown"), "scope": None, "reason": "asked fal"}
    document["findings"][1]["verification"]["scope"] = "ADMIN"
    write(tmp_path, "verified.json", json.dumps(document))
    out = falguard("report", str(tmp_path / "verified.json"), "--format", "html", cwd=tmp_path).out
    assert 'data-verification="live"' in out and 'data-verification="unknown"' in out
    assert "live (ADMIN)" in out and 'name="verification" value="rejected"' in out
    assert re.search(r'chip ver-live">live</span> <b>2</b>', out)  # two distinct credentials are live


def test_incomplete_coverage_is_said_in_the_header(tmp_path: Path, falguard) -> None:
    document = json.loads((Path(__file__).parents[1] / "golden" / "scan.json").read_text())
    document["findings"] = []
    document["summary"]["incomplete"] = ["shallow clone: history stops at the shallow boundary"]
    write(tmp_path, "shallow.json", json.dumps(document))
    run = falguard("report", str(tmp_path / "shallow.json"), "--format", "html", cwd=tmp_path)
    assert run.code == 0
    assert '<span class="warn">INCOMPLETE</span>: shallow clone: history stops' in run.out
    assert "not shown clean" in run.out and "passing" not in run.out


# --- in the browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    from falguard.cli import main

    root = tmp_path_factory.mktemp("demo")
    work, keys = build_demo(root)
    page = root / "audit.html"
    assert main(["audit", "--format", "html", "-o", str(page), str(work)]) == 1
    return page, keys


def _visible_cards(browser: Browser) -> list[str]:
    return browser.evaluate("[...document.querySelectorAll('.card')].filter(c => !c.hidden).map(c => c.id)")


def _check(browser: Browser, name: str, value: str, checked: bool) -> None:
    selector = f'.filters input[name="{name}"][value="{value}"]'
    browser.evaluate(
        f"(b => {{ b.checked = {json.dumps(checked)}; b.dispatchEvent(new Event('change')); }})"
        f"(document.querySelector({json.dumps(selector)}))"
    )


def test_the_demo_audit_renders_cards_and_timelines(browser: Browser, demo_page: tuple[Path, list[str]]) -> None:
    page, keys = demo_page
    _clean_load(browser, page)
    assert _visible_cards(browser) == ["secret-1", "secret-2", "secret-3"]
    kinds = browser.evaluate(
        "[...document.querySelectorAll('.card')].map(c => [...c.querySelectorAll('svg.timeline .pt')]"
        ".map(p => p.getAttribute('class').split(' ')[1]))"
    )
    assert kinds == [
        ["pt-added", "pt-added", "pt-removed", "pt-left-head", "pt-now"],  # pushed, copied, then removed
        ["pt-added", "pt-worktree", "pt-now"],  # committed, not pushed
        ["pt-worktree", "pt-served", "pt-now"],  # never committed, in the served bundle
    ]
    text = browser.evaluate("document.body.innerText")
    assert "served to browsers" in text and "history only" in text and "local only (not pushed)" in text
    assert "Alice Moreau" in text  # who introduced it, on the card
    assert "removed from scripts/backfill copy.py, which took it out of HEAD" in browser.evaluate(
        "document.getElementById('secret-1').textContent"
    )  # the timeline as text, under the drawing
    assert browser.evaluate("document.querySelectorAll('#steps .todo').length") == 6  # 3 credentials, 3 hygiene
    for key in keys:
        assert key.split(":")[1] not in browser.evaluate("document.documentElement.outerHTML")
    assert browser.evaluate("document.querySelectorAll('#hygiene tbody tr').length") == 3
    assert "3 of 3 credentials shown" in text


def test_filters_change_what_is_visible(browser: Browser, demo_page: tuple[Path, list[str]]) -> None:
    page, _ = demo_page
    _clean_load(browser, page)
    _check(browser, "status", "local", False)
    assert _visible_cards(browser) == ["secret-1", "secret-3"]
    assert browser.evaluate("document.getElementById('shown').textContent") == "2 of 3 credentials shown"
    assert browser.evaluate("[...document.querySelectorAll('#steps .todo')].filter(t => t.hidden).length") == 1
    _check(browser, "severity", "critical", False)
    assert _visible_cards(browser) == []
    _check(browser, "severity", "high", False)
    hidden_rows = browser.evaluate("[...document.querySelectorAll('#hygiene tbody tr')].filter(r => r.hidden).length")
    assert hidden_rows == 1  # the high hygiene finding; the others (a secret-free .env.staging) stay
    for name, value in (("status", "local"), ("severity", "critical"), ("severity", "high")):
        _check(browser, name, value, True)
    assert _visible_cards(browser) == ["secret-1", "secret-2", "secret-3"]
    browser.click("#copy")
    deadline = time.monotonic() + 10  # the clipboard answers asynchronously; a busy machine is slow
    label = browser.evaluate("document.getElementById('copy').textContent")
    while label not in ("Copied", "Selected: press Ctrl+C") and time.monotonic() < deadline:
        time.sleep(0.05)
        label = browser.evaluate("document.getElementById('copy').textContent")
    assert label in ("Copied", "Selected: press Ctrl+C")
    assert browser.record.errors == []


def test_the_page_reads_without_javascript(browser: Browser, demo_page: tuple[Path, list[str]]) -> None:
    page, _ = demo_page
    _clean_load(browser, page, javascript=False)
    assert browser.evaluate("document.querySelectorAll('.card').length") == 3
    assert browser.evaluate("getComputedStyle(document.querySelector('.filters')).display") == "none"
    assert browser.evaluate("getComputedStyle(document.getElementById('copy')).display") == "none"
    assert "Summary for the ticket" in browser.evaluate("document.body.innerText")
    browser.call("Emulation.setScriptExecutionDisabled", {"value": False})


HOSTILE = {
    "message": "<script>document.title='pwned-message';window.pwned='message'</script>",
    "author": '" onmouseover="window.pwned=\'author\'" x="',
    "file": '"><img src=x onerror="window.pwned=\'file\'">.py',
    "script_dir": "<script>window.pwned='dir'<",
    "js": "javascript:window.pwned='js'.py",
    "tag": "<script>window.pwned='tag'</script>",
    "tag2": '"><img-src=x-onerror=window.pwned=1>',
}


def hostile_repository(repo: Path) -> list[str]:
    """A repository whose file names, commit message, author and tag names are payloads,
    each beside a key so that the report has to show it."""
    rng = random.Random(66)
    keys = [fake_key_id_secret(rng) for _ in range(4)]
    ignoring_env(repo)
    write(repo, HOSTILE["file"], f"K = '{keys[0]}'\n")
    write(repo, f"{HOSTILE['script_dir']}/script>.py", f"K = '{keys[1]}'\n")
    write(repo, HOSTILE["js"], f"K = '{keys[2]}'\n")
    git(repo, "add", "-A")
    message = f"{HOSTILE['message']}\n\nFAL_KEY={keys[3]}\n"
    git(repo, "-c", f"user.name={HOSTILE['author']}", "commit", "-q", "-m", message)
    git(repo, "tag", HOSTILE["tag"])
    git(repo, "tag", HOSTILE["tag2"])
    return keys


def test_hostile_repository_content_stays_inert(browser: Browser, repo: Path, tmp_path: Path, falguard) -> None:
    keys = hostile_repository(repo)
    for page in (
        _page(falguard, tmp_path, "audit", cwd=repo),
        _page(falguard, tmp_path, "scan", "--history", cwd=repo),
    ):
        for key in keys:
            assert key not in page.read_text() and key.split(":")[1] not in page.read_text()
        _clean_load(browser, page)
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert not browser.evaluate("document.title").startswith("pwned")
        assert browser.evaluate("document.querySelectorAll('script').length") == 1
        assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed, link, a[href]').length") == 0
        handlers = browser.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"
            ".filter(n => n.startsWith('on'))"
        )
        assert handlers == []
        shown = browser.evaluate("document.body.textContent")
        assert HOSTILE["file"] in shown and HOSTILE["js"] in shown and "<script>window.pwned='dir'<" in shown
        assert "onmouseover=" in shown  # the author, as text
        assert "refs/tags/<script>window.pwned='tag'</script>" in shown


def test_a_thousand_findings_open(browser: Browser, repo: Path, tmp_path: Path, falguard) -> None:
    rng = random.Random(1000)
    ignoring_env(repo)
    for file in range(100):
        write(repo, f"keys/k{file}.py", "".join(f"K{n} = '{fake_key_id_secret(rng)}'\n" for n in range(10)))
    commit_all(repo, "a thousand keys")
    page = _page(falguard, tmp_path, "scan", "--history", cwd=repo)
    _clean_load(browser, page)
    assert browser.evaluate("document.querySelectorAll('.card').length") == 1000
    assert browser.evaluate("document.querySelectorAll('svg.timeline').length") == 1000
    assert browser.evaluate("document.body.className") == "many"  # only cards near the screen are laid out
    _check(browser, "severity", "critical", False)
    assert _visible_cards(browser) == [] and browser.evaluate("document.getElementById('shown').textContent") == (
        "0 of 1000 credentials shown"
    )
    assert browser.evaluate("[...document.querySelectorAll('#steps [data-cards]')].every(b => b.hidden)")
