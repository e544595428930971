"""How long the HTML report takes to open in headless Chromium: navigation to the load event.

Two pages:

1. The whole-history audit of a large repository with no findings. ``--repo PATH`` audits
   that repository first (``falguard audit --format json``, timed, then rendered with
   ``falguard report --format html``); ``--audit-json PATH`` renders a saved audit instead;
   with neither, a synthetic no-findings audit report with a git/git-sized summary is used.
2. A repository with 1,000 findings: 100 files of 10 fake keys each, committed, rendered by
   ``falguard scan --history --format html`` (1,000 findings, 1,000 cards) and by
   ``falguard audit --format html`` (1,000 distinct secrets, each in history and in the
   working tree).

Each page is opened ``--repeat`` times in one browser (a fresh page load each time) and the
median is printed, as the driver saw it (Page.navigate to Page.loadEventFired) and as the
page's own navigation timing has it (startTime to loadEventEnd), with the first frame painted
after it and the renderer main thread's CPU time (Performance.getMetrics TaskDuration, in
thread ticks: what the load costs when the cores are shared with other work).

    python bench/html_open.py [--repo /path/to/git.git | --audit-json audit.json] [--repeat 5]

Fake keys are assembled at run time; everything is written to a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.chromium, tests.keys

from tests.chromium import Browser, available
from tests.keys import fake_key_id_secret

from common import falguard_command, machine

#: The page's own clock (ms since navigation started): the end of its load event, and the
#: second animation frame after it (the first screen styled, laid out and painted).
NAVIGATION = (
    "new Promise(done => { const poll = () => { const n = performance.getEntriesByType('navigation')[0];"
    " if (n && n.loadEventEnd > 0) requestAnimationFrame(() => requestAnimationFrame(() =>"
    " done([n.loadEventEnd - n.startTime, performance.now()]))); else setTimeout(poll, 5); }; poll(); })"
)


def falguard(*args: str, cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run([*falguard_command(), *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"falguard {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return time.perf_counter() - started


def synthetic_audit(target: Path) -> None:
    """A no-findings whole-history audit report shaped like git/git's (849,014 objects)."""
    summary = {
        "findings": 0, "by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0}, "fail_on": "medium",
        "failed": False, "files_scanned": 849_014, "bytes_scanned": 5_600_000_000,
        "skipped": {"binary": 1_412, "too_large": 0, "other": 0}, "skipped_paths": [], "excluded": 0,
        "suppressed": 0, "baselined": 0, "unreadable": [], "incomplete": [], "complete": True,
    }  # fmt: skip
    audit = {"repository": "/srv/mirrors/git.git", "head": "1a3e64c6c4" + "0" * 30, "bare": True,
             "refs_scanned": 4_294, "stories": [], "ticket": []}  # fmt: skip
    document = {"tool": "falguard", "version": "0.1.0", "findings": [], "suppressed": [], "audit": audit}
    target.write_text(json.dumps({**document, "summary": summary}), encoding="utf-8")


def large_audit_page(args: argparse.Namespace, work: Path) -> tuple[Path, str]:
    saved = work / "large-audit.json"
    if args.repo:
        seconds = falguard("audit", "--format", "json", "-o", str(saved), str(args.repo), cwd=work)
        what = f"whole-history audit of {args.repo} ({seconds:.1f} s to audit)"
    elif args.audit_json:
        saved = Path(args.audit_json)
        what = f"saved audit {saved}"
    else:
        synthetic_audit(saved)
        what = "synthetic no-findings audit with a git/git-sized summary"
    page = work / "large-audit.html"
    falguard("report", str(saved), "--format", "html", "-o", str(page), cwd=work)
    return page, what


def thousand_findings(work: Path) -> Path:
    repo = work / "thousand"
    repo.mkdir()
    rng = random.Random(1000)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text(".env*\n")
    (repo / "keys").mkdir()
    for file in range(100):
        lines = "".join(f"K{n} = '{fake_key_id_secret(rng)}'\n" for n in range(10))
        (repo / "keys" / f"k{file}.py").write_text(lines)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, "commit", "-q", "-m", "a thousand keys"], cwd=repo, check=True)
    return repo


def measure(browser: Browser, page: Path, repeat: int) -> tuple[list[float], int]:
    """Medians (ms) of the load as the driver saw it, of the page's load event, of its first
    painted frame after it, and of the renderer main thread's CPU time until then (the part
    that does not grow when other processes share the cores); and how many cards it has."""
    samples: list[list[float]] = [[], [], [], []]
    for _ in range(repeat):
        driver = browser.open(page) * 1000
        load_end, frame = browser.evaluate(NAVIGATION)
        metrics = {m["name"]: m["value"] for m in browser.call("Performance.getMetrics")["metrics"]}
        for sample, value in zip(samples, (driver, load_end, frame, metrics["TaskDuration"] * 1000), strict=True):
            sample.append(float(value))
        if browser.record.requests != [page.as_uri()] or browser.record.errors:
            raise SystemExit(f"{page}: unexpected requests or errors: {browser.record}")
    cards = int(browser.evaluate("document.querySelectorAll('.card').length"))
    return [statistics.median(sample) for sample in samples], cards


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--repo", type=Path, help="audit this repository for the no-findings page")
    source.add_argument("--audit-json", help="render this saved audit JSON for the no-findings page")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    reason = available()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="falguard-html-bench-") as temporary:
        work = Path(temporary)
        large, what = large_audit_page(args, work)
        repo = thousand_findings(work)
        pages = [(large, what)]
        for command, name in ((["scan", "--history"], "scan --history"), (["audit"], "audit")):
            page = work / f"thousand-{name.split()[0]}.html"
            seconds = falguard(*command, "--format", "html", "-o", str(page), cwd=repo)
            pages.append((page, f"1,000 findings, {name} ({seconds:.1f} s to scan and render)"))
        with Browser() as browser:
            browser.call("Performance.enable", {"timeDomain": "threadTicks"})
            for page, label in pages:
                (driver, loaded, painted, cpu), cards = measure(browser, page.resolve(), args.repeat)
                print(
                    f"{label}: {page.stat().st_size / 1e6:.2f} MB, {cards} cards; navigation to load event "
                    f"{loaded:.0f} ms (driver: {driver:.0f} ms), first frame painted at {painted:.0f} ms, "
                    f"main-thread CPU {cpu:.0f} ms; medians of {args.repeat}"
                )
        print(f"load average: {', '.join(f'{load:.1f}' for load in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
