"""The working-tree source: files named on the command line, and --no-git."""

from __future__ import annotations

import random
from pathlib import Path

from tests.helpers import commit_all, write
from tests.keys import fake_key_id_secret


def test_a_file_named_on_the_command_line_is_scanned_even_when_git_ignores_it(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(1))
    write(repo, ".gitignore", "tmp/\n.env*\n")
    write(repo, "tmp/dump.py", f"FAL_KEY = '{key}'\n")
    commit_all(repo)
    assert falguard("scan", "--format", "json", cwd=repo).json["findings"] == []  # ignored: not in a plain scan
    run = falguard("scan", "tmp/dump.py", "--format", "json", cwd=repo)
    assert run.code == 1
    assert [(f["path"], f["rule"]) for f in run.json["findings"]] == [("tmp/dump.py", "fal-key-id-secret")]
    assert run.json["summary"]["files_scanned"] == 1


def test_a_named_file_is_reported_relative_to_the_repository_from_a_subdirectory(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(2))
    write(repo, ".gitignore", "*.log\n.env*\n")
    write(repo, "app/debug.log", f"Authorization: Key {key}\n")
    commit_all(repo)
    run = falguard("scan", "debug.log", "--format", "json", cwd=repo / "app")
    assert [f["path"] for f in run.json["findings"]] == ["app/debug.log"]


def test_a_named_ignored_env_file_keeps_its_meaning(repo: Path, falguard) -> None:
    """A key in an ignored .env.local is in the right place, named or not."""
    key = fake_key_id_secret(random.Random(3))
    write(repo, ".gitignore", ".env*\n")
    write(repo, ".env.local", f"FAL_KEY={key}\n")
    commit_all(repo)
    run = falguard("scan", ".env.local", "--format", "json", cwd=repo)
    assert run.code == 0 and run.json["findings"] == []


def test_no_git_scans_every_file_under_a_directory_inside_a_repository(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(4))
    write(repo, ".gitignore", "cache/\n.env*\n")
    write(repo, "cache/out.js", f'const k="{key}";\n')
    write(repo, "src/a.py", "x = 1\n")
    commit_all(repo)
    assert falguard("scan", "--format", "json", cwd=repo).json["findings"] == []
    run = falguard("scan", "--no-git", ".", "--format", "json", cwd=repo)
    assert run.code == 1
    assert [f["path"] for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"] == ["cache/out.js"]
    assert not any(f["path"].startswith(".git/") for f in run.json["findings"])


def test_no_git_does_not_combine_with_history_or_staged(repo: Path, falguard) -> None:
    for args in (("scan", "--no-git", "--history"), ("scan", "--no-git", "--staged")):
        run = falguard(*args, cwd=repo)
        assert run.code == 2 and run.err.startswith("falguard: error:")
