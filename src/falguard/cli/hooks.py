"""`falguard hook pre-commit|pre-push|pre-receive` (what git, the pre-commit framework or a git
server runs) and `falguard install|uninstall` (native git hooks; `--server` for a server's)."""

from __future__ import annotations

import os
import sys

import click

from falguard.cli.hookrun import run_pre_commit, run_pre_push, run_pre_receive
from falguard.cli.options import FAIL_ON, MAX_FILE_SIZE
from falguard.errors import EXIT_CLEAN, InputError


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


@hook.command("pre-receive")
@click.option("--policy", "policy_file", metavar="FILE", help="The server-wide policy (.falguard.toml) the administrator installed; the repository's own <git dir>/.falguard.toml wins key by key.")  # fmt: skip
def hook_pre_receive(policy_file: str | None) -> int:
    """On a git server: refuse a push that brings a fal credential (refs on stdin, as git gives them)."""
    return run_pre_receive(policy_file)


HOOK_CHOICE = click.Choice(["pre-commit", "pre-push"])


@click.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit",), show_default=True, help="Which hook (repeat for both).")  # fmt: skip
@click.option("--server", is_flag=True, help="Install the server's pre-receive hook instead (run it in the bare repository pushes go to).")  # fmt: skip
@click.option("--print", "print_only", is_flag=True, help="With --server: print the hook script (for a server's global hooks directory) instead of installing it.")  # fmt: skip
@click.option("--policy", metavar="FILE", help="With --server: the server-wide policy file the hook reads.")
def install(hooks: tuple[str, ...], server: bool, print_only: bool, policy: str | None) -> int:
    """Install falguard as a native git hook (honours core.hooksPath; keeps and chains an existing hook)."""
    from falguard.hooks.install import describe, hook_script, locate
    from falguard.hooks.install import install as install_hook

    if (print_only or policy) and not server:
        raise click.UsageError("--print and --policy go with --server")
    policy = os.path.abspath(policy) if policy else None
    if print_only:
        click.echo(hook_script("pre-receive", os.path.abspath(sys.executable), policy), nl=False)
        return EXIT_CLEAN
    repo = locate()
    if server and not repo.bare:
        raise InputError(f"--server installs a git server's hook: run it in the bare repository pushes go to ({repo.cwd} has a work tree)")  # fmt: skip
    for name in ("pre-receive",) if server else hooks:
        click.echo(describe(install_hook(repo, name, policy=policy)))
    return EXIT_CLEAN


@click.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit", "pre-push"), show_default=True, help="Which hook (repeat for both).")  # fmt: skip
@click.option("--server", is_flag=True, help="Remove the server's pre-receive hook instead.")
def uninstall(hooks: tuple[str, ...], server: bool) -> int:
    """Remove falguard's git hooks, putting back any hook they replaced."""
    from falguard.hooks.install import describe, locate
    from falguard.hooks.install import uninstall as uninstall_hook

    repo = locate()
    for name in ("pre-receive",) if server else hooks:
        click.echo(describe(uninstall_hook(repo, name)))
    return EXIT_CLEAN
