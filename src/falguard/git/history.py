"""History: the object stream of a history scan, and the logs and ref walks its attribution needs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from queue import Queue

from falguard.errors import GitError
from falguard.git import (  # the core: every command line's safety settings
    SAFE_CONFIG,
    Repo,
    _first_line,
    git_environment,
    run,
    split_z,
)

# --- history -------------------------------------------------------------------------------

#: What cat-file prints before each object: id, type, size, then whatever followed the id on
#: its input line (the path rev-list gave the object). A missing object: ``<input> missing``.
BATCH_FORMAT = "%(objectname) %(objecttype) %(objectsize) %(rest)"


def check_revisions(revisions: Sequence[str]) -> None:
    """Refuse revisions that git would read as options (``--output=...``)."""
    for revision in revisions:
        if not revision or revision.startswith("-"):
            raise GitError(f"not a revision or range: {revision!r}")


def is_shallow(repo: Repo) -> bool:
    return run(["rev-parse", "--is-shallow-repository"], repo.cwd).strip() == b"true"


def is_partial_clone(repo: Repo) -> bool:
    """True when objects may be missing on purpose (``clone --filter``): a promisor remote."""
    out = run(
        ["config", "-z", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"],
        repo.cwd,
        ok_codes=(0, 1),
    )
    for entry in split_z(out):
        name, _, value = entry.partition(b"\n")
        if name.lower() == b"extensions.partialclone" or value.strip().lower() in (b"true", b"yes", b"on", b"1"):
            return True
    return False


def stash_commits(repo: Repo) -> list[str]:
    """Every stash entry (``--all`` sees only the newest: the others live in the reflog)."""
    if not run(["for-each-ref", "--format=%(refname)", "refs/stash"], repo.cwd).strip():
        return []
    out = run(["log", "-g", "-z", "--format=%H", "refs/stash", "--"], repo.cwd)
    return [oid.decode().strip() for oid in split_z(out) if oid.strip()]


def _spool() -> IO[bytes]:
    """Where a long-running git writes its stderr: a file, so a full pipe never stalls it."""
    import tempfile

    return tempfile.TemporaryFile()


def _error_text(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    return stream.read()


class ObjectStream:
    """``git rev-list --objects | git cat-file --batch``: every reachable object once.

    Trees are filtered out by rev-list (they hold no content worth scanning), and so are
    commits other than those named (the filter keeps named objects): what comes out is the
    named commits and annotated tags, then every blob. With ``objects=False``, every commit
    instead (``git rev-list | git cat-file --batch``). Objects rev-list knows are missing (a
    partial clone) are listed as ``?<id>``, which cat-file answers with ``missing`` without
    trying to fetch them.

    With ``workers`` > 1, rev-list's list is split between that many cat-file processes
    (by path, so the versions of one file, which are deltas of each other, stay together)
    and git reads on every core; read each of :attr:`fds` to the end (from one thread each),
    then call :meth:`close`, which raises :class:`GitError` if any process failed.
    ``on_listed``, when given, is called once rev-list is done (from another thread) with the
    number of objects listed and the paths listed that ``keep`` accepts (the list is then
    relayed through this process, which buffers some of it).
    """

    def __init__(
        self,
        repo: Repo,
        revisions: Sequence[str],
        *,
        objects: bool = True,
        workers: int = 1,
        on_listed: Callable[[int, set[bytes]], None] | None = None,
        keep: Callable[[bytes], bool] = lambda path: False,
    ) -> None:
        import threading

        self._errors = [_spool() for _ in range(workers + 1)]
        env = git_environment()
        lister = ["git", *SAFE_CONFIG, "rev-list"]
        if objects:
            lister += ["--objects", "--filter=object:type=blob", "--missing=print"]
        reader = ["git", *SAFE_CONFIG, *_reader_limits(workers), "cat-file", "--buffer", f"--batch={BATCH_FORMAT}"]
        relay = workers > 1 or on_listed is not None
        self._threads: list[threading.Thread] = []
        self._relay_failed: str | None = None  # why the relay thread stopped before the list's end
        self.readers: list[subprocess.Popen[bytes]] = []
        try:
            self.lister = subprocess.Popen(
                [*lister, *revisions],
                cwd=repo.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._errors[0],
                env=env,
            )
            for index in range(workers):
                self.readers.append(
                    subprocess.Popen(
                        reader,
                        cwd=repo.cwd,
                        stdin=subprocess.PIPE if relay else self.lister.stdout,
                        stdout=subprocess.PIPE,
                        stderr=self._errors[index + 1],
                        env=env,
                    )
                )
        except FileNotFoundError:
            self.kill()
            raise GitError("git is not installed or not on PATH") from None
        assert self.lister.stdout is not None
        if relay:
            self._start_relay(on_listed, keep)
        else:
            self.lister.stdout.close()  # cat-file holds the pipe now
        self.fds = [proc.stdout.fileno() for proc in self.readers if proc.stdout is not None]
        for fd in self.fds:
            _grow_pipe(fd)

    def _start_relay(self, on_listed: Callable[[int, set[bytes]], None] | None, keep: Callable[[bytes], bool]) -> None:
        import queue
        import threading

        assert self.lister.stdout is not None
        source = self.lister.stdout.fileno()
        sinks = [proc.stdin for proc in self.readers]
        queues: list[queue.Queue[bytes]] = [queue.Queue(maxsize=_LISTING_QUEUED) for _ in sinks]

        def pull() -> None:
            listed, tail, kept = 0, b"", set[bytes]()
            held: list[bytes] = []  # listed, not yet routed: see _SORTED_FIRST
            sort_at = _SORTED_FIRST
            try:
                while chunk := _read_up_to(source, _LISTING_CHUNK):
                    lines = (tail + chunk).split(b"\n")
                    tail = lines.pop()
                    listed += len(lines)
                    held += lines
                    if len(held) >= sort_at:
                        _route(_by_path(held), queues, keep, kept)
                        held, sort_at = [], min(2 * sort_at, _SORTED_MOST)
                if tail:
                    listed += 1
                    held.append(tail)
                _route(_by_path(held), queues, keep, kept)
                if on_listed is not None:  # before the readers can end, so the scan cannot end first
                    on_listed(listed, kept)
            except BaseException as error:  # close() says so: a short list must not pass for the whole
                self._relay_failed = f"{type(error).__name__}: {error}"
                self.lister.kill()  # it may be blocked writing the rest of its list
            finally:
                for pending in queues:
                    pending.put(b"")

        def push(pending: queue.Queue[bytes], sink: object) -> None:
            try:
                while chunk := pending.get():
                    sink.write(chunk)  # type: ignore[attr-defined]
            except OSError:
                pass
            finally:
                try:
                    sink.close()  # type: ignore[attr-defined]
                except OSError:
                    pass

        self._threads = [threading.Thread(target=pull, daemon=True)]
        self._threads += [
            threading.Thread(target=push, args=pair, daemon=True) for pair in zip(queues, sinks, strict=False)
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Wait for every process; raise GitError if one failed."""
        codes = []
        for proc in self.readers:
            if proc.stdout is not None:
                proc.stdout.close()
            codes.append(proc.wait())
        lister_code = self.lister.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.lister.stdout is not None and not self.lister.stdout.closed:
            self.lister.stdout.close()
        errors = [_error_text(stream) for stream in self._errors]
        for stream in self._errors:
            stream.close()
        if self._relay_failed is not None:
            raise GitError(f"reading git rev-list's object list failed: {self._relay_failed}")
        if lister_code != 0:
            raise GitError(f"git rev-list: {_first_line(errors[0])}")
        for code, text in zip(codes, errors[1:], strict=False):
            if code != 0:
                raise GitError(f"git cat-file: {_first_line(text)}")

    def kill(self) -> None:
        for proc in [getattr(self, "lister", None), *self.readers]:
            if proc is None:
                continue
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for stream in self._errors:
            stream.close()


#: The relay reads rev-list's list this much at a time and holds at most this many reads of
#: it (each split between the readers): 16 MiB, about 230,000 objects, so on most
#: repositories rev-list is done (and the env files are known) long before the blobs are read.
_LISTING_CHUNK = 1 << 18
_LISTING_QUEUED = 64
#: The list is handed on in runs sorted by path, so that a reader gets the versions of a file
#: one after the other (rev-list names them commit by commit, far apart) and its delta base
#: cache holds the chain it walks. Measured on git/git's 167,000 blobs with four readers: 13
#: s of cat-file CPU in rev-list's order, 9.4 s in runs of 20,000, 7.4-8.2 s in runs of
#: 65,536 (7.4 s sorted whole). The first run is short, so the readers start early.
_SORTED_FIRST = 8192
_SORTED_MOST = 65536


def _read_up_to(fd: int, size: int) -> bytes:
    """``size`` bytes from a pipe, fewer only at its end (a pipe gives what it holds)."""
    parts, have = [], 0
    while have < size and (part := os.read(fd, size - have)):
        parts.append(part)
        have += len(part)
    return b"".join(parts)


def _listed_path(line: bytes) -> bytes:
    """The path of a line of rev-list's list (``<oid> <path>``; ``<oid>`` alone: none)."""
    return line.partition(b" ")[2]


def _by_path(lines: list[bytes]) -> list[bytes]:
    """``lines`` of rev-list's list by path, in their order within one path."""
    return sorted(lines, key=_listed_path)


def _route(lines: list[bytes], queues: Sequence[Queue[bytes]], keep: Callable[[bytes], bool], kept: set[bytes]) -> None:
    """Hand each listed object to one reader, by its path (the versions of a file stay
    together), and collect the paths ``keep`` accepts."""
    import zlib

    routed: list[list[bytes]] = [[] for _ in queues]
    for line in lines:
        path = _listed_path(line)
        if path and keep(path):
            kept.add(path)
        routed[zlib.crc32(path or line) % len(queues)].append(line)
    for pending, group in zip(queues, routed, strict=True):
        if group:
            pending.put(b"\n".join(group) + b"\n")


def _reader_limits(workers: int) -> list[str]:
    """Memory settings for ``workers`` cat-file processes, so that together they hold about
    what one process holds with git's defaults.

    Each process maps pack windows (by default 1 GiB windows up to 8 GiB, so every page of
    the pack it touches stays mapped) and keeps a delta base cache (96 MiB). Small windows
    under a small limit are unmapped as a reader moves on (the pages stay in the page cache);
    a cache of 48 MiB keeps the hit rate of a reader that sees only its share of the paths.
    Measured on git/git with four readers: the process tree's peak RSS went from 1.8 GB to
    0.87 GB (the floor's, one cat-file with the defaults: 0.85 GB) for about 5% more CPU.
    """
    if workers <= 1:
        return []
    return [
        "-c",
        "core.deltaBaseCacheLimit=48m",
        "-c",
        "core.packedGitLimit=128m",
        "-c",
        "core.packedGitWindowSize=32m",
    ]


def _grow_pipe(fd: int) -> None:
    """A 1 MiB pipe lets git run further ahead of the scanner (Linux; ignored elsewhere)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


#: One commit in :func:`log_changes`' output: id, author, ISO date, commit time, parents.
LOG_FORMAT = "%x01%H%x00%an <%ae>%x00%aI%x00%ct%x00%P"


def log_changes(repo: Repo, revisions: Sequence[str], paths: Iterable[bytes]) -> subprocess.Popen[bytes]:
    """``git log --raw`` over ``revisions`` for the literal ``paths``, newest first, parents after children.

    No rename detection and no content reads (``--no-renames``): only trees are compared,
    so a missing blob in a partial clone is never needed; literal pathspecs let git skip
    every tree off the paths. Every commit that changes one of them is shown
    (``--full-history``), and merges are diffed against every parent (``-m``), so content
    that exists only in a merge, or only on a side branch, shows up there.
    """
    args = [
        "log", "--raw", "-z", "--no-abbrev", "-m", "--root", "--no-renames", "--topo-order", "--full-history",
        "--no-ext-diff", "--no-textconv", f"--format={LOG_FORMAT}", *revisions, "--",
    ]  # fmt: skip
    errors = _spool()
    try:
        proc = subprocess.Popen(
            ["git", *SAFE_CONFIG, *args, *(b":(literal)" + path for path in sorted(paths))],
            cwd=repo.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=git_environment(),
        )
    except FileNotFoundError:
        errors.close()
        raise GitError("git is not installed or not on PATH") from None
    proc.stderr = errors  # where finish() reads git's error from
    return proc


def finish(proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for a streaming git process started here; raise GitError if it failed."""
    if proc.stdout is not None:
        proc.stdout.close()
    code = proc.wait()
    errors = _error_text(proc.stderr) if proc.stderr is not None else b""
    if proc.stderr is not None:
        proc.stderr.close()
    if code != 0:
        raise GitError(f"git {what}: {_first_line(errors)}")


def tree_blobs(repo: Repo, treeish: str) -> dict[str, list[bytes]]:
    """Every blob id in a commit's tree with the paths it is at (empty for an unborn HEAD)."""
    try:
        out = run(["ls-tree", "-r", "-z", "--full-tree", treeish, "--"], repo.cwd)
    except GitError:
        if not run(["rev-parse", "--verify", "-q", f"{treeish}^{{commit}}"], repo.cwd, ok_codes=(0, 1)).strip():
            return {}
        raise
    blobs: dict[str, list[bytes]] = {}
    for entry in split_z(out):
        meta, _, path = entry.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) == 3 and fields[1] == b"blob":
            blobs.setdefault(fields[2].decode(), []).append(path)
    return blobs


def head_blobs(repo: Repo) -> set[str]:
    """Blob ids in HEAD's tree (empty for an unborn HEAD)."""
    return set(tree_blobs(repo, "HEAD"))


def refs_containing(repo: Repo, commits: Iterable[str]) -> list[str]:
    """Every ref from which one of ``commits`` is reachable, sorted by name.

    Tags are asked of ``git tag --contains``, which walks the history once for all of them
    (``for-each-ref --contains`` computes a merge base per ref: 10-20 s for git/git's
    thousand tags); the other namespaces (branches, remote-tracking refs, the stash, a
    mirror's refs/pull) go to ``for-each-ref``.
    """
    contains = [f"--contains={commit}" for commit in commits]
    if not contains:
        return []
    names = run(["for-each-ref", "--format=%(refname)"], repo.cwd).decode("utf-8", "surrogateescape").split("\n")
    others = sorted({"/".join(name.split("/")[:2]) for name in names if name and not name.startswith("refs/tags/")})
    found = []
    if any(name.startswith("refs/tags/") for name in names):
        found += run(["tag", "--list", "--no-column", "--format=%(refname)", *contains], repo.cwd).split(b"\n")
    if others:
        found += run(["for-each-ref", "--format=%(refname)", *contains, "--", *others], repo.cwd).split(b"\n")
    return sorted(line.decode("utf-8", "surrogateescape") for line in found if line)


def ref_tips(repo: Repo) -> list[tuple[str, str]]:
    """``(refname, commit)`` for every ref that leads to a commit (tags peeled), by name."""
    out = run(["for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"],
              repo.cwd)  # fmt: skip
    tips, nested = [], []
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        fields = line.split("\0")
        if len(fields) != 5:
            continue
        name, kind, oid, peeled_kind, peeled = fields
        if kind == "commit" or peeled_kind == "commit":
            tips.append((name, oid if kind == "commit" else peeled))
        elif peeled_kind == "tag":
            nested.append(name)  # a tag of a tag
    if nested:
        answer = run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], repo.cwd,
                     stdin="".join(f"{name}^{{commit}}\n" for name in nested).encode())  # fmt: skip
        for name, line in zip(nested, answer.decode().splitlines(), strict=False):
            if line.endswith(" commit"):
                tips.append((name, line.split(" ")[0]))
    return sorted(tips)


def commit_graph(repo: Repo, revisions: Sequence[str]) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start ``git rev-list --topo-order --parents`` (children before parents) into a file.

    Returns the process and the file; :func:`finish` it, then read the file from the start.
    """
    spool, errors = _spool(), _spool()
    try:
        proc = subprocess.Popen(
            ["git", *SAFE_CONFIG, "rev-list", "--topo-order", "--parents", *revisions],
            cwd=repo.cwd,
            stdin=subprocess.DEVNULL,
            stdout=spool,
            stderr=errors,
            env=git_environment(),
        )
    except FileNotFoundError:
        spool.close()
        errors.close()
        raise GitError("git is not installed or not on PATH") from None
    proc.stderr = errors  # where finish() reads git's error from
    return proc, spool


def is_ancestor_of_head(repo: Repo, commit: str) -> bool:
    """True when ``commit`` is in HEAD's history (False for an unborn HEAD)."""
    out = run(["merge-base", "--end-of-options", commit, "HEAD"], repo.cwd, ok_codes=(0, 1, 128))
    return out.strip().decode() == commit


def ref_count(repo: Repo) -> int:
    """How many refs the repository has (branches, tags, remote-tracking refs, the stash, ...)."""
    return len(run(["for-each-ref", "--format=%(refname)"], repo.cwd).splitlines())


class CommitInfo(NamedTuple):
    commit: str
    author: str  # "Name <email>"
    date: str  # author date, ISO 8601
    time: int  # commit time, seconds since the epoch


def commit_infos(repo: Repo, commits: Sequence[str]) -> list[CommitInfo]:
    out = run(["log", "--no-walk=unsorted", "-z", "--format=%H%x00%an <%ae>%x00%aI%x00%ct", *commits, "--"], repo.cwd)
    fields = out.split(b"\0")
    infos = []
    for index in range(0, len(fields) - 3, 4):
        commit, author, date, when = fields[index : index + 4]
        infos.append(
            CommitInfo(commit.strip().decode(), author.decode("utf-8", "replace"), date.decode(), int(when or 0))
        )
    return infos


def committed_paths(repo: Repo, revisions: Sequence[str], pathspecs: Sequence[str]) -> list[tuple[str, str]]:
    """``(path, commit)`` for every path matching ``pathspecs`` that a commit in ``revisions``
    added, with the oldest such commit. Only tree diffs are read (no blob, no fetch)."""
    out = run(
        [
            "log", "--format=%x01%H", "-z", "--name-only", "--no-renames", "-m", "--diff-filter=A",
            "--no-ext-diff", "--no-textconv", *revisions, "--", *pathspecs,
        ],
        repo.cwd,
    )  # fmt: skip
    oldest: dict[str, str] = {}
    for chunk in out.split(b"\x01")[1:]:
        commit, _, names = chunk.partition(b"\0")
        for name in names.lstrip(b"\n").split(b"\0"):
            if name:
                oldest[name.decode("utf-8", "backslashreplace")] = commit.decode()  # log lists newest first
    return sorted(oldest.items())
