"""Human-readable report: one block per distinct secret with every place it occurs and the
steps to take, then a summary."""

from __future__ import annotations

from falguard.detection.facts import Finding
from falguard.models import ScanResult, Severity, Summary
from falguard.report import (
    STEPS_SHOWN,
    ReportContext,
    Steps,
    group_key,
    grouped,
    live_hint,
    printable,
    verification_counts,
    verification_summary,
    verification_text,
)

__all__ = ["group_key", "grouped", "location", "render", "summary_lines"]

_COLORS = {
    Severity.CRITICAL: "\033[1;31m",
    Severity.HIGH: "\033[31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[2m",
}
_BOLD = "\033[1m"
_RESET = "\033[0m"


def _paint(text: str, code: str, context: ReportContext) -> str:
    return f"{code}{text}{_RESET}" if context.color else text


def location(finding: Finding) -> str:
    """``path:line:column``; the path alone for a finding about a whole file (line 0), such as
    a .gitignore that does not exist yet."""
    where = printable(finding.path) + (f":{finding.line}:{finding.column}" if finding.line else "")
    if finding.commit:
        where += f" (commit {finding.commit[:12]})"
    return where


def finding_block(finding: Finding, context: ReportContext) -> str:
    """One finding, compactly: what, where, which secret (masked)."""
    head = f"{_paint(finding.severity.label.upper(), _COLORS[finding.severity], context)}  {finding.rule}  {location(finding)}"
    label = "secret" if finding.secret.sensitive else "name"
    lines = [
        head,
        f"  {printable(finding.message)}",
        f"  {label}: {printable(finding.secret.masked)}    fingerprint: {finding.fingerprint[:16]}",
    ]
    if finding.history is not None:
        lines.extend(history_lines(finding))
    return "\n".join(lines)


def group_block(group: list[Finding], context: ReportContext, steps: Steps | None = None) -> str:
    worst = max(group, key=lambda finding: finding.severity)
    rules = ", ".join(dict.fromkeys(finding.rule for finding in group))
    label = worst.severity.label.upper()
    subject = printable(worst.secret.masked)
    head = f"{_paint(label, _COLORS[worst.severity], context)}  {_paint(subject, _BOLD, context)}  ({rules})"
    lines = [head, f"  {printable(worst.message)}"]
    verification = next((finding.verification for finding in group if finding.verification), None)
    if verification is not None:
        lines.append(f"  verified: {printable(verification_text(verification))}{live_hint(group)}")
    lines.append("  found at:")
    several_rules = len({finding.rule for finding in group}) > 1
    mixed = len({finding.severity for finding in group}) > 1
    for finding in group:
        detail = f"  {printable(finding.message)} [{finding.rule}]" if several_rules else ""
        level = f"  ({finding.severity.label})" if mixed else ""
        lines.append(f"    {location(finding)}{level}{detail}")
        if finding.history is not None:
            lines.extend("  " + line for line in history_lines(finding))
    chain = next((finding.chain for finding in group if finding.chain), ())
    if chain:
        lines.append(f"  chain: {printable(str(chain[0]))}")
        lines.extend(f"      -> {printable(str(link))}" for link in chain[1:])
    lines.append(f"  fingerprint: {worst.fingerprint[:16]}")
    todo = (steps or Steps(group))(worst)
    shown = todo if context.verbose else todo[:STEPS_SHOWN]
    if todo:
        lines.append("  what to do:")
        lines.extend(f"    {number}. {step}" for number, step in enumerate(shown, 1))
    if len(shown) < len(todo):
        more = len(todo) - len(shown)
        lines.append(f"    ({more} more step{'s' if more != 1 else ''}: --verbose shows every step)")
    return "\n".join(lines)


def history_lines(finding: Finding) -> list[str]:
    history = finding.history
    assert history is not None
    lines = []
    if finding.commit and history.author:
        lines.append(f"  introduced: {finding.commit[:12]} by {printable(history.author)} on {history.date}")
    if len(history.paths) > 1:
        lines.append(f"  paths: {', '.join(printable(path) for path in history.paths)}")
    facts = []
    if history.in_head is not None:
        facts.append("still in HEAD" if history.in_head else "not in HEAD (still in history)")
    if history.ref_count:
        facts.append(f"reachable from {history.ref_count} ref{'s' if history.ref_count != 1 else ''}")
        facts.append(
            "pushed (a remote-tracking ref reaches it)" if history.pushed else "no remote-tracking ref reaches it"
        )
    if facts:
        lines.append("  " + "; ".join(facts))
    return lines


def _head(result: ScanResult) -> str:
    """What was found, by severity; or that nothing new was, saying what is hidden."""
    summary = result.summary
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.severity.label] = counts.get(finding.severity.label, 0) + 1
    if result.findings:
        detail = ", ".join(f"{counts[s.label]} {s.label}" for s in sorted(Severity, reverse=True) if s.label in counts)
        return f"falguard: {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} ({detail})"
    if summary.baselined or result.suppressed:  # nothing new: say what is hidden, never "none found"
        hidden = [f"{summary.baselined} baselined"] * bool(summary.baselined)
        hidden += [f"{len(result.suppressed)} allowed"] * bool(result.suppressed)
        return f"falguard: no new findings ({', '.join(hidden)})"
    if not summary.complete:  # not "none": only none in what could be read
        return "falguard: no fal credentials found in what was read (coverage is incomplete)"
    return "falguard: no fal credentials found"


def scanned(summary: Summary) -> str:
    """How much was read, each kind counted as itself: working-tree files, and (a history
    scan, in the progress display's terms) every git object read (commits, trees, tags,
    blobs) with the text blobs scanned among them. Every report says it with these words."""
    count, size = summary.files_scanned, f"({summary.bytes_scanned:,} bytes)"
    if not summary.objects_read:
        return f"{count:,} {summary.scanned_noun}{'s' if count != 1 else ''} scanned {size}"
    read = f"{summary.objects_read:,} git object{'s' if summary.objects_read != 1 else ''} read"
    blobs, files = summary.blobs_scanned, count - summary.blobs_scanned
    if not files:  # history alone
        other = summary.objects_read - blobs - summary.skipped_binary - summary.skipped_large
        text = f"{read}: {_counted(blobs, 'text blob')} scanned {size}"
        return text + (f", {other:,} other (commits, trees, tags)" if other > 0 else "")
    if not blobs:  # a report saved before blobs were counted apart: only the total is known
        return f"{count:,} files and blobs scanned {size}; {read}"
    return f"{_counted(files, 'working-tree file')} and {_counted(blobs, 'text blob')} scanned {size}; {read}"


def _counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def _containers(summary: Summary) -> str:
    """What archives and databases were opened, and which of their members were skipped and why."""
    if not (summary.containers_opened or summary.members_unreadable or summary.members_too_deep):
        return ""
    plural = "s" if summary.containers_opened != 1 else ""
    text = f"; {summary.containers_opened} archive{plural} opened ({summary.members_scanned} member{'s' if summary.members_scanned != 1 else ''} scanned"
    reasons = [
        f"{count} {why}"
        for count, why in (
            (summary.members_too_large, "too large"),
            (summary.members_too_deep, "nested too deep"),
            (summary.members_too_many, "past the member limit"),
            (summary.members_unreadable, "unreadable"),
        )
        if count
    ]
    return text + (f"; skipped {', '.join(reasons)})" if reasons else ")")


def _over_budget(summary: Summary) -> str:
    count, noun = summary.encoded_over_budget, summary.scanned_noun
    return f"; base64 decoded only up to the limit in {count} {noun}{'s' if count != 1 else ''}" if count else ""


def images_line(summary: Summary) -> str:
    """What became of the images: read (OCR), not read (no images extra), past the limits."""
    said = []
    if summary.images_read:
        said.append(_counted(summary.images_read, "image") + " read")
    if summary.images_not_read:
        said.append(_counted(summary.images_not_read, "image") + " not read (install falguard-scanner[images])")
    if summary.images_over_budget:
        said.append(f"{summary.images_over_budget} past the image limits (--max-images, --max-image-megapixels)")
    if summary.images_unreadable:
        said.append(f"{summary.images_unreadable} could not be decoded")
    return "; " + ", ".join(said) if said else ""


def summary_lines(result: ScanResult, context: ReportContext) -> list[str]:
    summary = result.summary
    head = _head(result)
    scanned_text = scanned(summary)
    skipped = []
    if summary.skipped_binary:
        skipped.append(f"{summary.skipped_binary} binary")
    if summary.skipped_large:
        skipped.append(f"{summary.skipped_large} too large")
    if summary.skipped_other:
        skipped.append(
            f"{summary.skipped_other} not {'a regular file' if summary.skipped_other == 1 else 'regular files'}"
        )
    line = f"{head}; {scanned_text}"
    if skipped:
        line += "; skipped " + ", ".join(skipped)
    line += _containers(summary)
    line += _over_budget(summary)
    line += images_line(summary)
    quiet = []
    if result.suppressed and result.findings:
        quiet.append(f"{len(result.suppressed)} allowed")
    if summary.baselined and result.findings:  # else the head says it
        quiet.append(f"{summary.baselined} in the baseline")
    if summary.excluded:
        quiet.append(f"{summary.excluded} {'files' if summary.excluded != 1 else 'file'} excluded by configuration")
    if quiet:
        line += "; " + ", ".join(quiet)
    lines = [line]
    verified = verification_counts(result.findings)
    if verified is not None:
        lines.append(f"falguard: {verification_summary(verified)}")
    for path in summary.unreadable:
        lines.append(f"falguard: could not read {printable(path)}")
    for reason in summary.incomplete:
        if reason != result.fatal:  # the error line that follows the report says it, once
            lines.append(f"falguard: incomplete: {printable(reason)}")
    if result.failing(context.fail_on):
        lines.append(f"falguard: failing: findings at or above {context.fail_on.label}")
    return lines


def render(result: ScanResult, context: ReportContext) -> str:
    groups = grouped(result.findings)
    steps = Steps(result.findings)
    blocks = [group_block(group, context, steps) for group in groups]
    out = "\n\n".join(blocks)
    if out:
        out += "\n\n"
    lines = summary_lines(result, context)
    if len(groups) != len(result.findings):
        lines[0] += f"; shown in {len(groups)} block{'s' if len(groups) != 1 else ''} above, one per secret"
    return out + "\n".join(lines) + "\n"
