"""`falguard hook pre-commit|pre-push` (what git or the pre-commit framework runs) and
`falguard install|uninstall` (native git hooks)."""

from __future__ import annotations

import click

from falguard.cli.hookrun import run_pre_commit, run_pre_push
from falguard.cli.options import FAIL_ON, MAX_FILE_SIZE
from falguard.errors import EXIT_CLEAN


@click.group()
def hook() -> None:
    """Run as a git hook (what `falguard install` and .pre-commit-hooks.yaml call)."""


@hook.command("pre-commit")
@click.argument("hook_args", nargs=-1)
@FAIL_ON
@MAX_FILE_SIZE
def hook_pre_commit(hook_args: tuple[str, ...], fail_on: str | None, max_file_size: int | None) -> int:
    """Refuse a commit that adds a fal credential or stages an env file."""
    return run_pre_commit(fail_on, max_file_size)


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@FAIL_ON
@MAX_FILE_SIZE
def hook_pre_push(remote: str | None, url: str | None, fail_on: str | None, max_file_size: int | None) -> int:
    """Refuse a push whose new commits add a fal credential (refs on stdin, as git gives them)."""
    return run_pre_push(fail_on, max_file_size)


HOOK_CHOICE = click.Choice(["pre-commit", "pre-push"])


@click.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit",), show_default=True, help="Which hook (repeat for both).")  # fmt: skip
def install(hooks: tuple[str, ...]) -> int:
    """Install falguard as a native git hook (honours core.hooksPath; keeps and chains an existing hook)."""
    from falguard.hooks.install import describe, locate
    from falguard.hooks.install import install as install_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(install_hook(repo, name)))
    return EXIT_CLEAN


@click.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit", "pre-push"), show_default=True, help="Which hook (repeat for both).")  # fmt: skip
def uninstall(hooks: tuple[str, ...]) -> int:
    """Remove falguard's git hooks, putting back any hook they replaced."""
    from falguard.hooks.install import describe, locate
    from falguard.hooks.install import uninstall as uninstall_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(uninstall_hook(repo, name)))
    return EXIT_CLEAN
