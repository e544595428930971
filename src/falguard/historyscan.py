"""History scans: every reachable object once, then attribution for what was found."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from falguard import git
from falguard.browser import config_blob_findings
from falguard.config import Config
from falguard.detect import detect
from falguard.errors import GitError, InputError
from falguard.models import Attribution, Finding, ScanResult, Summary
from falguard.scan import exclusion, rules_for, sort_key
from falguard.sources.history import Coverage, history_objects
from falguard.sources.path_log import PathHistory, path_history, raw_path


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
        raise InputError(f"not a git repository: {path} (run the history scan inside a repository)")
    ranges = [*revisions, *([f"{since}..HEAD"] if since else [])]
    git.check_revisions(ranges)
    selection = ["--end-of-options", *ranges] if ranges else ["--all", *git.stash_commits(repo)]
    result = ScanResult()
    result.summary.scanned_noun = "object"  # blobs, commits and tags, each once
    coverage = Coverage()
    groups: dict[tuple[str, str, str], dict[str, Finding]] = {}
    objects = history_objects(
        repo,
        selection,
        result.summary,
        coverage,
        config.max_file_size,
        progress=progress,
        extra_names=config.extra_key_names,
    )
    rules = rules_for(config)
    for found in objects:
        findings = detect(found.item.content, found.item.origin, rules)
        if found.kind == "blob":  # bundler configs that inline a fal key need no other file
            findings += [
                replace(finding, source="history")
                for finding in config_blob_findings(found.item.origin.path, found.item.content)
            ]
        for finding in findings:
            key = (finding.rule, finding.fingerprint, found.kind)
            groups.setdefault(key, {}).setdefault(found.oid, finding)
    try:
        result.summary.incomplete.extend(coverage_notes(repo, coverage))
    except GitError as error:
        # a corrupt repository: what could be read is still reported, then the scan fails
        result.summary.incomplete.append(str(error))
        result.fatal = str(error)
    excluded = exclusion(config)
    history = read_path_history(repo, selection, groups, coverage, result.summary)
    attributed = attribute(repo, groups, history)
    result.findings.extend(finding for finding in attributed if not excluded(finding.path))
    env_findings = committed_env_findings(repo, selection, result.findings, history, coverage)
    result.findings.extend(f for f in env_findings if not excluded(f.path))
    result.findings.sort(key=sort_key)
    return result


def read_path_history(
    repo: git.Repo,
    selection: list[str],
    groups: dict[tuple[str, str, str], dict[str, Finding]],
    coverage: Coverage,
    summary: Summary,
) -> PathHistory | None:
    """One ``git log`` limited to the paths of the blobs with findings and of every env file
    the blob listing named (none when there are neither); None, with a note, if git fails."""
    blobs: dict[str, set[bytes]] = {}
    commits: set[str] = set()  # of commit message findings: which refs reach them
    for (_, _, kind), found in groups.items():
        for oid, finding in found.items():
            if kind == "blob":
                blobs.setdefault(oid, set()).update(raw_path(finding.path))
            elif finding.commit:
                commits.add(finding.commit)
    if not blobs and not coverage.env_files and not commits:
        return PathHistory({}, {})
    every_ref = selection[:1] == ["--all"]  # not a range: every ref is walked
    try:
        return path_history(repo, selection, blobs, coverage.env_files, commits=commits, every_ref=every_ref)
    except GitError as error:
        summary.incomplete.append(f"history attribution unavailable: {error}")
        return None


def committed_env_findings(
    repo: git.Repo,
    selection: Sequence[str],
    found: Sequence[Finding],
    history: PathHistory | None,
    coverage: Coverage,
) -> list[Finding]:
    """``env-tracked`` for every env file history ever held; critical where a key was found in it.

    The env files are those the blob listing named, with the commit that added each; a
    partial clone's listing lacks the paths of missing blobs, so there the whole history's
    tree diffs are searched instead.
    """
    from falguard.envcheck import CommittedFile, history_findings
    from falguard.envfiles import ENV_PATHSPECS

    holding_keys = {path for f in found if f.history is not None and f.secret.sensitive for path in f.history.paths}
    if coverage.missing:
        committed = git.committed_paths(repo, selection, ENV_PATHSPECS)
        return history_findings((CommittedFile(path, commit) for path, commit in committed), holding_keys)
    added = history.env_added if history is not None else {}
    listed = {path.decode("utf-8", "backslashreplace") for path in coverage.env_files}
    files = [CommittedFile(path, added[path].commit if path in added else None) for path in sorted(listed | set(added))]
    return history_findings(files, holding_keys)


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
    groups: dict[tuple[str, str, str], dict[str, Finding]],
    history: PathHistory | None,
) -> list[Finding]:
    """One finding per secret and kind of place, with its history (paid only for findings)."""
    if not groups:
        return []
    if history is None:  # git failed: the findings, unattributed (the summary says why)
        return [finding for found in groups.values() for finding in found.values()]
    in_head = git.head_blobs(repo) if history.changes else set()
    findings = []
    for (_, _, kind), found in groups.items():
        if kind == "blob":
            findings.append(_attribute_blob(repo, found, history, in_head))
        else:
            findings.append(_attribute_message(repo, found, history))
    return findings


def _refs(repo: git.Repo, history: PathHistory, commits: Sequence[str]) -> list[str]:
    known = history.refs(commits)
    return known if known is not None else git.refs_containing(repo, commits)


def _attribute_blob(repo: git.Repo, found: dict[str, Finding], history: PathHistory, in_head: set[str]) -> Finding:
    changes = history.changes
    events = sorted((change for oid in found for change in changes.get(oid, [])), key=lambda c: c.age)
    if not events:  # reachable without a commit bringing it to a path (a tag naming a blob)
        first = next(iter(found.values()))
        return replace(first, history=Attribution(in_head=any(oid in in_head for oid in found), blobs=len(found)))
    introduced = events[0]
    blob = next(oid for oid in found if any(c is introduced for c in changes.get(oid, [])))
    refs = _refs(repo, history, list(dict.fromkeys(change.commit for change in events)))
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


def _attribute_message(repo: git.Repo, found: dict[str, Finding], history: PathHistory) -> Finding:
    commits = [finding.commit for finding in found.values() if finding.commit]
    if not commits:  # a tag message
        return next(iter(found.values()))
    oldest = min(git.commit_infos(repo, commits), key=lambda info: info.time)
    refs = _refs(repo, history, commits)
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
