"""Browser findings: the project rules' ids and how a finding at a byte range is made."""

from __future__ import annotations

from falguard.browser.framework import SourceFile
from falguard.detection.facts import Finding
from falguard.detection.findings import new_finding
from falguard.detection.positions import position, width
from falguard.detection.suppress import inline_suppression
from falguard.models import Secret, Severity

CLIENT_CREDENTIALS = "client-credentials"
PROXY_MISSING = "fal-proxy-missing"
PUBLIC_RULE = "public-fal-key"


def make_finding(
    rule_id: str,
    source: SourceFile,
    start: int,
    end: int,
    severity: Severity,
    secret: Secret,
    detail: str,
) -> Finding:
    """A finding of ``rule_id`` at bytes ``start:end`` of ``source`` (the column range stops at the line's end)."""
    line, column, line_start = position(source.content, start)
    line_end = source.content.find(b"\n", start)
    stop = end if line_end == -1 else min(end, line_end)
    return new_finding(
        rule_id,
        path=source.path,
        line=line,
        column=column,
        end_column=column + width(source.content, start, stop),
        secret=secret,
        severity=severity,
        detail=detail,
        suppression=inline_suppression(source.content, line_start, rule_id),
    )
