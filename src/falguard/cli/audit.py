"""`falguard audit`: history, working tree and env hygiene, told as one story per secret."""

from __future__ import annotations

import sys

import click

from falguard.cli.options import (
    SILENT_FORMATS,
    emit,
    fatal_or,
    report_options,
    summary_to_stderr,
    write_replacements_for,
    write_report,
)
from falguard.cli.org import OrgRequest, org_options
from falguard.cli.settings import Reporting, fails_when_incomplete, settings, stages_for
from falguard.errors import EXIT_CLEAN, EXIT_FINDINGS


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@org_options
@report_options
def audit(path: str, reporting: Reporting, org: OrgRequest | None = None) -> int:
    """One-off audit of a repository: history, working tree and env hygiene together.

    Tells, for each distinct secret, when it was first introduced and by whom, where it
    appeared, whether it is still in HEAD and whether it was pushed, with the steps to take,
    most urgent first; ends with a summary to paste into a ticket.

    With --repos or --github-org, audits many repositories (bare mirrors in the cache, the
    unchanged ones not rescanned) into one report; exit 2 after it if any failed.
    """
    if org is not None:
        from falguard.cli.org import audit_many

        return audit_many(path, org, reporting)
    from falguard.report import ReportContext, audit_renderer
    from falguard.scans.audit import collect, tell
    from falguard.scans.progress import progress_on

    root, config = settings([path], reporting)
    with progress_on(sys.stderr) as progress:
        found = collect(path, config, stages_for(root, reporting), progress)
    if reporting.replacements:
        write_replacements_for(reporting.replacements, found.result, [path])
    strict = fails_when_incomplete(config, history=True)
    render = audit_renderer(reporting.fmt)
    if render is None:
        return fatal_or(
            found.result,
            emit(found.result, reporting.fmt, reporting.output, config.fail_on, verbose=reporting.verbose),
            strict,
        )
    write_report(
        render(tell(found), ReportContext(fail_on=config.fail_on, color=False, verbose=reporting.verbose)),
        reporting.output,
    )
    if reporting.output or reporting.fmt in SILENT_FORMATS:
        summary_to_stderr(found.result, config.fail_on)
    return fatal_or(found.result, EXIT_FINDINGS if found.result.failing(config.fail_on) else EXIT_CLEAN, strict)
