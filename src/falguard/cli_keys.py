"""Commands that talk to fal's Platform API: ``--verify`` for scans, ``rotate`` and ``revoke``.

The admin key comes from FAL_ADMIN_KEY only; the API URL from ``--fal-api-url`` or
FALGUARD_FAL_API_URL, never from a repository's configuration. Only this module, the
rotation code and the verifier ever see a full secret, and the only one printed is a new
key, once, on a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from falguard import __version__
from falguard.errors import InputError
from falguard.models import ScanResult, Secret, Verification, mask

if TYPE_CHECKING:
    from falguard.falapi import FalApi, KeyInfo, NewKey
    from falguard.rotate import Leak, Outcome, Plan

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

FAL_API_URL_OPTION = click.option(
    "--fal-api-url",
    metavar="URL",
    default=None,
    help="fal's Platform API [default: $FALGUARD_FAL_API_URL, else https://api.fal.ai/v1]. Never read from a "
    "repository's configuration.",
)


# --- --verify on scan and audit --------------------------------------------------------------


def verify_endpoint(verify: bool, option: str | None) -> str | None:
    """The checked API URL when ``--verify`` is given (so a bad one fails before any scan), else None."""
    if not verify:
        return None
    from falguard.falapi import api_url

    return api_url(option, os.environ)


def verify_result(result: ScanResult, url: str) -> None:
    """The verification stage: set ``verification`` on every key finding of ``result``."""
    from falguard.falapi import FalApi
    from falguard.verify import distinct_keys, verify_findings

    count = distinct_keys(result.findings)
    if not count:
        return
    click.echo(f"falguard: --verify: asking {url} about {count} distinct key{'s' if count != 1 else ''}", err=True)
    with FalApi(url) as api:
        result.findings = verify_findings(result.findings, api)


# --- rotate ------------------------------------------------------------------------------------


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
@FAL_API_URL_OPTION
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
    from falguard import rotate as rotation
    from falguard.falapi import FalApi, api_url

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
    render = _render_json if fmt == "json" else _render_text
    click.echo(render(plan, outcomes, dry_run=not yes, url=url, admin=admin), nl=False)
    if any(outcome.error for outcome in outcomes):
        click.echo("falguard: error: rotation incomplete: finish it with the commands above", err=True)
        return EXIT_ERROR
    remaining = bool(plan.manual) or (not yes and bool(plan.rotations))  # a leaked key may still be live
    return EXIT_FINDINGS if remaining else EXIT_CLEAN


def _plan(api: FalApi, admin: Secret, path: str, key_ids: Sequence[str]) -> Plan:
    import datetime

    from falguard import rotate as rotation

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
    from falguard.historyscan import scan_history
    from falguard.progress import progress_on
    from falguard.scan import apply_suppressions, scan_worktree

    repo = git.repo_of_path(path)
    root = repo.toplevel if repo is not None and repo.toplevel is not None else Path(path).resolve()
    config = load(root)
    found = apply_suppressions(scan_worktree([path], config), config, {}).findings
    if repo is not None:
        with progress_on(sys.stderr) as progress:
            history = scan_history(path, config=config, progress=progress)
        if history.fatal:
            raise InputError(f"the history scan failed: {history.fatal}")
        found += apply_suppressions(history, config, {}).findings
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
    from falguard.rotate import write_env

    def deliver(new: NewKey) -> str:
        if target is not None:
            write_env(target, new.secret)
            return f"wrote it as FAL_KEY in {target} (mode 0600)"
        click.echo(f"\n  new key {new.key_id}, shown once (falguard keeps no copy):\n")
        click.echo(f"    FAL_KEY={new.secret.reveal()}\n")
        return "printed it once on this terminal"

    return deliver


# --- revoke ------------------------------------------------------------------------------------


@click.command()
@click.argument("key_ids", nargs=-1, required=True, metavar="KEY_ID...")
@click.option("--yes", is_flag=True, help="Do it. Without --yes: say what would be deleted and change nothing.")
@FAL_API_URL_OPTION
def revoke(key_ids: tuple[str, ...], yes: bool, fal_api_url: str | None) -> int:
    """Delete fal keys by id (from a report, the dashboard or another tool), with FAL_ADMIN_KEY."""
    from falguard import rotate as rotation
    from falguard.falapi import FalApi, FalApiError, api_url

    ids = _key_ids(key_ids)
    url = api_url(fal_api_url, os.environ)
    admin = rotation.admin_key(os.environ)
    with FalApi(url) as api:
        rotation.check_admin(api, admin)
        listed = {key.key_id: key for key in api.list_keys(admin)}
        ids.sort(key=lambda key_id: key_id == admin.key_id)  # FAL_ADMIN_KEY itself, if given, last
        for key_id in ids:
            if yes:
                try:
                    api.delete_key(admin, key_id)
                except FalApiError as error:
                    click.echo(f"falguard: error: deleting {key_id} failed: {error}; run this again to retry", err=True)
                    return EXIT_ERROR
            itself = " (FAL_ADMIN_KEY itself)" if key_id == admin.key_id else ""
            click.echo(
                f"falguard: {'deleted' if yes else 'would delete'} {key_id}{_described(listed.get(key_id))}{itself}"
            )
        if yes and admin.key_id not in ids:
            still = sorted({key.key_id for key in api.list_keys(admin)} & set(ids))
            if still:
                click.echo(f"falguard: error: fal still lists {', '.join(still)}; run this again", err=True)
                return EXIT_ERROR
    if not yes:
        click.echo("falguard: dry run: nothing changed (run again with --yes to delete)")
    return EXIT_CLEAN


def _described(info: KeyInfo | None) -> str:
    if info is None:
        return " (not among FAL_ADMIN_KEY's account's keys: already deleted, or another account's)"
    creator = f" by {info.creator}" if info.creator else ""
    return f' ("{info.alias}", {info.scope} scope, created {info.created_at}{creator})'


def _key_ids(given: Sequence[str]) -> list[str]:
    from falguard.rotate import KEY_ID

    ids: list[str] = []
    for value in given:
        if ":" in value:
            raise InputError(f"{mask(value)}: give the key id only (the part before ':'), never the secret")
        if not KEY_ID.fullmatch(value):
            raise InputError(f"{value[:40]!r} is not a fal key id (a UUID)")
        ids.append(value.lower())
    return list(dict.fromkeys(ids))


# --- the rotation report -------------------------------------------------------------------------


def _verdict(verification: Verification) -> str:
    scope = f", {verification.scope} scope" if verification.scope else ""
    return f"{verification.status}{scope}"


def _render_text(plan: Plan, outcomes: Sequence[Outcome], *, dry_run: bool, url: str, admin: Secret) -> str:
    from falguard.report import printable

    head = (
        "dry run: nothing changed (run again with --yes to do it)"
        if dry_run
        else "done"
        if all(o.done for o in outcomes)
        else "INCOMPLETE"
    )
    lines = [f"falguard rotate: {head}", f"fal API: {url}; admin key: {admin.masked}", ""]
    number = 0
    if outcomes:
        lines.append(f"To rotate ({len(outcomes)}):" if dry_run else f"Rotations ({len(outcomes)}):")
    for outcome in outcomes:
        number += 1
        key, leak = outcome.rotation.key, outcome.rotation.leak
        lines.append(f"  {number}. {printable(leak.secret.masked)}  {_verdict(leak.verification)}")
        creator = f" by {printable(key.creator)}" if key.creator else ""
        lines.append(f'     fal lists it as "{printable(key.alias)}", created {key.created_at}{creator}')
        lines.append(f"     found at: {printable(', '.join(leak.places[:6]))}{' …' if len(leak.places) > 6 else ''}")
        lines.extend(f"     [{step.state}] {printable(step.detail)}" for step in outcome.steps)
        if outcome.finish:
            lines.append(f"     finish with: {outcome.finish}")
    if plan.manual:
        lines.extend(["", f"Not touched: do these by hand ({len(plan.manual)}):"])
    for manual in plan.manual:
        number += 1
        lines.append(f"  {number}. {printable(manual.leak.secret.masked)}  {_verdict(manual.leak.verification)}")
        lines.append(f"     found at: {printable(', '.join(manual.leak.places[:6]))}")
        lines.append(f"     why: {printable(manual.why)}")
        lines.extend(f"     {letter}) {step}" for letter, step in zip("abcdefgh", manual.steps, strict=False))
    if plan.rejected:
        lines.extend(["", f"Already rejected by fal, nothing to rotate ({len(plan.rejected)}):"])
        lines.extend(
            f"  - {printable(leak.secret.masked)} ({printable(', '.join(leak.places[:3]))})" for leak in plan.rejected
        )
        lines.append("    purge them from history if you wish: falguard scan --history --write-replacements FILE")
    if not (outcomes or plan.manual or plan.rejected):
        lines.append("No leaked fal key found: nothing to rotate.")
    return "\n".join(lines) + "\n"


def _leak_dict(leak: Leak) -> dict[str, Any]:
    verification = leak.verification
    return {
        "key_id": leak.secret.key_id,
        "secret": leak.secret.masked,
        "verification": {"status": verification.status, "scope": verification.scope, "reason": verification.reason},
        "found_at": list(leak.places),
    }


def _render_json(plan: Plan, outcomes: Sequence[Outcome], *, dry_run: bool, url: str, admin: Secret) -> str:
    import json

    rotations = [
        {
            **_leak_dict(o.rotation.leak),
            "alias": o.rotation.key.alias, "scope": o.rotation.key.scope, "created_at": o.rotation.key.created_at,
            "creator": o.rotation.key.creator or None, "new_alias": o.rotation.new_alias, "new_key_id": o.new_key_id,
            "steps": [{"step": s.name, "state": s.state, "detail": s.detail} for s in o.steps],
            "error": o.error, "finish": o.finish,
        }
        for o in outcomes
    ]  # fmt: skip
    document = {
        "tool": "falguard",
        "version": __version__,
        "command": "rotate",
        "dry_run": dry_run,
        "api_url": url,
        "admin_key": admin.masked,
        "rotations": rotations,
        "manual": [{**_leak_dict(m.leak), "why": m.why, "steps": list(m.steps)} for m in plan.manual],
        "rejected": [_leak_dict(leak) for leak in plan.rejected],
        "complete": not dry_run and all(o.done for o in outcomes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
