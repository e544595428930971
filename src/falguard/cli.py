"""Command line: options in, plain arguments out, exit codes back.

Exit codes (a public contract): 0 no finding at or above ``--fail-on``; 1 findings;
2 usage, configuration or input error; 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

import click

from falguard import __version__
from falguard.errors import FalguardError
from falguard.models import Severity
from falguard.output import write_atomic
from falguard.redact import redact
from falguard.report import FORMATS, ReportContext, renderer
from falguard.progress import HistoryProgress
from falguard.scan import ScanResult, scan_history, scan_worktree
from falguard.sources import DEFAULT_MAX_FILE_SIZE

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
SEVERITIES = [severity.label for severity in sorted(Severity, reverse=True)]


class ByteSize(click.ParamType):
    """``1048576``, ``512k``, ``10MB``, ``1GiB``."""

    name = "size"
    _UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        digits = text.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = text[len(digits) :]
        if not digits.isdigit() or unit not in self._UNITS or int(digits) <= 0:
            self.fail(f"{value!r} is not a size (examples: 1048576, 512k, 10MB)", param, ctx)
        return int(digits) * self._UNITS[unit]


def use_color(stream: object) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and bool(stream.isatty())  # type: ignore[attr-defined]


def emit(result: ScanResult, fmt: str, output: str | None, fail_on: Severity) -> int:
    """Render and write a result; return the exit code it means."""
    context = ReportContext(fail_on=fail_on, color=output is None and fmt == "text" and use_color(sys.stdout))
    text = renderer(fmt)(result, context)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False, color=context.color)
    if output or fmt != "text":
        from falguard.report.text import summary_lines

        for line in summary_lines(result, ReportContext(fail_on=fail_on)):
            click.echo(line, err=True)
    return EXIT_FINDINGS if result.failing(fail_on) else EXIT_CLEAN


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="falguard")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors (secrets stay masked).")
def cli(debug: bool) -> None:
    """Find leaked fal.ai credentials in files, staged changes and git history."""


def report_options(function):  # type: ignore[no-untyped-def]
    function = click.option("--max-file-size", type=ByteSize(), default=DEFAULT_MAX_FILE_SIZE, show_default=True, help="Skip (and count) files larger than this.")(function)
    function = click.option("--fail-on", type=click.Choice(SEVERITIES), default="medium", show_default=True, help="Exit 1 when a finding is at or above this severity.")(function)
    function = click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")(function)
    function = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")(function)
    return function


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--history", is_flag=True, help="Scan git history instead: every blob and commit message reachable from every ref, or from the REV-RANGEs given as arguments.")
@click.option("--since", metavar="REV", help="With --history: only what REV..HEAD adds (for pull requests).")
@report_options
def scan(paths: tuple[str, ...], history: bool, since: str | None, fmt: str, output: str | None, fail_on: str, max_file_size: int) -> int:
    """Scan files and directories (default: the current directory).

    Inside a git repository: tracked files, untracked files git does not ignore, and env
    files even when ignored. Outside: every file under PATHS.

    With --history, the arguments are revision ranges (main..feature) and the repository is
    the one the current directory is in.
    """
    if since and not history:
        raise click.UsageError("--since needs --history")
    if history:
        result = _scan_history(paths, since, max_file_size)
        if fmt == "text" and output is None:
            for reason in result.summary.incomplete:  # the report goes to stdout: say it here too
                click.echo(f"falguard: warning: incomplete: {reason}", err=True)
    else:
        result = scan_worktree(paths, max_file_size=max_file_size)
    return emit(result, fmt, output, Severity.parse(fail_on))


def _scan_history(revisions: Sequence[str], since: str | None, max_file_size: int) -> ScanResult:
    progress = HistoryProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        return scan_history(".", revisions, since=since, max_file_size=max_file_size, progress=progress)
    finally:
        if progress is not None:
            progress.clear()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("FALGUARD_DEBUG"))
    try:
        code = cli.main(args=args, prog_name="falguard", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("falguard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        click.echo(f"falguard: error: {redact(error.format_message())}", err=True)
        return EXIT_ERROR
    except FalguardError as error:
        if debug:
            click.echo(redact(traceback.format_exc()), err=True)
        click.echo(f"falguard: error: {redact(str(error))}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("falguard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: still one line, still masked
        if debug:
            click.echo(redact(traceback.format_exc()), err=True)
        message = redact(str(error)).splitlines()[0] if str(error) else ""
        click.echo(
            f"falguard: internal error: {type(error).__name__}: {message} (run with --debug for details)",
            err=True,
        )
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_CLEAN
