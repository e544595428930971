"""What the commands share: options, the settings they resolve to, and the way a result
becomes a report and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from falguard.cli.falapi import FAL_API_URL, verify_url
from falguard.cli.settings import Reporting, fails_when_incomplete, use_color
from falguard.config import Config, parse_size
from falguard.detection.baseline import DEFAULT_NAME as BASELINE_NAME
from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InputError
from falguard.models import ScanResult, Severity
from falguard.report import FORMATS, ReportContext, renderer

SEVERITIES = [severity.label for severity in sorted(Severity, reverse=True)]
F = TypeVar("F", bound=Callable[..., Any])
#: Formats whose report does not end with the text summary: it goes to stderr.
SILENT_FORMATS = ("json", "sarif", "html")


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
        click.option("--fail-on-incomplete/--no-fail-on-incomplete", default=None, help="Exit 2 when the scan could not read everything (a shallow or partial clone, unreadable files) [default: for history scans in CI]."),
        click.option("--verify", is_flag=True, help="Ask fal's API whether each key found is live (sends each key to fal, in the Authorization header only)."),
        FAL_API_URL,
        click.option("-v", "--verbose", is_flag=True, help="Show every step to take in text and github output (by default the first two; JSON and SARIF always carry every step)."),
    ]  # fmt: skip
    names = ("fmt", "output", "replacements", "fail_on", "max_file_size", "baseline_path", "no_baseline", "fail_on_incomplete", "verbose")  # fmt: skip

    def command(**kwargs: Any) -> int:
        url = verify_url(kwargs.pop("verify"), kwargs.pop("fal_api_url"))
        reporting = Reporting(**{name: kwargs.pop(name) for name in names}, verify_url=url)
        return function(reporting=reporting, **kwargs)

    command.__name__, command.__doc__ = function.__name__, function.__doc__
    for option in reversed(options):
        command = option(command)
    return command


def write_report(text: str, output: str | None, color: bool = False) -> None:
    """The whole report to ``output`` (atomically) or standard output, or InputError: never
    an exit code without the report it stands for."""
    if output:
        from falguard.output import write_atomic  # lazily: tempfile is not needed on the hook path

        write_atomic(output, text)
        return
    if sys.stdout is None:  # click.echo would drop the report without a word
        raise InputError("cannot write the report: standard output is closed (write it to a file with -o FILE)")
    try:
        click.echo(text, nl=False, color=color)
    except OSError as error:
        from falguard.output import stdout_failed

        raise stdout_failed(error) from None


def emit(result: ScanResult, fmt: str, output: str | None, fail_on: Severity, *, verbose: bool = False) -> int:
    """Render and write a result; return the exit code it means."""
    color = output is None and fmt == "text" and use_color(sys.stdout)
    context = ReportContext(fail_on=fail_on, color=color, verbose=verbose)
    write_report(renderer(fmt)(result, context), output, context.color)
    if output or fmt in SILENT_FORMATS:
        summary_to_stderr(result, fail_on)
    return EXIT_FINDINGS if result.failing(fail_on) else EXIT_CLEAN


def summary_to_stderr(result: ScanResult, fail_on: Severity) -> None:
    """The summary a text report ends with, on stderr: for a report written to a file or in a
    format a person does not read, so every run ends by saying what it found."""
    from falguard.report.text import summary_lines

    for line in summary_lines(result, ReportContext(fail_on=fail_on)):
        click.echo(line, err=True)


def finish(
    result: ScanResult, config: Config, reporting: Reporting, paths: Sequence[str], *, history: bool = False
) -> int:
    """The optional replacements file, the report, the exit code."""
    if reporting.replacements:
        write_replacements_for(reporting.replacements, result, paths)
    code = emit(result, reporting.fmt, reporting.output, config.fail_on, verbose=reporting.verbose)
    return fatal_or(result, code, fails_when_incomplete(config, history=history))


def fatal_or(result: ScanResult, code: int, strict: bool = False) -> int:
    """Exit 2 after the report when the scan could not read what it had to: a corrupt
    repository always, an incomplete scan when ``strict`` (--fail-on-incomplete, or CI)."""
    from falguard.redact import redact

    if result.fatal:
        click.echo(f"falguard: error: {redact(result.fatal)}", err=True)
        return EXIT_ERROR
    if strict and not result.summary.complete:  # the summary above named what was not read
        click.echo(f"falguard: error: the scan is incomplete (see above){INCOMPLETE_FIX}", err=True)
        return EXIT_ERROR
    return code


INCOMPLETE_FIX = (
    "; scan a full clone (`git fetch --unshallow`; GitHub Actions: actions/checkout with `fetch-depth: 0`), "
    "or pass --no-fail-on-incomplete to accept it"
)


def write_replacements_for(target: str, result: ScanResult, paths: Sequence[str]) -> None:
    from falguard.report.replacements import WARNING, protected_paths, write_replacements

    written = write_replacements(target, [*result.findings, *result.suppressed], protected_paths(paths))
    click.echo(f"falguard: {written.message(target)}", err=True)
    click.echo(WARNING.format(path=target), err=True)
