"""--verify: 100 distinct keys checked against the local stand-in for fal's API, and what a
scan without --verify pays for the feature (nothing: urllib3 is never imported).

Starts the stand-in (tests/falapi_standin.py) on 127.0.0.1 with 100 keys (60 live, 10 of
them ADMIN; 40 unknown to it), builds a repository holding all of them, then times
``falguard scan --verify`` at the default limits (4 in flight, 10 requests a second) and
the verification stage alone with the rate limit lifted, each with and without a simulated
round trip. Finally checks that ``falguard scan`` and ``falguard hook pre-commit`` never
import urllib3, and measures urllib3's own import time for scale.

    python bench/verify.py [--keys 100] [--delay 0.05] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH_DIR, falguard_command, machine

sys.path.insert(0, str(BENCH_DIR.parent))  # the stand-in lives with the tests

from tests.falapi_standin import StandIn

from falguard.config import Config
from falguard.platform.falapi import FalApi, Limits
from falguard.platform.verify import verify_findings
from falguard.scans.scan import scan_worktree


def build_repository(repo: Path, standin: StandIn, keys: int) -> None:
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text(".env*\n", encoding="utf-8")
    lines = []
    for number in range(keys):
        live = number % 10 < 6
        value = standin.add_key("ADMIN" if number % 10 == 0 else "API").credential if live else standin.unknown_key()
        lines.append(f'FAL_KEY_{number} = "{value}"\n')
    for start in range(0, keys, 10):
        (repo / f"settings_{start // 10}.py").write_text("".join(lines[start : start + 10]), encoding="utf-8")


def cli_seconds(repo: Path, url: str, repeat: int, *args: str) -> float:
    env = {**os.environ, "FALGUARD_FAL_API_URL": url}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([*falguard_command(), "scan", *args], cwd=repo, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"falguard scan {' '.join(args)} failed: {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def stage_seconds(repo: Path, url: str, limits: Limits, repeat: int) -> tuple[float, dict[str, int]]:
    findings = scan_worktree([str(repo)], Config()).findings
    times, counts = [], {}
    for _ in range(repeat):
        with FalApi(url, limits) as api:
            start = time.perf_counter()
            verified = verify_findings(findings, api)
            times.append(time.perf_counter() - start)
        counts = {}
        for finding in verified:
            if finding.verification:
                counts[finding.verification.status] = counts.get(finding.verification.status, 0) + 1
    return statistics.median(times), counts


def imports_urllib3(repo: Path, *args: str) -> bool:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "falguard", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return any(
        line.split("|")[-1].strip().split(".")[0] == "urllib3" for line in proc.stderr.splitlines() if "|" in line
    )


def urllib3_import_ms(repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import urllib3"], capture_output=True, text=True
        )
        last = [line for line in proc.stderr.splitlines() if line.rstrip().endswith("| urllib3")][-1]
        samples.append(int(last.split("|")[1]) / 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.05, help="simulated round trip per request, seconds")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"machine: {machine()}")
    with StandIn() as standin, tempfile.TemporaryDirectory(prefix="falguard-bench-verify-") as scratch:
        repo = Path(scratch) / "repo"
        build_repository(repo, standin, options.keys)
        plain = cli_seconds(repo, standin.url, options.repeat)
        print(f"falguard scan (no --verify): {plain:.2f} s, requests sent: {len(standin.requests)}")
        for delay in (0.0, options.delay):
            standin.delay = delay
            requests_before = len(standin.requests)
            verify = cli_seconds(repo, standin.url, options.repeat, "--verify")
            sent = (len(standin.requests) - requests_before) // options.repeat
            print(
                f"falguard scan --verify, default limits, {delay * 1000:.0f} ms round trip: {verify:.2f} s ({sent} requests)"
            )
            seconds, counts = stage_seconds(repo, standin.url, Limits(rate=0), options.repeat)
            print(f"  verification stage alone, no rate limit, 4 in flight: {seconds:.2f} s {counts}")
        print(f"urllib3 imported by `falguard scan`: {imports_urllib3(repo, 'scan', '.')}")
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        print(f"urllib3 imported by `falguard hook pre-commit`: {imports_urllib3(repo, 'hook', 'pre-commit')}")
        print(
            f"urllib3 imported by `falguard scan --verify`: {imports_urllib3(repo, 'scan', '--verify', '--fal-api-url', standin.url)}"
        )
    print(f"`import urllib3` (python -X importtime, median of 9): {urllib3_import_ms(9):.1f} ms")


if __name__ == "__main__":
    main()
