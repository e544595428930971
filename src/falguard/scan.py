"""Scans: a source's items through detection, then suppressions, into one result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from falguard.baseline import Entry, identity
from falguard.config import Config
from falguard.detect import detect
from falguard.models import Finding, ScanResult, Severity, Suppression
from falguard.rules import RULES, Rule, build_rules
from falguard.sources import Item

if TYPE_CHECKING:
    from falguard.git import Repo
    from falguard.sources.changes import ChangedItem
    from falguard.sources.commits import CommitRange


def sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    return (finding.path, finding.line, finding.column, finding.rule, finding.commit or "")


def rules_for(config: Config) -> tuple[Rule, ...]:
    return build_rules(config.extra_public_prefixes, config.extra_key_names)


def exclusion(config: Config) -> Callable[[str], bool]:
    """A predicate for paths the configuration excludes (gitignore semantics)."""
    if not config.exclude:
        return lambda path: False
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(config.exclude)
    return lambda path: spec.match_file(path)


def scan_items(items: Iterable[Item], result: ScanResult, rules: Sequence[Rule] = RULES) -> ScanResult:
    for item in items:
        result.findings.extend(detect(item.content, item.origin, rules))
    result.findings.sort(key=sort_key)
    return result


def apply_suppressions(result: ScanResult, config: Config, baseline: Mapping[tuple[str, str], Entry]) -> ScanResult:
    """Move allowed findings to ``suppressed`` and drop baselined ones, counting them."""
    active: list[Finding] = []
    for finding in result.findings:
        if identity(finding) in baseline:
            result.summary.baselined += 1
            continue
        if finding.suppression is None:
            allowed = config.allowed(finding.fingerprint)
            if allowed is not None:
                finding = replace(finding, suppression=Suppression("config", allowed.reason))
        if finding.suppression is not None:
            result.suppressed.append(finding)
        else:
            active.append(finding)
    result.findings = active
    return result


def scan_worktree(paths: Sequence[str], config: Config = Config(), *, env_hygiene: bool = True) -> ScanResult:
    """Files on disk, the browser-exposure analysis over them, and env hygiene."""
    from falguard.browser import ProjectIndex, analyse
    from falguard.envcheck import check_paths
    from falguard.sources.worktree import worktree_items

    result = ScanResult()
    index = ProjectIndex()
    excluded = exclusion(config)
    items = index.watch(worktree_items(paths, result.summary, config.max_file_size, skip=excluded))
    scan_items(items, result, rules_for(config))
    # browser exposure: client code, bundler configs, project prefixes, chains to the bundle
    result.findings = analyse(index, result.findings, config.extra_public_prefixes, config.extra_key_names)
    if env_hygiene:  # env files tracked or stageable, .gitignore coverage, keys shared across environments
        env_findings = check_paths(paths, max_size=config.max_file_size)
        result.findings.extend(finding for finding in env_findings if not excluded(finding.path))
    result.findings.sort(key=sort_key)
    return result


def scan_changed_items(items: Iterable[ChangedItem], result: ScanResult, config: Config) -> ScanResult:
    """Findings on the lines a change adds, plus one ``env-tracked`` finding for every env
    file it commits (critical when the file holds a key, on any line)."""
    from falguard.rules import repository_finding

    rules, excluded = rules_for(config), exclusion(config)
    for changed in items:
        if excluded(changed.path):
            result.summary.excluded += 1
            continue
        findings = detect(changed.item.content, changed.item.origin, rules) if changed.item is not None else []
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


def scan_staged(start: str = ".", config: Config = Config()) -> ScanResult:
    """What the next commit adds, read from the index."""
    from falguard.sources.staged import find_work_tree, staged_items

    result = ScanResult()
    repo = find_work_tree(start)
    return scan_changed_items(staged_items(repo, result.summary, config.max_file_size), result, config)


def scan_commits(repo: Repo, ranges: Sequence[CommitRange], config: Config = Config()) -> ScanResult:
    """What the commits in ``ranges`` add (each finding names its commit)."""
    from falguard.sources.commits import commit_items

    result = ScanResult()
    return scan_changed_items(commit_items(repo, ranges, result.summary, config.max_file_size), result, config)
