"""Scans: a source's items through detection into one result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from falguard.detect import detect
from falguard.envcheck import check_paths
from falguard.models import Finding, Severity, Summary
from falguard.sources import DEFAULT_MAX_FILE_SIZE, Item
from falguard.sources.worktree import worktree_items


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)

    def failing(self, threshold: Severity) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity >= threshold]


def sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    return (finding.path, finding.line, finding.column, finding.rule, finding.commit or "")


def scan_items(items: Iterable[Item], result: ScanResult) -> ScanResult:
    for item in items:
        result.findings.extend(detect(item.content, item.origin))
    result.findings.sort(key=sort_key)
    return result


def scan_worktree(
    paths: Sequence[str], *, max_file_size: int = DEFAULT_MAX_FILE_SIZE, env_hygiene: bool = True
) -> ScanResult:
    result = ScanResult()
    scan_items(worktree_items(paths, result.summary, max_file_size), result)
    if env_hygiene:  # env files tracked or stageable, .gitignore coverage, keys shared across environments
        result.findings.extend(check_paths(paths, max_size=max_file_size))
        result.findings.sort(key=sort_key)
    return result
