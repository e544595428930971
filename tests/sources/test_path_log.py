"""The path-limited log behind history attribution and the env-file pass."""

from __future__ import annotations

import random
from pathlib import Path

from falguard.models import mask
from falguard.sources.path_log import raw_path, refs_reaching
from tests.helpers import commit_all, git, write
from tests.keys import fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def history_findings(falguard, cwd: Path) -> list[dict]:
    run = falguard("scan", "--history", "--format", "json", cwd=cwd)
    assert run.code in (0, 1), run.err
    return run.json["findings"]


def test_a_copy_that_kept_its_source_lists_both_paths(repo: Path, falguard) -> None:
    """The blob listing names the copy (it sorts first); the source is in the copy's parent."""
    secret = key(70)
    write(repo, "x.py", f"FAL_KEY = '{secret}'\n")
    introduced = commit_all(repo, "x")
    write(repo, "x copy.py", f"FAL_KEY = '{secret}'\n")
    commit_all(repo, "copy")
    (finding,) = [f for f in history_findings(falguard, repo) if f["secret"] == mask(secret, secret.split(":")[0])]
    assert finding["commit"] == introduced
    assert finding["paths"] == ["x.py", "x copy.py"]


def test_env_file_in_a_renamed_directory_is_reported_at_both_paths(repo: Path, falguard) -> None:
    """A renamed directory is the same tree object: the listing names only its newer path."""
    write(repo, "config/.env", f"FAL_KEY={key(71)}\n")
    write(repo, "config/app.py", "x = 1\n")
    git(repo, "add", "-f", "config")
    added = commit_all(repo, "config")
    git(repo, "mv", "config", "settings")
    moved = commit_all(repo, "rename")
    found = {
        (f["path"], f["severity"], f["commit"]) for f in history_findings(falguard, repo) if f["rule"] == "env-tracked"
    }
    assert found == {("config/.env", "critical", added), ("settings/.env", "critical", moved)}


def test_refs_reaching_passes_ref_bits_from_children_to_parents() -> None:
    # a <- b <- d (main), a <- c (topic, tag v1 at c); d is a merge of b and c
    listing = [b"d b c", b"c a", b"b a", b"a"]
    tips = [("refs/heads/main", "d"), ("refs/heads/topic", "c"), ("refs/tags/v1", "c")]
    reached = refs_reaching(tips, listing, {"a", "b", "c"})
    assert reached == {
        "a": ["refs/heads/main", "refs/heads/topic", "refs/tags/v1"],
        "b": ["refs/heads/main"],
        "c": ["refs/heads/main", "refs/heads/topic", "refs/tags/v1"],
    }


def test_raw_path_reads_back_escaped_bytes() -> None:
    assert raw_path("plain/path.py") == [b"plain/path.py"]
    assert raw_path("odd\\xff.env") == [b"odd\\xff.env", b"odd\xff.env"]


def test_the_log_started_ahead_is_used_only_when_it_was_given_every_path(repo: Path, monkeypatch) -> None:
    """The log starts while the scan goes on and again for new paths, at most once per wait:
    the attribution never depends on when a path turned up."""
    from falguard import git as falguard_git
    from falguard.sources import path_log

    write(repo, "a.py", f"FAL_KEY = '{key(72)}'\n")
    commit_all(repo, "a")
    write(repo, "b.py", f"FAL_KEY = '{key(73)}'\n")
    commit_all(repo, "b")
    found = falguard_git.find_repo(str(repo))
    assert found is not None
    oid = {name: git(repo, "rev-parse", f"HEAD:{name}").strip() for name in ("a.py", "b.py")}
    both = {oid["a.py"]: {b"a.py"}, oid["b.py"]: {b"b.py"}}
    expected = path_log.path_history(found, ["--all"], both, set(), every_ref=True)

    ahead = path_log.Ahead(found, ["--all"])
    ahead.update({oid["a.py"]: {b"a.py"}}, set())
    first = ahead.log
    assert first is not None and first.paths == {b"a.py"}
    ahead.update(both, set(), now=False)  # within the wait: the same log goes on
    assert ahead.log is first and ahead.wait() > 0
    assert path_log.path_history(found, ["--all"], both, set(), every_ref=True, ahead=ahead) == expected

    monkeypatch.setattr(path_log, "RESTART_AFTER", 0.0)
    ahead = path_log.Ahead(found, ["--all"])
    ahead.update({oid["a.py"]: {b"a.py"}}, set())
    ahead.update(both, set(), now=False)  # the wait is over: started again with both paths
    assert ahead.log is not None and ahead.log.paths == {b"a.py", b"b.py"}
    assert path_log.path_history(found, ["--all"], both, set(), every_ref=True, ahead=ahead) == expected
    assert len(expected.changes[oid["a.py"]]) == 1 and len(expected.changes[oid["b.py"]]) == 1


def test_the_commits_are_walked_once_for_their_messages_and_the_refs_that_reach_a_key(
    repo: Path, falguard, tmp_path: Path, monkeypatch
) -> None:
    """The commit listing that feeds the message reader is also the graph the refs come from."""
    import os
    import shutil

    write(repo, "app.py", "x = 1\n")
    commit_all(repo, "start")
    git(repo, "checkout", "-q", "-b", "topic")
    write(repo, "settings.py", f"FAL_KEY = '{key(74)}'\n")
    commit_all(repo, "key on a branch")
    git(repo, "checkout", "-q", "-")
    shim, calls = tmp_path / "bin", tmp_path / "git-calls"
    shim.mkdir()
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexec "{shutil.which("git")}" "$@"\n')
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    (finding,) = [f for f in history_findings(falguard, repo) if f["rule"] != "env-tracked"]
    assert finding["refs"] == ["refs/heads/topic"]
    walks = [line for line in calls.read_text().splitlines() if " rev-list " in f" {line} " and "--objects" not in line]
    assert len(walks) == 1, walks
