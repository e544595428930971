"""The command group: every command, each defined in its own module."""

from __future__ import annotations

from typing import Any

import click

from falguard import __version__
from falguard.cli.audit import audit
from falguard.cli.baseline import baseline
from falguard.cli.config import config
from falguard.cli.fix import fix
from falguard.cli.hooks import hook, install, uninstall
from falguard.cli.probe import probe
from falguard.cli.report import report
from falguard.cli.revoke import revoke
from falguard.cli.rotate import rotate
from falguard.cli.scan import scan


class Commands(click.Group):
    """The group, but a broken pipe in a command is an error (exit 2, one line): click's own
    handling makes it a silent exit 1, which reads as "findings" with no report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            raise RuntimeError(f"a pipe closed before falguard was done ({error.strerror})") from error


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="falguard")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors (secrets stay masked).")
def cli(debug: bool) -> None:
    """Find leaked fal.ai credentials in files, staged changes and git history."""


for command in (scan, probe, audit, report, baseline, config, hook, install, uninstall, fix, rotate, revoke):
    cli.add_command(command)
