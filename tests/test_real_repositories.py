"""Whole-history scans of real public repositories (every ref of a mirror): the leaks they are
known to hold, each with the commit that first added it, and no high or critical finding
anywhere else. Slow (a scan each, tens of seconds); skipped where the mirrors are absent.

The mirrors are bare repositories under /work/.mirror/<owner>+<name>/repo; each is cloned
with ``--mirror --shared`` to a temporary directory (objects borrowed, never modified).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

MIRRORS = Path(os.environ.get("FALGUARD_MIRRORS", "/work/.mirror"))
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}

#: fal-ai/fal-js's seven known leaks: (rule, path, first commit), found 2026-12-01; the last is
#: the gRPC auth-key-id/auth-key pair of its initial commit, on the main branch's history.
FAL_JS_LEAKS = {
    ("fal-key-pair", "apps/demo-app/pages/chat.tsx", "5d6f0dc"),
    ("fal-key-pair", "apps/demo-app/pages/index.tsx", "7a468cc"),
    ("fal-key-pair", "apps/demo-app/services/koldstart/credentials.ts", "4e2fbe4"),
    ("fal-key-pair", "apps/demo-app/services/koldstart/credentials.ts", "b103d2a"),
    ("fal-key-pair", "apps/demo-app/services/koldstart/generateImage.ts", "134eb2b"),
    ("fal-key-id-secret", "apps/demo-nextjs-app-router/app/page.tsx", "48fbf77"),
    # the initial commit adds the pair in example.js and example.ts: a finding's path is the
    # first of its paths in that commit by path order
    ("fal-key-pair", "example.js", "506629b"),
}

#: fal-js's demo apps (and an unmerged AWS Lambda adapter) mount @fal-ai/server-proxy with its
#: defaults: a proxy that runs any fal endpoint for any visitor on the site's key
#: (fal-proxy-open). One finding per handler and state, at the first commit that wrote it (the
#: Pages Router demos' default handler first appeared in apps/demo-app).
FAL_JS_OPEN_PROXIES = {
    ("fal-proxy-open", "apps/demo-app/pages/api/_fal/proxy.ts", "071f274"),
    ("fal-proxy-open", "apps/demo-express-app/src/main.ts", "31a50ff"),
    ("fal-proxy-open", "apps/demo-nextjs-app-router/app/api/fal/proxy/route.ts", "0367c61"),
    ("fal-proxy-open", "apps/demo-nextjs-app-router/app/api/fal/proxy/route.ts", "654f487"),
    ("fal-proxy-open", "apps/demo-remix-app/app/routes/fal.proxy.ts", "8b363be"),
    ("fal-proxy-open", "libs/proxy/src/lambda.ts", "913aec4"),
}

pytestmark = pytest.mark.slow


def _history_scan(name: str, scratch: Path) -> dict[str, Any]:
    source = MIRRORS / name / "repo"
    if not source.is_dir():
        pytest.skip(f"no mirror at {source}")
    clone = scratch / f"{name}.git"
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "clone", "-q", "--mirror", "--shared", str(source), str(clone)], env=env, check=True)
    report = scratch / f"{name}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "falguard", "scan", "--history", "--format", "json", "-o", str(report)],
        cwd=clone,
        env=env,
        capture_output=True,
        check=False,
    )
    # the mirrors may lack a few large blobs: the scan says so (exit 2) and reports the rest
    assert proc.returncode in (0, 1, 2) and report.is_file(), proc.stderr.decode(errors="replace")
    result: dict[str, Any] = json.loads(report.read_text())
    assert all("cannot be read" in reason for reason in result["summary"]["incomplete"]), result["summary"]
    return result


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    scratch = tmp_path_factory.mktemp("mirrors")
    return {name: _history_scan(name, scratch) for name in ("fal-ai+fal-js", "fal-ai+fal", "pallets+flask")}


def _serious(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["severity"] in ("high", "critical")]


def test_fal_js_history_yields_its_seven_leaks_each_with_its_first_commit(scans: dict[str, Any]) -> None:
    found = {(f["rule"], f["path"], f["commit"][:7]) for f in _serious(scans["fal-ai+fal-js"])}
    assert found >= FAL_JS_LEAKS


def test_fal_js_history_yields_its_open_proxies(scans: dict[str, Any]) -> None:
    found = {(f["rule"], f["path"], f["commit"][:7]) for f in _serious(scans["fal-ai+fal-js"])}
    assert found >= FAL_JS_OPEN_PROXIES


def test_fal_js_raises_nothing_high_but_its_leaks_and_open_proxies(scans: dict[str, Any]) -> None:
    expected = FAL_JS_LEAKS | FAL_JS_OPEN_PROXIES
    others = [f for f in _serious(scans["fal-ai+fal-js"]) if (f["rule"], f["path"], f["commit"][:7]) not in expected]
    assert others == []


@pytest.mark.parametrize("name", ["fal-ai+fal", "pallets+flask"])
def test_repositories_without_a_fal_key_raise_nothing_high(scans: dict[str, Any], name: str) -> None:
    assert [(f["rule"], f["severity"], f["path"]) for f in _serious(scans[name])] == []
