"""Seconds per 1280x720 screenshot through falguard's image step, and how many keys it reads.

Renders the test scenes (tests/screens.py: terminal dark and light, editor, dashboard dialog,
notebook, chat, devtools headers, a split pair in a table) with fresh fake keys in headless
Chromium, adds a JPEG at quality 70 and a 75 % scaled copy of each, then times
``falguard.expand.images.image_text`` (decode, the photo check, OCR, rows, correction) on
each image after one warm-up image (the engine's load, about 0.5 s, is printed apart), and
checks that each scene's keys are in the text read, exactly.

    python bench/ocr.py [--repeat 3]

Needs the images extra (``pip install '.[images]'``) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.screens, tests.keys

from tests.chromium import available
from tests.screens import all_scenes, jpeg, render, scaled

from common import machine
from falguard.expand.images import ImageBudget, image_text
from falguard.models import Summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="times each image is read (the median counts)")
    args = parser.parse_args()
    reason = available()
    if reason:
        raise SystemExit(f"bench/ocr.py needs headless Chromium: {reason}")
    print(machine())
    scenes = all_scenes(seed=int(time.time()))
    with tempfile.TemporaryDirectory(prefix="falguard-ocr-bench-") as tmp:
        images: list[tuple[str, bytes, list[str]]] = []
        for name, path in render(scenes, Path(tmp)).items():
            page = next(scene.page for scene in scenes if scene.name == name)
            wanted = re.findall(r"[0-9a-f-]{36}:[0-9a-f]{32}", page) or re.findall(r"[0-9a-f]{32}(?![0-9a-f@])", page)
            png = path.read_bytes()
            images += [
                (name, png, wanted),
                (f"{name} q70", jpeg(png, 70), wanted),
                (f"{name} 75%", scaled(png, 0.75), wanted),
            ]
        budget, summary = ImageBudget(), Summary()
        started = time.perf_counter()
        image_text(images[0][1], "warm-up", summary, budget)
        print(f"engine load and first image: {time.perf_counter() - started:.2f} s")
        full_size: list[float] = []
        found = 0
        for label, data, wanted in images:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                text = image_text(data, label, summary, budget)
                times.append(time.perf_counter() - started)
            flat = (text or b"").decode().replace(" ", "").replace("\n", "")
            hits = sum(key in flat for key in wanted)
            found += hits
            if "q70" not in label and "75%" not in label:
                full_size.append(statistics.median(times))
            print(f"  {label:22} {statistics.median(times):6.3f} s  keys read exactly: {hits}/{len(wanted)}")
        total = sum(len(wanted) for _, _, wanted in images)
    print(f"median per 1280x720 screenshot: {statistics.median(full_size):.3f} s (target <= 1.0 s)")
    print(f"keys read exactly (before the rules): {found}/{total}")
    return 0 if found == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
