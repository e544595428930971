"""The HTML report: one self-contained page (inline CSS, a little plain JavaScript for the
filters and the copy button, no network), readable without JavaScript and printable.

``render`` is the scan format (every ``scan`` mode); ``render_audit`` is the audit's page.
Both draw from the same values as the JSON report; a saved JSON report loaded back
(:mod:`falguard.report.load`) renders the same page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from falguard.detection.facts import Audit
from falguard.models import ScanResult
from falguard.report import ReportContext
from falguard.report.html.escape import esc
from falguard.report.html.page import code_spans, document
from falguard.report.html.view import Card, View, by_severity, by_verification, group_card, story_card
from falguard.report.text import grouped, scanned, summary_lines


def _scanned(result: ScanResult) -> str:
    """How much was read: the text report's words once history was read (objects read, blobs
    and working-tree files scanned, each counted as itself)."""
    summary = result.summary
    if summary.objects_read:
        return scanned(summary)
    count = summary.files_scanned
    return f"{count:,} {summary.scanned_noun}{'s' if count != 1 else ''} ({summary.bytes_scanned:,} bytes)"


def _coverage(result: ScanResult, failed: Sequence[str] = ()) -> str:
    """Complete, or what was not read: this decides whether "no findings" means anything.
    ``failed`` repositories (many repositories) are counted here; why each failed is said
    once, in the summary for the ticket."""
    summary = result.summary
    if summary.complete and not failed:
        return '<span class="good">complete</span>'
    reasons = [f"could not read {path}" for path in summary.unreadable] + summary.incomplete
    reasons = [reason for reason in reasons if not reason.startswith(tuple(f"{name}: " for name in failed))]
    if failed:
        reasons.insert(
            0, f"{len(failed)} repositor{'y' if len(failed) == 1 else 'ies'} failed (why: the summary below)"
        )
    return '<span class="warn">INCOMPLETE</span>: ' + "; ".join(code_spans(reason) for reason in reasons)


def _outcome(result: ScanResult, context: ReportContext) -> str:
    failing = len(result.failing(context.fail_on))
    level = context.fail_on.label
    if failing:
        return f'<span class="warn">failing</span>: {failing} finding{"s" if failing != 1 else ""} at or above {level}'
    if not result.summary.complete:
        return f'<span class="warn">not shown clean</span>: nothing at or above {level} in what was read, but coverage is incomplete'
    return f'<span class="good">passing</span>: nothing at or above {level}'


def audit_view(audit: Audit, context: ReportContext) -> View:
    from falguard.report.audit import acceptance, ticket_summary

    result = audit.result
    read = audit.refs_scanned is not None  # None: not a git repository, no history was read
    cards = tuple(story_card(number, story, read) for number, story in enumerate(audit.stories, 1))
    accepted = tuple(
        replace(story_card(number, story, read), accepted=acceptance(story))
        for number, story in enumerate(audit.accepted, len(cards) + 1)
    )
    if audit.refs_scanned is None:
        refs = "none (no git history was read)"
    else:
        refs = f"{audit.refs_scanned:,} ref{'s' if audit.refs_scanned != 1 else ''} (every branch, tag, remote-tracking ref and the stash)"
        if audit.bare:
            refs += " (a bare repository: everything in it counts as published)"
    facts = (
        ("Repository", esc(audit.repository)),
        ("HEAD", f"<code>{esc(audit.head)}</code>" if audit.head else "no commits"),
        ("Refs scanned", esc(refs)),
        ("Scanned", esc(_scanned(result))),
        ("Coverage", _coverage(result)),
        ("Outcome", _outcome(result, context)),
    )
    name = audit.repository.rstrip("/").rsplit("/", 1)[-1] or audit.repository
    return View(
        "audit", f"falguard audit of {name}", facts, by_severity(result),
        by_verification(cards), cards, tuple(audit.hygiene), tuple(ticket_summary(audit, context)),
        tuple(summary_lines(result, context)), accepted,
    )  # fmt: skip


def scan_view(result: ScanResult, context: ReportContext) -> View:
    groups = grouped(result.findings)
    secret_groups = [group for group in groups if any(f.secret.sensitive for f in group)]
    read = any(f.source == "history" for f in [*result.findings, *result.suppressed])
    cards: tuple[Card, ...] = tuple(group_card(number, group, read) for number, group in enumerate(secret_groups, 1))
    hygiene = tuple(f for group in groups if group not in secret_groups for f in group)
    facts = (
        ("Scanned", esc(_scanned(result))),
        ("Coverage", _coverage(result)),
        ("Outcome", _outcome(result, context)),
    )
    lines = tuple(summary_lines(result, context))
    return View(
        "scan", "falguard scan report", facts, by_severity(result), by_verification(cards),
        cards, hygiene, lines, (),
    )  # fmt: skip


def render(result: ScanResult, context: ReportContext) -> str:
    return document(scan_view(result, context))


def render_audit(audit: Audit, context: ReportContext) -> str:
    return document(audit_view(audit, context))
