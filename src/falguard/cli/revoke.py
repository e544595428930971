"""`falguard revoke KEY_ID...`: delete fal keys by id with FAL_ADMIN_KEY (a dry run without --yes)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from falguard.cli.falapi import FAL_API_URL
from falguard.errors import EXIT_CLEAN, EXIT_ERROR, InputError
from falguard.models import mask

if TYPE_CHECKING:
    from falguard.platform.falapi import KeyInfo


@click.command()
@click.argument("key_ids", nargs=-1, required=True, metavar="KEY_ID...")
@click.option("--yes", is_flag=True, help="Do it. Without --yes: say what would be deleted and change nothing.")
@FAL_API_URL
def revoke(key_ids: tuple[str, ...], yes: bool, fal_api_url: str | None) -> int:
    """Delete fal keys by id (from a report, the dashboard or another tool), with FAL_ADMIN_KEY."""
    from falguard.platform import rotate as rotation
    from falguard.platform.falapi import FalApi, FalApiError, api_url

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
    from falguard.platform.rotate import KEY_ID

    ids: list[str] = []
    for value in given:
        if ":" in value:
            raise InputError(f"{mask(value)}: give the key id only (the part before ':'), never the secret")
        if not KEY_ID.fullmatch(value):
            raise InputError(f"{value[:40]!r} is not a fal key id (a UUID)")
        ids.append(value.lower())
    return list(dict.fromkeys(ids))
