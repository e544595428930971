"""The scans falguard runs: each is one source and its analysers through the one pipeline.

| scan | source | analysers |
|---|---|---|
| working tree (`scan PATHS`) | files on disk | browser exposure, env hygiene |
| stdin (`scan -`) | standard input | none: content rules only |
| staged change (`scan --staged`, the pre-commit hook) | the index | env files the change commits, the gitignore check (advisory) |
| pushed commits (the pre-push hook) | commit ranges | env files the commits add |
| history (`scan --history`) | every reachable object | see historyscan.py |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from falguard.config import Config
from falguard.models import ScanResult, Severity, Summary
from falguard.scans import pipeline
from falguard.scans.pipeline import Analyser, Stages
from falguard.sources import Item

if TYPE_CHECKING:
    from falguard.browser.index import ProjectIndex
    from falguard.detection.facts import Finding
    from falguard.envhygiene.envfiles import StartedQueries
    from falguard.git import Repo, Started
    from falguard.sources.commits import CommitRange

#: What the pre-commit hook adds from env hygiene: the gitignore check. ``env-tracked`` for a
#: staged env file already comes from the staged scan; a file committed long ago and a key
#: shared across environments are the business of `falguard scan`, not of every commit. They
#: describe the repository, not what the commit adds, so they warn and never refuse.
GITIGNORE_RULES = frozenset({"env-not-ignored", "gitignore-missing-env"})


class BrowserExposure(Analyser):
    """Client code, bundler configs and project prefixes, and the chains to the bundle."""

    def __init__(self, config: Config) -> None:
        from falguard.browser.index import ProjectIndex

        self.config = config
        self.index: ProjectIndex = ProjectIndex()

    def observe(self, item: Item, detected: list[Finding], kept: list[Finding]) -> list[Finding]:
        self.index.add(item)
        return kept

    def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
        from falguard.browser.analysis import analyse

        return analyse(self.index, findings, self.config.extra_public_prefixes, self.config.extra_key_names)


class EnvHygiene(Analyser):
    """Env files tracked or stageable, .gitignore coverage, keys shared across environments."""

    def __init__(self, paths: Sequence[str], config: Config, *, plain: bool = False) -> None:
        self.paths, self.config, self.plain = paths, config, plain

    def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
        from falguard.envhygiene.envcheck import check_paths

        return findings + check_paths(self.paths, max_size=self.config.max_file_size, plain=self.plain)


class CommittedEnvFiles(Analyser):
    """One ``env-tracked`` finding for every env file a change commits: critical when it
    holds a fal key on any line (added or not), medium otherwise (the hook exists to stop an
    env file being committed, secret in it or not; a test key or a placeholder is no key)."""

    def observe(self, item: Item, detected: list[Finding], kept: list[Finding]) -> list[Finding]:
        from falguard.detection.findings import repository_finding
        from falguard.sources.changes import stages_env_file

        if not stages_env_file(item.origin.path):
            return kept
        holds_key = any(f.secret.sensitive and f.severity >= Severity.HIGH for f in detected)
        commit = item.origin.commit
        finding = repository_finding(
            "env-tracked",
            item.origin.path,
            "staged for commit" if commit is None else "added in a commit being pushed",
            severity=Severity.CRITICAL if holds_key else Severity.MEDIUM,
            source="staged" if commit is None else "history",
            commit=commit,
        )
        return [*kept, finding]


class GitignoreCheck(Analyser):
    """The env-file gitignore check the pre-commit hook runs beside the staged scan.

    It runs in a thread from the moment it is made, so that its git calls (configuration,
    listings) overlap the staged scan's instead of following them; ``finish`` waits for it.
    """

    def __init__(self, repo: Repo, config: Config, queries: StartedQueries | None = None) -> None:
        import threading

        self.repo, self.config, self.queries = repo, config, queries
        self._summary = Summary()
        self._found: list[Finding] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._check, name="falguard-gitignore-check", daemon=True)
        self._thread.start()

    def _check(self) -> None:
        from falguard.envhygiene.envcheck import check_repository

        try:
            found = check_repository(
                self.repo,
                source="staged",
                summary=self._summary,
                max_size=self.config.max_file_size,
                shared_keys=False,
                queries=self.queries,
            )
        except BaseException as error:  # raised in the scan's own thread, by finish
            self._error = error
            return
        self._found = [f for f in found if f.rule in GITIGNORE_RULES]

    def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        result.summary.add(self._summary)
        return findings + self._found


def scan_worktree(
    paths: Sequence[str],
    config: Config = Config(),
    stages: Stages = Stages(),
    *,
    env_hygiene: bool = True,
    plain: bool = False,
) -> ScanResult:
    """Files on disk, the browser-exposure analysis over them, and env hygiene."""
    from falguard.sources.worktree import WorktreeSource

    analysers: list[Analyser] = [BrowserExposure(config)]
    if env_hygiene:
        analysers.append(EnvHygiene(paths, config, plain=plain))
    return pipeline.run(WorktreeSource(paths, config.max_file_size, plain=plain), config, analysers, stages)


def scan_stdin(stream: BinaryIO, name: str, config: Config = Config(), stages: Stages = Stages()) -> ScanResult:
    """Standard input, through every content rule."""
    from falguard.sources.stdin import StdinSource

    return pipeline.run(StdinSource(stream, name, max_line=config.max_file_size), config, (), stages)


def scan_staged(
    repo: Repo,
    config: Config = Config(),
    stages: Stages = Stages(),
    *,
    patch: Started | None = None,
    queries: StartedQueries | None = None,
) -> ScanResult:
    """What the next commit adds, read from the index, and the gitignore check as warnings:
    the pre-commit hook and `falguard scan --staged` are this one function (``patch``: the
    staged patch, ``queries``: the gitignore check's git commands, when the hook started
    them already)."""
    from falguard.sources.staged import StagedSource

    analysers = [CommittedEnvFiles(), GitignoreCheck(repo, config, queries)]
    stages = Stages(stages.baseline, stages.verifier, stages.advisory | GITIGNORE_RULES)
    return pipeline.run(StagedSource(repo, config.max_file_size, patch), config, analysers, stages)


def scan_commits(
    repo: Repo, ranges: Sequence[CommitRange], config: Config = Config(), stages: Stages = Stages()
) -> ScanResult:
    """What the commits in ``ranges`` add (each finding names its commit)."""
    from falguard.sources.commits import PushedSource

    return pipeline.run(PushedSource(repo, ranges, config.max_file_size), config, [CommittedEnvFiles()], stages)
