"""GitHub Actions workflow commands: annotations on the pull-request diff, no upload step."""

from __future__ import annotations

from falguard.guidance import steps
from falguard.models import Finding, ScanResult, Severity
from falguard.report import ReportContext, verification_text
from falguard.report.text import summary_lines

COMMAND = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = {
        "file": finding.path,
        "line": str(finding.line),
        "col": str(finding.column),
        "title": f"falguard {finding.rule} ({finding.severity.label})",
    }
    if finding.end_column:
        properties["endColumn"] = str(finding.end_column)
    where = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    subject = "secret" if finding.secret.sensitive else "variable"
    message = f"{finding.message} ({subject} {finding.secret.masked})"
    if finding.commit:
        message += f" in commit {finding.commit[:12]}"
    if finding.verification is not None:
        message += f"\nverified with fal: {verification_text(finding.verification)}"
    if finding.chain:
        message += "\nchain: " + " -> ".join(str(link) for link in finding.chain)
    todo = steps(finding)
    if todo:
        message += "\n" + "\n".join(f"{number}. {step}" for number, step in enumerate(todo, 1))
    return f"::{COMMAND[finding.severity]} {where}::{_escape_data(message)}"


def render(result: ScanResult, context: ReportContext) -> str:
    lines = [annotation(finding) for finding in result.findings]
    lines.extend(summary_lines(result, context))
    return "\n".join(lines) + "\n"
