"""Auditing many repositories: each one's mirror is cloned or fetched, its result taken
from the cache when its refs did not move, else audited; in parallel, one process per job
(detection is Python, so threads would share one core), failures reported, never fatal."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from falguard.config import Config
from falguard.errors import FalguardError
from falguard.org import cache
from falguard.org.repos import RepoSpec
from falguard.scans.pipeline import Stages


@dataclass(frozen=True)
class Settings:
    """What every repository's audit shares (sent to each worker process)."""

    config: Config
    stages: Stages
    cache: Path
    fingerprint: str  # falguard's code and version and the effective settings: see cache.py
    token_host: str | None = None  # https clones of this host get GITHUB_TOKEN (from the environment)


@dataclass(frozen=True)
class Outcome:
    """One repository's result: its per-repository audit report, status and reason inside."""

    url: str
    status: str  # ok | cached | failed
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str | None:
        reason: str | None = self.report.get("audit", {}).get("reason")
        return reason


#: Fetches at once per job: a fetch mostly waits for the network, an audit needs a core.
FETCHES_PER_JOB = 4

#: What a progress display is told about a repository: ``"start"`` (being fetched or audited
#: now), ``"wait"`` (fetched, waiting for an audit), or its outcome (done).
Progress = Callable[[str, "Outcome | str"], None]


@dataclass(frozen=True)
class Pending:
    """A repository whose mirror is up to date and whose result is not in the cache; or, when
    a local repository could not be cloned (``clone_error``: a missing or corrupt object
    stops git clone), the repository itself, read in place for what can be read."""

    url: str
    mirror: Path
    key: str
    clone_error: str | None = None


def prepare(spec: RepoSpec, settings: Settings) -> Outcome | Pending:
    """Clone or fetch the mirror; the cached result when its refs did not move. Never raises
    for one repository's problem (a clone that fails): that is its outcome."""
    from falguard.git import mirror as git_mirror
    from falguard.org.mirror import update_mirror

    try:
        mirror, _ = update_mirror(settings.cache, spec.url, _clone_credentials(spec, settings.token_host))
        key = cache.result_key(spec.url, git_mirror.mirror_ref_tips(mirror), settings.fingerprint)
    except Exception as error:
        local = _local_repository(spec)
        if local is None:
            return failed(spec.url, _reason(error))
        return Pending(spec.url, local, "", clone_error=_reason(error))
    stored = cache.load(settings.cache, key)
    if stored is not None:
        return Outcome(spec.url, "cached", _with_status(stored, "cached", None))
    return Pending(spec.url, mirror, key)


def audit_pending(pending: Pending, settings: Settings) -> Outcome:
    """Audit one mirror and remember the result (unless it must fail: a corrupt object, or a
    repository that could not be cloned, whose partial result is kept but never cached)."""
    try:
        report, fatal = _audit_mirror(pending.mirror, pending.url, settings)
    except Exception as error:
        return failed(pending.url, pending.clone_error or _reason(error))
    if fatal is not None or pending.clone_error is not None:
        return Outcome(pending.url, "failed", _with_status(report, "failed", fatal or pending.clone_error))
    cache.store(settings.cache, pending.key, report)
    return Outcome(pending.url, "ok", _with_status(report, "ok", None))


def _local_repository(spec: RepoSpec) -> Path | None:
    """The repository on this machine a ``file`` entry names, to read in place when it cannot
    be cloned; None for a remote one."""
    if spec.transport != "file":
        return None
    from urllib.parse import unquote, urlsplit

    path = Path(unquote(urlsplit(spec.url).path) if spec.url.startswith("file:") else spec.url)
    return path if path.is_dir() else None


def _reason(error: Exception) -> str:
    """What a failed repository's entry says: falguard's and git's message, or the bug's."""
    if isinstance(error, FalguardError):
        return str(error)
    if isinstance(error, OSError):
        return f"{error.strerror or type(error).__name__}: {error.filename or error}"
    return f"internal error: {type(error).__name__}: {(str(error).splitlines() or [''])[0]}"


def _audit_mirror(mirror: Path, url: str, settings: Settings) -> tuple[dict[str, Any], str | None]:
    """The audit JSON of one mirror, named by its URL, and why it must fail (a corrupt object)."""
    from falguard.report import ReportContext
    from falguard.report.audit import render_json
    from falguard.scans.audit import collect, tell

    found = collect(str(mirror), settings.config, settings.stages)
    found.repository = url
    text = render_json(tell(found), ReportContext(fail_on=settings.config.fail_on))
    return json.loads(text), found.result.fatal


def failed(url: str, reason: str) -> Outcome:
    """The outcome of a repository that could not be audited: an empty report that says why."""
    from falguard.detection.facts import Audit
    from falguard.models import ScanResult
    from falguard.redact import redact
    from falguard.report import ReportContext
    from falguard.report.audit import render_json

    reason = redact(reason)
    result = ScanResult()
    result.summary.incomplete.append(f"not audited: {reason}")
    report = json.loads(render_json(Audit(result, repository=url), ReportContext(fail_on=Config().fail_on)))
    report["audit"]["ticket"] = []
    return Outcome(url, "failed", _with_status(report, "failed", reason))


def _with_status(report: dict[str, Any], status: str, reason: str | None) -> dict[str, Any]:
    audit = {**report.get("audit", {}), "status": status, "reason": reason}
    return {**report, "audit": audit}


def _clone_credentials(spec: RepoSpec, token_host: str | None) -> dict[str, str]:
    import os

    from falguard.org.github import clone_credentials

    token = os.environ.get("GITHUB_TOKEN", "")
    return clone_credentials(spec.url, token_host, token) if token and token_host else {}


def audit_all(
    specs: Sequence[RepoSpec], settings: Settings, jobs: int, progress: Progress | None = None
) -> list[Outcome]:
    """Every repository's outcome, in the order given. Mirrors are fetched in threads
    (``FETCHES_PER_JOB`` per job: git does the work, mostly waiting for the network); only
    repositories whose refs moved are audited, ``jobs`` at a time in worker processes."""
    from concurrent.futures import ThreadPoolExecutor

    report = progress or (lambda url, event: None)

    def fetch(spec: RepoSpec) -> Outcome | Pending:
        report(spec.url, "start")
        prepared = prepare(spec, settings)
        report(spec.url, prepared if isinstance(prepared, Outcome) else "wait")
        return prepared

    with ThreadPoolExecutor(max_workers=max(jobs, 1) * FETCHES_PER_JOB) as threads:
        prepared = list(threads.map(fetch, specs))
    outcomes = {item.url: item for item in prepared if isinstance(item, Outcome)}
    pending = [item for item in prepared if isinstance(item, Pending)]
    if jobs <= 1 or len(pending) <= 1:
        for item in pending:
            report(item.url, "start")
            outcomes[item.url] = audit_pending(item, settings)
            report(item.url, outcomes[item.url])
    else:
        outcomes.update(_in_processes(pending, settings, min(jobs, len(pending)), report))
    return [outcomes[spec.url] for spec in specs]


def _in_processes(pending: Sequence[Pending], settings: Settings, jobs: int, report: Progress) -> dict[str, Outcome]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    outcomes: dict[str, Outcome] = {}
    try:
        futures: dict[Future[Outcome], Pending] = {pool.submit(audit_pending, item, settings): item for item in pending}
        waiting = set(futures)
        while waiting:
            for item in [futures[f] for f in futures if f in waiting][:jobs]:  # the pool takes them in order
                report(item.url, "start")
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                url = futures[future].url
                try:
                    outcomes[url] = future.result()
                except Exception as error:  # a worker process that died
                    outcomes[url] = failed(url, _reason(error))
                report(url, outcomes[url])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes
