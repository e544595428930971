"""`falguard hook pre-commit|pre-push` (what git or the pre-commit framework runs) and
`falguard install|uninstall` (native git hooks)."""

from __future__ import annotations

import os
import sys

import click

from falguard.cli import EXIT_CLEAN, EXIT_FINDINGS
from falguard.cli.options import FAIL_ON, MAX_FILE_SIZE, Reporting, settings, stages_for, use_color
from falguard.models import ScanResult, Severity


def refuse_or_pass(result: ScanResult, fail_on: Severity, stage: str, has_head: bool = True) -> int:
    """A hook's verdict: silence when clean (but for warnings), the refusal message on stderr when not."""
    from falguard.cli.scan import warn
    from falguard.report import ReportContext
    from falguard.report.hook import render_refusal
    from falguard.report.text import summary_lines

    context = ReportContext(fail_on=fail_on, color=use_color(sys.stderr))
    warn(result)
    if not result.failing(context.fail_on):
        for line in summary_lines(result, context)[1:]:  # only what could not be read
            click.echo(line, err=True)
        return EXIT_CLEAN
    click.echo(render_refusal(result, context, stage=stage, has_head=has_head), err=True, nl=False, color=context.color)
    return EXIT_FINDINGS


@click.group()
def hook() -> None:
    """Run as a git hook (what `falguard install` and .pre-commit-hooks.yaml call)."""


@hook.command("pre-commit")
@click.argument("hook_args", nargs=-1)
@FAIL_ON
@MAX_FILE_SIZE
def hook_pre_commit(hook_args: tuple[str, ...], fail_on: str | None, max_file_size: int | None) -> int:
    """Refuse a commit that adds a fal credential or stages an env file."""
    from falguard import git
    from falguard.scan import scan_staged
    from falguard.sources.staged import find_work_tree

    repo = find_work_tree(".")
    reporting = Reporting(fail_on=fail_on, max_file_size=max_file_size)
    root, config = settings([], reporting, repo.toplevel)  # the repository is known: no git call to find it
    result = scan_staged(repo, config, stages_for(root, reporting))
    failing = bool(result.failing(config.fail_on))
    return refuse_or_pass(result, config.fail_on, "commit", has_head=not failing or git.has_head(repo))


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@FAIL_ON
@MAX_FILE_SIZE
def hook_pre_push(remote: str | None, url: str | None, fail_on: str | None, max_file_size: int | None) -> int:
    """Refuse a push whose new commits add a fal credential (refs on stdin, as git gives them)."""
    from falguard.hook import pre_push

    reporting = Reporting(fail_on=fail_on, max_file_size=max_file_size)
    root, config = settings([], reporting)
    stdin_text = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    _, result = pre_push(stdin_text, os.environ, config=config, stages=stages_for(root, reporting))
    return refuse_or_pass(result, config.fail_on, "push")


HOOK_CHOICE = click.Choice(["pre-commit", "pre-push"])


@click.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit",), show_default=True, help="Which hook (repeat for both).")  # fmt: skip
def install(hooks: tuple[str, ...]) -> int:
    """Install falguard as a native git hook (honours core.hooksPath; keeps and chains an existing hook)."""
    from falguard.install import describe, locate
    from falguard.install import install as install_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(install_hook(repo, name)))
    return EXIT_CLEAN


@click.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit", "pre-push"), show_default=True, help="Which hook (repeat for both).")  # fmt: skip
def uninstall(hooks: tuple[str, ...]) -> int:
    """Remove falguard's git hooks, putting back any hook they replaced."""
    from falguard.install import describe, locate
    from falguard.install import uninstall as uninstall_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(uninstall_hook(repo, name)))
    return EXIT_CLEAN
