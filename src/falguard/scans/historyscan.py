"""History scans: every reachable object once, then attribution for what was found."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from falguard import git
from falguard.config import Config
from falguard.detection.facts import Attribution, Finding, HistoryEvent
from falguard.errors import GitError, InputError
from falguard.expand import member_suffix, outer_path
from falguard.expand.encoded import Prescan
from falguard.expand.images import may_hold_images
from falguard.git import history as git_history
from falguard.git import objects as git_objects
from falguard.git import walks as git_walks
from falguard.models import ScanResult, Severity, Summary, _set
from falguard.scans import pipeline
from falguard.scans.pipeline import Analyser, Stages
from falguard.sources import DEFAULT_MAX_FILE_SIZE, Item
from falguard.sources.history import Coverage, HistorySource
from falguard.sources.path_log import Ahead, Change, PathHistory, path_history, raw_path


def scan_history(
    path: str,
    revisions: Sequence[str] = (),
    *,
    since: str | None = None,
    config: Config = Config(),
    stages: Stages = Stages(),
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
    git_history.check_revisions(ranges)
    selection = ["--end-of-options", *ranges] if ranges else ["--all", *git_history.stash_commits(repo)]
    return scan_selection(repo, selection, config=config, stages=stages, progress=progress)


def scan_selection(
    repo: git.Repo,
    selection: list[str],
    *,
    config: Config = Config(),
    stages: Stages = Stages(),
    progress: Callable[[Coverage], None] | None = None,
    workers: int | None = None,
) -> ScanResult:
    """:func:`scan_history` of what ``selection`` (rev-list arguments, already checked) reaches,
    with ``workers`` blob readers (default: the history scan's)."""
    result = ScanResult()
    result.summary.scanned_noun = "object"  # blobs, commits and tags, each once
    coverage = Coverage()
    attribution = HistoryAttribution(repo, selection, coverage)
    decoder = pipeline.decoder_of(config)
    source = HistorySource(
        repo, selection, coverage, config.max_file_size, progress, config.extra_key_names,
        on_listed=attribution.listed, on_env_files=attribution.env_files_listed, workers=workers,
        prescan=_prescan(Prescan(decoder)),
    )  # fmt: skip
    try:
        return pipeline.run(source, config, [BundlerConfigs(), attribution], stages, result, decoder)
    finally:
        attribution.close()


#: How the name of every bundler or framework config the browser analysis reads starts
#: (its frameworks' ``config_stems``; tests/scans/test_history.py checks they agree): a blob
#: named otherwise loads no browser module (about 50 ms, paid on fal-dense history, where
#: nearly every blob is a candidate).
BUNDLER_CONFIG_STEMS = (
    "astro.config.",
    "next.config.",
    "nuxt.config.",
    "svelte.config.",
    "vite.config.",
    "webpack.config.",
)


def _names_bundler_config(item: Item) -> bool:
    return item.origin.path.rpartition("/")[2].startswith(BUNDLER_CONFIG_STEMS)


def _prescan(prescan: Prescan) -> Callable[[Item, int], bool]:
    """The blob readers' pass (see :class:`~falguard.sources.history.HistorySource`): it gives
    the item the pipeline's finder pass, and keeps from the pipeline a blob in which nothing
    would find anything (about two thirds of fal-ai/fal's candidates name fal and hold no
    key): no rule finds a match in it, no image is in it, and it is no bundler config."""

    def made(item: Item, looked_through: int) -> bool:
        scanned = prescan(item.content, looked_through)
        if scanned is None:
            return True
        _set(item, "scanned", scanned)
        quiet = prescan.quiet(scanned) and not may_hold_images(item)
        return not quiet or _names_bundler_config(item)

    return made


class BundlerConfigs(Analyser):
    """Bundler configs that inline a fal key need no other file: judged blob by blob."""

    def observe(self, item: Item, detected: list[Finding], kept: list[Finding]) -> list[Finding]:
        if item.kind != "blob" or not _names_bundler_config(item):
            return kept
        # only for content some rule may match: a clean push loads no browser module
        from falguard.browser.configs import config_blob_findings

        found = config_blob_findings(item.origin.path, item.content)
        return kept + [replace(finding, source="history") for finding in found]


class HistoryAttribution(Analyser):
    """One finding per secret however many objects hold it, with its history; then every
    env file history ever held, and why the scan may be incomplete."""

    def __init__(self, repo: git.Repo, selection: list[str], coverage: Coverage) -> None:
        self.repo, self.selection, self.coverage = repo, selection, coverage
        self.groups: dict[tuple[str, str, str], dict[str, Finding]] = {}
        self.lock = threading.Lock()  # the listing's thread and the scan's both update the log
        self.ahead = Ahead(repo, selection)
        self.env_files: set[bytes] = set()  # named by the listing so far
        self.paths: set[str] = set()  # the paths of the findings so far
        self.closed = False
        self.timer: threading.Timer | None = None  # for paths that turned up during the log's wait

    def observe(self, item: Item, detected: list[Finding], kept: list[Finding]) -> list[Finding]:
        assert item.oid is not None
        with self.lock:
            new = False
            for finding in kept:
                key = (finding.rule, finding.fingerprint, item.kind)
                found = self.groups.setdefault(key, {})
                first = found.setdefault(item.oid, finding)
                if first is not finding:  # the same secret again in one object: its spellings count
                    found[item.oid] = spelled_as(first, [finding])
                if item.kind == "blob" and finding.path not in self.paths:
                    self.paths.add(finding.path)
                    new = True
            if new:
                self._update(now=False)
        return []  # reported once attributed

    def env_files_listed(self, env_files: set[bytes]) -> None:
        """The listing named more env files (it goes on): a log a finding started takes them
        in; env files alone wait for the listing's end (findings in the first objects read
        usually follow, and a log started without their paths is work thrown away)."""
        with self.lock:
            self.env_files = env_files
            if self.ahead.log is not None:
                self._update(now=False)

    def listed(self) -> None:
        """Every object is listed (the scan goes on): the attribution's log runs over the
        findings so far and every env file, beside the rest of the scan."""
        with self.lock:
            self.env_files = set(self.coverage.env_files)
            self._update(now=True)

    def _update(self, *, now: bool) -> None:
        """Start what the attribution will need with what is known so far (see :class:`Ahead`)."""
        if self.closed:  # finish() has taken the log over
            return
        wait = 0.0 if now else self.ahead.wait()
        if wait > 0:
            if self.timer is None:  # brings it up to date once the wait is over
                self.timer = threading.Timer(wait, self._catch_up)
                self.timer.daemon = True
                self.timer.start()
            return
        blobs, _ = finding_places(self.groups)
        try:
            self.ahead.update(blobs, self.env_files, now=now)
        except (GitError, OSError):
            pass  # finish() runs it again and reports the error

    def _catch_up(self) -> None:
        with self.lock:
            self.timer = None
            self._update(now=False)

    def _stop_updates(self) -> None:
        with self.lock:
            self.closed = True
            if self.timer is not None:
                self.timer.cancel()

    def close(self) -> None:
        """Stop what was started ahead and finish() did not use (a failed or interrupted scan)."""
        self._stop_updates()
        with self.lock:
            self.ahead.close()
        if self.coverage.commit_graph is not None:
            self.coverage.commit_graph.close()

    def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
        self._stop_updates()  # from here on the log is path_history's
        result.summary.objects_read += self.coverage.objects
        result.summary.blobs_scanned = result.summary.files_scanned  # all a history scan scans are blobs
        try:
            result.summary.incomplete.extend(coverage_notes(self.repo, self.coverage))
        except GitError as error:
            # a corrupt repository: what could be read is still reported, then the scan fails
            result.summary.incomplete.append(str(error))
            result.fatal = str(error)
        history = read_path_history(self.repo, self.selection, self.groups, self.coverage, result.summary, self.ahead)
        attributed = findings + attribute(self.repo, self.groups, history)
        return attributed + committed_env_findings(self.repo, self.selection, attributed, history, self.coverage)


def read_path_history(
    repo: git.Repo,
    selection: list[str],
    groups: dict[tuple[str, str, str], dict[str, Finding]],
    coverage: Coverage,
    summary: Summary,
    ahead: Ahead | None = None,
) -> PathHistory | None:
    """One ``git log`` limited to the paths of the blobs with findings and of every env file
    the blob listing named (none when there are neither; ``ahead``: see
    :class:`~falguard.sources.path_log.Ahead`); None, with a note, if git fails. A selection
    ending in ``--not --all`` (the server hook's: what a push brings) is reached by no ref, so
    none is asked for (``git tag --contains`` takes seconds on a repository of a thousand tags)."""
    blobs, commits = finding_places(groups)
    if not blobs and not coverage.env_files and not commits:
        return PathHistory({}, {})
    every_ref = selection[:1] == ["--all"]  # not a range: every ref is walked
    unreached = selection[-2:] == ["--not", "--all"]
    try:
        history = path_history(
            repo,
            selection,
            blobs,
            coverage.env_files,
            commits=commits,
            every_ref=every_ref,
            ahead=ahead,
            graph=coverage.commit_graph,
        )
    except GitError as error:
        summary.incomplete.append(f"history attribution unavailable: {error}")
        return None
    return replace(history, reached_from={}) if unreached else history


def finding_places(groups: dict[tuple[str, str, str], dict[str, Finding]]) -> tuple[dict[str, set[bytes]], set[str]]:
    """The blobs with findings, each with its paths, and the commits whose messages hold one
    (which refs reach them)."""
    blobs: dict[str, set[bytes]] = {}
    commits: set[str] = set()
    for (_, _, kind), found in groups.items():
        for oid, finding in found.items():
            if kind == "blob":  # a member of an archive is found under the archive's path
                blobs.setdefault(oid, set()).update(raw_path(finding.path) + raw_path(outer_path(finding.path)))
            elif finding.commit:
                commits.add(finding.commit)
    return blobs, commits


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
    from falguard.envhygiene.envcheck import CommittedFile, history_findings
    from falguard.envhygiene.envfiles import ENV_PATHSPECS

    def paths_of(least: Severity) -> set[str]:
        return {p for f in found if f.history and f.secret.sensitive and f.severity >= least for p in f.history.paths}

    if coverage.missing:
        committed: list[tuple[str, str | None]] = list(git_walks.committed_paths(repo, selection, ENV_PATHSPECS))
    else:
        added = history.env_added if history is not None else {}
        listed = {path.decode("utf-8", "backslashreplace") for path in coverage.env_files}
        committed = [(path, added[path].commit if path in added else None) for path in sorted(listed | set(added))]
    known = [(path, commit) for path, commit in committed if commit is not None]
    try:  # the first version of each: whether it holds anything secret sets the severity
        contents = git_objects.blobs_at(repo, known, DEFAULT_MAX_FILE_SIZE)
    except GitError:
        contents = {}  # unreadable: the findings say medium, not low
    files = [
        CommittedFile(path, commit, contents.get((path, commit)) if commit else None) for path, commit in committed
    ]
    return history_findings(files, paths_of(Severity.HIGH), paths_of(Severity.MEDIUM), _tracked_env_files(repo))


def _tracked_env_files(repo: git.Repo) -> set[str]:
    """The env files the checked-out branch tracks (none in a bare repository: nothing is checked out)."""
    from falguard.envhygiene.envfiles import ENV_PATHSPECS
    from falguard.sources import display_path

    if repo.toplevel is None:
        return set()
    try:
        return {display_path(path) for path in git.ls_files(repo, ENV_PATHSPECS)}
    except GitError:
        return set()


def coverage_notes(repo: git.Repo, coverage: Coverage) -> list[str]:
    """Why a history scan is incomplete, one line per reason; GitError for a corrupt repository."""
    notes = []
    partial = git_history.is_partial_clone(repo) if coverage.missing else False
    if coverage.unreadable or (coverage.missing and not partial):
        bad = coverage.unreadable or coverage.missing
        raise GitError(
            f"repository is corrupt: {len(bad)} reachable object{'s' if len(bad) != 1 else ''} cannot be read "
            f"(first: {min(bad)}); run `git fsck`"
        )
    if coverage.missing:
        notes.append(
            f"{len(coverage.missing)} object{'s' if len(coverage.missing) != 1 else ''} missing from this partial "
            "clone were not scanned (not fetched; fetch them or scan a full clone)"
        )
    if git_history.is_shallow(repo):
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
    in_head = git_walks.head_blobs(repo) if history.changes else set()
    findings = []
    for (_, _, kind), found in groups.items():
        if kind == "blob":
            attributed = _attribute_blob(repo, found, history, in_head)
        else:
            attributed = _attribute_message(repo, found, history)
        findings.append(spelled_as(attributed, found.values()))
    return findings


def spelled_as(finding: Finding, others: Iterable[Finding]) -> Finding:
    """``finding``, its secret spelled every way ``others`` found it written (base64, in
    pieces): the one finding of a secret must purge every copy the history holds."""
    secret = finding.secret.spelled(s for other in others for s in other.secret.spellings)
    return finding if secret is finding.secret else replace(finding, secret=secret)


def _refs(repo: git.Repo, history: PathHistory, commits: Sequence[str]) -> list[str]:
    known = history.refs(commits)
    return known if known is not None else git_walks.refs_containing(repo, commits)


def _attribute_blob(repo: git.Repo, found: dict[str, Finding], history: PathHistory, in_head: set[str]) -> Finding:
    changes = history.changes
    # the path breaks a tie (one commit, several paths): the order of ``found`` is the readers' timing
    everything = sorted((change for oid in found for change in changes.get(oid, [])), key=lambda c: (c.age, c.path))
    events = [change for change in everything if not change.removed]
    if not events:  # reachable without a commit bringing it to a path (a tag naming a blob)
        first = min(found.values(), key=pipeline.sort_key)  # not the first a reader delivered
        return replace(first, history=Attribution(in_head=any(oid in in_head for oid in found), blobs=len(found)))
    introduced = events[0]
    blob = next(oid for oid in found if any(c is introduced for c in changes.get(oid, [])))
    refs = _refs(repo, history, list(dict.fromkeys(change.commit for change in events)))
    still = any(oid in in_head for oid in found)
    paths = tuple(dict.fromkeys(change.path for change in events))
    inside = member_suffix(found[blob].path) if found[blob].path not in paths else ""
    return replace(
        found[blob],
        path=introduced.path + inside,
        commit=introduced.commit,
        history=Attribution(
            author=introduced.author,
            date=introduced.date,
            paths=paths,
            in_head=still,
            refs=tuple(refs[: Attribution.REFS_SHOWN]),
            ref_count=len(refs),
            pushed=any(ref.startswith("refs/remotes/") for ref in refs),
            blobs=len(found),
            timeline=_left_head(repo, timeline(everything, set(found)), still),
        ),
    )


def timeline(changes: Sequence[Change], blobs: set[str]) -> tuple[HistoryEvent, ...]:
    """Where a secret (held by ``blobs``) arrived and where it left, from ``changes`` sorted
    oldest first. An edit from one version holding it to another is no event, nor is a second
    arrival at a path that still holds it (a merge bringing it to a branch that had it)."""
    holding: set[str] = set()
    events: list[HistoryEvent] = []
    for change in changes:
        if change.other in blobs:  # from one version holding it to another
            continue
        if change.removed and change.path in holding:
            holding.discard(change.path)
        elif not change.removed and change.path not in holding:
            holding.add(change.path)
        else:
            continue
        kind = "removed" if change.removed else "added"
        events.append(HistoryEvent(kind, change.commit, change.date, change.author, change.path))
    shown = Attribution.EVENTS_SHOWN
    return tuple(events if len(events) <= shown else events[: shown - 1] + events[-1:])


def _left_head(repo: git.Repo, events: tuple[HistoryEvent, ...], in_head: bool) -> tuple[HistoryEvent, ...]:
    """Mark the removal that took the secret out of HEAD: the latest one in HEAD's history."""
    if in_head:
        return events
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.event == "removed":
            try:
                if git_walks.is_ancestor_of_head(repo, event.commit):
                    return (*events[:index], replace(event, left_head=True), *events[index + 1 :])
            except GitError:
                return events
    return events


def _attribute_message(repo: git.Repo, found: dict[str, Finding], history: PathHistory) -> Finding:
    commits = [finding.commit for finding in found.values() if finding.commit]
    if not commits:  # tag messages: the first place, whichever tag's reader came first
        return min(found.values(), key=pipeline.sort_key)
    oldest = min(git_walks.commit_infos(repo, commits), key=lambda info: (info.time, info.commit))
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
