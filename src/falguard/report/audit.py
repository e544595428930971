"""The audit report: one short story per distinct secret, most urgent first, the hygiene
findings, and a summary a security lead can paste into a ticket."""

from __future__ import annotations

import json
from typing import Any

from falguard import __version__
from falguard.detection.facts import Audit, Finding, Story
from falguard.models import URGENCY, Severity, Suppression
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
from falguard.report.text import location, scanned, summary_lines


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


def acceptances(story: Story) -> list[dict[str, Any]]:
    """Each distinct acceptance of an accepted key (kind, reason, who) with the paths it
    covers, those that say why first: what the JSON's ``acceptance`` lists."""
    paths: dict[Suppression, list[str]] = {}
    for finding in story.findings:
        if finding.suppression is not None:
            paths.setdefault(finding.suppression, []).append(finding.path)
    ordered = sorted(paths.items(), key=lambda item: (not item[0].reason, item[0].kind))
    return [
        {"kind": said.kind, "reason": said.reason, "by": said.by, "paths": list(dict.fromkeys(covered))}
        for said, covered in ordered
    ]


def acceptance_text(items: list[dict[str, Any]]) -> str:
    """Who accepted the key and why, as the baseline, the allow entries or the inline
    comments record it (from :func:`acceptances`, or a saved report's ``acceptance``)."""
    where = {
        "baseline": "in the baseline",
        "config": "in the configuration's allow list",
        "inline": "by a falguard:allow comment",
    }
    said = []
    for item in items:
        text = where.get(str(item.get("kind")), str(item.get("kind")))
        text += f" by {item['by']}" if item.get("by") else ""
        text += f': "{item["reason"]}"' if item.get("reason") else ", no reason recorded"
        paths = item.get("paths") or []
        said.append(f"{text} ({', '.join(str(path) for path in paths)})" if len(items) > 1 and paths else text)
    return "; ".join(said) or "accepted"


def acceptance(story: Story) -> str:
    return acceptance_text(acceptances(story))


def accepted_block(number: int, story: Story, audit: Audit) -> str:
    lines = story_block(number, story).split("\n")
    extra = [f"   accepted: {printable(acceptance(story))}"]
    if any(s.secret == story.secret for s in audit.stories):
        extra.append("   also new elsewhere: see its story above")
    return "\n".join([lines[0], *extra, *lines[1:]])


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
    first = len(audit.stories) + 1
    if audit.accepted:
        lines.append(f"Accepted fal credentials (baseline or allow entries; not new): {len(audit.accepted)}")
    for number, story in enumerate(audit.accepted, first):
        lines.append(
            f"  {number}. {printable(story.secret.masked)}: {story.label}; accepted {printable(acceptance(story))}"
        )
    if audit.hygiene:
        rules = sorted({f.rule for f in audit.hygiene})
        lines.append(f"Hygiene findings: {len(audit.hygiene)} ({', '.join(rules)})")
    summary = audit.result.summary
    coverage = "complete" if summary.complete else "INCOMPLETE: " + "; ".join(summary.unreadable + summary.incomplete)
    lines.append(f"Coverage: {scanned(summary)}; {coverage}")
    if verified is not None and verified["live"]:
        lines.append(
            "Live keys: rotate them first: `falguard rotate` (an ADMIN key in FAL_ADMIN_KEY; a dry run, then --yes "
            "--write-env FILE) makes each replacement, deletes the leaked key and checks fal rejects it."
        )
    if audit.stories:
        lines.append(
            "Action: revoke every key above on the fal dashboard now, one new key per environment, kept server-side "
            "as FAL_KEY; purge history only after rotating."
            + (" Confirm each accepted key is revoked too." if audit.accepted else "")
        )
    elif any(f.severity >= Severity.HIGH for f in audit.hygiene) and summary.complete:
        lines.append(
            f"Action: no {'new ' if audit.accepted else ''}key found, but fix the high-severity findings above; if a "
            "key was ever deployed or committed that way, revoke it on the fal dashboard."
            + (" Confirm each accepted key above is revoked." if audit.accepted else "")
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
    elif audit.accepted:
        out.extend(["No new fal credentials found in history or the working tree.", ""])
    else:
        out.extend(["No fal credentials found in history or the working tree.", ""])
    if audit.accepted:
        out.append("Accepted credentials (in the baseline or allowed; not new, not failing the run):")
        out.append("")
        first = len(audit.stories) + 1
        out.extend(accepted_block(number, story, audit) + "\n" for number, story in enumerate(audit.accepted, first))
    if audit.hygiene:
        out.append("Hygiene and exposure:")
        out.extend(hygiene_line(finding) for finding in audit.hygiene)
        out.append("")
    out.extend(ticket_summary(audit, context))
    out.append("")
    lines = summary_lines(audit.result, context)
    lines[0] += told_as(audit)
    out.extend(lines)
    return "\n".join(out) + "\n"


def told_as(audit: Audit) -> str:
    """What the summary line's findings (one per place, commit and rule) are in the report's
    own terms, so its count and the ticket's agree."""
    if not audit.result.findings:
        return ""
    in_stories = sum(len(story.findings) for story in audit.stories)
    others = len(audit.result.findings) - in_stories
    parts = [] if not audit.stories else [_counted(len(audit.stories), "credential", in_stories)]
    if others:
        parts.append(_counted(len(audit.hygiene), "hygiene finding", others))
    return "; shown above as " + " and ".join(parts)


def _counted(count: int, noun: str, findings: int) -> str:
    text = f"{count} {noun}{'s' if count != 1 else ''}"
    return text if findings == count else f"{text} ({findings} findings)"


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

    def accepted_dict(story: Story) -> dict[str, Any]:
        return story_dict(story) | {"acceptance": acceptances(story)}

    result = audit.result
    steps = Steps([*result.findings, *result.suppressed, *result.baselined])
    document = {
        "tool": "falguard",
        "version": __version__,
        "findings": [finding_dict(finding, steps) for finding in result.findings],
        "suppressed": [finding_dict(finding, steps) for finding in result.suppressed],
        "baselined": [finding_dict(finding, steps) for finding in result.baselined],
        "audit": {
            "repository": audit.repository,
            "head": audit.head,
            "bare": audit.bare,
            "refs_scanned": audit.refs_scanned,
            "stories": [story_dict(story) for story in audit.stories],
            "accepted": [accepted_dict(story) for story in audit.accepted],
            "ticket": ticket_summary(audit, context),
        },
        "summary": summary_dict(audit.result, context),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _no_action_line(audit: Audit) -> str:
    """The ticket's last word when no credential is shown: never a bare "none" while keys are
    hidden by the baseline or allow entries, or while coverage is incomplete."""
    result = audit.result
    accepted = len(audit.accepted) or len(
        {f.secret for f in [*result.baselined, *result.suppressed] if f.secret.sensitive}
    )
    if not result.summary.complete:
        high = (
            " and fix the high-severity findings above"
            if any(f.severity >= Severity.HIGH for f in audit.hygiene)
            else ""
        )
        return (
            f"Action: coverage is INCOMPLETE (see above): scan a full clone before calling this repository clean{high}."
            + (" Confirm each accepted key above is revoked." if audit.accepted else "")
        )
    if accepted:
        return (
            f"Action: none for new credentials; confirm the {accepted} accepted key{'s' if accepted != 1 else ''} "
            f"above (baseline or allow entries) {'was' if accepted == 1 else 'were'} revoked."
        )
    return "Action: none for credentials."
