"""GitHub Actions workflow commands: annotations on the pull-request diff, no upload step."""

from __future__ import annotations

from collections.abc import Sequence

from falguard.detection.facts import Finding
from falguard.models import ScanResult, Severity
from falguard.report import STEPS_SHOWN, ReportContext, Steps, grouped, subject_noun, verification_text
from falguard.report.text import location, summary_lines

COMMAND = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    finding: Finding, steps: Steps | None = None, *, elsewhere: Sequence[str] = (), verbose: bool = True
) -> str:
    """One annotation for a finding, at its place; ``elsewhere`` lists the other places of its
    secret, named in the message instead of annotated again."""
    position = {"line": str(finding.line), "col": str(finding.column)} if finding.line else {}  # 0: the whole file
    properties = {"file": finding.path, **position, "title": f"falguard {finding.rule} ({finding.severity.label})"}
    if finding.end_line and finding.end_line > finding.line:  # a key joined over lines
        properties["endLine"] = str(finding.end_line)
    if finding.end_column:
        properties["endColumn"] = str(finding.end_column)
    where = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    message = f"{finding.message} ({subject_noun(finding)} {finding.secret.masked})"
    if finding.commit:
        message += f" in commit {finding.commit[:12]}"
    if finding.verification is not None:
        message += f"\nverified with fal: {verification_text(finding.verification)}"
    if finding.chain:
        message += "\nchain: " + " -> ".join(str(link) for link in finding.chain)
    if elsewhere:
        message += "\nalso at: " + ", ".join(elsewhere)
    todo = (steps or Steps([finding]))(finding)
    if not verbose and len(todo) > STEPS_SHOWN:
        todo = [*todo[:STEPS_SHOWN], "--verbose (or --format json / sarif) gives every step"]
    if todo:
        message += "\n" + "\n".join(f"{number}. {step}" for number, step in enumerate(todo, 1))
    return f"::{COMMAND[finding.severity]} {where}::{_escape_data(message)}"


def render(result: ScanResult, context: ReportContext) -> str:
    steps = Steps(result.findings)
    lines = []
    for group in grouped(result.findings):
        worst = max(group, key=lambda finding: finding.severity)
        others = [location(finding) for finding in group if finding is not worst]
        lines.append(annotation(worst, steps, elsewhere=others, verbose=context.verbose))
    lines.extend(summary_lines(result, context))
    return "\n".join(lines) + "\n"
