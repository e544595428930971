"""`falguard hook pre-receive` on a real git server (git daemon on 127.0.0.1), pushed to from real clones."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from falguard import git as falguard_git
from falguard.errors import InputError
from falguard.hooks.install import install
from falguard.hooks.policy import load_policy
from falguard.hooks.prereceive import bypass_requests, parse_receive_lines
from tests.helpers import commit_all, git, write
from tests.hooks.gitserver import GitServer, git_daemon
from tests.keys import fake_key_id_secret


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GitServer]:
    base = tmp_path / "srv"
    base.mkdir()
    with git_daemon(base) as running:
        yield running


def bare(server: GitServer, name: str = "app.git", *, hook: bool = True, policy: str | None = None) -> Path:
    """A bare repository on the server, with falguard's pre-receive hook (``policy``: its own .falguard.toml)."""
    path = server.base / name
    git(server.base, "init", "-q", "--bare", name)
    git(path, "config", "receive.advertisePushOptions", "true")
    if policy is not None:
        (path / ".falguard.toml").write_text(policy)
    if hook:
        repo = falguard_git.find_repo(path)
        assert repo is not None
        install(repo, "pre-receive")
    return path


def clone(server: GitServer, tmp_path: Path, name: str = "app.git") -> Path:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", server.url(name), str(work))
    return work


def push(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", *args], cwd=work, capture_output=True, text=True, check=False)


def key(seed: int = 1) -> tuple[str, str, str]:
    """A fake key, its id and its secret half."""
    value = fake_key_id_secret(random.Random(seed))
    key_id, _, secret = value.partition(":")
    return value, key_id, secret


def remote_lines(proc: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(line for line in proc.stderr.splitlines() if line.startswith("remote:"))


def server_refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")


def test_a_clean_push_is_accepted(server: GitServer, tmp_path: Path) -> None:
    repo = bare(server)
    work = clone(server, tmp_path)
    write(work, "app.py", "print('hello')\n")
    head = commit_all(work, "first")
    proc = push(work, "origin", "HEAD:refs/heads/main")
    assert proc.returncode == 0, proc.stderr
    assert "falguard" not in proc.stderr  # nothing to say about a clean push
    assert head in server_refs(repo)


def test_a_key_a_later_pushed_commit_deletes_still_refuses_the_whole_push(server: GitServer, tmp_path: Path) -> None:
    repo = bare(server)
    work = clone(server, tmp_path)
    write(work, "README.md", "app\n")
    commit_all(work, "readme")
    assert push(work, "origin", "HEAD:refs/heads/main").returncode == 0
    before = server_refs(repo)
    value, key_id, secret = key()
    write(work, "config/settings.py", f"FAL_KEY = '{value}'\n")
    leaked = commit_all(work, "settings")
    (work / "config" / "settings.py").unlink()
    commit_all(work, "remove the key again")
    write(work, "other.txt", "x\n")
    git(work, "branch", "side")
    proc = push(work, "origin", "HEAD:refs/heads/main", "side")
    assert proc.returncode != 0
    shown = remote_lines(proc)
    assert "push refused" in shown and "pre-receive hook declined" in proc.stderr
    assert f"key id {key_id}" in shown
    assert f"commit {leaked[:12]}  config/settings.py:1" in shown
    assert "Revoke or rotate the key first" in shown and "Push again" in shown
    assert secret not in proc.stderr and value not in proc.stderr
    assert len(shown.splitlines()) <= 20  # one short block
    assert server_refs(repo) == before  # neither ref moved


def test_a_key_in_an_annotated_tag_message_is_refused(server: GitServer, tmp_path: Path) -> None:
    bare(server)
    work = clone(server, tmp_path)
    commit_all(work, "first")
    assert push(work, "origin", "HEAD:refs/heads/main").returncode == 0
    value, key_id, secret = key(2)
    git(work, "tag", "-a", "v1.0", "-m", f"release\n\nFAL_KEY={value}\n")  # on a commit the server has
    proc = push(work, "origin", "v1.0")
    assert proc.returncode != 0
    shown = remote_lines(proc)
    assert f"key id {key_id}" in shown and "tag message of refs/tags/v1.0, line 3" in shown
    assert secret not in proc.stderr


def test_a_key_in_a_commit_message_is_refused(server: GitServer, tmp_path: Path) -> None:
    bare(server)
    work = clone(server, tmp_path)
    value, key_id, secret = key(3)
    commit = commit_all(work, f"debugging\n\nit works with FAL_KEY={value}")
    proc = push(work, "origin", "HEAD:refs/heads/main")
    assert proc.returncode != 0
    shown = remote_lines(proc)
    assert f"key id {key_id}" in shown and f"commit {commit[:12]}  commit message, line 3" in shown
    assert secret not in proc.stderr


def test_deletions_and_commits_the_server_already_has_pass_at_once(server: GitServer, tmp_path: Path) -> None:
    repo = bare(server, hook=False)
    work = clone(server, tmp_path)
    value, _, _ = key(4)
    write(work, "old.py", f"FAL_KEY = '{value}'\n")  # pushed before falguard was installed
    old = commit_all(work, "old history")
    assert push(work, "origin", "HEAD:refs/heads/main", "HEAD:refs/heads/doomed").returncode == 0
    found = falguard_git.find_repo(repo)
    assert found is not None
    install(found, "pre-receive")
    audit = tmp_path / "audit.jsonl"
    (repo / ".falguard.toml").write_text(f'[server]\naudit-log = "{audit}"\n')
    proc = push(work, "origin", f"{old}:refs/heads/release", f"{old}:refs/tags/v0", ":refs/heads/doomed")
    assert proc.returncode == 0, proc.stderr
    assert "falguard" not in proc.stderr
    refs = server_refs(repo)
    assert "refs/heads/release" in refs and "refs/tags/v0" in refs and "refs/heads/doomed" not in refs
    assert not audit.exists()  # nothing refused, nothing let through: nothing to record
    write(work, "new.py", f"FAL_KEY = '{value}'  # again\n")  # the hook is there: new content with the key is refused
    commit_all(work, "new")
    assert push(work, "origin", "HEAD:refs/heads/main").returncode != 0
    assert audit.exists()


def test_a_push_option_bypass_is_off_by_default(server: GitServer, tmp_path: Path) -> None:
    bare(server)
    work = clone(server, tmp_path)
    value, _, _ = key(5)
    write(work, "a.py", f"FAL_KEY = '{value}'\n")
    commit_all(work)
    refused = push(work, "origin", "HEAD:refs/heads/main")
    fingerprint = re.search(r"fingerprint ([0-9a-f]{16})", refused.stderr)
    assert fingerprint is not None
    proc = push(work, "-o", f"falguard-allow={fingerprint.group(1)}", "origin", "HEAD:refs/heads/main")
    assert proc.returncode != 0
    assert "falguard-allow push option is off on this server" in proc.stderr


def test_the_push_option_bypass_when_the_server_allows_it_is_logged(server: GitServer, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    repo = bare(server, policy=f'[server]\npush-option-bypass = true\naudit-log = "{audit}"\n')
    work = clone(server, tmp_path)
    value, key_id, secret = key(6)
    write(work, "a.py", f"FAL_KEY = '{value}'\n")
    commit = commit_all(work)
    refused = push(work, "origin", "HEAD:refs/heads/main")
    assert refused.returncode != 0 and "git push -o falguard-allow=<fingerprint>" in refused.stderr
    fingerprint = re.search(r"fingerprint ([0-9a-f]{16})", refused.stderr)
    assert fingerprint is not None
    proc = push(work, "-o", f"falguard-allow={fingerprint.group(1)}", "origin", "HEAD:refs/heads/main")
    assert proc.returncode == 0, proc.stderr
    assert "falguard: bypass: fal-key-id-secret" in proc.stderr and "logged" in proc.stderr
    assert commit in server_refs(repo)
    events = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [event["event"] for event in events] == ["refused", "bypass"]
    assert events[1]["key_id"] == key_id and events[1]["commit"] == commit
    assert secret not in audit.read_text() and secret not in proc.stderr


def test_pushed_configuration_and_allow_comments_cannot_change_the_servers_policy(
    server: GitServer, tmp_path: Path
) -> None:
    bare(server)
    work = clone(server, tmp_path)
    value, key_id, _ = key(7)
    write(work, "a.py", f"FAL_KEY = '{value}'  # falguard:allow\n")
    commit_all(work)
    refused = push(work, "origin", "HEAD:refs/heads/main")
    assert refused.returncode != 0 and f"key id {key_id}" in refused.stderr  # the pushed allow comment does not count
    fingerprint = re.search(r"fingerprint ([0-9a-f]{16})", refused.stderr)
    assert fingerprint is not None
    write(
        work,
        ".falguard.toml",
        f'fail-on = "critical"\nexclude = ["*.py"]\n'
        f'allow = [{{ fingerprint = "{fingerprint.group(1)}", reason = "mine" }}]\n'
        "[server]\npush-option-bypass = true\n",
    )
    commit_all(work, "my own policy")
    proc = push(work, "-o", f"falguard-allow={fingerprint.group(1)}", "origin", "HEAD:refs/heads/main")
    assert proc.returncode != 0 and f"key id {key_id}" in proc.stderr


def test_the_server_may_choose_to_honour_pushed_allow_comments(server: GitServer, tmp_path: Path) -> None:
    bare(server, policy="[server]\nhonour-inline-allow = true\n")
    work = clone(server, tmp_path)
    value, _, _ = key(7)
    write(work, "a.py", f"FAL_KEY = '{value}'  # falguard:allow reason=\"test fixture\"\n")
    commit_all(work)
    assert push(work, "origin", "HEAD:refs/heads/main").returncode == 0


def test_the_servers_own_policy_decides(server: GitServer, tmp_path: Path) -> None:
    """Allow entries from the repository's policy and a server-wide file named by --policy."""
    value, _, _ = key(8)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    write(scratch, "a.py", f"FAL_KEY = '{value}'\n")
    from tests.helpers import run_cli

    found = run_cli("scan", "--format", "json", ".", cwd=scratch).json["findings"][0]["fingerprint"]
    repo = bare(server, policy=f'allow = [{{ fingerprint = "{found}", reason = "a documented test key" }}]\n')
    work = clone(server, tmp_path)
    write(work, "a.py", f"FAL_KEY = '{value}'\n")
    commit_all(work)
    assert push(work, "origin", "HEAD:refs/heads/main").returncode == 0
    (repo / ".falguard.toml").unlink()
    server_wide = tmp_path / "server.toml"
    server_wide.write_text("[server]\nmax-push-size = 1\n")
    found_repo = falguard_git.find_repo(repo)
    assert found_repo is not None
    install(found_repo, "pre-receive", policy=str(server_wide))
    write(work, "b.py", "x = 1\n")
    commit_all(work)
    proc = push(work, "origin", "HEAD:refs/heads/main")
    assert proc.returncode != 0 and "push refused unscanned" in proc.stderr and "max-push-size" in proc.stderr
    (repo / ".falguard.toml").write_text('[server]\nover-budget = "allow"\n')  # the repository's wins
    proc = push(work, "origin", "HEAD:refs/heads/main")
    assert proc.returncode == 0 and "push let through unscanned" in proc.stderr


def test_a_scan_over_the_time_budget_is_refused_and_says_so(server: GitServer, tmp_path: Path) -> None:
    bare(server, policy="[server]\ntime-budget = 0.000001\n")
    work = clone(server, tmp_path)
    write(work, "a.py", "x = 1\n")
    commit_all(work)
    proc = push(work, "origin", "HEAD:refs/heads/main")
    assert proc.returncode != 0
    assert "time-budget" in proc.stderr and "refused unscanned" in proc.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    git(tmp_path, "init", "-q", "--bare", "r.git")
    run = run_cli("hook", "pre-receive", cwd=tmp_path / "r.git", input=b"not a ref line\n")
    assert run.code == 2 and run.err.count("\n") == 1 and "unexpected input line" in run.err
    with pytest.raises(InputError):
        parse_receive_lines("0" * 40 + " " + "1" * 39 + " refs/heads/x\n")
    with pytest.raises(InputError):
        bypass_requests(["falguard-allow=NOTHEX"])
    assert bypass_requests(["ci.skip", "falguard-allow=" + "a" * 16]) == ("a" * 16,)


def test_a_policy_mistake_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / ".falguard.toml").write_text('[server]\nover-budget = "maybe"\n')
    with pytest.raises(Exception, match=r"over-budget: expected one of refuse, allow"):
        load_policy(tmp_path)
    (tmp_path / ".falguard.toml").write_text("[server]\nbudget = 3\n")
    with pytest.raises(Exception, match=r"unknown key 'budget'"):
        load_policy(tmp_path)


def test_the_quarantine_reaches_every_git_command(tmp_path: Path) -> None:
    """Objects that exist only in the quarantine directory git names in the environment are
    scanned there (and without that environment the hook cannot read them: exit 2)."""
    from tests.helpers import run_cli

    git(tmp_path, "init", "-q", "--bare", "srv.git")
    server = tmp_path / "srv.git"
    quarantine = server / "objects" / "incoming-test"
    quarantine.mkdir()
    value, key_id, secret = key(10)
    env = {"GIT_OBJECT_DIRECTORY": str(quarantine), "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(server / "objects")}

    def quarantined(*args: str, data: bytes | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=server, input=data, capture_output=True, env={**os.environ, **env})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.decode().strip()

    blob = quarantined("hash-object", "-w", "--stdin", data=f"FAL_KEY = '{value}'\n".encode())
    tree = quarantined("mktree", data=f"100644 blob {blob}\tkey.py\n".encode())
    commit = quarantined("commit-tree", tree, "-m", "pushed")
    assert subprocess.run(["git", "cat-file", "-e", commit], cwd=server).returncode != 0  # only in quarantine
    lines = f"{'0' * 40} {commit} refs/heads/main\n".encode()
    run = run_cli("hook", "pre-receive", cwd=server, input=lines, env={**env, "GIT_QUARANTINE_PATH": str(quarantine)})
    assert run.code == 1 and f"key id {key_id}" in run.err and f"commit {commit[:12]}  key.py:1" in run.err
    assert secret not in run.err
    outside = run_cli("hook", "pre-receive", cwd=server, input=lines)
    assert outside.code == 2 and outside.err.count("\n") == 1
