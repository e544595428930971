"""Scans: a source's items through detection, then suppressions, into one result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from falguard import git
from falguard.baseline import Entry, identity
from falguard.browser import ProjectIndex, analyse
from falguard.config import Config
from falguard.detect import detect
from falguard.envcheck import check_paths
from falguard.errors import GitError, InputError
from falguard.models import Attribution, Finding, Severity, Summary, Suppression
from falguard.rules import RULES, Rule, build_rules
from falguard.sources import Item
from falguard.sources.history import Change, Coverage, blob_changes, history_objects
from falguard.sources.worktree import worktree_items

if TYPE_CHECKING:
    from falguard.git import Repo
    from falguard.sources.changes import ChangedItem
    from falguard.sources.commits import CommitRange


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


def scan_worktree(paths: Sequence[str], config: Config = Config(), *, env_hygiene: bool = True) -> ScanResult:
    result = ScanResult()
    index = ProjectIndex()
    items = index.watch(worktree_items(paths, result.summary, config.max_file_size, skip=exclusion(config)))
    scan_items(items, result, rules_for(config))
    # browser exposure: client code, bundler configs, project prefixes, chains to the bundle
    result.findings = analyse(index, result.findings, config.extra_public_prefixes, config.extra_key_names)
    if env_hygiene:  # env files tracked or stageable, .gitignore coverage, keys shared across environments
        excluded = exclusion(config)
        env_findings = check_paths(paths, max_size=config.max_file_size)
        result.findings.extend(finding for finding in env_findings if not excluded(finding.path))
    result.findings.sort(key=sort_key)
    return result


def scan_history(
    path: str,
    revisions: Sequence[str] = (),
    *,
    since: str | None = None,
    config: Config = Config(),
    progress: Callable[[Coverage], None] | None = None,
) -> ScanResult:
    """Scan every blob, commit message and tag message that ``revisions`` reach.

    Default: every ref (branches, tags, remote-tracking refs, the stash and its older
    entries, and anything else under refs/, such as a mirror's refs/pull/*). ``since`` adds
    ``SINCE..HEAD``. Findings of the same secret in several blobs are reported once, with
    the commit that introduced it and every path it appeared under.
    """
    repo = git.find_repo(path)
    if repo is None:
        raise InputError(f"not a git repository: {path}")
    ranges = [*revisions, *([f"{since}..HEAD"] if since else [])]
    git.check_revisions(ranges)
    selection = ["--end-of-options", *ranges] if ranges else ["--all", *git.stash_commits(repo)]
    result = ScanResult()
    coverage = Coverage()
    groups: dict[tuple[str, str, str], dict[str, Finding]] = {}
    objects = history_objects(
        repo, selection, result.summary, coverage, config.max_file_size,
        progress=progress, extra_names=config.extra_key_names,
    )
    rules = rules_for(config)
    for found in objects:
        for finding in detect(found.item.content, found.item.origin, rules):
            key = (finding.rule, finding.fingerprint, found.kind)
            groups.setdefault(key, {}).setdefault(found.oid, finding)
    result.summary.incomplete.extend(coverage_notes(repo, coverage))
    excluded = exclusion(config)
    attributed = attribute(repo, selection, groups, result.summary)
    result.findings.extend(finding for finding in attributed if not excluded(finding.path))
    result.findings.extend(f for f in committed_env_findings(repo, selection, result.findings) if not excluded(f.path))
    result.findings.sort(key=sort_key)
    return result


def committed_env_findings(repo: git.Repo, selection: Sequence[str], found: Sequence[Finding]) -> list[Finding]:
    """``env-tracked`` for every env file history ever held; critical where a key was found in it."""
    from falguard.envcheck import CommittedFile, history_findings
    from falguard.envfiles import ENV_PATHSPECS

    holding_keys = {path for f in found if f.history is not None and f.secret.sensitive for path in f.history.paths}
    committed = git.committed_paths(repo, selection, ENV_PATHSPECS)
    return history_findings((CommittedFile(path, commit) for path, commit in committed), holding_keys)


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


def coverage_notes(repo: git.Repo, coverage: Coverage) -> list[str]:
    """Why a history scan is incomplete, one line per reason; GitError for a corrupt repository."""
    notes = []
    partial = git.is_partial_clone(repo) if coverage.missing else False
    if coverage.unreadable or (coverage.missing and not partial):
        bad = coverage.unreadable or coverage.missing
        raise GitError(
            f"repository is corrupt: {len(bad)} reachable object{'s' if len(bad) != 1 else ''} cannot be read "
            f"(first: {bad[0]}); run `git fsck`"
        )
    if coverage.missing:
        notes.append(
            f"{len(coverage.missing)} object{'s' if len(coverage.missing) != 1 else ''} missing from this partial "
            "clone were not scanned (not fetched; fetch them or scan a full clone)"
        )
    if git.is_shallow(repo):
        notes.append("shallow clone: history stops at the shallow boundary; older commits were not scanned")
    return notes


def attribute(
    repo: git.Repo,
    selection: list[str],
    groups: dict[tuple[str, str, str], dict[str, Finding]],
    summary: Summary,
) -> list[Finding]:
    """One finding per secret and kind of place, with its history (paid only for findings)."""
    if not groups:
        return []
    blobs = {oid for (_, _, kind), found in groups.items() if kind == "blob" for oid in found}
    try:
        changes = blob_changes(repo, selection, blobs) if blobs else {}
        in_head = git.head_blobs(repo) if blobs else set()
    except GitError as error:
        summary.incomplete.append(f"history attribution unavailable: {error}")
        return [finding for found in groups.values() for finding in found.values()]
    findings = []
    for (_, _, kind), found in groups.items():
        if kind == "blob":
            findings.append(_attribute_blob(repo, found, changes, in_head))
        else:
            findings.append(_attribute_message(repo, found))
    return findings


def _attribute_blob(repo: git.Repo, found: dict[str, Finding], changes: dict[str, list[Change]], in_head: set[str]) -> Finding:
    events = sorted((change for oid in found for change in changes.get(oid, [])), key=lambda c: c.age)
    if not events:  # reachable without a commit bringing it to a path (a tag naming a blob)
        first = next(iter(found.values()))
        return replace(first, history=Attribution(in_head=any(oid in in_head for oid in found), blobs=len(found)))
    introduced = events[0]
    blob = next(oid for oid in found if any(c is introduced for c in changes.get(oid, [])))
    refs = git.refs_containing(repo, dict.fromkeys(change.commit for change in events))
    return replace(
        found[blob],
        path=introduced.path,
        commit=introduced.commit,
        history=Attribution(
            author=introduced.author,
            date=introduced.date,
            paths=tuple(dict.fromkeys(change.path for change in events)),
            in_head=any(oid in in_head for oid in found),
            refs=tuple(refs[: Attribution.REFS_SHOWN]),
            ref_count=len(refs),
            pushed=any(ref.startswith("refs/remotes/") for ref in refs),
            blobs=len(found),
        ),
    )


def _attribute_message(repo: git.Repo, found: dict[str, Finding]) -> Finding:
    commits = [finding.commit for finding in found.values() if finding.commit]
    if not commits:  # a tag message
        return next(iter(found.values()))
    oldest = min(git.commit_infos(repo, commits), key=lambda info: info.time)
    refs = git.refs_containing(repo, commits)
    return replace(
        found[oldest.commit],
        history=Attribution(
            author=oldest.author,
            date=oldest.date,
            refs=tuple(refs[: Attribution.REFS_SHOWN]),
            ref_count=len(refs),
            pushed=any(ref.startswith("refs/remotes/") for ref in refs),
        ),
    )
