"""`falguard baseline create|update`: record reviewed findings so scans report only new ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from falguard.cli.settings import settings
from falguard.config import Config
from falguard.detection.baseline import DEFAULT_NAME as BASELINE_NAME
from falguard.detection.facts import Finding
from falguard.errors import EXIT_CLEAN, InputError


@click.group()
def baseline() -> None:
    """Record reviewed findings so scans report only new ones."""


def baseline_findings(paths: Sequence[str], config: Config, history: bool) -> list[Finding]:
    """What a baseline records: the working tree's findings, and with ``history`` also every
    finding of a whole-history scan of the repository the current directory is in."""
    from falguard.scans.scan import scan_worktree

    found = scan_worktree(paths, config).findings
    if history:
        from falguard.cli.scan import scan_history

        found += scan_history([], None, config).findings
    return found


_HISTORY = click.option("--history", is_flag=True, help="Also record (or keep) the findings of a whole-history scan, for `scan --history` and `audit`.")  # fmt: skip
#: One spelling everywhere (`scan --baseline`, `baseline create --baseline`); -o and -f stay as aliases.
_FILE_HELP = f"Baseline file [default: {BASELINE_NAME} at the repository root]."
_ACCEPTED_BY = click.option("--accepted-by", "accepted_by", metavar="NAME", default="", help="Record NAME as who accepted each entry that names nobody yet (`accepted_by`; a recorded name is kept) [default: record no one].")  # fmt: skip


def _who(name: str) -> str:
    if name and not name.strip():
        raise InputError('--accepted-by: expected a name (such as "Dana Dev <dana@example.com>"), got only spaces')
    return name.strip()


@baseline.command("create")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--baseline", "-o", "--output", "output", type=click.Path(dir_okay=False), default=None, help=_FILE_HELP)
@_HISTORY
@_ACCEPTED_BY
def baseline_create(paths: tuple[str, ...], output: str | None, history: bool, accepted_by: str) -> int:
    """Record every current finding (review notes of existing entries are kept)."""
    from falguard.detection.baseline import create, load, write

    who = _who(accepted_by)
    root, config = settings(paths)
    target = Path(output) if output else root / BASELINE_NAME
    previous = load(target) if target.is_file() else {}
    entries = create(baseline_findings(paths, config, history), previous, who)
    write(target, entries)
    click.echo(
        f"falguard: baseline {target} records {len(entries)} finding{'s' if len(entries) != 1 else ''}", err=True
    )
    return EXIT_CLEAN


@baseline.command("update")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--baseline", "-f", "--file", "path", type=click.Path(dir_okay=False), default=None, help=_FILE_HELP)
@_HISTORY
@_ACCEPTED_BY
def baseline_update(paths: tuple[str, ...], path: str | None, history: bool, accepted_by: str) -> int:
    """Drop entries that no longer occur, keeping the notes of the rest; adds nothing."""
    from falguard.detection.baseline import accepted, load, prune, write

    who = _who(accepted_by)
    root, config = settings(paths)
    target = Path(path) if path else root / BASELINE_NAME
    if not target.is_file():
        raise InputError(f"baseline file not found: {target} (create one with `falguard baseline create`)")
    previous = load(target)
    entries = accepted(prune(previous, baseline_findings(paths, config, history), history=history), who)
    write(target, entries)
    dropped = len(previous) - len(entries)
    click.echo(f"falguard: baseline {target}: kept {len(entries)}, dropped {dropped} that no longer occur", err=True)
    return EXIT_CLEAN
