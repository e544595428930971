"""Scans: a source's items through detection, then suppressions, into one result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from falguard.baseline import Entry, identity
from falguard.browser import ProjectIndex, analyse
from falguard.config import Config
from falguard.detect import detect
from falguard.models import Finding, Severity, Summary, Suppression
from falguard.rules import RULES, Rule, build_rules
from falguard.sources import Item
from falguard.sources.worktree import worktree_items


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)  # the ones that count
    summary: Summary = field(default_factory=Summary)
    suppressed: list[Finding] = field(default_factory=list)  # allowed inline or by config

    def failing(self, threshold: Severity) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity >= threshold]


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


def scan_worktree(paths: Sequence[str], config: Config = Config()) -> ScanResult:
    result = ScanResult()
    index = ProjectIndex()
    items = index.watch(worktree_items(paths, result.summary, config.max_file_size, skip=exclusion(config)))
    scan_items(items, result, rules_for(config))
    # browser exposure: client code, bundler configs, project prefixes, chains to the bundle
    result.findings = analyse(index, result.findings, config.extra_public_prefixes, config.extra_key_names)
    result.findings.sort(key=sort_key)
    return result
