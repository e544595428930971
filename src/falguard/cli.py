"""Command line: options in, plain arguments out, exit codes back.

Exit codes (a public contract): 0 no finding at or above ``--fail-on``; 1 findings;
2 usage, configuration or input error; 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from falguard import __version__
from falguard.baseline import DEFAULT_NAME as BASELINE_NAME
from falguard.baseline import Entry
from falguard.baseline import create as create_baseline
from falguard.baseline import load as load_baseline
from falguard.baseline import prune as prune_baseline
from falguard.baseline import write as write_baseline
from falguard.cli_keys import FAL_API_URL_OPTION, revoke, rotate, verify_endpoint, verify_result
from falguard.config import Config, parse_size
from falguard.config import load as load_config
from falguard.errors import FalguardError, InputError
from falguard.models import Finding, ScanResult, Severity
from falguard.redact import redact
from falguard.report import FORMATS, ReportContext, renderer
from falguard.scan import apply_suppressions, scan_staged, scan_worktree

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
SEVERITIES = [severity.label for severity in sorted(Severity, reverse=True)]


class ByteSize(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """``1048576``, ``512k``, ``10MB``, ``1GiB``."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return parse_size(value)
        except ValueError:
            self.fail(f"{value!r} is not a size (examples: 1048576, 512k, 10MB)", param, ctx)


def use_color(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return "NO_COLOR" not in os.environ and callable(isatty) and bool(isatty())


def emit(result: ScanResult, fmt: str, output: str | None, fail_on: Severity) -> int:
    """Render and write a result; return the exit code it means."""
    context = ReportContext(fail_on=fail_on, color=output is None and fmt == "text" and use_color(sys.stdout))
    text = renderer(fmt)(result, context)
    if output:
        from falguard.output import write_atomic  # lazily: tempfile is not needed on the hook path

        write_atomic(output, text)
    else:
        click.echo(text, nl=False, color=context.color)
    if output or fmt in ("json", "sarif"):
        from falguard.report.text import summary_lines

        for line in summary_lines(result, ReportContext(fail_on=fail_on)):
            click.echo(line, err=True)
    return EXIT_FINDINGS if result.failing(fail_on) else EXIT_CLEAN


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="falguard")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors (secrets stay masked).")
def cli(debug: bool) -> None:
    """Find leaked fal.ai credentials in files, staged changes and git history."""


F = TypeVar("F", bound=Callable[..., Any])


def report_options(function: F) -> F:
    """Options every scanning command shares. Defaults of None defer to the configuration."""
    options = [
        click.option(
            "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format."
        ),
        click.option(
            "-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file (atomically)."
        ),
        click.option(
            "--write-replacements",
            "replacements",
            type=click.Path(dir_okay=False),
            help="Also write git filter-repo's --replace-text file (PLAINTEXT keys, mode 0600, outside the repository).",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(SEVERITIES),
            default=None,
            help="Exit 1 when a finding is at or above this severity [default: medium].",
        ),
        click.option(
            "--max-file-size",
            type=ByteSize(),
            default=None,
            help="Skip (and count) files larger than this [default: 100MiB].",
        ),
        click.option(
            "--baseline",
            "baseline_path",
            type=click.Path(dir_okay=False),
            default=None,
            help=f"Report only findings not in this baseline [default: {BASELINE_NAME} at the repository root, if present].",
        ),
        click.option("--no-baseline", is_flag=True, help="Ignore any baseline file."),
        click.option(
            "--verify", is_flag=True, help="Ask fal's API whether each key found is live (sends each key to fal)."
        ),
        FAL_API_URL_OPTION,
    ]
    for option in reversed(options):
        function = option(function)
    return function


@dataclass(frozen=True)
class Reporting:
    """What a scanning command was asked for, resolved against the configuration."""

    fmt: str
    output: str | None
    replacements: str | None
    baseline_path: str | None
    no_baseline: bool
    verify_url: str | None = None  # --verify: the checked fal API URL


def project_root(paths: Sequence[str]) -> Path:
    """Where configuration and the default baseline live: the repository of the first path."""
    from falguard import git

    first = Path(paths[0]) if paths else Path(".")
    repo = git.repo_of_path(first)
    if repo is not None and repo.toplevel is not None:
        return repo.toplevel
    return (first if first.is_dir() else first.parent).resolve()


def settings(paths: Sequence[str], fail_on: str | None, max_file_size: int | None) -> tuple[Path, Config]:
    root = project_root(paths)
    return root, load_config(root, {"fail-on": fail_on, "max-file-size": max_file_size})


def baseline_entries(root: Path, reporting: Reporting) -> dict[tuple[str, str], Entry]:
    if reporting.no_baseline:
        return {}
    if reporting.baseline_path:
        path = Path(reporting.baseline_path)
        if not path.is_file():
            raise InputError(f"baseline file not found: {reporting.baseline_path}")
        return load_baseline(path)
    default = root / BASELINE_NAME
    return load_baseline(default) if default.is_file() else {}


def finish(result: ScanResult, root: Path, config: Config, reporting: Reporting, paths: Sequence[str]) -> int:
    """Suppressions, verification, the optional replacements file, the report, the exit code."""
    apply_suppressions(result, config, baseline_entries(root, reporting))
    if reporting.verify_url:
        verify_result(result, reporting.verify_url)
    if reporting.replacements:
        write_replacements_for(reporting.replacements, result, paths)
    code = emit(result, reporting.fmt, reporting.output, config.fail_on)
    if result.fatal:
        click.echo(f"falguard: error: {redact(result.fatal)}", err=True)
        return EXIT_ERROR
    return code


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", is_flag=True, help="Scan what the next commit adds, read from the git index.")
@click.option(
    "--history",
    is_flag=True,
    help="Scan git history instead: every blob and commit message reachable from every ref, or from the REV-RANGEs given as arguments.",
)
@click.option("--since", metavar="REV", help="With --history: only what REV..HEAD adds (for pull requests).")
@report_options
def scan(
    paths: tuple[str, ...],
    staged: bool,
    history: bool,
    since: str | None,
    fmt: str,
    output: str | None,
    replacements: str | None,
    fail_on: str | None,
    max_file_size: int | None,
    baseline_path: str | None,
    no_baseline: bool,
    verify: bool,
    fal_api_url: str | None,
) -> int:
    """Scan files and directories (default: the current directory).

    Inside a git repository: tracked files, untracked files git does not ignore, and env
    files even when ignored. Outside: every file under PATHS. With --staged: the lines the
    staged change adds (content from the index, never the working tree), and every env file
    it stages. With --history, the arguments are revision ranges (main..feature) and the
    repository is the one the current directory is in.
    """
    if staged and paths:
        raise click.UsageError("--staged scans the whole index and takes no paths")
    if staged and history:
        raise click.UsageError("--staged and --history are different scans: choose one")
    if since and not history:
        raise click.UsageError("--since needs --history")
    reporting = Reporting(fmt, output, replacements, baseline_path, no_baseline, verify_endpoint(verify, fal_api_url))
    if history:
        root, config = settings([], fail_on, max_file_size)
        result = _scan_history(paths, since, config)
        if fmt == "text" and output is None:
            for reason in result.summary.incomplete:  # the report goes to stdout: say it here too
                click.echo(f"falguard: warning: incomplete: {reason}", err=True)
        return finish(result, root, config, reporting, ())
    root, config = settings(paths, fail_on, max_file_size)
    result = scan_staged(config=config) if staged else scan_worktree(paths, config)
    return finish(result, root, config, reporting, paths)


@cli.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@report_options
def audit(
    path: str,
    fmt: str,
    output: str | None,
    replacements: str | None,
    fail_on: str | None,
    max_file_size: int | None,
    baseline_path: str | None,
    no_baseline: bool,
    verify: bool,
    fal_api_url: str | None,
) -> int:
    """One-off audit of a repository: history, working tree and env hygiene together.

    Tells, for each distinct secret, when it was first introduced and by whom, where it
    appeared, whether it is still in HEAD and whether it was pushed, with the steps to take,
    most urgent first; ends with a summary to paste into a ticket.
    """
    from falguard.audit import collect, tell
    from falguard.progress import progress_on

    root, config = settings([path], fail_on, max_file_size)
    reporting = Reporting(fmt, output, replacements, baseline_path, no_baseline, verify_endpoint(verify, fal_api_url))
    with progress_on(sys.stderr) as progress:
        found = collect(path, config, progress)
    apply_suppressions(found.result, config, baseline_entries(root, reporting))
    if reporting.verify_url:
        verify_result(found.result, reporting.verify_url)
    if replacements:
        write_replacements_for(replacements, found.result, [path])
    story = tell(found)
    if fmt in ("text", "json"):
        from falguard.report.audit import render_json, render_text

        context = ReportContext(fail_on=config.fail_on, color=False)
        text = (render_text if fmt == "text" else render_json)(story, context)
        if output:
            from falguard.output import write_atomic

            write_atomic(output, text)
            click.echo(f"falguard: audit report written to {output}", err=True)
        else:
            click.echo(text, nl=False)
        code = EXIT_FINDINGS if found.result.failing(config.fail_on) else EXIT_CLEAN
    else:
        code = emit(found.result, fmt, output, config.fail_on)
    if found.result.fatal:
        click.echo(f"falguard: error: {redact(found.result.fatal)}", err=True)
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


@cli.group()
def baseline() -> None:
    """Record reviewed findings so scans report only new ones."""


def baseline_findings(paths: Sequence[str], config: Config, history: bool) -> list[Finding]:
    """What a baseline records: the working tree's findings, and with ``history`` also every
    finding of a whole-history scan of the repository the current directory is in."""
    found = apply_suppressions(scan_worktree(paths, config), config, {}).findings
    if history:
        found += apply_suppressions(_scan_history([], None, config), config, {}).findings
    return found


_BASELINE_HISTORY = click.option(
    "--history",
    is_flag=True,
    help="Also record (or keep) the findings of a whole-history scan, for `scan --history` and `audit`.",
)


@baseline.command("create")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Baseline file [default: {BASELINE_NAME} at the repository root].",
)
@_BASELINE_HISTORY
def baseline_create(paths: tuple[str, ...], output: str | None, history: bool) -> int:
    """Record every current finding (review notes of existing entries are kept)."""
    root, config = settings(paths, None, None)
    target = Path(output) if output else root / BASELINE_NAME
    previous = load_baseline(target) if target.is_file() else {}
    entries = create_baseline(baseline_findings(paths, config, history), previous)
    write_baseline(target, entries)
    click.echo(
        f"falguard: baseline {target} records {len(entries)} finding{'s' if len(entries) != 1 else ''}", err=True
    )
    return EXIT_CLEAN


@baseline.command("update")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-f",
    "--file",
    "path",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Baseline file [default: {BASELINE_NAME} at the repository root].",
)
@_BASELINE_HISTORY
def baseline_update(paths: tuple[str, ...], path: str | None, history: bool) -> int:
    """Drop entries that no longer occur, keeping the notes of the rest; adds nothing."""
    root, config = settings(paths, None, None)
    target = Path(path) if path else root / BASELINE_NAME
    if not target.is_file():
        raise InputError(f"baseline file not found: {target} (create one with `falguard baseline create`)")
    previous = load_baseline(target)
    entries = prune_baseline(previous, baseline_findings(paths, config, history), history=history)
    write_baseline(target, entries)
    dropped = len(previous) - len(entries)
    click.echo(f"falguard: baseline {target}: kept {len(entries)}, dropped {dropped} that no longer occur", err=True)
    return EXIT_CLEAN


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.argument("path", required=False, type=click.Path())
def config_show(path: str | None) -> int:
    """Print the effective configuration and where each value came from."""
    from falguard.config import describe

    root, effective = settings([path] if path else [], None, None)
    click.echo(f"# falguard configuration for {root}")
    for key, value, origin in describe(effective):
        click.echo(f"{key} = {value}    # {origin}")
    return EXIT_CLEAN


def refuse_or_pass(result: ScanResult, fail_on: Severity, stage: str, has_head: bool = True) -> int:
    """A hook's verdict: silence when clean, the refusal message on stderr when not."""
    from falguard.hook import HOOK_ENV_RULES
    from falguard.report import printable
    from falguard.report.hook import render_refusal
    from falguard.report.text import summary_lines

    context = ReportContext(fail_on=fail_on, color=use_color(sys.stderr))
    # the gitignore check warns: it is about the repository, not about what this commit adds
    warnings = [finding for finding in result.findings if finding.rule in HOOK_ENV_RULES]
    result.findings = [finding for finding in result.findings if finding.rule not in HOOK_ENV_RULES]
    for finding in warnings:
        click.echo(f"falguard: warning: {printable(finding.message)} ({printable(finding.path)})", err=True)
    if warnings:
        click.echo("falguard: run `falguard fix` to add `.env*` to .gitignore, then commit it", err=True)
    if not result.failing(context.fail_on):
        for line in summary_lines(result, context)[1:]:  # only what could not be read
            click.echo(line, err=True)
        return EXIT_CLEAN
    click.echo(render_refusal(result, context, stage=stage, has_head=has_head), err=True, nl=False, color=context.color)
    return EXIT_FINDINGS


def hook_options(function: F) -> F:
    function = click.option(
        "--max-file-size",
        type=ByteSize(),
        default=None,
        help="Skip (and count) files larger than this [default: 100MiB].",
    )(function)
    function = click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES),
        default=None,
        help="Refuse when a finding is at or above this severity [default: medium].",
    )(function)
    return function


def hook_settings(
    fail_on: str | None, max_file_size: int | None, root: Path | None = None
) -> tuple[Path, Config, dict[tuple[str, str], Entry]]:
    """Configuration and the default baseline of the repository a hook runs in (at ``root``
    when the caller already knows it, saving git calls on the hook's hot path)."""
    if root is None:
        root, config = settings([], fail_on, max_file_size)
    else:
        config = load_config(root, {"fail-on": fail_on, "max-file-size": max_file_size})
    return root, config, baseline_entries(root, Reporting("text", None, None, None, no_baseline=False))


@cli.group()
def hook() -> None:
    """Run as a git hook (what `falguard install` and .pre-commit-hooks.yaml call)."""


@hook.command("pre-commit")
@click.argument("hook_args", nargs=-1)
@hook_options
def hook_pre_commit(hook_args: tuple[str, ...], fail_on: str | None, max_file_size: int | None) -> int:
    """Refuse a commit that adds a fal credential or stages an env file."""
    from falguard import git
    from falguard.hook import pre_commit
    from falguard.sources.staged import find_work_tree

    repo = find_work_tree(".")
    _, config, baseline_found = hook_settings(fail_on, max_file_size, repo.toplevel)
    result = pre_commit(repo, config=config)
    apply_suppressions(result, config, baseline_found)
    failing = bool(result.failing(config.fail_on))
    return refuse_or_pass(result, config.fail_on, "commit", has_head=not failing or git.has_head(repo))


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@hook_options
def hook_pre_push(remote: str | None, url: str | None, fail_on: str | None, max_file_size: int | None) -> int:
    """Refuse a push whose new commits add a fal credential (refs on stdin, as git gives them)."""
    from falguard.hook import pre_push

    _, config, baseline_found = hook_settings(fail_on, max_file_size)
    stdin_text = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    _, result = pre_push(stdin_text, os.environ, config=config)
    apply_suppressions(result, config, baseline_found)
    return refuse_or_pass(result, config.fail_on, "push")


HOOK_CHOICE = click.Choice(["pre-commit", "pre-push"])


@cli.command()
@click.option(
    "--hook",
    "hooks",
    type=HOOK_CHOICE,
    multiple=True,
    default=("pre-commit",),
    show_default=True,
    help="Which hook (repeat for both).",
)
def install(hooks: tuple[str, ...]) -> int:
    """Install falguard as a native git hook (honours core.hooksPath; keeps and chains an existing hook)."""
    from falguard.install import describe, locate
    from falguard.install import install as install_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(install_hook(repo, name)))
    return EXIT_CLEAN


@cli.command()
@click.option(
    "--hook",
    "hooks",
    type=HOOK_CHOICE,
    multiple=True,
    default=("pre-commit", "pre-push"),
    show_default=True,
    help="Which hook (repeat for both).",
)
def uninstall(hooks: tuple[str, ...]) -> int:
    """Remove falguard's git hooks, putting back any hook they replaced."""
    from falguard.install import describe, locate
    from falguard.install import uninstall as uninstall_hook

    repo = locate()
    for name in hooks:
        click.echo(describe(uninstall_hook(repo, name)))
    return EXIT_CLEAN


@cli.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--untrack", is_flag=True, help="Also run the printed `git rm --cached` commands (files stay on disk).")
def fix(path: str, untrack: bool) -> int:
    """Make the root .gitignore keep env files out of git (idempotent).

    Appends `.env*` and `!.env.example` (and the other templates present) to the root
    .gitignore without touching existing lines, and prints the `git rm --cached` command for
    each tracked env file. Never deletes a file.
    """
    from falguard import envfix

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


cli.add_command(rotate)
cli.add_command(revoke)


def _scan_history(revisions: Sequence[str], since: str | None, config: Config) -> ScanResult:
    from falguard.historyscan import scan_history
    from falguard.progress import progress_on

    with progress_on(sys.stderr) as progress:
        return scan_history(".", revisions, since=since, config=config, progress=progress)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("FALGUARD_DEBUG"))
    if "--debug" in args[1:]:  # accepted anywhere, not only before the command
        args = [args[0], *(arg for arg in args[1:] if arg != "--debug")]
    if not args:
        args = ["--help"]  # a bare `falguard` shows what it can do, as a success
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
