"""Which commits put the blobs that hold findings, and every env file, at their paths.

Paid for the findings, not for the history: the blob listing of the scan already names a
path for every blob (``git rev-list --objects``), so one ``git log --raw`` limited to those
literal paths (git skips every tree off them) tells which commits brought each found blob
to its path and which commit added each env file. rev-list names each blob and tree once,
at the first path it meets them (the newest), so the older places of a renamed or copied
file are found by looking, for each blob's oldest addition, at what the parent commits held
(one ``git ls-tree`` per parent): a path found there joins the log, which runs again.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import IO

from falguard import git
from falguard.envhygiene.envfiles import is_env_file
from falguard.git import walks as git_walks

#: Rounds of the log before the paths stop growing (each round follows one more rename).
MAX_ROUNDS = 4
_ESCAPED_BYTE = re.compile(rb"\\x([0-9a-f]{2})")


@dataclass(frozen=True)
class Change:
    """One commit that put a blob at a path (added it or changed the path to it), or, with
    ``removed``, took it away from the path (deleted the file or changed it to another blob)."""

    commit: str
    author: str
    date: str
    time: int
    order: int  # position in git log's output: parents come after their children
    path: str
    added: bool = False  # the path did not exist in the parent the change is against
    parents: tuple[str, ...] = ()
    removed: bool = False
    other: str = ""  # the blob on the other side: before an addition, after a removal (null oid: none)

    @property
    def age(self) -> tuple[int, int]:
        """Sorts oldest first: earlier commit time, then further down the topological order."""
        return (self.time, -self.order)


#: One raw diff entry of the log: the change, the blob after it and before it, the raw path.
_LogEntry = tuple[Change, str, str, bytes]


@dataclass(frozen=True)
class PathHistory:
    changes: dict[str, list[Change]]  # per blob: every commit that brought it to a path
    env_added: dict[str, Change]  # per env file path: the oldest commit that added it
    reached_from: dict[str, list[str]] | None = None  # per commit of a change: the refs that reach it

    def refs(self, commits: Iterable[str]) -> list[str] | None:
        """The refs that reach any of ``commits``, by name; None when not worked out here."""
        if self.reached_from is None:
            return None
        return sorted({ref for commit in commits for ref in self.reached_from.get(commit, ())})


def raw_path(shown: str) -> list[bytes]:
    """The bytes of a path as git stores it, from the text a finding shows (which escapes
    bytes that are not UTF-8 as ``\\xNN``); both readings when it could be either."""
    encoded = shown.encode("utf-8", "surrogateescape")
    unescaped = _ESCAPED_BYTE.sub(lambda match: bytes([int(match[1], 16)]), encoded)
    return [encoded] if unescaped == encoded else [encoded, unescaped]


def path_history(
    repo: git.Repo,
    revisions: list[str],
    blobs: Mapping[str, Collection[bytes]],
    env_paths: Collection[bytes],
    *,
    commits: Collection[str] = (),
    every_ref: bool = False,
    ahead: Ahead | None = None,
    graph: IO[bytes] | None = None,
) -> PathHistory:
    """Changes for ``blobs`` (each with the paths it is known at) and additions of env files.

    Starts from the given paths plus wherever HEAD holds a found blob or an env file, then
    follows each blob's and env file's oldest addition into its parents' trees. When
    ``revisions`` walk every ref (``every_ref``), also works out which refs reach each
    commit of a change and each of ``commits``, from ``graph`` (``rev-list --topo-order
    --parents`` of ``revisions``; without it, one such run beside the log on the other
    core). The log :class:`Ahead` started is used if it was given every path needed.
    """
    ahead = ahead or Ahead(repo, revisions)
    paths = _start_paths(blobs, env_paths, ahead.head() if blobs or env_paths else {})
    walk = None
    if graph is None and every_ref and (blobs or commits):
        walk = git_walks.commit_graph(repo, revisions)
        graph = walk[1]
    try:
        first = ahead.log if ahead.log is not None and ahead.log.paths == paths else None
        history = _follow(repo, revisions, paths, blobs, first)
        if graph is None or not every_ref:
            return history
        if walk is not None:
            git_walks.finish(walk[0], "rev-list")
        wanted = {change.commit for changes in history.changes.values() for change in changes} | set(commits)
        graph.seek(0)
        reached = refs_reaching(git_walks.ref_tips(repo), graph, wanted)
        return PathHistory(history.changes, history.env_added, reached)
    finally:
        ahead.close()
        if walk is not None:
            _stop(walk[0])
            walk[1].close()


class LogRun:
    """:func:`~falguard.git.log_changes` over ``paths``, read on a thread of its own."""

    def __init__(self, repo: git.Repo, revisions: list[str], paths: Collection[bytes]) -> None:
        import threading

        self.paths = frozenset(paths)
        self._proc = git_walks.log_changes(repo, revisions, self.paths)
        self._entries: list[_LogEntry] = []
        self._failure: Exception | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        try:
            self._entries.extend(_entries(_tokens(self._proc.stdout.fileno())))
        except Exception as failure:  # raised by entries(), in the thread that asks
            self._failure = failure

    def entries(self) -> list[_LogEntry]:
        """Every raw diff entry of the log, once git is done; GitError if it failed."""
        self._thread.join()
        git_walks.finish(self._proc, "log")
        if self._failure is not None:
            raise self._failure
        return self._entries

    def stop(self) -> None:
        """Stop git if it is still running (idempotent)."""
        _stop(self._proc)
        self._thread.join()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        if self._proc.stderr is not None:
            self._proc.stderr.close()


class Ahead:
    """The log :func:`path_history` will need, started while the scan goes on with the
    findings and env files so far, so that it, the longest step after the blob scan, runs
    beside it.

    The log runs over every path known so far, from :data:`FIRST_WAIT` seconds after the
    first was asked for (findings come in groups: a commit's files are read one after the
    other); when findings or env files add paths, it is started again over all of them, at
    most once per :data:`RESTART_AFTER` seconds after its last start, doubling each time, so
    that many findings cost a few restarts, not one each.
    :func:`path_history` uses the log only if it was given every path needed (so the
    result never depends on when a path turned up) and runs it again otherwise.
    """

    def __init__(self, repo: git.Repo, revisions: list[str]) -> None:
        self.repo, self.revisions = repo, revisions
        self.log: LogRun | None = None
        self._head: dict[str, list[bytes]] | None = None
        self._started: float | None = None  # when the log started, or was first asked for
        self._wait = FIRST_WAIT

    def update(self, blobs: Mapping[str, Collection[bytes]], env_paths: Collection[bytes], *, now: bool = True) -> None:
        """Start the log again if there are new paths (``now=False``: unless it started less
        than its wait ago)."""
        if not now and self.wait() > 0:
            return
        paths = _start_paths(blobs, env_paths, self.head() if blobs or env_paths else {})
        if not paths or (self.log is not None and self.log.paths == paths):
            return
        if self.log is not None:
            self.log.stop()
            self._wait = 2 * max(self._wait, RESTART_AFTER)
        else:
            self._wait = RESTART_AFTER
        self.log, self._started = LogRun(self.repo, self.revisions, paths), time.monotonic()

    def head(self) -> dict[str, list[bytes]]:
        """HEAD's blobs with their paths, read once for the log and for :func:`path_history`."""
        if self._head is None:
            self._head = git_walks.tree_blobs(self.repo, "HEAD")
        return self._head

    def wait(self) -> float:
        """Seconds until the log may start again (0: now; it has not started, or its wait is over)."""
        if self._started is None:
            self._started = time.monotonic()
        return max(0.0, self._started + self._wait - time.monotonic())

    def close(self) -> None:
        """Stop the log if :func:`path_history` did not take it (idempotent)."""
        if self.log is not None:
            self.log.stop()
        self.log = None


#: How long after the first path the log of :class:`Ahead` starts, and how long after its
#: start it may first be started again for new paths (each restart doubles the wait).
FIRST_WAIT = 2.0
RESTART_AFTER = 2.0


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _start_paths(
    blobs: Mapping[str, Collection[bytes]], env_paths: Collection[bytes], head: Mapping[str, Collection[bytes]]
) -> set[bytes]:
    """The given paths of ``blobs`` and env files, and wherever ``head`` (HEAD's blobs) holds either."""
    paths = {path for known in blobs.values() for path in known} | set(env_paths)
    paths |= {path for oid, held in head.items() for path in held if oid in blobs or is_env_path(path)}
    paths.discard(b"")  # a blob a tag names directly has no path
    return paths


def _follow(
    repo: git.Repo,
    revisions: list[str],
    paths: set[bytes],
    blobs: Mapping[str, Collection[bytes]],
    first: LogRun | None = None,
) -> PathHistory:
    """The log over ``paths`` (``first``, when given, is that log, already running), again
    with the sources of renames and copies while they turn up."""
    parents_seen: set[str] = set()
    history = PathHistory({blob: [] for blob in blobs}, {})
    for _ in range(MAX_ROUNDS):
        if not paths:
            break
        run, first = first or LogRun(repo, revisions, paths), None
        history = _read_log(run, paths, set(blobs))
        found = _paths_in_parents(repo, _oldest_additions(history), blobs, parents_seen)
        if found <= paths:
            break
        paths |= found
    return history


def refs_reaching(
    tips: Iterable[tuple[str, str]], listing: Iterable[bytes], wanted: Collection[str]
) -> dict[str, list[str]]:
    """For each of ``wanted``, the refs (of ``tips``) it is reachable from.

    ``listing`` is ``rev-list --topo-order --parents``, children before parents: each commit
    passes the set of refs reaching it (one bit per ref) on to its parents, and is forgotten
    once reached, so memory holds only the commits between the walked and the unwalked.
    """
    names: list[str] = []
    tip_bits: dict[bytes, int] = {}
    for name, tip in tips:
        tip_bits[tip.encode()] = tip_bits.get(tip.encode(), 0) | 1 << len(names)
        names.append(name)
    pending: dict[bytes, int] = {}
    left = {commit.encode() for commit in wanted}
    found: dict[str, list[str]] = {}
    for line in listing:
        if not left:
            break
        commit, *parents = line.split()
        bits = pending.pop(commit, 0) | tip_bits.get(commit, 0)
        if commit in left:
            left.discard(commit)
            found[commit.decode()] = [name for index, name in enumerate(names) if bits >> index & 1]
        if bits:
            for parent in parents:
                pending[parent] = pending.get(parent, 0) | bits
    return found


def is_env_path(path: bytes) -> bool:
    """:func:`~falguard.envhygiene.envfiles.is_env_file` for a path as git stores it (a quick test first:
    every env file name holds ``.env``, or is Wrangler's ``.dev.vars`` or Streamlit's secrets)."""
    quick = b".env" in path or b".dev.vars" in path or path.endswith(b"/secrets.toml")
    return quick and is_env_file(os.fsdecode(path))


def _oldest_additions(history: PathHistory) -> list[Change]:
    oldest = [min(added, key=lambda c: c.age) for added in ([c for c in cs if c.added] for cs in history.changes.values())
              if added]  # fmt: skip
    return oldest + list(history.env_added.values())


def _paths_in_parents(
    repo: git.Repo, changes: Iterable[Change], blobs: Mapping[str, Collection[bytes]], seen: set[str]
) -> set[bytes]:
    """Where the parents of these commits held a found blob or an env file: a rename's or a
    copy's source, which the blob listing named at its newer path only."""
    found: set[bytes] = set()
    for parent in dict.fromkeys(parent for change in changes for parent in change.parents):
        if parent in seen:
            continue
        seen.add(parent)
        for oid, held in git_walks.tree_blobs(repo, parent).items():
            found.update(path for path in held if oid in blobs or is_env_path(path))
    found.discard(b"")
    return found


def _read_log(run: LogRun, paths: set[bytes], blobs: set[str]) -> PathHistory:
    changes: dict[str, list[Change]] = {blob: [] for blob in blobs}
    env_added: dict[str, Change] = {}
    try:
        entries = run.entries()
    finally:
        run.stop()
    for change, new, old, path in entries:
        if new in changes:
            changes[new].append(replace(change, other=old))
        if old in changes and old != new:  # taken away: the timeline's removals
            changes[old].append(replace(change, added=False, removed=True, other=new))
        if change.added and is_env_path(path) and path in paths:
            known = env_added.get(change.path)
            if known is None or change.age < known.age:
                env_added[change.path] = change
    return PathHistory(changes, env_added)


def _entries(tokens: Iterator[bytes]) -> Iterator[_LogEntry]:
    """Each raw diff entry of ``git log --raw -z`` with the commit it belongs to."""
    commit = author = date = ""
    parents: tuple[str, ...] = ()
    when = order = 0
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(b"\x01"):
            commit = token[1:].decode()
            author = next(tokens).decode("utf-8", "replace")
            date = next(tokens).decode()
            when = int(next(tokens) or 0)
            parents = tuple(next(tokens).decode().split())
            order += 1
        elif token.startswith(b":"):
            path = next(tokens)
            fields = token.split(b" ")
            shown = path.decode("utf-8", "backslashreplace")
            added = fields[4].startswith(b"A")
            change = Change(commit, author, date, when, order, shown, added, parents)
            yield change, fields[3].decode(), fields[2].decode(), path


def _tokens(fd: int) -> Iterator[bytes]:
    """NUL-separated fields of a stream, read in large chunks."""
    tail = b""
    while chunk := os.read(fd, 1 << 20):
        parts = (tail + chunk).split(b"\0")
        tail = parts.pop()
        yield from parts
    if tail:
        yield tail
