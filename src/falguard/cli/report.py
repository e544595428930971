"""`falguard report`: render a saved JSON report again, in any format, without rescanning."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from falguard.cli.options import FAIL_ON, write_report
from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InputError
from falguard.report import FORMATS

if TYPE_CHECKING:
    from falguard.models import Severity
    from falguard.report.load import Loaded


@click.command()
@click.argument(
    "report_files", nargs=-1, required=True, metavar="FILE.json...", type=click.Path(dir_okay=False, allow_dash=True)
)
@click.option(
    "--merge",
    is_flag=True,
    help="Merge the reports of several repositories (audit or scan JSON, or merged ones) into one.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file (atomically).")
@FAIL_ON
def report(report_files: tuple[str, ...], merge: bool, fmt: str, output: str | None, fail_on: str | None) -> int:
    """Render a JSON report saved by `scan --format json` or `audit --format json` (- reads
    standard input): CI keeps the JSON, a person opens the page later. With --merge, the
    reports of many repositories (a CI matrix's chunks) become one organisation report.

    Exits 1 when the report has findings at or above --fail-on (default: the threshold it was
    saved with), as the scan did; with --merge, 2 when a repository could not be audited.
    """  # fmt: skip
    from falguard.models import Severity
    from falguard.report.load import load

    if merge:
        return merge_reports(report_files, fmt, output)
    if len(report_files) != 1:
        raise click.UsageError("give one report to render, or --merge with several")
    loaded = load(read_document(report_files[0]))
    threshold = Severity.parse(fail_on) if fail_on else loaded.fail_on
    write_report(render_loaded(loaded, fmt, threshold), output)
    if output:
        click.echo(f"falguard: {fmt} report written to {output}", err=True)
    return EXIT_FINDINGS if loaded.result.failing(threshold) else EXIT_CLEAN


def read_document(name: str) -> dict[str, Any]:
    """A saved report, parsed (not yet loaded into values)."""
    from falguard.report.load import parse

    try:
        if name == "-":
            text = sys.stdin.read()
        else:
            with open(name, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not UTF-8 text"
        raise InputError(f"cannot read {name}: {reason}") from None
    return parse(text, name)


def render_loaded(loaded: Loaded, fmt: str, fail_on: Severity) -> str:
    """A loaded report in ``fmt``: an audit keeps its stories where the format has an audit view."""
    from falguard.report import ReportContext, audit_renderer, renderer

    context = ReportContext(fail_on=fail_on)
    render_audit = audit_renderer(fmt)
    if loaded.audit is not None and render_audit is not None:
        return render_audit(loaded.audit, context)
    return renderer(fmt)(loaded.result, context)


def merge_reports(names: tuple[str, ...], fmt: str, output: str | None) -> int:
    """One report of every repository in ``names`` (same as a single many-repository run)."""
    from falguard.report.combined import render_combined
    from falguard.report.merge import failed_repositories
    from falguard.report.merge import merge_reports as merged

    documents = []
    for name in names:
        document = read_document(name)
        if "repositories" not in document.get("summary", {}):
            document.setdefault("repository", name)  # a scan report names itself by its file
        documents.append(document)
    combined = merged(documents)
    write_report(render_combined(combined, fmt), output)
    if output:
        click.echo(
            f"falguard: {fmt} report of {len(combined['summary'].get('repositories', []))} repositories written to {output}",
            err=True,
        )
    if failed_repositories(combined):
        click.echo("falguard: error: some repositories could not be audited (see the report)", err=True)
        return EXIT_ERROR
    return EXIT_FINDINGS if combined["summary"].get("failed") else EXIT_CLEAN
