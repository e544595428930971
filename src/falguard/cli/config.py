"""`falguard config show`: the effective configuration and where each value came from."""

from __future__ import annotations

import click

from falguard.cli.settings import project_root
from falguard.errors import EXIT_CLEAN, EXIT_ERROR


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.argument("path", required=False, type=click.Path())
def config_show(path: str | None) -> int:
    """Print the effective configuration and where each value came from."""
    from falguard.config import describe, load

    root = project_root([path] if path else [])
    effective = load(root, lenient=True)  # a wrong value is shown beside its key, not a dead end
    click.echo(f"# falguard configuration for {root}")
    for key, value, origin in describe(effective):
        error = effective.errors.get(key)
        click.echo(f"{key} = {value}    # {origin}" + (f"    ERROR: {error} (the default applies)" if error else ""))
    for key in sorted(set(effective.errors) - {key for key, _, _ in describe(effective)}):
        click.echo(f"# ERROR: {effective.errors[key]}")
    if effective.errors:
        count = len(effective.errors)
        click.echo(
            f"falguard: error: {count} configuration value{'s are' if count != 1 else ' is'} invalid (shown above)",
            err=True,
        )
        return EXIT_ERROR
    return EXIT_CLEAN
