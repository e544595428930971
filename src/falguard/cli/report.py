"""`falguard report`: render a saved JSON report again, in any format, without rescanning."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from falguard.cli import EXIT_CLEAN, EXIT_FINDINGS
from falguard.cli.options import FAIL_ON, write_report
from falguard.errors import InputError
from falguard.report import FORMATS

if TYPE_CHECKING:
    from falguard.models import Severity
    from falguard.report.load import Loaded


@click.command()
@click.argument("report_file", metavar="FILE.json", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file (atomically).")
@FAIL_ON
def report(report_file: str, fmt: str, output: str | None, fail_on: str | None) -> int:
    """Render a JSON report saved by `scan --format json` or `audit --format json` (- reads
    standard input): CI keeps the JSON, a person opens the page later.

    Exits 1 when the report has findings at or above --fail-on (default: the threshold it was
    saved with), as the scan did.
    """
    from falguard.models import Severity
    from falguard.report.load import load

    loaded = load(read_document(report_file))
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
