"""`falguard fix` on real repositories: append-only, idempotent, untracks only when asked."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest

from falguard.envhygiene.envfix import MARKER, untrack_command
from tests.helpers import commit_all, git, run_cli, write
from tests.keys import fake_key_id_secret


def tracked(repo: Path) -> list[str]:
    return git(repo, "ls-files", "-z").split("\0")[:-1]


def test_creates_the_gitignore_and_a_second_run_changes_nothing(repo: Path, falguard: Any) -> None:
    write(repo, ".env.local", "X=1\n")
    first = falguard("fix", cwd=repo)
    assert first.code == 0
    content = (repo / ".gitignore").read_text()
    assert content == f"{MARKER}\n.env*\n!.env.example\n"
    assert "created .gitignore" in first.out
    second = falguard("fix", cwd=repo)
    assert second.code == 0
    assert (repo / ".gitignore").read_text() == content
    assert "nothing to add" in second.out
    assert git(repo, "status", "--porcelain", "--ignored").splitlines() == ["?? .gitignore", "!! .env.local"]


def test_appends_without_touching_existing_lines(repo: Path, falguard: Any) -> None:
    existing = b"node_modules/\r\n# keep this\n!.env.local\ndist"  # CRLF, no final newline
    (repo / ".gitignore").write_bytes(existing)
    write(repo, "apps/web/.env.sample", "FAL_KEY=your-api-key\n")
    write(repo, "deploy/prod.env", "X=1\n")
    assert falguard("fix", cwd=repo).code == 0
    after = (repo / ".gitignore").read_bytes()
    assert after.startswith(existing)
    assert after[len(existing) :].decode() == f"\n\n{MARKER}\n.env*\n*.env\n!.env.example\n!.env.sample\n"
    assert falguard("fix", cwd=repo).code == 0
    assert (repo / ".gitignore").read_bytes() == after
    ignored = git(repo, "status", "--porcelain", "--ignored", "-uall").splitlines()
    assert "!! deploy/prod.env" in ignored and "?? apps/web/.env.sample" in ignored


def test_nothing_to_add_when_the_rules_already_do_it(repo: Path, falguard: Any) -> None:
    write(repo, ".gitignore", "/dist\n.env*\n!.env.example\n")
    write(repo, ".env.example", "FAL_KEY=your-api-key\n")
    run = falguard("fix", cwd=repo)
    assert "nothing to add" in run.out
    assert (repo / ".gitignore").read_text() == "/dist\n.env*\n!.env.example\n"


def test_a_rule_that_ignores_templates_too_gets_the_negation(repo: Path, falguard: Any) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, ".env.example", "FAL_KEY=your-api-key\n")
    falguard("fix", cwd=repo)
    assert (repo / ".gitignore").read_text().endswith("!.env.example\n")
    assert "?? .env.example" in git(repo, "status", "--porcelain")


def test_after_fix_scan_has_no_gitignore_findings(repo: Path, falguard: Any) -> None:
    write(repo, ".env", "X=1\n")
    write(repo, "README.md", "hi\n")
    assert falguard("scan", "--fail-on", "low", cwd=repo).code == 1
    falguard("fix", cwd=repo)
    assert falguard("scan", "--fail-on", "low", cwd=repo).code == 0


def test_prints_git_rm_cached_and_runs_it_only_when_asked(repo: Path, falguard: Any) -> None:
    secret = f"FAL_KEY={fake_key_id_secret(random.Random(1))}\n"
    write(repo, ".env", secret)
    write(repo, "config/prod.env", "X=1\n")
    write(repo, ".env.example", "FAL_KEY=your-api-key\n")
    commit_all(repo)
    run = falguard("fix", cwd=repo)
    assert "    git rm --cached -- .env\n    git rm --cached -- config/prod.env\n" in run.out
    assert secret.strip() not in run.out
    assert tracked(repo) == [".env", ".env.example", "config/prod.env"]  # printed, not run
    run = falguard("fix", "--untrack", cwd=repo)
    assert run.code == 0
    assert "stopped tracking .env (the file is still on disk)" in run.out
    assert tracked(repo) == [".env.example"]
    assert (repo / ".env").read_text() == secret  # never deleted
    assert (repo / "config/prod.env").exists()
    assert "D  .env" in git(repo, "status", "--porcelain")
    assert "env-tracked" not in falguard("scan", "--format", "json", cwd=repo).out


def test_commands_are_exact_for_odd_names_and_other_directories(tmp_path: Path) -> None:
    root = tmp_path / "my repo"
    assert untrack_command("a b/.env", root, root) == "git rm --cached -- 'a b/.env'"
    assert untrack_command("x/[1].env", root, root) == "git rm --cached -- ':(literal)x/[1].env'"
    assert untrack_command(".env", root, tmp_path) == f"git -C '{root}' rm --cached -- .env"


def test_odd_tracked_name_is_untracked_exactly(repo: Path, falguard: Any) -> None:
    write(repo, ".env.*", "X=1\n")  # as a pattern it would match the template too
    write(repo, ".env.example", "FAL_KEY=your-api-key\n")
    commit_all(repo)
    assert "git rm --cached -- ':(literal).env.*'" in falguard("fix", cwd=repo).out
    falguard("fix", "--untrack", cwd=repo)
    assert tracked(repo) == [".env.example"]
    assert (repo / ".env.*").exists()


def test_from_a_subdirectory_the_root_gitignore_is_fixed(repo: Path) -> None:
    write(repo, "src/app.py", "x = 1\n")
    write(repo, ".env", "X=1\n")
    git(repo, "add", ".env")
    run = run_cli("fix", cwd=repo / "src")
    assert run.code == 0
    assert (repo / ".gitignore").exists() and not (repo / "src" / ".gitignore").exists()
    assert f"git -C {repo} rm --cached -- .env" in run.out


def test_refuses_to_write_through_a_symlinked_gitignore(repo: Path, tmp_path: Path, falguard: Any) -> None:
    outside = write(tmp_path, "elsewhere", "x\n")
    os.symlink(outside, repo / ".gitignore")
    run = falguard("fix", cwd=repo)
    assert run.code == 2
    assert "not a regular file" in run.err
    assert outside.read_text() == "x\n"


def test_outside_a_repository_fix_refuses_and_writes_nothing(tmp_path: Path, falguard: Any) -> None:
    plain = tmp_path / "plain"
    write(plain, ".env", "X=1\n")
    run = falguard("fix", "plain", cwd=tmp_path)
    assert run.code == 2 and "not in a git repository" in run.err and "Traceback" not in run.err
    assert not (plain / ".gitignore").exists()


@pytest.mark.parametrize(
    "gitignore",
    [".env*\n", ".env\n.env.*\n", "*.env*\n", "**/.env*\n", "node_modules/\n.env*\n!.env.example\n", ".env*"],
)
def test_a_gitignore_that_already_covers_env_files_gets_nothing(repo: Path, falguard: Any, gitignore: str) -> None:
    write(repo, ".gitignore", gitignore)
    write(repo, ".env.local", "X=1\n")
    run = falguard("fix", cwd=repo)
    assert run.code == 0 and "nothing to add" in run.out
    assert (repo / ".gitignore").read_text() == gitignore


def test_only_the_missing_lines_are_added(repo: Path, falguard: Any) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, "deploy/prod.env", "X=1\n")
    falguard("fix", cwd=repo)
    assert (repo / ".gitignore").read_text() == f".env*\n\n{MARKER}\n*.env\n"
    assert falguard("fix", cwd=repo).out.endswith("nothing to add\n")


def test_fix_covers_wrangler_streamlit_and_backup_env_files(repo: Path, falguard: Any) -> None:
    for name in ("worker/.dev.vars", "app/.streamlit/secrets.toml", ".env copy", "deploy/prod.env.old"):
        write(repo, name, "X=1\n")
    write(repo, "worker/.dev.vars.example", "FAL_KEY=your-api-key\n")
    assert falguard("fix", cwd=repo).code == 0
    lines = (repo / ".gitignore").read_text().splitlines()
    assert lines[1:] == [
        ".env*",
        "*.env.*",
        ".dev.vars*",
        "**/.streamlit/secrets.toml",
        "!.dev.vars.example",
        "!.env.example",
    ]
    ignored = set(git(repo, "ls-files", "-z", "--others", "--ignored", "--exclude-standard").split("\0")[:-1])
    assert ignored == {"worker/.dev.vars", "app/.streamlit/secrets.toml", ".env copy", "deploy/prod.env.old"}
    assert "nothing to add" in falguard("fix", cwd=repo).out
