"""Fixtures for the probe's tests: the real build output (built once, cached) and a way to
run ``falguard probe`` and read its JSON report."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from falguard.cli import main
from tests.keys import fake_key_id_secret
from tests.site import builds


@pytest.fixture(scope="session")
def built_sites() -> builds.Builds:
    """Next.js and Vite build output (tests/site/builds.py); skipped without node and npm,
    unless FALGUARD_REQUIRE_NODE is set (CI sets it: there the tests must run)."""
    reason = builds.missing_tools()
    if reason is not None:
        if os.environ.get("FALGUARD_REQUIRE_NODE"):
            pytest.fail(f"FALGUARD_REQUIRE_NODE is set but {reason}")
        pytest.skip(reason)
    return builds.built()


@dataclass(frozen=True)
class Keys:
    inlined: str  # what the build inlined from NEXT_PUBLIC_FAL_KEY / VITE_FAL_KEY
    commented: str  # the key in a comment only the source map keeps
    server: str  # the site's own key, which an open proxy spends

    def substitutions(self) -> dict[bytes, bytes]:
        return {
            builds.KEY_PLACEHOLDER.encode(): self.inlined.encode(),
            builds.COMMENT_PLACEHOLDER.encode(): self.commented.encode(),
        }


@pytest.fixture
def keys() -> Keys:
    rng = random.Random(2026)
    return Keys(fake_key_id_secret(rng), fake_key_id_secret(rng), fake_key_id_secret(rng))


@dataclass(frozen=True)
class Probed:
    code: int
    report: dict[str, Any]
    stderr: str
    text: str  # the report file as written (to check no secret is in it)

    def findings(self, rule: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if rule is None or f["rule"] == rule]

    def paths(self, rule: str) -> list[str]:
        return sorted(f["path"] for f in self.findings(rule))


@pytest.fixture
def run_probe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Probed]:
    """``run_probe(url, *flags)``: the command, from an empty directory (no configuration)."""
    monkeypatch.chdir(tmp_path)

    def run(url: str, *flags: str) -> Probed:
        out = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.json"
        capsys.readouterr()
        code = main(["probe", url, "--format", "json", "-o", str(out), "--no-baseline", *flags])
        stderr = capsys.readouterr().err
        text = out.read_text(encoding="utf-8") if out.exists() else "{}"
        return Probed(code, json.loads(text), stderr, text)

    return run
