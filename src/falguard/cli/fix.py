"""`falguard fix`: make the root .gitignore keep env files out of git."""

from __future__ import annotations

import os
from pathlib import Path

import click

from falguard.errors import EXIT_CLEAN


@click.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--untrack", is_flag=True, help="Also run the printed `git rm --cached` commands (files stay on disk).")
def fix(path: str, untrack: bool) -> int:
    """Make the root .gitignore keep env files out of git (idempotent).

    Appends `.env*` and `!.env.example` (and the other templates present) to the root
    .gitignore without touching existing lines, and prints the `git rm --cached` command for
    each tracked env file. Never deletes a file.
    """
    from falguard.envhygiene import envfix

    plan = envfix.plan_fix(path)
    shown = os.path.relpath(plan.gitignore)
    if envfix.apply_gitignore(plan):
        click.echo(f"falguard: {'created' if plan.creates else 'appended to'} {shown}:")
        for line in plan.block.strip("\n").splitlines():
            click.echo(f"    {line}")
    else:
        click.echo(f"falguard: {shown} already keeps env files out of git; nothing to add")
    if not plan.tracked:
        return EXIT_CLEAN
    if untrack:
        for tracked in envfix.untrack(plan):
            click.echo(f"falguard: stopped tracking {tracked} (the file is still on disk)")
        click.echo("falguard: commit this, and rotate every key those files held if the commits were ever pushed")
        return EXIT_CLEAN
    click.echo(
        "falguard: these env files are tracked, and ignore rules do not apply to tracked files; to stop tracking them (they stay on disk), run:"
    )
    for tracked in plan.tracked:
        click.echo(f"    {envfix.untrack_command(tracked, plan.root, Path.cwd())}")
    click.echo(
        "falguard: or run `falguard fix --untrack`; then commit, and rotate every key they held if the commits were ever pushed"
    )
    return EXIT_CLEAN
