"""The many-repository audit: a first run over an organisation, then a second with nothing
changed (fetches every mirror, rescans nothing).

Builds the test suite's organisation (tests/org/fleet.py: ten bare repositories served as
file:// URLs, three with keys, one corrupt), with ``--files`` source files per commit and
``--commits`` commits per repository, then times ``falguard audit --repos LIST --jobs N``
twice against one cache directory, and prints both wall times and their ratio.

    python bench/org_audit.py [--files 3] [--commits 2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.org.fleet

from tests.org.fleet import build_fleet

from common import falguard_command, machine


def isolated_home(root: Path) -> None:
    """git in this process and in falguard's sees only an identity, as in the test suite."""
    home = root / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    os.environ.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1")


def audit(listing: Path, cache: Path, jobs: int) -> tuple[float, int]:
    command = [*falguard_command(), "audit", "--repos", str(listing), "--jobs", str(jobs), "--cache-dir", str(cache)]
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, "--format", "json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 2):
        raise SystemExit(proc.stderr.decode()[-500:])
    return elapsed, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3, help="source files written per commit")
    parser.add_argument("--commits", type=int, default=2, help="commits of source files per repository")
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        isolated_home(root)
        fleet = build_fleet(root / "acme", files=options.files, commits=options.commits)
        size = sum(f.stat().st_size for f in (root / "acme").rglob("*") if f.is_file() and "work" not in f.parts)
        print(
            f"{machine()}; 10 repositories, {options.commits} commits of {options.files} files each, {size / 1e6:.1f} MB of bare repositories"
        )
        cache = root / "cache"
        first, code = audit(fleet.listing, cache, options.jobs)
        second, code_again = audit(fleet.listing, cache, options.jobs)
        print(f"first run (clone and audit all):   {first:6.2f} s (exit {code})")
        print(
            f"second run (fetch, nothing moved): {second:6.2f} s (exit {code_again}); {second / first:.0%} of the first"
        )


if __name__ == "__main__":
    main()
