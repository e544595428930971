"""What browser-exposure analysis costs on a Next.js-shaped monorepo.

Builds a synthetic repository outside the project (N TypeScript files, one in ten using the
fal client, plus an ignored .next/ build with large minified chunks), then times, in one
process, the scan without project analysis (listing + detection) and ``scan_worktree``
(listing + detection + browser analysis + chains). Fake keys are made at run time.

    python bench/browser_overhead.py --files 5000 --bundle-megabytes 20
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.keys

from tests.keys import fake_key_id_secret

from falguard.config import Config
from falguard.scans import pipeline
from falguard.scans.scan import scan_worktree
from falguard.sources.worktree import WorktreeSource

PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"


def build(root: Path, files: int, bundle_megabytes: int, rng: random.Random) -> None:
    (root / "package.json").write_text('{"dependencies": {"next": "*", "@fal-ai/client": "*"}}\n')
    (root / ".gitignore").write_text(".env*\n.next/\n")
    (root / ".env.local").write_text(f"{PUBLIC}={fake_key_id_secret(rng)}\n")
    for n in range(files):
        path = root / "apps" / f"app{n % 20}" / "app" / f"feature{n}" / "page.tsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(f"export const value{i} = compute({i}, 'label {i}');\n" for i in range(60))
        if n % 10 == 0:
            head = f'"use client";\nimport {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: process.env.{PUBLIC} }});\n'
        else:
            head = "import { compute } from '../lib';\n"
        path.write_text(head + body)
    chunk = "".join(f"function a{i}(e,t){{return e.map(n=>n*{i}+t)}}" for i in range(20000)).encode()
    chunks = root / ".next" / "static" / "chunks"
    chunks.mkdir(parents=True)
    for n in range(max(1, bundle_megabytes * (1 << 20) // len(chunk))):
        (chunks / f"chunk-{n}.js").write_bytes(chunk + b"\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)


def without_analysis(root: Path) -> int:
    config = Config()
    return pipeline.run(WorktreeSource([str(root)], config.max_file_size), config).summary.bytes_scanned


def with_analysis(root: Path) -> int:
    return scan_worktree([str(root)]).summary.bytes_scanned


def median_time(function, root: Path, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = function(root)
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--bundle-megabytes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        root.mkdir()
        build(root, args.files, args.bundle_megabytes, random.Random(0))
        base, size = median_time(without_analysis, root, args.repeat)
        full, _ = median_time(with_analysis, root, args.repeat)
        findings = len(scan_worktree([str(root)]).findings)
    print(f"corpus: {args.files} files + {args.bundle_megabytes} MB of .next/static chunks, {size:,} bytes scanned")
    print(f"listing + detection:                     {base:.2f} s")
    print(
        f"listing + detection + browser analysis:  {full:.2f} s  (+{(full - base) / base * 100:.0f}%), {findings} findings"
    )


if __name__ == "__main__":
    main()
