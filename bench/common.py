"""Helpers shared by the benchmark scripts: timing external commands, finding peers."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
GITLEAKS_CONFIG = BENCH_DIR / "gitleaks-fal.toml"


def falguard_command() -> list[str]:
    return [sys.executable, "-m", "falguard"]


def gitleaks() -> str | None:
    found = shutil.which("gitleaks")
    if found:
        return found
    beside = Path(sys.executable).parent / "gitleaks"
    return str(beside) if beside.exists() else None


def timed(command: list[str], cwd: Path, repeat: int = 3, ok: tuple[int, ...] = (0, 1), **kwargs: object) -> float:
    """Median wall time of ``command`` in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
