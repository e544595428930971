"""The HTML report of many repositories, and the page's text, checked in headless Chromium
(issue 25, part 4): every credential card names its repository, the header's facts are
those of many repositories (no "HEAD: no commits" over thousands of objects), a failed
repository is marked failed and its reason said once, timeline labels fit their drawing,
and no backtick shows as such."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from tests.chromium import Browser
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret
from tests.org.fleet import bare_repository, corrupt
from tests.report import test_html
from tests.report.test_html import _clean_load

browser = test_html.browser  # the same headless Chromium fixture

VISIBLE_TEXT_OUTSIDE_THE_TICKET = """(() => {
  const copy = document.body.cloneNode(true);
  copy.querySelector('#ticket').remove();
  return copy.innerText;
})()"""


def _organisation(root: Path) -> dict[str, str]:
    rng = random.Random(2504)
    keys = {"leaky": fake_key_id_secret(rng), "broken": fake_key_id_secret(rng)}
    urls = {}
    urls["leaky"], _ = bare_repository(root, "leaky", [{"README.md": "# a\n"}, {"app.py": f"K = '{keys['leaky']}'\n"}])
    urls["broken"], _ = bare_repository(
        root, "broken", [{"README.md": "# b\n"}, {"app.py": f"K = '{keys['broken']}'\n"}], loose=True
    )
    corrupt(root / "broken.git")
    urls["gone"] = (root / "gone.git").as_uri()
    (root / "repos.txt").write_text("".join(f"{url}\n" for url in urls.values()))
    return urls


def test_the_page_of_many_repositories(browser: Browser, tmp_path: Path, falguard: Any) -> None:
    urls = _organisation(tmp_path)
    page = tmp_path / "org.html"
    run = falguard(
        "audit", "--repos", "repos.txt", "--cache-dir", "cache", "--format", "html", "-o", str(page), cwd=tmp_path
    )
    assert run.code == 2 and run.err.startswith("falguard: 2 findings")  # the summary, as -o always gives it
    _clean_load(browser, page)
    assert browser.evaluate("document.querySelector('h1').innerText") == "falguard audit of 3 repositories"
    facts = browser.evaluate("[...document.querySelectorAll('header dl.facts dt')].map(e => e.innerText)")
    assert facts == ["Repositories", "Scanned", "Coverage", "Outcome"]  # no one repository's HEAD or refs
    named = browser.evaluate(
        "[...document.querySelectorAll('article.card')].map(card => [...card.querySelectorAll('dt')]"
        ".find(dt => dt.innerText === 'repository')?.nextElementSibling.innerText)"
    )
    assert sorted(named) == sorted([urls["leaky"], urls["broken"]])  # every card, its repository
    rows = browser.evaluate(
        "[...document.querySelectorAll('#repositories tbody tr')].map(tr => [...tr.cells].map(td => td.innerText))"
    )
    table = {row[0]: row[1:4] for row in rows}
    assert table[urls["broken"]] == ["failed", "1", "1"] and table[urls["gone"]] == ["failed", "-", "-"]
    assert table[urls["leaky"]] == ["ok", "1", "1"]
    text = browser.evaluate(VISIBLE_TEXT_OUTSIDE_THE_TICKET)
    assert "`" not in text  # commands are <code>, not backticks
    assert "is corrupt" not in text and "HEAD: no commits" not in text
    assert "2 repositories failed (why: the summary below)" in text
    ticket = browser.evaluate("document.querySelector('#ticket-text').innerText")
    assert ticket.count("is corrupt") == 1  # each failure, once, in the summary for the ticket
    assert browser.evaluate(
        "[...document.querySelectorAll('.todo li code')].some(c => c.innerText === 'falguard rotate --yes')"
    )


def test_one_repository_page_shows_commands_as_code(
    browser: Browser, repo: Path, tmp_path: Path, falguard: Any
) -> None:
    ignoring_env(repo)
    write(repo, "app.py", f"K = '{fake_key_id_secret(random.Random(2505))}'\n")
    commit_all(repo, "key")
    page = tmp_path / "one.html"
    assert falguard("audit", "--format", "html", "-o", str(page), cwd=repo).code == 1
    _clean_load(browser, page)
    assert "`" not in browser.evaluate(VISIBLE_TEXT_OUTSIDE_THE_TICKET)
    assert browser.evaluate("document.querySelectorAll('dd b code').length") >= 1  # in "do first"


def test_timeline_labels_are_whole_inside_the_drawing_and_apart(
    browser: Browser, repo: Path, tmp_path: Path, falguard: Any
) -> None:
    """A key moved between files with long paths, then left in the working tree: the paths
    under the points were cut ("…al_settings.py"); they wrap at their slashes instead."""
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(2506))
    paths = ["services/image_generation/fal_settings.py", "services/video_generation/fal_settings.py"]
    write(repo, paths[0], f"K = '{key}'\n")
    commit_all(repo, "add")
    git(repo, "rm", "-q", paths[0])
    write(repo, paths[1], f"K = '{key}'\n")
    commit_all(repo, "move")
    git(repo, "rm", "-q", paths[1])
    commit_all(repo, "gone")
    write(repo, "local.py", f"K = '{key}'\n")  # in the working tree, never committed
    page = tmp_path / "moves.html"
    falguard("audit", "--format", "html", "-o", str(page), cwd=repo)
    _clean_load(browser, page)
    shown = browser.evaluate(
        "[...document.querySelectorAll('svg.timeline text.tl-where')].map(t =>"
        " [t.querySelector('title')?.textContent, [...t.querySelectorAll('tspan')].map(s => s.textContent).join('')])"
    )
    assert {full for full, _ in shown} >= set(paths)
    for full, drawn in shown:
        assert drawn == full, (full, drawn)  # whole, never cut
    boxes = browser.evaluate(
        "[...document.querySelectorAll('svg.timeline')].flatMap(svg => { const r = svg.getBoundingClientRect();"
        " return [...svg.querySelectorAll('text, tspan')].filter(t => t.tagName === 'tspan' || !t.querySelector('tspan'))"
        ".map(t => { const b = t.getBoundingClientRect();"
        " return [t.getAttribute('class') || 'line', b.left - r.left, b.right - r.left, r.width, b.top, b.bottom - r.top, r.height]; }); })"
    )
    for css, left, right, width, _, bottom, height in boxes:
        assert left >= -0.5 and right <= width + 0.5 and bottom <= height + 0.5, (css, left, right, width)
    rows: dict[tuple[str, float], list[tuple[float, float]]] = {}
    for css, left, right, _, top, _, _ in boxes:
        rows.setdefault((css, round(top)), []).append((left, right))
    for spans in rows.values():
        spans.sort()
        assert all(a[1] <= b[0] + 0.5 for a, b in zip(spans, spans[1:], strict=False)), spans
