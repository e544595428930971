"""What env hygiene costs `falguard scan`, and how fast the ignore engine decides paths.

Builds a repository of Python's standard library (copied --copies times, committed) with a
nested .gitignore per copy, an ignored ``node_modules``-like directory of --ignored-files
small files and a few env files, then reports, in one run:

* ``check_repository`` alone (every git call it makes, all env rules),
* ``falguard scan`` with and without the env checks (median of 3 runs each),
* the ignore engine on every tracked path, against ``git check-ignore --no-index --stdin``.

    python bench/env_check.py [--copies 2] [--ignored-files 20000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path

from common import machine
from falguard import git
from falguard.envhygiene.envcheck import check_repository
from falguard.envhygiene.ignore import IgnoreRules
from falguard.scans.scan import scan_worktree


def run(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=True).stdout


def build(root: Path, copies: int, ignored_files: int) -> int:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts and p.is_file())
    run(root.parent, "init", "-q", str(root))
    for copy in range(copies):
        for source in sources:
            destination = root / f"copy{copy}" / source.relative_to(stdlib)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        (root / f"copy{copy}" / ".gitignore").write_text("__pycache__/\n*.pyc\n!keep.pyc\n/build/\n")
    (root / ".gitignore").write_text("node_modules/\n.env*\n!.env.example\n")
    for n in range(ignored_files):
        path = root / "node_modules" / f"pkg{n % 200}" / f"f{n}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    for name in (".env.local", ".env.example", "copy0/.env.development", "copy0/json/.env.production"):
        (root / name).write_text("DEBUG=1\n")
    run(root, "add", "-A")
    run(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "corpus")
    return len(run(root, "ls-files", "-z").split(b"\0")) - 1


def best(function, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--ignored-files", type=int, default=20000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="falguard-envbench-") as temporary:
        root = Path(temporary) / "repo"
        tracked = build(root, options.copies, options.ignored_files)
        repo = git.find_repo(root)
        assert repo is not None
        print(f"{machine()}; {tracked} tracked files, {options.ignored_files} ignored files")
        env = best(lambda: check_repository(repo))
        print(f"check_repository: {env * 1000:.0f} ms")
        without = best(lambda: scan_worktree([str(root)], env_hygiene=False), repeat=5)
        with_env = best(lambda: scan_worktree([str(root)]), repeat=5)
        print(
            f"scan: {with_env:.2f} s with env checks, {without:.2f} s without ({(with_env - without) * 1000:+.0f} ms)"
        )
        listed = run(root, "ls-files", "-z", "--cached", "--others")  # every file on disk, ignored or not
        paths = sorted({p.decode() for p in listed.split(b"\0") if p})
        start = time.perf_counter()
        rules = IgnoreRules.for_repo(repo)
        ours = {path for path in paths if rules.is_ignored(path)}
        engine = time.perf_counter() - start
        start = time.perf_counter()
        out = subprocess.run(
            ["git", "check-ignore", "--no-index", "-z", "--stdin"],
            cwd=root,
            input=b"".join(p.encode() + b"\0" for p in paths),
            capture_output=True,
            check=False,
        ).stdout
        theirs = {p.decode() for p in out.split(b"\0") if p}
        check_ignore = time.perf_counter() - start
        print(
            f"ignore verdicts for {len(paths)} paths: falguard {engine * 1000:.0f} ms, "
            f"git check-ignore {check_ignore * 1000:.0f} ms; {len(ours)} ignored, same set as git: {ours == theirs}"
        )


if __name__ == "__main__":
    main()
