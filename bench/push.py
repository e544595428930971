"""What the server's pre-receive hook adds to a push, measured over a real git server.

Clones a repository (default: the git/git mirror) to a scratch directory, serves two empty bare
repositories with ``git daemon --enable=receive-pack`` on 127.0.0.1 (one plain, one with
``falguard install --server``), and in one run, alternating which goes first:

1. pushes every branch and tag (git/git: 1,016 refs, its whole history) to each, timed;
2. pushes one small commit on top to each, several times, timed.

Prints each time, the medians, the ratio (whole history) and the difference (small commit),
with the machine's load average as it goes (the hook's budget: <= 1.5 x for the whole
history, < 200 ms for one small commit). The hook's own time is recorded too (a wrapper
script notes when it started and ended): on a shared machine the load moves a two-minute
push by more than the hook costs, so (plain + hook) / plain is the steadier ratio.

    python bench/push.py --repeat 2 --small 7
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: bench.common

from bench.common import falguard_command, machine

MIRROR = Path("/work/.mirror/git+git/repo")
REFSPECS = ("refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*")


def git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr[-500:]}")
    return proc.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_daemon(base: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--enable=receive-pack", "--export-all", "--reuseaddr", f"--base-path={base}",
         f"--port={port}", "--listen=127.0.0.1", str(base)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(500):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return daemon, port
        except OSError:
            time.sleep(0.02)
    daemon.kill()
    raise SystemExit("git daemon did not start")


#: Around falguard's hook (which is moved to ``pre-receive.timed``): GNU time records the
#: hook's own wall and CPU time (user + system, its git processes included), so the figures
#: say what the hook costs apart from the load's noise.
_TIMER = """#!/bin/sh
exec /usr/bin/time -a -o "$(dirname -- "$0")/../hook-times" -f "%e %U %S" "$(dirname -- "$0")/pre-receive.timed"
"""


def fresh_server(base: Path, name: str, *, hook: bool) -> Path:
    path = base / name
    if path.exists():
        shutil.rmtree(path)
    git("init", "-q", "--bare", name, cwd=base)
    if hook:
        subprocess.run([*falguard_command(), "install", "--server"], cwd=path, check=True, capture_output=True)
        (path / "hooks" / "pre-receive").rename(path / "hooks" / "pre-receive.timed")
        (path / "hooks" / "pre-receive").write_text(_TIMER)
        (path / "hooks" / "pre-receive").chmod(0o755)
    return path


def last_hook_time(server: Path) -> tuple[float, float]:
    """The last hook run's wall time and CPU time, in seconds."""
    wall, user, system = (server / "hook-times").read_text().splitlines()[-1].split()
    return float(wall), float(user) + float(system)


def server_cpu(daemon: int) -> float:
    """CPU seconds the server's finished processes used (receive-pack, index-pack, hooks): git
    daemon's worker counts every child it has reaped, which counts its own children."""
    total = 0.0
    children = Path(f"/proc/{daemon}/task/{daemon}/children").read_text().split()
    for pid in [str(daemon), *children]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime
    return total


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_push(source: Path, url: str, *refspecs: str, daemon: int) -> tuple[float, float]:
    """Wall time and CPU time (client and server processes) of one push."""
    cpu = client_cpu() + server_cpu(daemon)
    start = time.perf_counter()
    proc = subprocess.run(["git", "push", "--quiet", url, *refspecs], cwd=source, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"push to {url} failed: {proc.stderr.decode(errors='replace')[-800:]}")
    time.sleep(0.3)  # git daemon reaps its worker when it notices it has ended
    return elapsed, client_cpu() + server_cpu(daemon) - cpu


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def whole_history(source: Path, base: Path, port: int, repeat: int, daemon: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"plain": [], "falguard": [], "hook": [], "hook cpu": []}
    times |= {"plain cpu": [], "falguard cpu": []}
    for round_number in range(repeat):
        order = ["plain", "falguard"] if round_number % 2 == 0 else ["falguard", "plain"]
        for name in order:
            server = fresh_server(base, f"{name}.git", hook=name == "falguard")
            elapsed, cpu = timed_push(source, f"git://127.0.0.1:{port}/{name}.git", *REFSPECS, daemon=daemon)
            times[name].append(elapsed)
            times[f"{name} cpu"].append(cpu)
            itself = ""
            if name == "falguard":
                hook_wall, hook_cpu = last_hook_time(server)
                times["hook"].append(hook_wall)
                times["hook cpu"].append(hook_cpu)
                itself = f", the hook itself {hook_wall:6.2f} s ({hook_cpu:.2f} s CPU)"
            print(
                f"  whole history, {name:8}: {elapsed:7.2f} s, {cpu:6.2f} s CPU{itself}   (load {load()})", flush=True
            )
    return times


def small_commits(work: Path, base: Path, port: int, count: int, daemon: int) -> dict[str, list[float]]:
    """One small commit, pushed to both servers (which already hold the whole history)."""
    times: dict[str, list[float]] = {"plain": [], "falguard": [], "hook": [], "hook cpu": []}
    for number in range(count):
        (work / "falguard-bench.txt").write_text(f"change {number}\n")
        git("add", "falguard-bench.txt", cwd=work)
        git("commit", "-q", "-m", f"bench change {number}", cwd=work)
        order = ["plain", "falguard"] if number % 2 == 0 else ["falguard", "plain"]
        for name in order:
            times[name].append(
                timed_push(work, f"git://127.0.0.1:{port}/{name}.git", "HEAD:refs/heads/bench", daemon=daemon)[0]
            )
        wall, cpu = last_hook_time(base / "falguard.git")
        times["hook"].append(wall)
        times["hook cpu"].append(cpu)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path, default=MIRROR, help="a bare repository to push (read, never changed)")
    parser.add_argument("--repeat", type=int, default=2, help="whole-history pushes to each server")
    parser.add_argument("--small", type=int, default=7, help="small-commit pushes to each server")
    args = parser.parse_args()
    import falguard

    # compiled as pip compiles an install (PYTHONDONTWRITEBYTECODE would make every hook run compile it again)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(falguard.__file__).parent)], check=True)
    print(f"machine: {machine()}; load before: {load()}")
    with tempfile.TemporaryDirectory(prefix="falguard-push-bench-") as scratch:
        root = Path(scratch)
        source = root / "source.git"
        git("clone", "-q", "--bare", str(args.mirror), str(source), cwd=root)
        refs = len([line for line in git("for-each-ref", "refs/heads", "refs/tags", cwd=source).splitlines() if line])
        print(f"repository: {args.mirror} ({refs} branches and tags)")
        base = root / "served"
        base.mkdir()
        daemon, port = start_daemon(base)
        try:
            worker = int(Path(f"/proc/{daemon.pid}/task/{daemon.pid}/children").read_text().split()[0])
            big = whole_history(source, base, port, args.repeat, worker)
            work = root / "work"
            git("clone", "-q", "--single-branch", str(source), str(work), cwd=root)
            small = small_commits(work, base, port, args.small, worker)
        finally:
            daemon.terminate()
            daemon.wait()
    plain, guarded, hook, cpu = (statistics.median(big[name]) for name in ("plain", "falguard", "hook", "hook cpu"))
    print(
        f"whole history (median of {args.repeat}): plain {plain:.2f} s, with the hook {guarded:.2f} s: "
        f"{guarded / plain:.2f} x; the hook itself {hook:.2f} s ({cpu:.2f} s CPU): (plain + hook) / plain = "
        f"{(plain + hook) / plain:.2f} x"
    )
    plain_cpu, guarded_cpu = statistics.median(big["plain cpu"]), statistics.median(big["falguard cpu"])
    print(
        f"whole history, CPU (client and server): plain {plain_cpu:.2f} s, with the hook {guarded_cpu:.2f} s: {guarded_cpu / plain_cpu:.2f} x"
    )
    small_plain, small_guarded = statistics.median(small["plain"]), statistics.median(small["falguard"])
    small_hook, small_cpu = statistics.median(small["hook"]), statistics.median(small["hook cpu"])
    print(
        f"one small commit (median of {args.small}): plain {small_plain * 1000:.0f} ms, with the hook "
        f"{small_guarded * 1000:.0f} ms: +{(small_guarded - small_plain) * 1000:.0f} ms; the hook itself "
        f"{small_hook * 1000:.0f} ms ({', '.join(f'{t * 1000:.0f}' for t in small['hook'])}), "
        f"{small_cpu * 1000:.0f} ms CPU"
    )
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
