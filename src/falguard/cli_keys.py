"""Commands that talk to fal's Platform API: ``--verify`` for scans.

The API URL comes from ``--fal-api-url`` or FALGUARD_FAL_API_URL, never from a
repository's configuration.
"""

from __future__ import annotations

import os

import click

from falguard.models import ScanResult

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
