"""The audit report: one short story per distinct secret, most urgent first, the hygiene
findings, and a summary a security lead can paste into a ticket."""

from __future__ import annotations

import json
from typing import Any

from falguard import __version__
from falguard.models import URGENCY, Audit, Finding, Severity, Story
from falguard.report import (
    ReportContext,
    Steps,
    printable,
    verification_counts,
    verification_dict,
    verification_summary,
    verification_text,
)
from falguard.report.json import finding_dict, summary_dict
from falguard.report.text import location, summary_lines


def _introduced(story: Story) -> str:
    first = story.introduced
    if first is None or first.history is None:
        return "never committed (working tree only)"
    who = f" by {printable(first.history.author)}" if first.history.author else ""
    when = f" on {first.history.date}" if first.history.date else ""
    return f"commit {(first.commit or '')[:12]}{when}{who}"


def story_block(number: int, story: Story) -> str:
    worst = max(f.severity for f in story.findings)
    rules = ", ".join(dict.fromkeys(f.rule for f in story.findings))
    lines = [f"{number}. {printable(story.secret.masked)}  [{worst.label}; {story.label}]  ({rules})"]
    verification = next((f.verification for f in story.findings if f.verification), None)
    if verification is not None:
        hint = "; rotate it: `falguard rotate`" if verification.status == "live" else ""
        lines.append(f"   verified: {printable(verification_text(verification))}{hint}")
    lines.append(f"   first introduced: {_introduced(story)}")
    lines.append(f"   paths: {', '.join(printable(path) for path in story.paths)}")
    state = "still in HEAD" if story.in_head else ("in the working tree" if story.in_worktree else "no longer in HEAD")
    pushed = "pushed (a remote-tracking ref reaches it)" if story.pushed else "not pushed (local only)"
    lines.append(f"   now: {state}; {pushed}")
    refs = sorted({r for f in story.findings if f.history for r in f.history.refs})
    if refs:
        lines.append(f"   reachable from: {', '.join(refs[:8])}{' …' if len(refs) > 8 else ''}")
    lines.append("   steps:")
    lines.extend(f"     {letter}) {printable(step)}" for letter, step in zip("abcdefghij", story.steps, strict=False))
    return "\n".join(lines)


def hygiene_line(finding: Finding) -> str:
    return f"  - [{finding.severity.label}] {finding.rule}: {printable(finding.message)} ({location(finding)})"


def ticket_summary(audit: Audit, context: ReportContext) -> list[str]:
    counts = [sum(1 for s in audit.stories if s.urgency == level) for level in range(len(URGENCY))]
    head = audit.head[:12] if audit.head else "no commits"
    lines = [
        "----- summary for the ticket -----",
        f"falguard {__version__} audit of {audit.repository} at {head}",
        f"Distinct fal credentials found: {len(audit.stories)}"
        + (
            " (" + "; ".join(f"{n} {label}" for n, label in zip(counts, URGENCY, strict=False) if n) + ")"
            if audit.stories
            else ""
        ),
    ]
    verified = verification_counts(audit.result.findings)
    if verified is not None:
        text = verification_summary(verified)
        lines.append(text[0].upper() + text[1:])
    for number, story in enumerate(audit.stories, 1):
        verification = next((f.verification for f in story.findings if f.verification), None)
        status = f"{verification.status.upper()}; " if verification else ""
        lines.append(
            f"  {number}. {printable(story.secret.masked)}: {status}{story.label}; introduced {_introduced(story)}"
        )
    if audit.hygiene:
        rules = sorted({f.rule for f in audit.hygiene})
        lines.append(f"Hygiene findings: {len(audit.hygiene)} ({', '.join(rules)})")
    summary = audit.result.summary
    coverage = "complete" if summary.complete else "INCOMPLETE: " + "; ".join(summary.unreadable + summary.incomplete)
    lines.append(
        f"Coverage: {summary.files_scanned} files and objects scanned ({summary.bytes_scanned:,} bytes); {coverage}"
    )
    if verified is not None and verified["live"]:
        lines.append(
            "Live keys: rotate them first: `falguard rotate` (an ADMIN key in FAL_ADMIN_KEY; a dry run, then --yes "
            "--write-env FILE) makes each replacement, deletes the leaked key and checks fal rejects it."
        )
    if audit.stories:
        lines.append(
            "Action: revoke every key above on the fal dashboard now, one new key per environment, kept server-side "
            "as FAL_KEY; purge history only after rotating."
        )
    elif any(f.severity >= Severity.HIGH for f in audit.hygiene):
        lines.append(
            "Action: no key found, but fix the high-severity findings above; if a key was ever deployed or "
            "committed that way, revoke it on the fal dashboard."
        )
    else:
        lines.append(_no_action_line(audit))
    return lines


def render_text(audit: Audit, context: ReportContext) -> str:
    out = [f"falguard audit of {audit.repository}", ""]
    if audit.stories:
        out.append("Credentials, most urgent first:")
        out.append("")
        out.extend(story_block(number, story) + "\n" for number, story in enumerate(audit.stories, 1))
    else:
        out.extend(["No fal credentials found in history or the working tree.", ""])
    if audit.hygiene:
        out.append("Hygiene and exposure:")
        out.extend(hygiene_line(finding) for finding in audit.hygiene)
        out.append("")
    out.extend(ticket_summary(audit, context))
    out.append("")
    out.extend(summary_lines(audit.result, context))
    return "\n".join(out) + "\n"


def render_json(audit: Audit, context: ReportContext) -> str:
    def story_dict(story: Story) -> dict[str, Any]:
        first = story.introduced
        document: dict[str, Any] = {
            "secret": story.secret.masked,
            "key_id": story.secret.key_id,
            "urgency": story.label,
            "introduced": None if first is None or first.history is None else {
                "commit": first.commit, "author": first.history.author, "date": first.history.date,
            },
            "paths": list(story.paths),
            "in_head": story.in_head,
            "in_worktree": story.in_worktree,
            "pushed": story.pushed,
            "rules": list(dict.fromkeys(f.rule for f in story.findings)),
            "fingerprints": sorted({f.fingerprint for f in story.findings}),
            "steps": list(story.steps),
        }  # fmt: skip
        verification = next((f.verification for f in story.findings if f.verification), None)
        if verification is not None:  # only when --verify ran
            document["verification"] = verification_dict(verification)
        return document

    steps = Steps([*audit.result.findings, *audit.result.suppressed])
    document = {
        "tool": "falguard",
        "version": __version__,
        "findings": [finding_dict(finding, steps) for finding in audit.result.findings],
        "suppressed": [finding_dict(finding, steps) for finding in audit.result.suppressed],
        "audit": {
            "repository": audit.repository,
            "head": audit.head,
            "bare": audit.bare,
            "refs_scanned": audit.refs_scanned,
            "stories": [story_dict(story) for story in audit.stories],
            "ticket": ticket_summary(audit, context),
        },
        "summary": summary_dict(audit.result, context),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _no_action_line(audit: Audit) -> str:
    """The ticket's last word when no credential is shown: never a bare "none" while keys are
    hidden by the baseline or allow entries, or while coverage is incomplete."""
    result = audit.result
    accepted = {f.secret for f in [*result.baselined, *result.suppressed] if f.secret.sensitive}
    if not result.summary.complete:
        return "Action: coverage is INCOMPLETE (see above): scan a full clone before calling this repository clean."
    if accepted:
        count = len(accepted)
        return (
            f"Action: none for new credentials; {count} accepted key{'s' if count != 1 else ''} (baseline or allow "
            "entries) not shown: confirm each was revoked (falguard audit --no-baseline lists them)."
        )
    return "Action: none for credentials."
