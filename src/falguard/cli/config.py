"""`falguard config show`: the effective configuration and where each value came from."""

from __future__ import annotations

import click

from falguard.cli import EXIT_CLEAN
from falguard.cli.settings import settings


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.argument("path", required=False, type=click.Path())
def config_show(path: str | None) -> int:
    """Print the effective configuration and where each value came from."""
    from falguard.config import describe

    root, effective = settings([path] if path else [])
    click.echo(f"# falguard configuration for {root}")
    for key, value, origin in describe(effective):
        click.echo(f"{key} = {value}    # {origin}")
    return EXIT_CLEAN
