"""What the commands share: options, the settings they resolve to, and the way a result
becomes a report and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from falguard.baseline import DEFAULT_NAME as BASELINE_NAME
from falguard.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from falguard.cli.settings import Reporting, use_color
from falguard.config import Config, parse_size
from falguard.models import ScanResult, Severity
from falguard.report import FORMATS, ReportContext, renderer

SEVERITIES = [severity.label for severity in sorted(Severity, reverse=True)]
F = TypeVar("F", bound=Callable[..., Any])


class ByteSize(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """``1048576``, ``512k``, ``10MB``, ``1GiB``."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return parse_size(value)
        except ValueError:
            self.fail(f"{value!r} is not a size (examples: 1048576, 512k, 10MB)", param, ctx)


FAIL_ON = click.option(
    "--fail-on", type=click.Choice(SEVERITIES), default=None,
    help="Exit 1 when a finding is at or above this severity [default: medium].",
)  # fmt: skip
MAX_FILE_SIZE = click.option(
    "--max-file-size", type=ByteSize(), default=None, help="Skip (and count) files larger than this [default: 100MiB]."
)


def report_options(function: Callable[..., int]) -> Callable[..., int]:
    """Options every scanning command shares, gathered into one ``reporting`` argument.
    Defaults of None defer to the configuration."""
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format."),
        click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file (atomically)."),
        click.option("--write-replacements", "replacements", type=click.Path(dir_okay=False), help="Also write git filter-repo's --replace-text file (PLAINTEXT keys, mode 0600, outside the repository)."),
        FAIL_ON,
        MAX_FILE_SIZE,
        click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), default=None, help=f"Report only findings not in this baseline [default: {BASELINE_NAME} at the repository root, if present]."),
        click.option("--no-baseline", is_flag=True, help="Ignore any baseline file."),
    ]  # fmt: skip
    names = ("fmt", "output", "replacements", "fail_on", "max_file_size", "baseline_path", "no_baseline")

    def command(**kwargs: Any) -> int:
        reporting = Reporting(**{name: kwargs.pop(name) for name in names})
        return function(reporting=reporting, **kwargs)

    command.__name__, command.__doc__ = function.__name__, function.__doc__
    for option in reversed(options):
        command = option(command)
    return command


def write_report(text: str, output: str | None, color: bool = False) -> None:
    if output:
        from falguard.output import write_atomic  # lazily: tempfile is not needed on the hook path

        write_atomic(output, text)
    else:
        click.echo(text, nl=False, color=color)


def emit(result: ScanResult, fmt: str, output: str | None, fail_on: Severity) -> int:
    """Render and write a result; return the exit code it means."""
    context = ReportContext(fail_on=fail_on, color=output is None and fmt == "text" and use_color(sys.stdout))
    write_report(renderer(fmt)(result, context), output, context.color)
    if output or fmt in ("json", "sarif", "html"):
        from falguard.report.text import summary_lines

        for line in summary_lines(result, ReportContext(fail_on=fail_on)):
            click.echo(line, err=True)
    return EXIT_FINDINGS if result.failing(fail_on) else EXIT_CLEAN


def finish(result: ScanResult, config: Config, reporting: Reporting, paths: Sequence[str]) -> int:
    """The optional replacements file, the report, the exit code."""
    if reporting.replacements:
        write_replacements_for(reporting.replacements, result, paths)
    code = emit(result, reporting.fmt, reporting.output, config.fail_on)
    return fatal_or(result, code)


def fatal_or(result: ScanResult, code: int) -> int:
    """Exit 2 after the report when the scan could not read what it had to (a corrupt repository)."""
    if result.fatal:
        from falguard.redact import redact

        click.echo(f"falguard: error: {redact(result.fatal)}", err=True)
        return EXIT_ERROR
    return code


def write_replacements_for(target: str, result: ScanResult, paths: Sequence[str]) -> None:
    from falguard import git
    from falguard.replacements import WARNING, write_replacements

    protected: list[Path] = []
    for given in paths or (".",):
        repo = git.repo_of_path(given)
        if repo is not None:
            protected.extend(p for p in (repo.toplevel, repo.git_dir, repo.common_dir) if p is not None)
    count = write_replacements(target, [*result.findings, *result.suppressed], protected)
    click.echo(f"falguard: wrote {count} secret{'s' if count != 1 else ''} to {target}", err=True)
    click.echo(WARNING.format(path=target), err=True)
