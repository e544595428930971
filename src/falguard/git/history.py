"""History: the object stream of a history scan (the logs and ref walks its attribution needs: walks.py)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING

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
    (in parts sorted by path, so the versions of one file, which are deltas of each other,
    stay together; each takes the next part when it is ready) and git reads on every core;
    read each of :attr:`fds` to the end (from one thread each), then call :meth:`close`,
    which raises :class:`GitError` if any process failed.
    ``on_listed``, when given, is called once rev-list is done (from another thread) with the
    number of objects listed and the paths listed that ``keep`` accepts (the list is then
    relayed through this process, which buffers some of it); ``on_kept``, each time more
    paths were accepted, with all accepted so far. With ``graph`` (and ``objects=False``)
    rev-list lists each commit with its parents, children first (``--topo-order
    --parents``: cat-file passes the parents on as the rest of the line), and the list is
    written to ``graph`` as it is read: the commit graph attribution needs, from the same
    walk (complete when ``on_listed`` is called).
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
        on_kept: Callable[[set[bytes]], None] | None = None,
        graph: IO[bytes] | None = None,
    ) -> None:
        import threading

        self._errors = [_spool() for _ in range(workers + 1)]
        env = git_environment()
        lister = ["git", *SAFE_CONFIG, "rev-list"]
        if objects:
            lister[-1:-1] = LOW_MEMORY
            lister += ["--objects", "--filter=object:type=blob", "--missing=print"]
        elif graph is not None:
            lister += ["--topo-order", "--parents"]
        reader = ["git", *SAFE_CONFIG, *_reader_limits(workers), "cat-file", "--buffer", f"--batch={BATCH_FORMAT}"]
        relay = workers > 1 or on_listed is not None or graph is not None
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
            self._start_relay(on_listed, keep, on_kept, graph)
        else:
            self.lister.stdout.close()  # cat-file holds the pipe now
        self.fds = [proc.stdout.fileno() for proc in self.readers if proc.stdout is not None]
        for fd in self.fds:
            _grow_pipe(fd)

    def _start_relay(
        self,
        on_listed: Callable[[int, set[bytes]], None] | None,
        keep: Callable[[bytes], bool],
        on_kept: Callable[[set[bytes]], None] | None,
        graph: IO[bytes] | None,
    ) -> None:
        import queue
        import threading

        sinks = [proc.stdin for proc in self.readers]
        pending: queue.Queue[bytes] = queue.Queue(maxsize=_LISTING_QUEUED)

        def push(sink: object) -> None:
            try:
                while chunk := pending.get():
                    sink.write(chunk)  # type: ignore[attr-defined]
                    sink.flush()  # type: ignore[attr-defined]
            except OSError:
                pass
            finally:
                try:
                    sink.close()  # type: ignore[attr-defined]
                except OSError:
                    pass

        pull = _Pull(pending, len(sinks), keep, on_kept, graph, by_path=graph is None)
        self._threads = [threading.Thread(target=self._pull, args=(pull, on_listed), daemon=True)]
        self._threads += [threading.Thread(target=push, args=(sink,), daemon=True) for sink in sinks]
        for thread in self._threads:
            thread.start()

    def _pull(self, pull: _Pull, on_listed: Callable[[int, set[bytes]], None] | None) -> None:
        """Read rev-list's list to its end and hand it on to the readers (see :class:`_Pull`)."""
        assert self.lister.stdout is not None
        try:
            pull.read(self.lister.stdout.fileno())
            if on_listed is not None:  # before the readers can end, so the scan cannot end first
                on_listed(pull.listed, pull.kept)
        except BaseException as error:  # close() says so: a short list must not pass for the whole
            self._relay_failed = f"{type(error).__name__}: {error}"
            self.lister.kill()  # it may be blocked writing the rest of its list
        finally:
            for _ in range(pull.readers):  # one end for each reader's thread
                pull.pending.put(b"")

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


#: The relay reads rev-list's list this much at a time, and holds at most this many parts of
#: it (of :data:`_HANDED` objects): about 500,000 objects, 35 MB, so on most repositories
#: rev-list is done (and the env files are known) long before the blobs are read.
_LISTING_CHUNK = 1 << 18
_LISTING_QUEUED = 1024
#: Each reader takes the next part of the list when it is ready for more (its stdin pipe has
#: room), so readers that meet large files or long delta chains take fewer parts and all end
#: together; a part ends where a path does. Measured on git/git with four readers: routed
#: by a hash of the path, their CPU was 2.0-4.1 s and the last ended 3 s after the first;
#: taking parts, 2.5-2.7 s each (10.5 s in all, 11.8 s before), ending within 0.3 s.
_HANDED = 512
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


class _Pull:
    """rev-list's list, read in chunks and handed on in parts to ``pending``, from which each of
    ``readers`` takes the next: in runs sorted by path (``by_path``, see :data:`_SORTED_FIRST`)
    or as listed; also written to ``graph`` as read, when given. ``on_kept`` hears of the
    paths ``keep`` accepts as they turn up."""

    def __init__(
        self,
        pending: Queue[bytes],
        readers: int,
        keep: Callable[[bytes], bool],
        on_kept: Callable[[set[bytes]], None] | None,
        graph: IO[bytes] | None,
        *,
        by_path: bool,
    ) -> None:
        self.pending, self.readers = pending, readers
        self.keep, self.on_kept, self.graph, self.by_path = keep, on_kept, graph, by_path
        self.listed = 0
        self.kept: set[bytes] = set()

    def read(self, source: int) -> None:
        tail = b""
        held: list[bytes] = []  # listed, not yet handed on
        run = _SORTED_FIRST
        while chunk := _read_up_to(source, _LISTING_CHUNK):
            if self.graph is not None:
                self.graph.write(chunk)
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            self.listed += len(lines)
            held += lines
            if len(held) >= run:
                self._hand_on(held)
                held, run = [], min(2 * run, _SORTED_MOST)
        if tail:
            self.listed += 1
            held.append(tail)
        self._hand_on(held)
        if self.graph is not None:
            self.graph.flush()

    def _hand_on(self, lines: list[bytes]) -> None:
        before = len(self.kept)
        _route(_by_path(lines) if self.by_path else lines, self.pending, self.keep, self.kept)
        if self.on_kept is not None and len(self.kept) > before:
            self.on_kept(set(self.kept))


def _route(lines: list[bytes], pending: Queue[bytes], keep: Callable[[bytes], bool], kept: set[bytes]) -> None:
    """Hand the listed objects on in parts of about :data:`_HANDED`, each ending where a path
    does (the versions of a file stay together), and collect the paths ``keep`` accepts."""
    start = 0
    last = b""
    for index, line in enumerate(lines):
        path = _listed_path(line)
        if path != last:
            if index - start >= _HANDED:
                pending.put(b"\n".join(lines[start:index]) + b"\n")
                start = index
            last = path
            if path and keep(path):
                kept.add(path)
    if start < len(lines):
        pending.put(b"\n".join(lines[start:]) + b"\n")


#: Memory settings for the git processes of a history scan that walk a whole pack: the blob
#: readers (several at once), rev-list's object listing and the attribution's log (which run
#: beside them). Each process maps pack windows (by default 1 GiB windows up to 8 GiB, so
#: every page of the pack it touches stays mapped) and keeps a delta base cache (96 MiB).
#: Small windows under a small limit are unmapped as a process moves on (the pages stay in
#: the page cache); a cache of 48 MiB keeps the hit rate of a reader that sees only its
#: share of the paths. Measured on git/git: four readers together 1.8 GB -> 0.87 GB of peak
#: RSS for about 5% more CPU; rev-list 418 -> 166 MB and the log 401 -> 260 MB, CPU the same.
LOW_MEMORY = (
    "-c",
    "core.deltaBaseCacheLimit=48m",
    "-c",
    "core.packedGitLimit=128m",
    "-c",
    "core.packedGitWindowSize=32m",
)


def _reader_limits(workers: int) -> list[str]:
    """:data:`LOW_MEMORY` for ``workers`` > 1 cat-file processes (one alone keeps git's defaults)."""
    return list(LOW_MEMORY) if workers > 1 else []


def _grow_pipe(fd: int) -> None:
    """A 1 MiB pipe lets git run further ahead of the scanner (Linux; ignored elsewhere)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass
