"""Scans: a source's items through detection into one result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from falguard.detect import detect
from falguard.models import Finding, Severity, Summary
from falguard.sources import DEFAULT_MAX_FILE_SIZE, Item
from falguard.sources.worktree import worktree_items

if TYPE_CHECKING:
    from falguard.git import Repo
    from falguard.sources.changes import ChangedItem
    from falguard.sources.commits import CommitRange


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


def scan_worktree(paths: Sequence[str], *, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ScanResult:
    result = ScanResult()
    return scan_items(worktree_items(paths, result.summary, max_file_size), result)


def scan_changed_items(items: Iterable[ChangedItem], result: ScanResult) -> ScanResult:
    """Findings on the lines a change adds, plus one ``env-tracked`` finding for every env
    file it commits (critical when the file holds a key, on any line)."""
    from falguard.rules import repository_finding

    for changed in items:
        findings = detect(changed.item.content, changed.item.origin) if changed.item is not None else []
        result.findings.extend(finding for finding in findings if finding.line in changed.added)
        if changed.env_file:
            holds_key = any(f.secret.sensitive and f.severity >= Severity.HIGH for f in findings)
            detail = "staged for commit" if changed.commit is None else "added in a commit being pushed"
            result.findings.append(
                repository_finding(
                    "env-tracked",
                    changed.path,
                    detail,
                    severity=Severity.CRITICAL if holds_key else None,
                    source="staged" if changed.commit is None else "history",
                    commit=changed.commit,
                )
            )
    result.findings.sort(key=sort_key)
    return result


def scan_staged(start: str = ".", *, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ScanResult:
    """What the next commit adds, read from the index."""
    from falguard.sources.staged import find_work_tree, staged_items

    result = ScanResult()
    repo = find_work_tree(start)
    return scan_changed_items(staged_items(repo, result.summary, max_file_size), result)


def scan_commits(
    repo: Repo, ranges: Sequence[CommitRange], *, max_file_size: int = DEFAULT_MAX_FILE_SIZE
) -> ScanResult:
    """What the commits in ``ranges`` add (each finding names its commit)."""
    from falguard.sources.commits import commit_items

    result = ScanResult()
    return scan_changed_items(commit_items(repo, ranges, result.summary, max_file_size), result)
