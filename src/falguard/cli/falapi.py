"""The fal API URL option, shared by --verify, rotate and revoke: from the command line or
$FALGUARD_FAL_API_URL, never from a scanned repository's configuration."""

from __future__ import annotations

import os

import click

FAL_API_URL = click.option(
    "--fal-api-url", metavar="URL", default=None,
    help="fal's Platform API [default: $FALGUARD_FAL_API_URL, else https://api.fal.ai/v1]; never read from a repository's configuration.",
)  # fmt: skip


def verify_url(verify: bool, option: str | None) -> str | None:
    """The checked API URL when --verify is given (a bad one fails before any scan), else None."""
    if not verify:
        return None
    from falguard.platform.falapi import api_url

    return api_url(option, os.environ)
