"""Output formats: one module each, each a ``render(result, context) -> str``.

May import every package below the scans (detection, rules, git, sources, browser, platform);
never the scans, hooks or the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from falguard.detection.facts import Audit, Finding, Verification
from falguard.models import ScanResult, Severity


@dataclass(frozen=True)
class ReportContext:
    fail_on: Severity
    color: bool = False
    verbose: bool = False  # every step in text and github; otherwise the first STEPS_SHOWN


#: Steps a block shows without --verbose (JSON and SARIF always carry every step).
STEPS_SHOWN = 2

#: Paths that name no file: what a history scan reports for a key in a commit or tag message.
MESSAGE_PATHS = frozenset({"(commit message)", "(tag message)"})


def group_key(finding: Finding) -> Hashable:
    """Findings about the same secret belong together, whatever rule or file reported them;
    findings linked into one chain (env file -> browser code -> bundle) form one block."""
    if finding.chain:
        return ("chain", finding.chain)
    if finding.secret.sensitive:
        return ("secret", finding.secret)
    return ("subject", finding.rule, finding.secret)


def block_keys(findings: Sequence[Finding]) -> list[Hashable]:
    """Each finding's block: its :func:`group_key`, except that a secret's findings outside a
    chain join the chain that holds the same secret (the first one), so a key that reached
    the browser and is also written elsewhere is one block whose steps cover every place."""
    keys = [group_key(finding) for finding in findings]
    chained: dict[object, Hashable] = {}
    for finding, key in zip(findings, keys, strict=True):
        if finding.chain and finding.secret.sensitive:
            chained.setdefault(finding.secret, key)
    return [
        chained.get(finding.secret, key) if not finding.chain and finding.secret.sensitive else key
        for finding, key in zip(findings, keys, strict=True)
    ]


def grouped(findings: Iterable[Finding]) -> list[list[Finding]]:
    findings = list(findings)
    groups: dict[Hashable, list[Finding]] = {}
    for finding, key in zip(findings, block_keys(findings), strict=True):
        groups.setdefault(key, []).append(finding)
    return sorted(groups.values(), key=lambda group: (-max(f.severity for f in group), group[0].path, group[0].line))


class Steps:
    """The steps of each finding of one scan, computed for its whole group (every place its
    secret is) and the repository's facts, so every format says the same thing."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        from falguard.report.guidance import uses_browser

        self.findings = list(findings)
        self.browser = uses_browser(self.findings)
        self.groups: dict[Hashable, list[Finding]] = {}
        self.keys: dict[Finding, Hashable] = {}
        for finding, key in zip(self.findings, block_keys(self.findings), strict=True):
            self.groups.setdefault(key, []).append(finding)
            self.keys[finding] = key

    def __call__(self, finding: Finding) -> list[str]:
        from falguard.report.guidance import steps

        group = self.groups.get(self.keys.get(finding, group_key(finding))) or [finding]
        return steps(finding, group, related=self.findings, browser=self.browser)


def subject_noun(finding: Finding) -> str:
    """What a finding's subject is: a secret (masked), a file, or a variable name."""
    if finding.secret.sensitive:
        return "secret"
    return "file" if finding.secret.masked == finding.path else "variable"


Renderer = Callable[[ScanResult, ReportContext], str]
AuditRenderer = Callable[[Audit, ReportContext], str]


FORMATS = ("text", "json", "sarif", "github", "html")

#: Control characters (and Unicode line separators) that a file name or a git message could
#: carry into a terminal or a CI log: escape sequences, carriage returns, newlines that
#: would start a new GitHub workflow command.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\n``, ``\\x1b``), for human output."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def verification_text(verification: Verification) -> str:
    """``LIVE (ADMIN scope: ...)``, ``REJECTED (fal rejects this key)``, ``UNKNOWN (timeout: ...)``."""
    return f"{verification.status.upper()} ({verification.reason})"


def verification_dict(verification: Verification) -> dict[str, str | None]:
    """The JSON (and SARIF property) form, present only when verification ran."""
    return {"status": verification.status, "scope": verification.scope, "reason": verification.reason}


def verification_counts(findings: Iterable[Finding]) -> dict[str, int] | None:
    """Distinct keys checked, by status (and live ADMIN keys); None when verification did not run."""
    by_key: dict[object, Verification] = {}
    for finding in findings:
        if finding.verification is not None:
            by_key.setdefault(finding.secret, finding.verification)
    if not by_key:
        return None
    counts = {"keys": len(by_key), **{status: 0 for status in Verification.STATUSES}, "live_admin": 0}
    for verification in by_key.values():
        counts[verification.status] += 1
        counts["live_admin"] += verification.status == "live" and verification.scope == "ADMIN"
    return counts


def verification_summary(counts: dict[str, int]) -> str:
    admin = f" ({counts['live_admin']} with ADMIN scope)" if counts["live_admin"] else ""
    keys = f"{counts['keys']} key{'s' if counts['keys'] != 1 else ''}"
    return f"verified {keys} with fal: {counts['live']} live{admin}, {counts['rejected']} rejected, {counts['unknown']} unknown"


def renderer(name: str) -> Renderer:
    """The render function of a format; modules are imported only when used."""
    import importlib

    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = importlib.import_module(f"falguard.report.{name}")
    render: Renderer = module.render
    return render


#: Formats with an audit view of their own (stories, ticket summary): module and function.
_AUDIT_RENDERERS = {
    "text": ("audit", "render_text"),
    "json": ("audit", "render_json"),
    "html": ("html", "render_audit"),
}


def audit_renderer(name: str) -> AuditRenderer | None:
    """The audit's render function of a format; None where the format shows only findings
    (SARIF, GitHub annotations), which then render ``audit.result``."""
    import importlib

    if name not in _AUDIT_RENDERERS:
        return None
    module, function = _AUDIT_RENDERERS[name]
    render: AuditRenderer = getattr(importlib.import_module(f"falguard.report.{module}"), function)
    return render
