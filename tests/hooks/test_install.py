"""`falguard install` / `uninstall`: where hooks go, chaining, idempotence."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from falguard.hooks.install import CHAINED_SUFFIX, MARKER
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


def hooks(repo: Path) -> Path:
    return repo / ".git" / "hooks"


def test_install_writes_an_executable_hook_with_this_python(repo: Path, falguard) -> None:
    run = falguard("install", cwd=repo)
    assert run.code == 0
    hook = hooks(repo) / "pre-commit"
    text = hook.read_text()
    assert MARKER in text and f"python={sys.executable}\n" in text
    assert '"$python" -m falguard "$@"' in text and 'run_falguard hook pre-commit "$@"' in text
    assert os.access(hook, os.X_OK)
    assert "installed the pre-commit hook" in run.out


def test_install_is_idempotent(repo: Path, falguard) -> None:
    falguard("install", cwd=repo)
    first = (hooks(repo) / "pre-commit").read_text()
    run = falguard("install", cwd=repo)
    assert "already installed" in run.out
    assert (hooks(repo) / "pre-commit").read_text() == first
    assert not (hooks(repo) / ("pre-commit" + CHAINED_SUFFIX)).exists()


def test_existing_hook_is_chained_runs_first_and_is_restored(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    marker = tmp_path / "ran"
    existing = hooks(repo) / "pre-commit"
    existing.parent.mkdir(parents=True, exist_ok=True)
    original = f"#!/bin/sh\necho ran >> '{marker}'\nexit 0\n"
    existing.write_text(original)
    existing.chmod(0o755)
    run = falguard("install", cwd=repo)
    assert "kept as pre-commit.falguard-chained" in run.out
    assert (hooks(repo) / ("pre-commit" + CHAINED_SUFFIX)).read_text() == original
    assert "already installed" in falguard("install", cwd=repo).out  # still idempotent
    write(repo, "a.py", "x = 1\n")
    commit_all(repo)
    assert marker.read_text() == "ran\n"
    # a failing chained hook blocks the commit, as it did before
    (hooks(repo) / ("pre-commit" + CHAINED_SUFFIX)).write_text("#!/bin/sh\nexit 3\n")
    write(repo, "b.py", "y = 1\n")
    git(repo, "add", "-A")
    assert subprocess.run(["git", "commit", "-qm", "b"], cwd=repo, capture_output=True).returncode != 0
    run = falguard("uninstall", "--hook", "pre-commit", cwd=repo)
    assert "put back" in run.out
    assert existing.read_text() == "#!/bin/sh\nexit 3\n"
    assert not (hooks(repo) / ("pre-commit" + CHAINED_SUFFIX)).exists()


def test_refuses_when_a_chained_hook_already_exists(repo: Path, falguard) -> None:
    directory = hooks(repo)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (directory / ("pre-commit" + CHAINED_SUFFIX)).write_text("#!/bin/sh\nexit 0\n")
    run = falguard("install", cwd=repo)
    assert run.code == 2
    assert "will not overwrite" in run.err and "mv " in run.err
    assert (directory / "pre-commit").read_text() == "#!/bin/sh\nexit 0\n"


def test_honours_core_hooks_path(repo: Path, falguard) -> None:
    git(repo, "config", "core.hooksPath", "shared hooks")
    run = falguard("install", "--hook", "pre-push", cwd=repo)
    assert run.code == 0, run.err
    assert (repo / "shared hooks" / "pre-push").exists()
    assert not (hooks(repo) / "pre-push").exists()
    assert "removed" in falguard("uninstall", "--hook", "pre-push", cwd=repo).out
    assert not (repo / "shared hooks" / "pre-push").exists()


def test_linked_worktree_installs_into_the_common_hooks_directory(repo: Path, tmp_path: Path, falguard) -> None:
    commit_all(repo)
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "linked", str(linked))
    assert falguard("install", cwd=linked).code == 0
    assert (hooks(repo) / "pre-commit").exists()
    # and it guards commits made in either worktree
    write(linked, "k.py", f"FAL_KEY = '{fake_key_id_secret(random.Random(1))}'\n")
    git(linked, "add", "-A")
    proc = subprocess.run(["git", "commit", "-m", "k"], cwd=linked, capture_output=True, text=True)
    assert proc.returncode == 1 and "commit refused" in proc.stderr


def test_uninstall_leaves_foreign_hooks_and_absent_ones_alone(repo: Path, falguard) -> None:
    directory = hooks(repo)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    run = falguard("uninstall", cwd=repo)
    assert run.code == 0
    assert "not installed by falguard" in run.out and "no pre-push hook" in run.out
    assert (directory / "pre-commit").exists()


def test_hook_falls_back_to_falguard_on_path_when_its_python_is_gone(repo: Path, tmp_path: Path) -> None:
    from falguard import git as falguard_git
    from falguard.hooks.install import install

    found = falguard_git.find_repo(repo)
    assert found is not None
    install(found, "pre-commit", python=str(tmp_path / "gone" / "python"))
    write(repo, "a.py", "x = 1\n")
    git(repo, "add", "-A")
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    env = {**os.environ, "PATH": f"{empty_path}:/usr/bin:/bin"}
    proc = subprocess.run(["git", "commit", "-qm", "a"], cwd=repo, capture_output=True, text=True, env=env)
    if proc.returncode == 0:  # a falguard on /usr/bin: then it ran that one
        return
    assert "Python this hook was installed with is gone" in proc.stderr


def test_install_server_in_a_bare_repository_chains_the_existing_hook(tmp_path: Path, falguard) -> None:
    git(tmp_path, "init", "-q", "--bare", "srv.git")
    server = tmp_path / "srv.git"
    existing = server / "hooks" / "pre-receive"
    existing.write_text("#!/bin/sh\ncat > /dev/null\nexit 0\n")
    existing.chmod(0o755)
    policy = tmp_path / "policy.toml"
    policy.write_text("")
    run = falguard("install", "--server", "--policy", str(policy), cwd=server)
    assert run.code == 0, run.err
    assert "kept as pre-receive.falguard-chained" in run.out
    text = existing.read_text()
    assert MARKER in text and f"python={sys.executable}\n" in text
    assert f"run_falguard hook pre-receive --policy {policy}" in text
    assert "command -v falguard" not in text  # a server runs what was installed, by absolute path
    assert "already installed" in falguard("install", "--server", "--policy", str(policy), cwd=server).out
    assert "put back" in falguard("uninstall", "--server", cwd=server).out
    assert existing.read_text() == "#!/bin/sh\ncat > /dev/null\nexit 0\n"


def test_install_server_uses_a_pre_receive_d_directory_where_the_server_has_one(tmp_path: Path, falguard) -> None:
    git(tmp_path, "init", "-q", "--bare", "srv.git")
    server = tmp_path / "srv.git"
    (server / "hooks" / "pre-receive.d").mkdir()
    dispatcher = "#!/bin/sh\n# the server's own dispatcher\n"
    (server / "hooks" / "pre-receive").write_text(dispatcher)
    run = falguard("install", "--server", cwd=server)
    assert run.code == 0, run.err
    assert MARKER in (server / "hooks" / "pre-receive.d" / "falguard").read_text()
    assert (server / "hooks" / "pre-receive").read_text() == dispatcher
    assert "removed" in falguard("uninstall", "--server", cwd=server).out
    assert not (server / "hooks" / "pre-receive.d" / "falguard").exists()


def test_install_server_prints_the_script_for_a_global_hooks_directory(repo: Path, falguard) -> None:
    run = falguard("install", "--server", "--print", "--policy", "/etc/falguard/server.toml", cwd=repo)
    assert run.code == 0
    assert run.out.startswith("#!/bin/sh\n") and "hook pre-receive --policy /etc/falguard/server.toml" in run.out
    assert not (hooks(repo) / "pre-receive").exists()


def test_install_server_refuses_a_work_tree(repo: Path, falguard) -> None:
    run = falguard("install", "--server", cwd=repo)
    assert run.code == 2 and "bare repository" in run.err
    assert falguard("install", "--print", cwd=repo).code == 2
