"""`falguard rotate`: replace every live leaked fal key, revoke it, and prove it is dead.

The admin key comes from FAL_ADMIN_KEY only; the API URL from --fal-api-url or
FALGUARD_FAL_API_URL, never from a repository's configuration. The only full secret ever
printed is a new key, once, on a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from falguard.cli.falapi import FAL_API_URL
from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InputError
from falguard.models import Secret
from falguard.report.rotation import render_json, render_text

if TYPE_CHECKING:
    from falguard.platform.falapi import FalApi, NewKey
    from falguard.platform.rotate import Plan


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Do it. Without --yes: print the plan and change nothing.")
@click.option(
    "--write-env",
    "write_env",
    type=click.Path(dir_okay=False),
    help="Set FAL_KEY= to the new key in this env file (one git ignores, or outside the repository; mode 0600). "
    "Without it the new key is printed once, on a terminal only.",
)
@click.option("--key-id", "key_ids", multiple=True, metavar="KEY_ID", help="Rotate only this leaked key (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@FAL_API_URL
def rotate(
    path: str, yes: bool, write_env: str | None, key_ids: tuple[str, ...], fmt: str, fal_api_url: str | None
) -> int:
    """Rotate every live fal key leaked in PATH (working tree and history).

    With an ADMIN key in FAL_ADMIN_KEY: verifies each leaked key, and for each live one
    creates a replacement (its alias names the old key id and the date), puts it where
    --write-env says, deletes the leaked key and checks fal now rejects it. A dry run unless
    --yes. Keys that cannot be verified, or whose id is unknown, are listed with the steps to
    take by hand.
    """
    from falguard.platform import rotate as rotation
    from falguard.platform.falapi import FalApi, api_url

    url = api_url(fal_api_url, os.environ)
    admin = rotation.admin_key(os.environ)
    target = Path(write_env) if write_env else None
    if target is not None:
        rotation.check_env_target(target)
    with FalApi(url) as api:
        rotation.check_admin(api, admin)
        plan = _plan(api, admin, path, key_ids)
        if yes and plan.rotations:
            _check_delivery(plan, target, fmt)
        destination = _destination(target, fmt)
        if not yes:
            outcomes = [rotation.planned(r, destination) for r in plan.rotations]
        else:
            outcomes = rotation.execute(plan, api, admin, _deliverer(target))
    render = render_json if fmt == "json" else render_text
    click.echo(render(plan, outcomes, dry_run=not yes, url=url, admin=admin), nl=False)
    if any(outcome.error for outcome in outcomes):
        click.echo("falguard: error: rotation incomplete: finish it with the commands above", err=True)
        return EXIT_ERROR
    remaining = bool(plan.manual) or (not yes and bool(plan.rotations))  # a leaked key may still be live
    return EXIT_FINDINGS if remaining else EXIT_CLEAN


def _plan(api: FalApi, admin: Secret, path: str, key_ids: Sequence[str]) -> Plan:
    import datetime

    from falguard.platform import rotate as rotation

    findings = _leaked_findings(path)
    leaks = rotation.find_leaks(findings, api)
    wanted = any(leak.verification.status == "live" and leak.secret.key_id for leak in leaks)
    listed = api.list_keys(admin) if wanted else []
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    return rotation.select(rotation.make_plan(leaks, listed, admin, today), key_ids)


def _leaked_findings(path: str) -> list[Any]:
    """The working tree's and the history's findings (inline and config allows respected;
    the baseline is not: a reviewed leak is still a leak)."""
    from falguard import git
    from falguard.config import load
    from falguard.scans.historyscan import scan_history
    from falguard.scans.progress import progress_on
    from falguard.scans.scan import scan_worktree

    repo = git.repo_of_path(path)
    root = repo.toplevel if repo is not None and repo.toplevel is not None else Path(path).resolve()
    config = load(root)
    found = scan_worktree([path], config).findings  # no baseline: a reviewed leak is still a leak
    if repo is not None:
        with progress_on(sys.stderr) as progress:
            history = scan_history(path, config=config, progress=progress)
        if history.fatal:
            raise InputError(f"the history scan failed: {history.fatal}")
        found += history.findings
    return found


def _check_delivery(plan: Plan, target: Path | None, fmt: str) -> None:
    if target is not None and len(plan.rotations) > 1:
        raise InputError(
            f"{len(plan.rotations)} keys to rotate but one --write-env file: rotate them one at a time with --key-id"
        )
    if target is None and (fmt == "json" or not sys.stdout.isatty()):
        raise InputError(
            "the new key would be printed where it could be logged: give --write-env FILE (a file git ignores)"
        )


def _destination(target: Path | None, fmt: str) -> str:
    if target is not None:
        return f"write it as FAL_KEY in {target} (mode 0600)"
    if fmt == "json" or not sys.stdout.isatty():
        return "print it once on a terminal (this output is none: --yes will need --write-env FILE)"
    return "print it once on this terminal"


def _deliverer(target: Path | None) -> Any:
    from falguard.platform.rotate import write_env

    def deliver(new: NewKey) -> str:
        if target is not None:
            write_env(target, new.secret)
            return f"wrote it as FAL_KEY in {target} (mode 0600)"
        click.echo(f"\n  new key {new.key_id}, shown once (falguard keeps no copy):\n")
        click.echo(f"    FAL_KEY={new.secret.reveal()}\n")
        return "printed it once on this terminal"

    return deliver
