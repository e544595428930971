"""``python -m tests.corpus [--seed N] [--history]``: falguard's recall and false positives on
the corpus (a working-tree scan; with --history, a history scan of the corpus repository)."""

from __future__ import annotations

import argparse

from tests.corpus import measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus", description=__doc__)
    parser.add_argument("--seed", type=int, default=0, help="seed of the fake keys (default 0)")
    parser.add_argument("--history", action="store_true", help="scan the corpus repository's history instead")
    args = parser.parse_args(argv)
    figures = measure(seed=args.seed, history=args.history)
    print(figures.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
