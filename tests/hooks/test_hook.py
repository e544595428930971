"""The git hooks end to end: native pre-commit and pre-push, run by real git commands."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from falguard import git as falguard_git
from falguard.hooks.hook import framework_ranges, parse_push_lines, pre_push, push_ranges
from tests.helpers import commit_all, git, ignoring_env, run_cli, write
from tests.keys import fake_key_id_secret

ZERO = "0" * 40


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def attempt(repo: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        input=None if input is None else input.decode(),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def hooked(repo: Path) -> Path:
    ignoring_env(repo)
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    run = run_cli("install", "--hook", "pre-commit", "--hook", "pre-push", cwd=repo)
    assert run.code == 0, run.err
    return repo


def test_commit_with_a_staged_key_is_refused_with_the_refusal_message(hooked: Path) -> None:
    secret = key(1)
    write(hooked, "src/my config.py", f"FAL_KEY = '{secret}'\n")
    git(hooked, "add", "-A")
    proc = attempt(hooked, "commit", "-m", "add config")
    assert proc.returncode != 0
    message = proc.stderr
    assert "falguard: commit refused" in message
    assert "fal-key-id-secret  src/my config.py:1:" in message
    assert secret not in message + proc.stdout  # masked
    assert f"****{secret[-4:]}" in message
    assert "git restore --staged -- 'src/my config.py'" in message
    # a Python file, no browser code anywhere: no browser words (issue 25)
    assert "read FAL_KEY from the environment" in message and "browser" not in message and ".env.local" not in message
    assert "rotate" in message
    assert "--no-verify" in message and "skips every hook" in message
    assert git(hooked, "rev-list", "--count", "HEAD").strip() == "1"


def test_clean_commit_passes_silently(hooked: Path) -> None:
    write(hooked, "app.py", "import os\nkey = os.environ['FAL_KEY']\n")
    git(hooked, "add", "-A")
    proc = attempt(hooked, "commit", "-q", "-m", "clean")
    assert proc.returncode == 0, proc.stderr
    assert "falguard" not in proc.stderr


def test_commit_all_uses_the_temporary_index(hooked: Path) -> None:
    write(hooked, "README.md", f"hello\nFAL_KEY={key(2)}\n")  # modified, never staged by hand
    assert run_cli("scan", "--staged", cwd=hooked).code == 0
    proc = attempt(hooked, "commit", "-a", "-m", "all")
    assert proc.returncode != 0
    assert "README.md:2:" in proc.stderr


def test_commit_with_paths_uses_the_temporary_index(hooked: Path) -> None:
    write(hooked, "notes.txt", "clean\n")
    git(hooked, "add", "notes.txt")
    write(hooked, "README.md", f"hello\nFAL_KEY={key(3)}\n")
    proc = attempt(hooked, "commit", "-m", "only readme", "README.md")
    assert proc.returncode != 0
    assert "README.md:2:" in proc.stderr
    proc = attempt(hooked, "commit", "-q", "-m", "only notes", "notes.txt")
    assert proc.returncode == 0, proc.stderr


def test_first_commit_suggests_rm_cached(repo: Path) -> None:
    assert run_cli("install", cwd=repo).code == 0
    write(repo, "app.py", f"FAL_KEY = '{key(4)}'\n")
    git(repo, "add", "-A")
    proc = attempt(repo, "commit", "-m", "first")
    assert proc.returncode != 0
    assert "git rm --cached -- app.py" in proc.stderr


def test_commit_from_a_linked_worktree(hooked: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(hooked, "worktree", "add", "-q", "-b", "feature", str(linked))
    write(linked, "leak.ts", f'const k = "{key(5)}";\n')
    git(linked, "add", "-A")
    proc = attempt(linked, "commit", "-m", "leak")
    assert proc.returncode != 0
    assert "leak.ts:1:" in proc.stderr


@pytest.fixture
def pushed(hooked: Path, tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(hooked, "remote", "add", "origin", str(remote))
    proc = attempt(hooked, "push", "-q", "origin", "main")
    assert proc.returncode == 0, proc.stderr
    return hooked


def commit_key_unchecked(repo: Path, name: str, seed: int) -> str:
    write(repo, name, f"FAL_KEY = '{key(seed)}'\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", f"add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


def test_push_of_a_commit_with_a_key_is_refused(pushed: Path) -> None:
    bad = commit_key_unchecked(pushed, "leak.py", 6)
    write(pushed, "leak.py", "key = None\n")
    commit_all(pushed, "remove the key again")  # not enough: the push would still publish it
    proc = attempt(pushed, "push", "origin", "main")
    assert proc.returncode != 0
    assert "falguard: push refused" in proc.stderr
    assert f"leak.py:1:12 (commit {bad[:12]})" in proc.stderr
    assert "git rebase -i" in proc.stderr and "git push --no-verify" in proc.stderr


def test_push_of_a_new_branch_scans_only_commits_no_remote_has(pushed: Path) -> None:
    commit_key_unchecked(pushed, "old.py", 7)
    assert attempt(pushed, "push", "-q", "--no-verify", "origin", "main").returncode == 0  # published
    git(pushed, "checkout", "-q", "-b", "feature")
    write(pushed, "feature.py", "ok = True\n")
    commit_all(pushed, "feature")
    proc = attempt(pushed, "push", "-q", "origin", "feature")
    assert proc.returncode == 0, proc.stderr
    commit_key_unchecked(pushed, "new.py", 8)
    git(pushed, "checkout", "-q", "-b", "feature-2")
    proc = attempt(pushed, "push", "origin", "feature-2")
    assert proc.returncode != 0
    assert "new.py:1:" in proc.stderr and "old.py" not in proc.stderr


def test_push_deleting_a_branch_scans_nothing(pushed: Path) -> None:
    git(pushed, "checkout", "-q", "-b", "doomed")
    commit_key_unchecked(pushed, "leak.py", 9)
    assert attempt(pushed, "push", "-q", "--no-verify", "origin", "doomed").returncode == 0
    proc = attempt(pushed, "push", "-q", "origin", "--delete", "doomed")
    assert proc.returncode == 0, proc.stderr


def test_push_ranges_from_git_lines(pushed: Path) -> None:
    repo = falguard_git.find_repo(pushed)
    assert repo is not None
    head = git(pushed, "rev-parse", "HEAD").strip()
    unknown = "f" * 40  # a force push over commits this clone never saw
    lines = (
        f"refs/heads/main {head} refs/heads/main {head}\n"
        f"(delete) {ZERO} refs/heads/gone {head}\n"
        f"refs/heads/x {head} refs/heads/x {ZERO}\n"
        f"refs/heads/y {head} refs/heads/y {unknown}\n"
    )
    ranges = push_ranges(repo, parse_push_lines(lines))
    assert [(r.tips, r.exclude, r.exclude_remotes) for r in ranges] == [
        ((head,), (head,), True),
        ((head,), (), True),
        ((head,), (), True),
    ]
    with pytest.raises(Exception, match="unexpected input"):
        parse_push_lines("garbage\n")


def test_pre_push_under_the_pre_commit_framework_reads_its_environment(pushed: Path) -> None:
    base = git(pushed, "rev-parse", "HEAD").strip()
    bad = commit_key_unchecked(pushed, "leak.py", 10)
    repo = falguard_git.find_repo(pushed)
    assert repo is not None
    environ = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": bad}
    (commits,) = framework_ranges(repo, environ)
    assert (commits.tips, commits.exclude) == ((bad,), (base,))
    _, result = pre_push(None, environ, str(pushed))
    assert [(f.path, f.commit) for f in result.findings] == [("leak.py", bad)]
    # a push carrying a root commit: pre-commit sets only the local branch
    _, result = pre_push(None, {"PRE_COMMIT": "1", "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"}, str(pushed))
    assert [f.path for f in result.findings] == ["leak.py"]


def test_merge_commits_count_only_what_the_merge_adds(pushed: Path) -> None:
    git(pushed, "checkout", "-q", "-b", "side")
    commit_key_unchecked(pushed, "side.py", 11)
    assert attempt(pushed, "push", "-q", "--no-verify", "origin", "side").returncode == 0
    git(pushed, "checkout", "-q", "main")
    write(pushed, "main.py", "x = 1\n")
    commit_all(pushed, "main work")
    git(pushed, "merge", "-q", "--no-edit", "side")
    proc = attempt(pushed, "push", "-q", "origin", "main")
    assert proc.returncode == 0, proc.stderr  # side.py came from a published branch


def test_push_of_a_repository_root_commit_scans_it(repo: Path) -> None:
    write(repo, "root file.py", f"FAL_KEY = '{key(12)}'\n")
    root = commit_all(repo, "root")
    git(repo, "config", "log.showRoot", "false")  # must not hide the root commit's content
    run = run_cli(
        "hook", "pre-push", "origin", "url", cwd=repo, input=f"refs/heads/main {root} refs/heads/main {ZERO}\n".encode()
    )
    assert run.code == 1
    assert f"root file.py:1:12 (commit {root[:12]})" in run.err


def test_hook_honours_allow_comments_baseline_and_configuration(hooked: Path) -> None:
    write(hooked, "fixture.py", f"KEY = '{key(40)}'  # falguard:allow reason=\"test fixture\"\n")
    git(hooked, "add", "-A")
    assert attempt(hooked, "commit", "-m", "allowed inline").returncode == 0
    write(hooked, "old.py", f"KEY = '{key(41)}'\n")
    assert run_cli("baseline", "create", cwd=hooked).code == 0
    git(hooked, "add", "-A")
    assert attempt(hooked, "commit", "-m", "baselined").returncode == 0
    write(hooked, "vendor/x.py", f"KEY = '{key(42)}'\n")
    write(hooked, ".falguard.toml", 'exclude = ["vendor/"]\n')
    git(hooked, "add", "-A")
    assert attempt(hooked, "commit", "-m", "excluded").returncode == 0
    write(hooked, "new.py", f"KEY = '{key(43)}'\n")
    git(hooked, "add", "-A")
    proc = attempt(hooked, "commit", "-m", "new key")
    assert proc.returncode != 0 and "new.py" in proc.stderr


def test_pre_commit_hook_checks_that_env_files_are_ignored(repo: Path) -> None:
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")  # no .gitignore at all
    assert run_cli("install", cwd=repo).code == 0
    write(repo, ".env.local", "DEBUG=1\n")  # on disk, not ignored: `git add .` would stage it
    write(repo, "notes.txt", "clean\n")
    git(repo, "add", "notes.txt")
    proc = attempt(repo, "commit", "-m", "clean change")
    assert proc.returncode == 0  # the commit adds nothing wrong: the gitignore check warns
    assert "falguard: warning:" in proc.stderr and "falguard fix" in proc.stderr
    assert ".env.local" in proc.stderr and "refused" not in proc.stderr
    git(repo, "add", "-f", ".env.local")  # staging the env file itself is what blocks
    proc = attempt(repo, "commit", "-m", "env file")
    assert proc.returncode != 0 and "env-tracked" in proc.stderr
    git(repo, "rm", "-q", "--cached", ".env.local")
    assert run_cli("fix", cwd=repo).code == 0
    git(repo, "add", ".gitignore")
    proc = attempt(repo, "commit", "-m", "ignore env files")
    assert proc.returncode == 0 and "warning" not in proc.stderr
