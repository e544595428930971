"""The one way a finding is made: its message and remediation come from its rule.

Content rules (detect.py), project rules (browser/) and repository rules (envcheck.py,
scan.py) all build their findings here, so every finding of a rule reads the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from falguard.models import Secret, Severity, Suppression

if TYPE_CHECKING:
    from falguard.detection.facts import Finding
    from falguard.rules import RuleInfo


def new_finding(
    rule: RuleInfo | str,
    *,
    path: str,
    line: int,
    column: int,
    secret: Secret,
    severity: Severity | None = None,
    detail: str = "",
    end_column: int | None = None,
    end_line: int | None = None,
    commit: str | None = None,
    source: str = "worktree",
    suppression: Suppression | None = None,
    remediation: str = "",
) -> Finding:
    """A finding of ``rule`` (a rule or its id): the rule's title (with ``detail``) is its
    message, its remediation the remediation (unless one is given), its severity the severity
    unless one is given."""
    if isinstance(rule, str):
        from falguard.rules import ALL_RULES  # loaded by the first finding, not by importing this module

        info = ALL_RULES[rule]
    else:
        info = rule
    from falguard.detection.facts import Finding  # made by the first finding: dataclasses loads only then

    return Finding(
        rule=info.id,
        severity=severity or info.severity,
        path=path,
        line=line,
        column=column,
        end_column=end_column,
        end_line=end_line if end_line != line else None,
        secret=secret,
        message=f"{info.title}: {detail}" if detail else info.title,
        remediation=remediation or info.remediation,
        commit=commit,
        source=source,
        suppression=suppression,
    )


def repository_finding(
    rule_id: str,
    path: str,
    detail: str,
    *,
    severity: Severity | None = None,
    line: int = 1,
    column: int = 1,
    subject: str | None = None,
    source: str = "worktree",
    commit: str | None = None,
) -> Finding:
    """A finding about a repository's state: ``subject`` (default the path) is its identity."""
    secret = Secret(subject if subject is not None else path, sensitive=False)
    return new_finding(
        rule_id, path=path, line=line, column=column, secret=secret, severity=severity,
        detail=detail, source=source, commit=commit,
    )  # fmt: skip


def identity(finding: Finding) -> tuple[str, str]:
    """What a baseline entry matches: the finding's fingerprint and path (never its line)."""
    return (finding.fingerprint, finding.path)
