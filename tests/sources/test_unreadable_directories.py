"""An unreadable directory is counted and named like an unreadable file (issue 25, part 3):
it was skipped silently, inside a repository (git warns and exits 0) and outside one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from falguard.git.listing import unopened_directories
from tests.helpers import ignoring_env, write


def test_outside_a_repository(tmp_path: Path, falguard, monkeypatch) -> None:
    plain = tmp_path / "plain"
    write(plain, "locked/inner.txt", "x\n")
    write(plain, "open.txt", "y\n")
    real_scandir = os.scandir

    def refusing_scandir(path: object = ".", *args: object) -> object:  # root lists any directory
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *args)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    run = falguard("scan", "plain", "--format", "json", cwd=tmp_path)
    assert run.json["summary"]["unreadable"] == ["plain/locked/: Permission denied"]
    assert run.json["summary"]["complete"] is False and run.json["summary"]["files_scanned"] == 1
    text = falguard("scan", "plain", cwd=tmp_path)
    assert "falguard: could not read plain/locked/: Permission denied" in text.out


def test_git_says_which_directories_it_could_not_open() -> None:
    """What `git ls-files --others` writes to stderr (exiting 0) when it cannot open a directory."""
    stderr = b"warning: could not open directory 'src/locked/': Permission denied\n"
    assert unopened_directories(stderr) == [(b"src/locked/", "Permission denied")]
    assert unopened_directories(b"warning: in the working copy of 'a', LF will be replaced\n") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads directories whatever their mode")
def test_by_mode_inside_and_outside_a_repository(repo: Path, falguard) -> None:
    ignoring_env(repo)
    locked = write(repo, "locked/inner.txt", "x\n").parent
    locked.chmod(0)
    try:
        run = falguard("scan", "--format", "json", cwd=repo)
        assert run.json["summary"]["unreadable"] == ["locked/: Permission denied"]
        run = falguard("scan", "--no-git", ".", "--format", "json", cwd=repo)
        assert run.json["summary"]["unreadable"] == ["locked/: Permission denied"]
    finally:
        locked.chmod(0o755)
