"""Command line: options in, plain arguments out, exit codes back.

Exit codes (a public contract): 0 no finding at or above ``--fail-on``; 1 findings;
2 usage, configuration or input error; 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from falguard import __version__
from falguard.errors import FalguardError
from falguard.models import Severity
from falguard.redact import redact
from falguard.report import FORMATS, ReportContext, renderer
from falguard.scan import ScanResult, scan_staged, scan_worktree
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
        from falguard.output import write_atomic  # lazily: tempfile is not needed on the hook path

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
@click.option("--staged", is_flag=True, help="Scan what the next commit adds, read from the git index.")
@report_options
def scan(paths: tuple[str, ...], staged: bool, fmt: str, output: str | None, fail_on: str, max_file_size: int) -> int:
    """Scan files and directories (default: the current directory).

    Inside a git repository: tracked files, untracked files git does not ignore, and env
    files even when ignored. Outside: every file under PATHS. With --staged: the lines the
    staged change adds (content from the index, never the working tree), and every env file
    it stages.
    """
    if staged:
        if paths:
            raise click.UsageError("--staged scans the whole index and takes no paths")
        result = scan_staged(max_file_size=max_file_size)
    else:
        result = scan_worktree(paths, max_file_size=max_file_size)
    return emit(result, fmt, output, Severity.parse(fail_on))


def refuse_or_pass(result: ScanResult, fail_on: str, stage: str, has_head: bool = True) -> int:
    """A hook's verdict: silence when clean, the refusal message on stderr when not."""
    from falguard.report.hook import render_refusal
    from falguard.report.text import summary_lines

    context = ReportContext(fail_on=Severity.parse(fail_on), color=use_color(sys.stderr))
    if not result.failing(context.fail_on):
        for line in summary_lines(result, context)[1:]:  # only what could not be read
            click.echo(line, err=True)
        return EXIT_CLEAN
    click.echo(render_refusal(result, context, stage=stage, has_head=has_head), err=True, nl=False, color=context.color)
    return EXIT_FINDINGS


F = TypeVar("F", bound=Callable[..., Any])


def hook_options(function: F) -> F:
    function = click.option("--max-file-size", type=ByteSize(), default=DEFAULT_MAX_FILE_SIZE, show_default=True, help="Skip (and count) files larger than this.")(function)
    function = click.option("--fail-on", type=click.Choice(SEVERITIES), default="medium", show_default=True, help="Refuse when a finding is at or above this severity.")(function)
    return function


@cli.group()
def hook() -> None:
    """Run as a git hook (what `falguard install` and .pre-commit-hooks.yaml call)."""


@hook.command("pre-commit")
@click.argument("hook_args", nargs=-1)
@hook_options
def hook_pre_commit(hook_args: tuple[str, ...], fail_on: str, max_file_size: int) -> int:
    """Refuse a commit that adds a fal credential or stages an env file."""
    from falguard import git
    from falguard.hook import pre_commit

    repo, result = pre_commit(max_file_size=max_file_size)
    failing = bool(result.failing(Severity.parse(fail_on)))
    return refuse_or_pass(result, fail_on, "commit", has_head=not failing or git.has_head(repo))


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@hook_options
def hook_pre_push(remote: str | None, url: str | None, fail_on: str, max_file_size: int) -> int:
    """Refuse a push whose new commits add a fal credential (refs on stdin, as git gives them)."""
    from falguard.hook import pre_push

    stdin_text = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    _, result = pre_push(stdin_text, os.environ, max_file_size=max_file_size)
    return refuse_or_pass(result, fail_on, "push")


HOOK_CHOICE = click.Choice(["pre-commit", "pre-push"])


@cli.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit",), show_default=True, help="Which hook (repeat for both).")
def install(hooks: tuple[str, ...]) -> int:
    """Install falguard as a native git hook (honours core.hooksPath; keeps and chains an existing hook)."""
    from falguard.install import describe, install as install_hook, locate

    repo = locate()
    for name in hooks:
        click.echo(describe(install_hook(repo, name)))
    return EXIT_CLEAN


@cli.command()
@click.option("--hook", "hooks", type=HOOK_CHOICE, multiple=True, default=("pre-commit", "pre-push"), show_default=True, help="Which hook (repeat for both).")
def uninstall(hooks: tuple[str, ...]) -> int:
    """Remove falguard's git hooks, putting back any hook they replaced."""
    from falguard.install import describe, locate, uninstall as uninstall_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(uninstall_hook(repo, name)))
    return EXIT_CLEAN


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
            import traceback

            click.echo(redact(traceback.format_exc()), err=True)
        click.echo(f"falguard: error: {redact(str(error))}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("falguard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: still one line, still masked
        if debug:
            import traceback

            click.echo(redact(traceback.format_exc()), err=True)
        message = redact(str(error)).splitlines()[0] if str(error) else ""
        click.echo(
            f"falguard: internal error: {type(error).__name__}: {message} (run with --debug for details)",
            err=True,
        )
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_CLEAN
