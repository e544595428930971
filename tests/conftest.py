"""Fixtures: real git repositories in temporary directories, and a way to run falguard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from falguard.cli import main
from tests.falapi_standin import StandIn
from tests.helpers import Run, git


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's git sees no user or system configuration but an identity."""
    isolate_git(tmp_path_factory.mktemp("home"), monkeypatch)


def isolate_git(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give git a fresh home with only an identity (module-scoped fixtures call this too)."""
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        '[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "NO_COLOR", "FALGUARD_DEBUG", "CI"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    return root


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """A stand-in for fal's Platform API on 127.0.0.1 (tests/falapi_standin.py), with
    FALGUARD_FAL_API_URL pointing at it and one of its ADMIN keys in FAL_ADMIN_KEY."""
    with StandIn() as api:
        monkeypatch.setenv("FALGUARD_FAL_API_URL", api.url)
        monkeypatch.setenv("FAL_ADMIN_KEY", api.add_key("ADMIN", "ci admin").credential)
        yield api


@pytest.fixture
def falguard(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run falguard in-process: ``falguard(*args, cwd=path)`` -> Run."""

    def run(*args: str, cwd: Path | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    yield run
