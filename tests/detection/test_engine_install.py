"""The one-pass engine (hyperscan) is a default dependency exactly where it installs from a
wheel, and falguard finds the same without it (docs/performance.md, "Which install gets the
engine")."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from tests.helpers import commit_all, ignoring_env, write
from tests.keys import fake_fal_key, fake_key_id_secret

ROOT = Path(__file__).resolve().parents[2]


def _engine_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return [requirement for requirement in requirements if requirement.name == "hyperscan"]


def _installs_engine(**platform: str) -> bool:
    environment = default_environment() | {"platform_python_implementation": "CPython", "python_version": "3.12"}
    environment |= platform
    return any(r.marker is None or r.marker.evaluate(environment) for r in _engine_requirements())


#: hyperscan 0.9.1's wheels (CPython 3.11-3.14), listed with ``pip download --no-deps
#: --only-binary=:all: hyperscan==0.9.1 --platform P --python-version V``.
WHEELS = [
    {"sys_platform": "linux", "platform_machine": "x86_64"},  # manylinux2014, musllinux_1_2
    {"sys_platform": "linux", "platform_machine": "aarch64"},  # manylinux_2_28, musllinux_1_2
    {"sys_platform": "darwin", "platform_machine": "x86_64"},
    {"sys_platform": "darwin", "platform_machine": "arm64"},
    {"sys_platform": "win32", "platform_machine": "AMD64"},
]
NO_WHEEL = [
    {"sys_platform": "linux", "platform_machine": "ppc64le"},
    {"sys_platform": "linux", "platform_machine": "s390x"},
    {"sys_platform": "linux", "platform_machine": "i686"},
    {"sys_platform": "linux", "platform_machine": "armv7l"},
    {"sys_platform": "linux", "platform_machine": "riscv64"},
    {"sys_platform": "win32", "platform_machine": "ARM64"},
    {"sys_platform": "win32", "platform_machine": "x86"},
    {"sys_platform": "freebsd14", "platform_machine": "amd64"},
    {"sys_platform": "linux", "platform_machine": "x86_64", "platform_python_implementation": "PyPy"},
    {"sys_platform": "linux", "platform_machine": "x86_64", "python_version": "3.15"},
]


@pytest.mark.parametrize("platform", WHEELS, ids=lambda p: "-".join(p.values()))
def test_the_engine_is_a_default_dependency_where_it_has_a_wheel(platform: dict[str, str]) -> None:
    assert _installs_engine(**platform)
    assert all(_installs_engine(**platform, python_version=version) for version in ("3.11", "3.13", "3.14"))


@pytest.mark.parametrize("platform", NO_WHEEL, ids=lambda p: "-".join(p.values()))
def test_the_engine_is_not_asked_for_where_pip_would_have_to_build_it(platform: dict[str, str]) -> None:
    assert not _installs_engine(**platform)


def test_where_the_markers_ask_for_the_engine_this_install_has_it() -> None:
    """The install the tests run in came from pyproject.toml: on Linux x86_64 (CI) the
    Quickstart's ``pip install .`` must have brought hyperscan."""
    here = default_environment()
    if not any(r.marker is not None and r.marker.evaluate(here) for r in _engine_requirements()):
        pytest.skip(f"no hyperscan wheel for {here['sys_platform']} {here['platform_machine']}")
    assert importlib.util.find_spec("hyperscan") is not None


_SCAN = """
import sys
if sys.argv.pop(1) == "absent":
    sys.modules["hyperscan"] = None  # import hyperscan raises ImportError, as where it is not installed
from falguard.cli import main
code = main(sys.argv[1:])
print("engine loaded" if sys.modules.get("hyperscan") else "engine absent", file=sys.stderr)
sys.exit(code)
"""


def test_without_the_engine_installed_a_history_scan_finds_the_same(repo: Path) -> None:
    """hyperscan made unimportable (not merely turned off): the same report, byte for byte."""
    if importlib.util.find_spec("hyperscan") is None:
        pytest.skip("hyperscan is not installed: every other test runs without it")
    rng = random.Random(29)
    ignoring_env(repo)
    filler = "".join(f"def handler_{n}(request):\n    return default_value({n})\n" for n in range(2000))
    for n in range(3):
        write(repo, f"src/module_{n}.py", filler + f'FAL_KEY = "{fake_key_id_secret(rng)}"\n' + filler)
    write(repo, "deploy/run.sh", f"export FAL_KEY={fake_fal_key(rng)}\n")
    commit_all(repo, "keys")
    runs = {}
    environment = {name: value for name, value in os.environ.items() if name != "FALGUARD_NO_HYPERSCAN"}
    for engine in ("present", "absent"):
        run = subprocess.run(
            [sys.executable, "-c", _SCAN, engine, "scan", "--history", "--format", "json"],
            cwd=repo, capture_output=True, text=True, check=False, env=environment,
        )  # fmt: skip
        assert run.returncode == 1, run.stderr
        runs[engine] = run
    assert "engine loaded" in runs["present"].stderr and "engine absent" in runs["absent"].stderr
    assert runs["present"].stdout == runs["absent"].stdout
    assert len(json.loads(runs["absent"].stdout)["findings"]) == 4
