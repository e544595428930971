"""Every finder's hits in one pass, with the ``hyperscan`` package (a default dependency on
the platforms it has wheels for, see pyproject.toml; the ``[fast]`` extra elsewhere);
without it, or with ``FALGUARD_NO_HYPERSCAN=1`` in the environment, each finder is one
``re`` search of its own (see :func:`falguard.detection.detect.found`).

A finder is a literal then a lookahead over lowercased content (``fal(?=...)``); hyperscan
has no lookaheads, so it is given the literal and the lookahead's body as one expression,
case-insensitive over the content itself, and reports where each match starts. A finder's
literal never occurs inside its own match, so each match end has one start, and the starts
are the offsets the ``re`` search finds. Imported only by detection, and hyperscan only on
first use: the hook's start-up does not pay for it.

The history prefilter admits objects through it too (:func:`batch_admitter`,
:func:`object_admitter`), and the base64 step turns away content that holds no base64 of an
anchor (:func:`holder`, see falguard.expand.encoded_anchors).
"""

from __future__ import annotations

import bisect
import functools
import importlib
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

#: ``literal(?=body)``: the shape of every finder (see falguard.rules.Finder).
_SHAPE = re.compile(rb"\A([^\\()\[\]{}?*+|.^$]+)\(\?=(.*)\)\Z", re.DOTALL)

Scanner = Callable[[bytes], dict[bytes, list[int]]]


def scanner(finders: Sequence[re.Pattern[bytes]]) -> Scanner | None:
    """A function giving every finder's hits in ``content`` (by finder source), or ``None``
    when hyperscan is absent, disabled, or cannot take one of them."""
    return scanner_of(tuple(dict.fromkeys(finder.pattern for finder in finders)))


def _wanted(sources: Sequence[bytes]) -> bool:
    """Whether to build a one-pass engine: something to find, and hyperscan not disabled."""
    return bool(sources) and not os.environ.get("FALGUARD_NO_HYPERSCAN")


def loaded() -> bool:
    """Whether hyperscan is already loaded (by an earlier scan of large content or by the
    history prefilter): content of any size is then as quick in one pass."""
    return "hyperscan" in sys.modules


def scanner_of(sources: tuple[bytes, ...], literals: tuple[bytes, ...] = ()) -> Scanner | None:
    """:func:`scanner` of the finders' sources (distinct), for a caller that keeps them; with
    ``literals`` (distinct, none a finder's source), the same pass also tells whether content
    holds each as written (case-sensitive): its hits are then ``[end of the first]`` or ``[]``."""
    if not _wanted(sources):
        return None
    return _compiled(sources, literals)


@functools.cache
def _compiled(sources: tuple[bytes, ...], literals: tuple[bytes, ...]) -> Scanner | None:
    scan = _holding(sources, literals, ())
    return None if scan is None else lambda content: scan(content)[0]


HoldingScanner = Callable[[bytes], tuple[dict[bytes, list[int]], bool]]


def scanner_holding(
    sources: tuple[bytes, ...], held: tuple[bytes, ...], literals: tuple[bytes, ...] = ()
) -> HoldingScanner | None:
    """:func:`scanner_of`'s scan that also tells, in the same pass, whether one of ``held``
    (expressions as :func:`holder` takes them) matches; None as :func:`scanner_of`."""
    if not _wanted(sources):
        return None
    return _holding(sources, literals, held)


@functools.cache
def _holding(sources: tuple[bytes, ...], literals: tuple[bytes, ...], held: tuple[bytes, ...]) -> HoldingScanner | None:
    expressions = []
    for source in sources:
        shape = _SHAPE.match(source)
        if shape is None:
            return None
        expressions.append(shape.group(1) + b"(?:" + shape.group(2) + b")")
    engine = _Engine.compiled(expressions, [*(re.escape(literal) for literal in literals), *held])
    if engine is None:
        return None
    keys, count, known = (*sources, *literals), len(sources), len(sources) + len(literals)

    def scan(content: bytes) -> tuple[dict[bytes, list[int]], bool]:
        starts: list[set[int]] = [set() for _ in keys]
        add = [found.add for found in starts]  # one call per match: no lookup more than needed
        holds = [False]

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
            if index < count:
                add[index](start)
            elif index < known:
                add[index](end)  # a literal reports its first match only, without its start
            else:
                holds[0] = True

        engine.scan(content, on_match)
        return {key: sorted(found) for key, found in zip(keys, starts, strict=True)}, holds[0]

    return scan


#: A batch whose objects hold more prefilter hits than this is fal-dense: the per-object
#: ``re`` searches, which stop at each object's first hit, are then the quicker way.
DENSE = 256

Admitter = Callable[[bytes | bytearray | memoryview, Sequence[tuple[int, int]]], set[int] | None]


def batch_admitter(sources: Sequence[bytes]) -> Admitter | None:
    """A function giving the indexes of the ``(start, end)`` spans of a buffer in which one of
    the prefilter's anchor regexes (``sources``, lowercase) matches case-insensitively, in one
    pass over the whole buffer; it returns None for a buffer with more than :data:`DENSE`
    hits. None when hyperscan is absent, disabled, or cannot take a source."""
    if not _wanted(sources):
        return None
    return _batch(tuple(sources))


@functools.cache
def _batch(sources: tuple[bytes, ...]) -> Admitter | None:
    engine = _Engine.compiled(list(sources))
    if engine is None:
        return None

    def admitted(buffer: bytes | bytearray | memoryview, spans: Sequence[tuple[int, int]]) -> set[int] | None:
        starts = [start for start, _ in spans]
        found: set[int] = set()
        hits = [0]

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> bool:
            span = bisect.bisect_right(starts, start) - 1
            if span >= 0 and end <= spans[span][1]:  # a match across two objects is in neither
                found.add(span)
            hits[0] += 1
            return hits[0] > DENSE  # true stops the scan

        return found if engine.scan(buffer, on_match) else None

    return admitted


ObjectAdmitter = Callable[[bytes | bytearray | memoryview, Sequence[tuple[int, int]]], set[int]]


def object_admitter(sources: Sequence[bytes]) -> ObjectAdmitter | None:
    """A function giving the indexes of the ``(start, end)`` spans of a buffer in which one of
    ``sources`` matches case-insensitively: one scan per span, each stopped at its first hit
    (what fal-dense batches need: nearly every object holds a hit a few bytes in), with the
    GIL released while hyperscan scans. None when hyperscan is absent, disabled, or cannot
    take a source."""
    if not _wanted(sources):
        return None
    return _objects(tuple(sources))


@functools.cache
def _objects(sources: tuple[bytes, ...]) -> ObjectAdmitter | None:
    engine = _Engine.compiled(list(sources))
    if engine is None:
        return None

    def admitted(buffer: bytes | bytearray | memoryview, spans: Sequence[tuple[int, int]]) -> set[int]:
        with memoryview(buffer) as view:
            return {index for index, (start, end) in enumerate(spans) if engine.holds(view[start:end])}

    return admitted


Holder = Callable[[bytes], bool]


def holder(expressions: Sequence[bytes]) -> Holder | None:
    """A function telling whether one of ``expressions`` (byte regexes, case-sensitive, ``.``
    matching every byte) matches in a buffer: one pass, stopped at the first match, with the
    GIL released. None when hyperscan is absent, disabled, or cannot take one of them."""
    if not _wanted(expressions):
        return None
    return _holder(tuple(expressions))


@functools.cache
def _holder(expressions: tuple[bytes, ...]) -> Holder | None:
    engine = _Engine.compiled([], expressions)
    return None if engine is None else engine.holds


def _stop(index: int, start: int, end: int, flags: int, context: object) -> bool:
    return True


class _Engine:
    """One hyperscan database of case-insensitive expressions reporting where each match
    starts, with one scratch space per thread (a scratch serves one scan at a time, and the
    history readers scan from several threads at once)."""

    def __init__(self, hyperscan: Any, database: Any) -> None:
        self._hyperscan = hyperscan
        self._database = database
        self._local = threading.local()

    @staticmethod
    def compiled(expressions: Sequence[bytes], held: Sequence[bytes] = ()) -> _Engine | None:
        """The engine of ``expressions`` (caseless, each match reported with where it starts)
        and then of ``held`` (case-sensitive, ``.`` matching every byte, each reported once),
        numbered in that order; None without hyperscan or when it cannot take one."""
        try:
            hyperscan: Any = importlib.import_module("hyperscan")
        except ImportError:
            return None
        database: Any = hyperscan.Database()
        flags = [hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SOM_LEFTMOST] * len(expressions)
        flags += [hyperscan.HS_FLAG_DOTALL | hyperscan.HS_FLAG_SINGLEMATCH] * len(held)
        every = [*expressions, *held]
        try:
            database.compile(expressions=every, ids=list(range(len(every))), elements=len(every), flags=flags)
        except hyperscan.error:
            return None
        return _Engine(hyperscan, database)

    def scan(self, buffer: bytes | bytearray | memoryview, on_match: Callable[..., bool | None]) -> bool:
        """Call ``on_match(index, start, end, flags, context)`` for each match; False when it
        stopped the scan (by returning true)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hyperscan.Scratch(self._database)
        try:
            self._database.scan(buffer, match_event_handler=on_match, scratch=scratch)
        except self._hyperscan.ScanTerminated:
            return False
        return True

    def holds(self, buffer: bytes | bytearray | memoryview) -> bool:
        """Whether one of the expressions matches in ``buffer`` (the scan stops at the first)."""
        return not self.scan(buffer, _stop)
