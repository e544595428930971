"""A history scan that could not read everything never passes silently in CI."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


@pytest.fixture
def shallow(repo: Path, tmp_path: Path) -> Path:
    """A --depth 1 clone (what actions/checkout gives by default) of a repository whose only key
    is in a commit the clone does not have."""
    ignoring_env(repo)
    write(repo, "a.cfg", f"FAL_KEY={fake_key_id_secret(random.Random(3))}\n")
    commit_all(repo, "old")
    write(repo, "a.cfg", "FAL_KEY=\n")
    commit_all(repo, "removed")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))
    return clone


def test_outside_ci_it_warns_and_passes(shallow: Path, falguard) -> None:
    run = falguard("scan", "--history", cwd=shallow)
    assert run.code == 0
    assert "incomplete: shallow clone" in run.out  # said once: in the report's summary, not again on stderr
    assert "shallow clone" not in run.err
    assert "no fal credentials found in what was read (coverage is incomplete)" in run.out  # never a bare "none"


def test_in_ci_it_fails_with_the_fix(shallow: Path, falguard, monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    for args in (("scan", "--history"), ("scan", "--history", "--format", "json"), ("audit",)):
        run = falguard(*args, cwd=shallow)
        assert run.code == 2, args
        last = run.err.strip().splitlines()[-1]
        assert last.startswith("falguard: error: the scan is incomplete (see above)")
        assert "git fetch --unshallow" in last and "fetch-depth: 0" in last
        said = [line for line in (run.out + run.err).splitlines() if "shallow clone" in line and '"' not in line]
        assert len([line for line in said if line.startswith("falguard:")]) == 1, said  # the reason, once
    assert falguard("scan", "--history", "--no-fail-on-incomplete", cwd=shallow).code == 0
    assert falguard("scan", cwd=shallow).code == 0  # a working-tree scan is complete


def test_the_flag_and_the_config_key(shallow: Path, falguard) -> None:
    assert falguard("scan", "--history", "--fail-on-incomplete", cwd=shallow).code == 2
    write(shallow, ".falguard.toml", "fail-on-incomplete = true\n")
    assert falguard("scan", "--history", cwd=shallow).code == 2
    assert falguard("audit", cwd=shallow).code == 2
    write(shallow, ".falguard.toml", 'fail-on-incomplete = "yes"\n')
    run = falguard("scan", "--history", cwd=shallow)
    assert run.code == 2 and "fail-on-incomplete: expected true or false" in run.err


def test_the_audit_of_a_shallow_clone_never_says_action_none(shallow: Path, falguard) -> None:
    """Its ticket said "INCOMPLETE" and then "Action: none" (problem 4)."""
    run = falguard("audit", cwd=shallow)
    assert run.code == 0  # outside CI: a warning, not a failure
    (coverage,) = [line for line in run.out.splitlines() if line.startswith("Coverage: ")]
    assert "INCOMPLETE: " in coverage and "shallow clone" in coverage
    (action,) = [line for line in run.out.splitlines() if line.startswith("Action: ")]
    assert action.startswith("Action: coverage is INCOMPLETE") and "none" not in action
    assert "no fal credentials found in what was read (coverage is incomplete)" in run.out
    document = falguard("audit", "--format", "json", cwd=shallow).json
    assert document["summary"]["complete"] is False
    assert not [line for line in document["audit"]["ticket"] if line.startswith("Action: none")]
