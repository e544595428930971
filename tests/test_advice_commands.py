"""Every command falguard's steps tell a user to paste works (issue 25).

For each scenario repository (tests/scenarios.py) the steps of ``scan``, ``scan --history``
and ``audit`` are collected; every backticked ``git ...`` and ``falguard ...`` command in a
step is run, in the order the step gives them, by a POSIX shell in a fresh copy of the
repository, on a terminal (``falguard rotate`` prints a new key only there), with a local
stand-in for fal's API that knows the scenario's keys (tests/falapi_standin.py). Each must
succeed: exit 0, or 1 for ``falguard scan``/``audit``, whose 1 is the verdict "findings".
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.falapi_standin import StandIn
from tests.helpers import run_cli
from tests.scenarios import SCENARIOS, Scenario

COMMAND = re.compile(r"`((?:git|falguard) [^`]+)`")
#: Commands whose exit code 1 is a verdict (findings), not a failure.
VERDICTS = ("falguard scan", "falguard audit")
BIN = str(Path(sys.executable).parent)  # falguard and git-filter-repo, installed with the test extra


def commands_of(step: str) -> list[str]:
    return COMMAND.findall(step)


def steps_of(repo: Path) -> list[str]:
    """Every step of ``scan``, ``scan --history`` and ``audit`` (findings and stories), once each."""
    steps: dict[str, None] = {}
    for args in (("scan",), ("scan", "--history"), ("audit",)):
        run = run_cli(*args, "--format", "json", cwd=repo)
        assert run.code in (0, 1), run.err
        report: dict[str, Any] = run.json
        for finding in report["findings"]:
            steps.update(dict.fromkeys(finding["steps"]))
        for story in report.get("audit", report).get("stories", []):
            steps.update(dict.fromkeys(story["steps"]))
    return list(steps)


def on_a_terminal(command: str, cwd: Path, env: dict[str, str], timeout: float = 120.0) -> tuple[int, str]:
    """Run ``command`` with ``sh -c`` with its output on a pseudo-terminal; (exit code, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        ["sh", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    try:
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        code = -9
    return code, b"".join(chunks).decode("utf-8", "replace")


def succeeded(command: str, code: int) -> bool:
    return code == 0 or (code == 1 and command.startswith(VERDICTS))


def run_step(scenario: Scenario, step: str, scratch: Path) -> list[str]:
    """Run one step's commands in order in a fresh copy; the failures, each with its output."""
    copy = scratch / "repo"
    shutil.copytree(scenario.repo, copy, symlinks=True)
    failures = []
    with StandIn() as api:
        admin = api.add_key("ADMIN", "ci admin").credential
        for key in scenario.keys:
            api.add_key("API", "leaked", credential=key)
        env = {
            **os.environ,
            "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
            "FAL_ADMIN_KEY": admin,
            "FALGUARD_FAL_API_URL": api.url,
        }
        for command in commands_of(step):
            code, output = on_a_terminal(command, copy, env)
            if not succeeded(command, code):
                failures.append(f"{command!r} exited {code}:\n{output[-2000:]}")
    return failures


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_command_in_the_steps_works(name: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[name](tmp_path / "scenario")
    steps = [step for step in steps_of(scenario.repo) if commands_of(step)]
    assert steps, "the scenario's steps name no command to run"
    failures = []
    for number, step in enumerate(steps):
        failures += run_step(scenario, step, tmp_path / f"step-{number}")
    assert not failures, "\n\n".join(failures)


def test_git_filter_repo_is_installed_with_the_test_extra() -> None:
    """The purge step's ``git filter-repo`` is run above: it must be there, not skipped."""
    assert shutil.which("git-filter-repo", path=BIN + os.pathsep + os.environ.get("PATH", "")), (
        "install the test extra: pip install -e '.[test]'"
    )
