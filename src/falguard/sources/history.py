"""Git history: every reachable blob, commit message and tag message, each read once.

Objects stream from one ``git rev-list --objects | git cat-file --batch`` pipeline straight
into a buffer here; git reads and inflates on one core while this process scans on the
other. Content is checked a batch at a time (megabytes of objects in one regex pass) with a
prefilter that every rule needs to match, so most objects cost a few byte comparisons and
only candidates go through :func:`~falguard.detection.detect.detect`. Nothing is kept per object once
its batch is done, so memory stays flat whatever the history size.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO

from falguard import git
from falguard.detection import fastfind
from falguard.detection.prefilter import Prefilter, prefilter_for
from falguard.errors import GitError
from falguard.expand.imagekind import image_kind
from falguard.expand.magic import container_kind
from falguard.git import history as git_history
from falguard.models import Origin, Summary
from falguard.sources import BINARY_SNIFF, Exclusion, Item, text_content
from falguard.sources.fan_in import fan_in
from falguard.sources.path_log import is_env_path

#: A pass over a blob as it is read, given the item and how many bytes this reader has
#: scanned so far: it may set the item's :attr:`~falguard.sources.Item.scanned`, and tells
#: whether the item still goes to the pipeline (False: nothing there would find anything in it).
BlobPass = Callable[[Item, int], bool]

#: Where a commit or tag message finding is said to be.
COMMIT_MESSAGE = "(commit message)"
TAG_MESSAGE = "(tag message)"


def _read_workers() -> int:
    """cat-file processes reading blobs (see :func:`history_objects`): one for each core this
    process may use beyond the one that scans, at most four. Each reader reads its parts of
    the list in path order, and one reader alone walks a file's delta chain once where
    several each walk their share of it: git/git's blobs alone took one reader 6.6 s of CPU
    where four took 8.4 s; in a whole scan with two cores the two were within the noise on
    git/git and one was the quicker on fal-ai/fal, where fewer threads share the GIL (see
    docs/performance.md)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 2
    return max(1, min(4, cores - 1))


READ_WORKERS = _read_workers()
_BATCH = 8 << 20  # scan this many bytes of objects per prefilter pass
_READ = 1 << 20
_QUEUED = 32  # candidates waiting for detection: on fal-dense history nearly every object is one
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_RawPath = bytes  # a path as git stores it (Coverage has a field named bytes)


def may_match(content: bytes, prefilter: Prefilter | None = None) -> bool:
    """False only when no rule can match ``content`` (the prefilter, on one object); the
    default prefilter is the registry's rules' with no configured key names."""
    return (prefilter or prefilter_for()).may_match(content)


def extra_names_pattern(names: Sequence[str]) -> Prefilter | None:
    """The prefilter with configured key names, which need no fal context (None without any)."""
    return prefilter_for(names) if names else None


_Listing = IO[bytes]  # a spooled listing (``bytes`` is also a field of Coverage)


@dataclass
class Coverage:
    """What a history scan read, for progress and for the incomplete-scan notes."""

    objects: int = 0
    bytes: int = 0
    commits: int = 0
    missing: list[str] = field(default_factory=list)  # listed by rev-list as absent
    unreadable: list[str] = field(default_factory=list)  # listed as present, cat-file cannot read
    listed: int | None = None  # objects rev-list listed, once it has finished
    env_files: set[_RawPath] = field(default_factory=set)  # env file paths the blob listing named (once it is done)
    #: Every commit with its parents, children first (``rev-list --topo-order --parents``),
    #: from the walk that listed the commits, once it is done (the refs that reach a finding).
    commit_graph: _Listing | None = None


@dataclass
class _Entry:
    oid: bytes
    kind: bytes
    path: bytes
    start: int
    end: int


class _BatchReader:
    """Parses cat-file's output in place and yields the candidates of each batch."""

    def __init__(
        self,
        fd: int,
        summary: Summary,
        coverage: Coverage,
        max_size: int,
        *,
        commits: bool,
        prefilter: Prefilter,
        prescan: BlobPass | None = None,
    ) -> None:
        self.fd = fd
        self.prefilter = prefilter
        self.prescan = prescan
        self.dense = False  # a batch had too many prefilter hits for one pass: the rest get re
        self.commits = commits  # scan commit messages (the blob stream also names ref tips)
        self.summary = summary
        self.coverage = coverage
        self.max_size = max_size
        self.buf = bytearray()
        self.filled = 0
        self.eof = False

    def _fill(self, need: int) -> None:
        """Read until ``need`` bytes are buffered or git's output ends."""
        while self.filled < need and not self.eof:
            room = max(_READ, need - self.filled)
            if len(self.buf) - self.filled < room:
                self.buf.extend(bytes(self.filled + room - len(self.buf)))
            with memoryview(self.buf) as view:
                count = os.readv(self.fd, [view[self.filled :]])
            if count == 0:
                self.eof = True
            self.filled += count

    def _consume(self, count: int) -> None:
        """Drop ``count`` processed bytes from the front of the buffer: what follows them (a
        part of the next object) moves to the front, and the buffer keeps its size, so the
        next reads need no new memory."""
        left = self.filled - count
        if left:
            self.buf[:left] = self.buf[count : self.filled]
        self.filled = left
        if len(self.buf) > 2 * (_BATCH + _READ) and self.filled < _BATCH + _READ:
            del self.buf[_BATCH + _READ :]  # a huge object is done: give its memory back

    def batches(self, on_batch: Callable[[], None] | None = None) -> Iterator[Item]:
        while True:
            entries, consumed = self._parse()
            if entries:
                yield from self._scan(entries)
            if consumed:
                self._consume(consumed)
            if on_batch is not None:
                on_batch()
            if self.eof and self.filled == 0:
                return

    def _parse(self) -> tuple[list[_Entry], int]:
        """Complete objects at the front of the buffer, up to about one batch of them.

        Returns them and how many bytes they (and any ``missing`` lines) took. An oversized
        blob at the front is counted and skipped here, without ever being held in memory.
        """
        entries: list[_Entry] = []
        pos = 0
        while pos < _BATCH:
            newline = self.buf.find(b"\n", pos, self.filled)
            if newline == -1:
                if entries or self.eof:
                    if not entries and pos < self.filled:
                        raise GitError("git cat-file: output ended inside an object header")
                    break
                self._fill(self.filled + _READ)
                continue
            header = bytes(self.buf[pos:newline])
            parts = header.split(b" ", 3)
            if len(parts) == 2 and parts[1] == b"missing":
                self._missing(parts[0])
                pos = newline + 1
                continue
            if len(parts) < 3 or not parts[2].isdigit():
                raise GitError(f"git cat-file: unexpected output {header[:80]!r}")
            size = int(parts[2])
            start, end = newline + 1, newline + 1 + size
            if parts[1] == b"blob" and size > self.max_size:
                if entries:
                    break  # finish this batch first
                self._consume(start)
                self._skip_large(parts, size)
                return [], 0
            if end + 1 > self.filled:
                if entries:
                    break
                self._fill(end + 1)
                if end + 1 > self.filled:
                    raise GitError("git cat-file: output ended inside an object")
            entries.append(_Entry(parts[0], parts[1], parts[3] if len(parts) > 3 else b"", start, end))
            pos = end + 1  # cat-file ends each object's content with a newline
        return entries, pos

    def _missing(self, name: bytes) -> None:
        self.coverage.objects += 1
        text = name.decode("ascii", "replace")
        if text.startswith("?"):
            self.coverage.missing.append(text[1:])
        else:
            self.coverage.unreadable.append(text)

    def _skip_large(self, parts: list[bytes], size: int) -> None:
        """Count an oversized blob and read past it (it starts at the front of the buffer)."""
        path = parts[3].decode("utf-8", "backslashreplace") if len(parts) > 3 else ""
        self.summary.skipped_large += 1
        self.summary.skipped_paths.append(f"{path} (blob {parts[0].decode()[:12]}, larger than {self.max_size} bytes)")
        self.coverage.objects += 1
        self.coverage.bytes += size
        remaining = size + 1
        while remaining > 0:
            if self.filled == 0:
                self._fill(min(remaining, _READ))
                if self.filled == 0:
                    raise GitError("git cat-file: output ended inside an object")
            taken = min(remaining, self.filled)
            self._consume(taken)
            remaining -= taken

    def _scan(self, entries: list[_Entry]) -> Iterator[Item]:
        buf = self.buf
        candidates = None if self.dense else _one_pass(buf, entries, self.prefilter)
        self.dense = candidates is None
        if candidates is None:
            candidates = _candidates(buf, entries, self.prefilter)
        summary, coverage = self.summary, self.coverage
        for index, entry in enumerate(entries):
            coverage.objects += 1
            coverage.bytes += entry.end - entry.start
            if entry.kind == b"blob":
                if image_kind(buf, entry.start, entry.end):
                    if (image := self._blob(entry)) is not None:  # always: no pass is made over an image
                        yield image  # the pipeline reads its text (expand/), counted there
                    continue
                if buf.startswith(_UTF16_BOMS, entry.start) or container_kind(buf, entry.start, entry.end):
                    candidates.add(index)  # UTF-16 text; an archive the pipeline opens (expand/)
                elif buf.find(b"\0", entry.start, min(entry.end, entry.start + BINARY_SNIFF)) != -1:
                    summary.skipped_binary += 1
                    continue
                summary.files_scanned += 1
                summary.bytes_scanned += entry.end - entry.start
                if entry.path.endswith(b".ipynb") and buf.find(b'"image/', entry.start, entry.end) != -1:
                    candidates.add(index)  # a notebook's image outputs: the pipeline reads them (expand/)
                if index in candidates and (blob := self._blob(entry)) is not None:
                    yield blob
            elif entry.kind == b"tag" or (entry.kind == b"commit" and self.commits):
                coverage.commits += entry.kind == b"commit"
                if index in candidates:
                    message = _message(entry.kind, bytes(buf[entry.start : entry.end]), entry.oid.decode())
                    if message is not None:
                        yield message
            # trees (a tag or a range can name one directly) hold no content to scan

    def _blob(self, entry: _Entry) -> Item | None:
        """The candidate blob as an item, or None when ``prescan`` found it holds nothing (no
        pass is made over an archive or an image: the pipeline opens them)."""
        with memoryview(self.buf) as view:
            data = bytes(view[entry.start : entry.end])  # one copy (a bytearray slice would be two)
        whole = container_kind(data) or image_kind(data)  # the pipeline opens it (expand/)
        content = data if whole else text_content(data)
        path = entry.path.decode("utf-8", "backslashreplace")
        oid = entry.oid.decode()
        item = Item(Origin(path, source="history"), content if content is not None else b"", oid=oid, kind="blob")
        if (
            self.prescan is not None
            and not whole
            and item.content
            and not self.prescan(item, self.summary.bytes_scanned)
        ):
            return None
        return item


def _one_pass(buf: bytearray, entries: list[_Entry], prefilter: Prefilter) -> set[int] | None:
    """:func:`_candidates` in one hyperscan pass over the batch, with no lowered copy; None
    without hyperscan, or when the batch is fal-dense (most objects name fal: the searches
    that stop at each object's first hit are then quicker)."""
    admitter = fastfind.batch_admitter(prefilter.sources)
    if admitter is None:
        return None
    lo, hi = entries[0].start, entries[-1].end
    return admitter(memoryview(buf)[lo:hi], [(entry.start - lo, entry.end - lo) for entry in entries])


def _candidates(buf: bytearray, entries: list[_Entry], prefilter: Prefilter) -> set[int]:
    """Indexes of the entries some rule could match in: per object a search that stops at
    its first hit (in a repository that names fal on every line, that is a few bytes into
    each object, not a list of every mention). With hyperscan, one scan of each object with
    no lowered copy and the GIL released; else one lowercased copy of the batch and ``re``."""
    admitter = fastfind.object_admitter(prefilter.sources)
    if admitter is not None:
        return admitter(buf, [(entry.start, entry.end) for entry in entries])
    lo = entries[0].start
    lowered = buf[lo : entries[-1].end].lower()
    admits = prefilter.admits
    return {index for index, entry in enumerate(entries) if admits(lowered, entry.start - lo, entry.end - lo)}


def _message(kind: bytes, raw: bytes, oid: str) -> Item | None:
    """A commit's or tag's message (what follows the headers), as content to scan."""
    split = raw.find(b"\n\n")
    if split == -1:
        return None
    message = raw[split + 2 :]
    if kind == b"commit":
        return Item(Origin(COMMIT_MESSAGE, commit=oid, source="history"), message, oid=oid, kind="commit")
    return Item(Origin(TAG_MESSAGE, source="history"), message, oid=oid, kind="tag")


def history_objects(
    repo: git.Repo,
    revisions: list[str],
    summary: Summary,
    coverage: Coverage,
    max_size: int,
    *,
    progress: Callable[[Coverage], None] | None = None,
    workers: int | None = None,
    extra_names: Sequence[str] = (),
    on_listed: Callable[[], None] | None = None,
    on_env_files: Callable[[set[bytes]], None] | None = None,
    prescan: BlobPass | None = None,
) -> Iterator[Item]:
    """Candidates for detection from every object ``revisions`` reach, each read once.

    Every commit (for its message) by one cat-file process and, at the same time, every blob
    and annotated tag by ``workers`` more, all scanned from as many threads here. Each blob
    reader takes the next part of the list (a file's versions together, see
    :class:`~falguard.git.ObjectStream`), so its delta base cache holds the chains it walks:
    on the benchmark repository four processes used half the CPU time of one or two, even
    on two cores. Counts everything read, skipped or missing in
    ``summary`` and ``coverage``; once every object is listed (the blobs still being read),
    ``coverage`` names the env files and ``on_listed`` is called, from another thread
    (``on_env_files`` as the listing goes on, with the env files named so far). With
    ``prescan``, each blob's reader also makes the pipeline's finder pass over it (see
    :attr:`~falguard.sources.Item.scanned`).
    """
    import tempfile

    listings: list[int] = []  # how many objects each of the two listings named, once it is done
    graph = tempfile.TemporaryFile()  # noqa: SIM115 (the commits' listing: the attribution reads and closes it)

    def listed(count: int, env_files: set[bytes], *, blobs: bool) -> None:
        listings.append(count)
        if len(listings) == 2:
            coverage.listed = sum(listings)
        if blobs:
            coverage.env_files |= env_files
            if on_listed is not None:
                on_listed()
        else:
            coverage.commit_graph = graph

    try:
        streams = _open_streams(repo, revisions, workers or READ_WORKERS, listed, on_env_files, graph)
    except BaseException:
        graph.close()
        raise
    yield from _read_streams(streams, summary, coverage, max_size, progress, prefilter_for(extra_names), prescan)
    if progress:
        progress(coverage)


def _open_streams(
    repo: git.Repo,
    revisions: list[str],
    workers: int,
    listed: Callable[..., None],
    on_env_files: Callable[[set[bytes]], None] | None,
    graph: _Listing,
) -> list[git_history.ObjectStream]:
    """The commits' stream (one reader, its listing kept in ``graph``), then the blobs' (``workers``)."""
    streams: list[git_history.ObjectStream] = []
    try:
        for objects, count in ((False, 1), (True, workers)):
            streams.append(
                git_history.ObjectStream(
                    repo,
                    revisions,
                    objects=objects,
                    workers=count,
                    keep=is_env_path if objects else _no_path,
                    on_listed=partial(listed, blobs=objects),
                    on_kept=on_env_files if objects else None,
                    graph=None if objects else graph,
                )  # fmt: skip
            )
    except BaseException:
        for stream in streams:
            stream.kill()
        raise
    return streams


def _no_path(path: bytes) -> bool:
    return False


def _read_streams(
    streams: list[git_history.ObjectStream],
    summary: Summary,
    coverage: Coverage,
    max_size: int,
    progress: Callable[[Coverage], None] | None,
    prefilter: Prefilter,
    prescan: BlobPass | None = None,
) -> Iterator[Item]:
    """Candidates from every process of ``streams`` (the commits', then the blobs'), as they come."""
    commit_fds = set(streams[0].fds)
    fds = [fd for stream in streams for fd in stream.fds]
    parts = [(Summary(), Coverage()) for _ in fds]
    readers = [
        _BatchReader(fd, *part, max_size, commits=fd in commit_fds, prefilter=prefilter, prescan=prescan)
        for fd, part in zip(fds, parts, strict=True)
    ]
    last = 0.0

    def batch_done() -> None:
        nonlocal last
        if progress is not None and (now := time.monotonic()) - last > 0.25:
            last = now
            progress(_merged_coverage(coverage, [part for _, part in parts]))

    done = False
    failed: list[GitError] = []
    try:
        yield from fan_in([partial(reader.batches, batch_done) for reader in readers], _QUEUED)
        done = True
    finally:
        for stream in streams:
            try:
                stream.close() if done else stream.kill()
            except GitError as error:
                failed.append(error)
        for part_summary, part_coverage in parts:
            summary.add(part_summary)
            _merge_coverage(coverage, part_coverage)
    if failed:
        raise failed[0]


def _merge_coverage(total: Coverage, part: Coverage) -> None:
    total.objects += part.objects
    total.bytes += part.bytes
    total.commits += part.commits
    total.missing.extend(part.missing)
    total.unreadable.extend(part.unreadable)


def _merged_coverage(total: Coverage, parts: list[Coverage]) -> Coverage:
    """A snapshot for progress: what earlier streams read plus what the running one has."""
    snapshot = Coverage(total.objects, total.bytes, total.commits, listed=total.listed)
    for part in parts:
        snapshot.objects += part.objects
        snapshot.bytes += part.bytes
    return snapshot


@dataclass(frozen=True)
class HistorySource:
    """Every blob, commit message and annotated tag message ``revisions`` reach, each once
    (see :func:`history_objects`); ``coverage`` collects what was read and what was not."""

    repo: git.Repo
    revisions: list[str]
    coverage: Coverage
    max_size: int
    progress: Callable[[Coverage], None] | None = None
    extra_names: Sequence[str] = ()
    on_listed: Callable[[], None] | None = None  # see history_objects
    on_env_files: Callable[[set[bytes]], None] | None = None  # see history_objects
    workers: int | None = None  # blob readers (default READ_WORKERS)
    prescan: BlobPass | None = None  # the pipeline's finder pass, made by the readers (see history_objects)

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        # paths are judged where findings are reported (a blob's introducing path), not here
        return history_objects(
            self.repo, self.revisions, summary, self.coverage, self.max_size,
            progress=self.progress, extra_names=self.extra_names, on_listed=self.on_listed,
            on_env_files=self.on_env_files, workers=self.workers, prescan=self.prescan,
        )  # fmt: skip
