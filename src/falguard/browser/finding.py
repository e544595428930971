"""Browser findings: the project rules' ids and how a finding at a byte range is made."""

from __future__ import annotations

from falguard.browser.framework import SourceFile
from falguard.detection.facts import Finding
from falguard.detection.findings import new_finding
from falguard.detection.positions import position, span_end
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
    end_line, end_column = span_end(source.content, start, end, line, column, source.content.find(b"\n", start))
    return new_finding(
        rule_id,
        path=source.path,
        line=line,
        column=column,
        end_column=end_column,
        end_line=end_line,
        secret=secret,
        severity=severity,
        detail=detail,
        suppression=inline_suppression(source.content, line_start, rule_id),
    )
