"""`falguard audit`: one story per secret, most urgent first, and a ticket summary."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from tests.helpers import git, ignoring_env, write
from tests.keys import fake_key_id_secret

GOLDEN = Path(__file__).parents[1] / "golden" / "audit.text"


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits with fixed dates and authors, so their ids (and the report) are reproducible."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-02T03:04:05+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-02T03:04:05+00:00")


def commit(repo: Path, message: str, author: str) -> str:
    git(repo, "add", "-A")
    git(
        repo,
        "-c",
        f"user.name={author}",
        "-c",
        f"user.email={author.lower()}@example.com",
        "commit",
        "-q",
        "-m",
        message,
    )
    return git(repo, "rev-parse", "HEAD").strip()


def four_stories(tmp_path: Path) -> tuple[Path, list[str]]:
    """A clone with a key pushed and live, one pushed and removed, one local, one uncommitted."""
    rng = random.Random(99)
    keys = [fake_key_id_secret(rng) for _ in range(4)]
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    ignoring_env(work)
    write(work, "old.py", f"FAL_KEY = '{keys[1]}'\n")
    commit(work, "old settings", "Alice")
    write(work, "app.py", f"FAL_KEY = '{keys[0]}'\n")
    (work / "old.py").unlink()
    commit(work, "new settings", "Alice")
    git(work, "push", "-q", "origin", "HEAD:main")
    git(work, "fetch", "-q", "origin")
    write(work, "local.py", f"K = '{keys[2]}'\n")
    commit(work, "local experiment", "Bob")
    write(work, "wip.py", f"K = '{keys[3]}'\n")
    return work, keys


def test_stories_are_ordered_by_urgency(tmp_path: Path, falguard, fixed_clock: None) -> None:
    work, keys = four_stories(tmp_path)
    run = falguard("audit", "--format", "json", cwd=work)
    assert run.code == 1
    stories = run.json["audit"]["stories"]
    assert [s["urgency"] for s in stories] == [
        "pushed and still in HEAD",
        "pushed, removed from HEAD",
        "committed, not pushed",
        "in the working tree only",
    ]
    assert [s["key_id"] for s in stories] == [k.split(":")[0] for k in keys]
    assert stories[0]["paths"] == ["app.py"] and stories[0]["in_head"] and stories[0]["pushed"]
    assert stories[1]["paths"] == ["old.py"] and not stories[1]["in_head"] and stories[1]["pushed"]
    assert stories[1]["introduced"]["author"] == "Alice <alice@example.com>"
    assert stories[2]["introduced"]["author"] == "Bob <bob@example.com>" and not stories[2]["pushed"]
    assert stories[3]["introduced"] is None and stories[3]["in_worktree"]
    assert "Revoke the key" in stories[0]["steps"][0]
    assert any("rewriting history does not un-leak it" in step for step in stories[1]["steps"])
    ticket = "\n".join(run.json["audit"]["ticket"])
    assert "Distinct fal credentials found: 4" in ticket
    for key in keys:
        assert key not in run.out and key.split(":")[1] not in run.out and key not in run.err


def test_text_audit_golden(tmp_path: Path, falguard, fixed_clock: None) -> None:
    work, _ = four_stories(tmp_path)
    run = falguard("audit", cwd=work)
    assert run.code == 1
    text = run.out.replace(str(work), "<repo>")
    if os.environ.get("FALGUARD_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_clean_repository_audit(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", "print('hello')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    run = falguard("audit", cwd=repo)
    assert run.code == 0
    assert "No fal credentials found in history or the working tree." in run.out
    assert "Action: none for credentials." in run.out


def test_audit_lists_hygiene_and_honours_fail_on(repo: Path, falguard) -> None:
    write(repo, "a.py", "print('hello')\n")  # no .gitignore rule for env files
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    run = falguard("audit", cwd=repo)
    assert run.code == 1 and "gitignore-missing-env" in run.out
    assert falguard("audit", "--fail-on", "high", cwd=repo).code == 0


def test_audit_other_formats_and_replacements(tmp_path: Path, falguard, fixed_clock: None) -> None:
    work, keys = four_stories(tmp_path)
    sarif = falguard("audit", "--format", "sarif", cwd=work)
    assert json.loads(sarif.out)["version"] == "2.1.0"
    replacements = tmp_path / "replacements.txt"
    run = falguard("audit", "--write-replacements", str(replacements), cwd=work)
    assert run.code == 1
    expected = [f"literal:{k}==>***FAL-KEY-REMOVED***" for k in keys]
    expected += [f"literal:{k.replace(':', '%3A')}==>***FAL-KEY-REMOVED***" for k in keys]  # URL-encoded copies
    assert sorted(replacements.read_text().splitlines()) == sorted(expected)


def test_audit_of_a_bare_mirror_and_of_a_plain_directory(tmp_path: Path, falguard) -> None:
    work, keys = four_stories(tmp_path)
    run = falguard("audit", "--format", "json", str(tmp_path / "origin.git"), cwd=tmp_path)
    assert {s["key_id"] for s in run.json["audit"]["stories"]} == {keys[0].split(":")[0], keys[1].split(":")[0]}
    assert all(s["pushed"] for s in run.json["audit"]["stories"])  # a bare repository is the published copy
    plain = tmp_path / "plain"
    write(plain, "a.txt", f"K={keys[3]}\n")
    audit = falguard("audit", "--format", "json", str(plain), cwd=tmp_path)
    history = falguard("scan", "--history", cwd=plain)
    for run in (audit, history):  # they agree: no history to read is an error, never a pass (issue 25)
        assert run.code == 2 and run.out == ""
        (line,) = run.err.strip().splitlines()
        assert line.startswith("falguard: error: not a git repository: ")
    assert f"`falguard scan {plain}` scans the files alone" in audit.err


def test_audit_of_a_missing_path_is_exit_2(tmp_path: Path, falguard) -> None:
    run = falguard("audit", "nope", cwd=tmp_path)
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1


def test_hygiene_is_listed_once_per_problem_most_severe_first(repo: Path, falguard) -> None:
    write(repo, "a.py", "print('hello')\n")
    write(repo, "deploy/prod.env", "DEBUG=1\n")
    write(repo, "web/app.ts", "const k = process.env." + "NEXT_PUBLIC_" + "FAL_KEY;\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    run = falguard("audit", cwd=repo)
    hygiene = [line for line in run.out.splitlines() if line.startswith("  - [")]
    assert sum("env-tracked" in line and "prod.env" in line for line in hygiene) == 1
    severities = [line.split("]")[0].removeprefix("  - [") for line in hygiene]
    order = ["critical", "high", "medium", "low"]
    assert severities == sorted(severities, key=order.index)
    assert "Action: no key found, but fix the high-severity findings above" in run.out
