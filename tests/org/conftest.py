"""One small organisation for the module, built and audited once (a first run fills the
cache; the tests that only read the report run against that warm cache)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from falguard.cli import main
from tests.conftest import isolate_git
from tests.helpers import Run
from tests.org.fleet import Fleet, build_fleet


@pytest.fixture(scope="package")
def module_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_git(tmp_path_factory.mktemp("home"), patch)
        yield


@pytest.fixture(scope="package")
def fleet(tmp_path_factory: pytest.TempPathFactory, module_git: None) -> Fleet:
    return build_fleet(tmp_path_factory.mktemp("acme"))


def run_main(*args: str) -> Run:
    """falguard in-process, outside any function-scoped fixture."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class FirstRun:
    run: Run
    cache: Path


@pytest.fixture(scope="package")
def first_run(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory, module_git: None) -> FirstRun:
    """The fleet's first audit (``--jobs 2``, an empty cache), as JSON."""
    cache = tmp_path_factory.mktemp("cache")
    run = run_main("audit", "--repos", str(fleet.listing), "--jobs", "2", "--cache-dir", str(cache), "--format", "json")
    return FirstRun(run, cache)
