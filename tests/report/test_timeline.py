"""A secret's timeline in history findings: every commit that brought it to a path, every
commit that took it away, and the removal that took it out of HEAD."""

from __future__ import annotations

import random
from pathlib import Path

from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


def _timeline(run_json: dict) -> list[tuple[str, str, bool]]:
    [finding] = [f for f in run_json["findings"] if f["rule"] == "fal-key-id-secret"]
    return [(event["event"], event["path"], event["left_head"]) for event in finding["timeline"]]


def test_copied_edited_and_removed(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(1))
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key}'\n")
    first = commit_all(repo, "add")
    write(repo, "b copy.py", f"K = '{key}'\n")
    commit_all(repo, "copy")
    write(repo, "a.py", f"# still here\nK = '{key}'\n")  # an edit that keeps the key is no event
    commit_all(repo, "edit")
    (repo / "a.py").unlink()
    write(repo, "b copy.py", "K = None\n")
    removal = commit_all(repo, "remove")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert _timeline(run.json) == [
        ("added", "a.py", False),
        ("added", "b copy.py", False),
        ("removed", "a.py", False),
        ("removed", "b copy.py", True),
    ] or _timeline(run.json) == [
        ("added", "a.py", False),
        ("added", "b copy.py", False),
        ("removed", "b copy.py", False),
        ("removed", "a.py", True),
    ]
    [finding] = [f for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"]
    assert finding["timeline"][0]["commit"] == first and finding["timeline"][0]["author"].startswith("Test User")
    assert {event["commit"] for event in finding["timeline"][2:]} == {removal}
    assert finding["in_head"] is False


def test_a_key_still_in_head_has_no_removal(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(2))
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key}'\n")
    commit_all(repo, "add")
    git(repo, "mv", "a.py", "b.py")
    commit_all(repo, "rename")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    events = _timeline(run.json)
    assert events[0] == ("added", "a.py", False)
    assert sorted(events[1:]) == [("added", "b.py", False), ("removed", "a.py", False)]  # one commit: both


def test_a_removal_outside_heads_history_does_not_take_it_out_of_head(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(3))
    ignoring_env(repo)
    write(repo, "README", "hello\n")
    commit_all(repo, "init")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "a.py", f"K = '{key}'\n")
    commit_all(repo, "add on a branch")
    (repo / "a.py").unlink()
    commit_all(repo, "remove on the branch")
    git(repo, "checkout", "-q", "main")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert _timeline(run.json) == [("added", "a.py", False), ("removed", "a.py", False)]


def test_audit_json_counts_the_refs_it_scanned(repo: Path, falguard) -> None:
    ignoring_env(repo)
    commit_all(repo, "init")
    git(repo, "tag", "v1")
    git(repo, "branch", "other")
    run = falguard("audit", "--format", "json", cwd=repo)
    assert run.json["audit"]["refs_scanned"] == 3 and run.json["audit"]["bare"] is False
