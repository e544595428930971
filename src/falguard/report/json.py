"""The JSON contract: field names here are public and only ever extended."""

from __future__ import annotations

import json
from typing import Any

from falguard import __version__
from falguard.detection.facts import Attribution, Finding
from falguard.models import ScanResult, Severity, Summary
from falguard.report import ReportContext, Steps, verification_counts, verification_dict


def finding_dict(finding: Finding, steps: Steps | None = None) -> dict[str, Any]:
    """One finding; ``steps`` computes its steps with its whole group (else from it alone).
    ``remediation`` is those steps in one paragraph, so the two always agree."""
    todo = (steps or Steps([finding]))(finding)
    document = {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": end_line(finding),
        "end_column": finding.end_column,  # on end_line
        "secret": finding.secret.masked,
        "key_id": finding.secret.key_id,
        "fingerprint": finding.fingerprint,
        "commit": finding.commit,
        "source": finding.source,
        "message": finding.message,
        "remediation": " ".join(todo) or finding.remediation,
        "steps": todo,
        "suppression": suppression_dict(finding),
        "chain": [
            {"path": link.path, "line": link.line, "what": link.what, "text": str(link)} for link in finding.chain
        ],
    }
    if finding.history is not None:
        document.update(history_dict(finding.history))
    if finding.verification is not None:  # only when --verify ran
        document["verification"] = verification_dict(finding.verification)
    if finding.proxy_route is not None:  # only browser findings of a project with a layout to follow
        document["proxy_route"] = {"path": finding.proxy_route[0], "content": finding.proxy_route[1]}
    return document


def end_line(finding: Finding) -> int | None:
    """The line the secret ends on (``end_column``'s line): its own line unless it was
    joined from pieces on several lines; None when no end is known."""
    return finding.end_line or (finding.line if finding.end_column else None)


def suppression_dict(finding: Finding) -> dict[str, str] | None:
    """Why a finding does not count; ``by`` (who accepted it) only when the baseline entry or
    the allow entry records it."""
    said = finding.suppression
    if said is None:
        return None
    return {"kind": said.kind, "reason": said.reason} | ({"by": said.by} if said.by else {})


def history_dict(history: Attribution) -> dict[str, Any]:
    """Fields only history findings carry (``commit`` is then the introducing commit)."""
    return {
        "author": history.author,
        "date": history.date,
        "paths": list(history.paths),
        "in_head": history.in_head,
        "refs": list(history.refs),
        "ref_count": history.ref_count,
        "pushed": history.pushed,
        "blobs": history.blobs,
        "timeline": [
            {
                "event": event.event, "commit": event.commit, "date": event.date, "author": event.author,
                "path": event.path, "left_head": event.left_head,
            }
            for event in history.timeline
        ],
    }  # fmt: skip


def summary_dict(result: ScanResult, context: ReportContext) -> dict[str, Any]:
    summary: Summary = result.summary
    by_severity = {severity.label: 0 for severity in sorted(Severity, reverse=True)}
    for finding in result.findings:
        by_severity[finding.severity.label] += 1
    document = {
        "findings": len(result.findings),
        "by_severity": by_severity,
        "fail_on": context.fail_on.label,
        "failed": bool(result.failing(context.fail_on)),
        "files_scanned": summary.files_scanned,
        "bytes_scanned": summary.bytes_scanned,
        "skipped": {
            "binary": summary.skipped_binary,
            "too_large": summary.skipped_large,
            "other": summary.skipped_other,
        },
        "skipped_paths": summary.skipped_paths,
        "containers": {
            "opened": summary.containers_opened,
            "members_scanned": summary.members_scanned,
            "members_skipped": {
                "too_large": summary.members_too_large,
                "too_deep": summary.members_too_deep,
                "too_many": summary.members_too_many,
                "unreadable": summary.members_unreadable,
            },
        },
        "encoded_over_budget": summary.encoded_over_budget,
        "images": {
            "read": summary.images_read,
            "not_read": summary.images_not_read,  # worth reading, but the images extra is not installed
            "skipped": summary.images_skipped,  # too small, or photographs
            "over_budget": summary.images_over_budget,
            "unreadable": summary.images_unreadable,
        },
        "excluded": summary.excluded,
        "suppressed": len(result.suppressed),
        "baselined": summary.baselined,
        "unreadable": summary.unreadable,
        "incomplete": summary.incomplete,
        "complete": summary.complete,
    }
    if summary.objects_read:  # only when history was read
        document["objects_read"] = summary.objects_read
        document["blobs_scanned"] = summary.blobs_scanned
    counts = verification_counts(result.findings)
    if counts is not None:  # only when --verify ran
        document["verification"] = counts
    return document


def render(result: ScanResult, context: ReportContext) -> str:
    steps = Steps([*result.findings, *result.suppressed])
    document = {
        "tool": "falguard",
        "version": __version__,
        "findings": [finding_dict(finding, steps) for finding in result.findings],
        "suppressed": [finding_dict(finding, steps) for finding in result.suppressed],
        "summary": summary_dict(result, context),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
