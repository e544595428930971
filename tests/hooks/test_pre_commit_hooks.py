"""`.pre-commit-hooks.yaml` with the real pre-commit framework, end to end.

Slow (pre-commit builds a virtualenv and pip-installs falguard and its dependencies, which
needs the package index) and therefore one test. It commits a snapshot of this checkout
(files as they are on disk) to a temporary repository, points a `.pre-commit-config.yaml`
at it, installs pre-commit's git hook and makes real commits.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret

CHECKOUT = Path(__file__).resolve().parents[2]


def snapshot_of_this_checkout(target: Path) -> str:
    """Commit the checkout's files (tracked and untracked-not-ignored, as on disk); return the commit."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        check=True,
    ).stdout
    target.mkdir()
    for raw in filter(None, listed.split(b"\0")):
        source = CHECKOUT / os.fsdecode(raw)
        if source.is_file():
            destination = target / os.fsdecode(raw)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    git(target, "init", "-q")
    return commit_all(target, "snapshot")


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_pre_commit_framework_refuses_a_staged_key_and_passes_clean_commits(repo: Path, tmp_path: Path) -> None:
    assert (CHECKOUT / ".pre-commit-hooks.yaml").exists()
    if subprocess.run(["git", "rev-parse"], cwd=CHECKOUT, capture_output=True).returncode != 0:
        pytest.skip("not running from a git checkout of falguard")
    hook_repo = tmp_path / "falguard-snapshot"
    rev = snapshot_of_this_checkout(hook_repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    write(
        repo,
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: falguard\n      - id: falguard-push\n",
    )
    installed = pre_commit("install", "--hook-type", "pre-commit", "--hook-type", "pre-push", cwd=repo, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    ignoring_env(repo)
    git(repo, "add", ".pre-commit-config.yaml", ".gitignore")
    first = subprocess.run(["git", "commit", "-m", "config"], cwd=repo, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr  # builds the hook environment

    secret = fake_key_id_secret(random.Random(42))
    write(repo, "app/settings.py", f"FAL_KEY = '{secret}'\n")
    git(repo, "add", "-A")
    refused = subprocess.run(["git", "commit", "-m", "leak"], cwd=repo, env=env, capture_output=True, text=True)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "falguard: commit refused" in output
    assert "fal-key-id-secret  app/settings.py:1:" in output
    assert secret not in output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"

    write(repo, "app/settings.py", "import os\nFAL_KEY = os.environ['FAL_KEY']\n")
    git(repo, "add", "-A")
    passed = subprocess.run(["git", "commit", "-m", "clean"], cwd=repo, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "falguard" in passed.stdout + passed.stderr  # pre-commit's "falguard ... Passed" line
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"

    # the pre-push hook, through pre-commit's PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    pushed = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo, env=env, capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    write(repo, "leak.py", f"FAL_KEY = '{secret}'\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "leak")
    refused_push = subprocess.run(["git", "push", "origin", "main"], cwd=repo, env=env, capture_output=True, text=True)
    assert refused_push.returncode != 0
    assert "falguard: push refused" in refused_push.stdout + refused_push.stderr
