"""Base64 that hides a fal key: a Kubernetes Secret's ``data:``, a ``.dockerconfigjson``
blob, a ``*_TOKEN: <base64>``, base64 in JSON, base64 of base64.

Quick rejection first, so hostile input stays linear: only runs of the base64 alphabet
(standard or URL-safe) of plausible length, in both letter cases, are decoded; a decoded
run is scanned only when the prefilter admits it (it holds a fal key's anchor bytes) and
searched for base64 of its own only up to ``MAX_DEPTH`` levels; and one item decodes at
most ``MAX_DECODED`` bytes in all (an item that reaches it is counted in the summary).

A decoded key is reported by the rule that finds it in plain text (same rule id, so the
same fingerprint, baseline entry and allow entry), with a message saying it was
base64-encoded, at the position of the encoded value in the original content.
"""

from __future__ import annotations

import binascii
import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from falguard.detection.positions import Cursor, span_end
from falguard.detection.prefilter import Prefilter
from falguard.models import Origin, Secret, Summary, Value, _set

if TYPE_CHECKING:
    from falguard.detection.facts import Finding
    from falguard.detection.fastfind import Holder, HoldingScanner
    from falguard.detection.suppress import Allow
    from falguard.rules import Rule

#: The shortest run decoded: base64 of the shortest fal key (``fal_`` and 16 characters).
MIN_RUN = 24
#: The longest run decoded (64 KiB of base64: a whole env file or a Docker config, not an image).
MAX_RUN = 64 * 1024
#: Base64 inside decoded base64 is decoded this many levels deep.
MAX_DEPTH = 3
#: Bytes one item may decode in all, every level together.
MAX_DECODED = 4 * 1024 * 1024
#: Once a scan has looked through this much content for runs, the rest is first searched for
#: base64 of the prefilter's anchors in one hyperscan pass (expand/encoded_anchors.py), and
#: content holding none has no run to look for: building that search takes tens of
#: milliseconds, which a commit's few files would never win back.
ONE_PASS_AFTER = 16 << 20
#: Content up to this size never reaches MAX_DECODED (each level decodes at most 3/4 of the
#: one above it), so turning it away whole changes no count.
WITHIN_BUDGET = (MAX_DECODED * 4**MAX_DEPTH - 1) // sum(
    3**level * 4 ** (MAX_DEPTH - level) for level in range(1, MAX_DEPTH + 1)
)

#: Content with every byte of the base64 alphabet (standard and URL-safe) as "A" and every
#: other byte as ".": the end of a run of at least MIN_RUN characters is then found by
#: ``bytes.find`` of MIN_RUN "A"s and a ".", which compares one byte per position (a needle
#: ending in "." skips ahead on each false hit; one of only "A"s would compare up to MIN_RUN
#: bytes at each position), instead of a regex tried at every position.
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
_AS_RUNS = bytes(ord("A") if byte in _ALPHABET else ord(".") for byte in range(256))
_RUN_END = b"A" * MIN_RUN + b"."
#: Capital letters as "U", small ones as "l" (every other byte stays itself, none of them a
#: letter): after this many runs turned away in one content (hex and UUIDs are runs of the
#: URL-safe alphabet in one letter case), runs are looked for from the next run holding both
#: cases (see :func:`_runs`).
_AS_CASES = bytes.maketrans(_ALPHABET[:52], b"U" * 26 + b"l" * 26)
_SKIP_AFTER = 64
#: Bytes of text (printable ASCII, tabs, line ends): what base64 of a key, an env file or JSON
#: decodes to; random bytes are mostly other bytes.
_TEXT = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_URLSAFE = bytes.maketrans(b"-_", b"+/")
#: Base64 of ASCII text, group by group (4 characters for 3 bytes): the first character is one
#: of the 32 whose value is below 32 (the first byte's top bit is clear), the second one of the
#: 32 whose value's third bit is clear (the second byte's top bit is clear). A run where these
#: fail for more bytes than the text test below allows is no base64 of text, without decoding
#: it: long identifiers (``GetFalAiRequestsByRequestIdStatusResponse``) fail here at once.
_FIRST = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
_SECOND = b"ABCDEFGHQRSTUVWXghijklmnwxyz0123"
_LEVELS = {1: "base64-encoded", 2: "base64-encoded twice"}


class _Budget:
    """What one item may still decode (a counter: a plain class, free to define)."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_DECODED


class _Looked:
    """Bytes a scan has looked through for runs, and then its searches for base64 of the
    anchors, alone and with detection's finders, each built when first needed (a plain
    class, free to define)."""

    __slots__ = ("holds", "total", "with_finders")

    def __init__(self) -> None:
        self.total = 0
        self.holds: Holder | None | bool = False  # False: not built yet; None: none to build
        self.with_finders: HoldingScanner | None | bool = False


class Decoder(Value):
    """What decoding needs: the rules that judge decoded text and the prefilter that admits it
    (the rules are read only for decoded text it admits); and, for one scan, how much it has
    looked through (see ONE_PASS_AFTER; not compared, not shown)."""

    __slots__ = ("rules", "prefilter", "one_pass_after", "looked")
    _CACHES = ("looked",)
    rules: Sequence[Rule]
    prefilter: Prefilter
    one_pass_after: int
    looked: _Looked

    def __init__(self, rules: Sequence[Rule], prefilter: Prefilter, one_pass_after: int = ONE_PASS_AFTER) -> None:
        _set(self, "rules", rules)
        _set(self, "prefilter", prefilter)
        _set(self, "one_pass_after", one_pass_after)
        _set(self, "looked", _Looked())


def encoded_findings(
    content: bytes,
    origin: Origin,
    decoder: Decoder,
    summary: Summary,
    *,
    first_line: int = 1,
    anchored: bool | None = None,
) -> list[Finding]:
    """Findings of fal keys that ``content`` holds only base64-encoded, at the encoded values
    (``anchored``: whether it holds base64 of an anchor, from :func:`one_pass`)."""
    if anchored is False or (anchored is None and _turned_away(content, decoder)):
        return []
    budget = _Budget()
    found: list[Finding] = []
    cursor: Cursor | None = None
    allows: dict[int, list[Allow]] = {}  # by line start: a long line's comments are read once, not once per run
    for start, end in _runs(content):
        inner = _decoded_findings(content[start:end], origin, decoder, budget, 1)
        if inner:
            cursor = cursor or Cursor(content, first_line)
            found.extend(_relocated(inner, content, cursor, allows, start, end))
        if budget.left <= 0:
            summary.encoded_over_budget += 1
            summary.skipped_paths.append(f"{origin.path} (base64 decoded up to {MAX_DECODED} bytes, no further)")
            break
    return found


def _turned_away(content: bytes, decoder: Decoder) -> bool:
    """Whether ``content`` holds no base64 of the prefilter's anchors, at any level decoded,
    found in one pass: so none of its runs can hold a key (only once the scan has looked
    through ``one_pass_after`` bytes, and only content that cannot reach the budget)."""
    if len(content) > WITHIN_BUDGET:
        return False
    looked = decoder.looked
    if looked.total < decoder.one_pass_after:
        looked.total += len(content)
        return False
    if looked.holds is False:
        from falguard.detection import fastfind  # a scan this large has loaded it, or gains from it

        searches = _anchor_searches(decoder.prefilter)
        looked.holds = None if searches is None else fastfind.holder(searches)
    return callable(looked.holds) and not looked.holds(content)


def one_pass(content: bytes, decoder: Decoder) -> Scanned | None:
    """Every finder's hits in ``content`` (for :func:`falguard.detection.detect.detect`) and whether it
    holds base64 of an anchor (for :func:`encoded_findings`), from the same hyperscan pass,
    once the scan has looked through ``one_pass_after`` bytes; None before, for content that
    could reach the budget, and without hyperscan."""
    return _pass(content, decoder, decoder.looked.total)  # encoded_findings counts what it looks through


#: What :func:`one_pass` finds: every finder's hits (by source), and whether the content holds
#: base64 of an anchor.
Scanned = tuple[dict[bytes, list[int]], bool]


def _pass(content: bytes, decoder: Decoder, looked_through: int) -> Scanned | None:
    """:func:`one_pass` once ``looked_through`` bytes were looked through (the engine is built
    once per decoder, whichever thread asks first: a second build would be the same one)."""
    if looked_through < decoder.one_pass_after or len(content) > WITHIN_BUDGET:
        return None
    looked = decoder.looked
    if looked.with_finders is False:
        from falguard.detection import fastfind
        from falguard.detection.detect import finder_sources

        searches = _anchor_searches(decoder.prefilter)
        finders, literals = finder_sources(decoder.rules)
        looked.with_finders = None if searches is None else fastfind.scanner_holding(finders, searches, literals)
    return looked.with_finders(content) if callable(looked.with_finders) else None


class Prescan:
    """:func:`one_pass` for a source that reads content on threads of its own (the history
    readers): the same pass, made as each item is read, beside the pipeline's thread instead
    of in it (hyperscan releases the GIL while it scans); the pipeline then takes the item's
    :attr:`~falguard.sources.Item.scanned`. On fal-dense history nearly every object is a
    candidate, and this pass was most of the pipeline thread's work. Safe to call from
    several threads (each has its own hyperscan scratch)."""

    def __init__(self, decoder: Decoder) -> None:
        self._decoder = decoder
        self._every_pattern_found: bool | None = None

    def quiet(self, scanned: Scanned) -> bool:
        """Whether content the pass gave ``scanned`` for holds nothing any rule finds, plain
        or base64-encoded: no finder found anywhere for a match to start, every pattern has a
        finder (a configured rule's may not), and it holds base64 of no anchor. Detection
        would try no pattern on it (see :func:`falguard.detection.detect.verdicts`)."""
        hits, anchored = scanned
        if anchored or any(hits.values()):
            return False
        if self._every_pattern_found is None:
            rules = self._decoder.rules
            self._every_pattern_found = all(p.finder is not None for rule in rules for p in rule.patterns)
        return self._every_pattern_found

    def __call__(self, content: bytes, looked_through: int) -> Scanned | None:
        """The pass over ``content``, or None where :func:`one_pass` would give None: before
        ``looked_through`` (bytes the caller has read so far) reaches ``one_pass_after``, for
        content that could reach the budget, and without hyperscan."""
        return _pass(content, self._decoder, looked_through)


def _anchor_searches(prefilter: Prefilter) -> tuple[bytes, ...] | None:
    """The searches for base64 of ``prefilter``'s anchors (its own searches for base64 of
    ``fal_`` admit decoded text that holds it encoded, which the next level covers)."""
    encoded = {search.pattern for search in prefilter.encoded}
    return _searches(tuple(source for source in prefilter.sources if source not in encoded))


@functools.cache
def _searches(sources: tuple[bytes, ...]) -> tuple[bytes, ...] | None:
    from falguard.expand.encoded_anchors import encoded_searches

    return encoded_searches(sources, MAX_DEPTH)


def _runs(content: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of the base64 alphabet worth decoding, with its padding; a
    run longer than MAX_RUN (a megabyte of base64-looking text) is skipped whole, at once."""
    runs = content.translate(_AS_RUNS) + b"."
    hit = runs.find(_RUN_END)  # the last MIN_RUN characters of a run, and what ends it
    turned_away = 0
    cases: bytes | None = None
    while hit != -1:
        end = hit + MIN_RUN
        start = runs.rfind(b".", 0, hit) + 1
        if end - start <= MAX_RUN and (end - start) % 4 != 1:
            text = content[start:end]
            # base64 of text holds both letter cases; words, hex and paths in one case are no
            # base64, nor is a run with no letter at all (_ascii turns it away), and this test
            # is the cheaper one
            if not text.islower() and not text.isupper() and _ascii(content, start, end):
                padding = 2 if content.startswith(b"==", end) else int(content.startswith(b"=", end))
                yield start, end + padding
                hit = runs.find(_RUN_END, end + 1)
                continue
        turned_away += 1
        if turned_away < _SKIP_AFTER:
            hit = runs.find(_RUN_END, end + 1)
            continue
        # many runs turned away (hex, UUIDs): every run decoded holds a capital and a small
        # letter, so it holds (or lies past) the later of the next of each: skip to its run
        cases = cases or content.translate(_AS_CASES)
        start = _next_in_both_cases(runs, cases, end + 1)
        if start == -1:
            return
        hit = runs.find(_RUN_END, start)


def _next_in_both_cases(runs: bytes, cases: bytes, pos: int) -> int:
    """The start of the first run of ``runs`` from ``pos`` that holds a capital and a small
    letter (``cases``: see :data:`_AS_CASES`), or -1: each run in one case is passed over
    with a few searches in C."""
    while True:
        capital, small = cases.find(b"U", pos), cases.find(b"l", pos)
        if capital == -1 or small == -1:
            return -1
        later = max(capital, small)
        start, end = runs.rfind(b".", 0, later) + 1, runs.find(b".", later)
        if cases.find(b"l" if later == capital else b"U", start, end) != -1:
            return start
        pos = end + 1


def _ascii(content: bytes, start: int, end: int) -> bool:
    """Whether ``content[start:end]`` may be base64 of text the text test accepts: every byte
    whose top bit is set is a byte that test counts against (it rejects more than 1 in 8)."""
    first = content[start:end:4].translate(None, _FIRST)
    second = content[start + 1 : end : 4].translate(None, _SECOND)
    return (len(first) + len(second)) * 8 <= (end - start) * 3 // 4


def decode(run: bytes) -> bytes | None:
    """The bytes a base64 run (standard or URL-safe, padded or not) stands for, or None."""
    body = run.rstrip(b"=")
    if b"-" in body or b"_" in body:
        if b"+" in body or b"/" in body:
            return None  # two alphabets at once: not base64
        body = body.translate(_URLSAFE)
    try:
        return binascii.a2b_base64(body + b"=" * (-len(body) % 4), strict_mode=True)
    except binascii.Error:
        return None


def _decoded_findings(run: bytes, origin: Origin, decoder: Decoder, budget: _Budget, depth: int) -> list[Finding]:
    """Credential findings in what ``run`` decodes to, at every level below it (decoded positions)."""
    decoded = decode(run)
    if decoded is None or budget.left <= 0:
        return []
    budget.left -= len(decoded)
    if len(decoded.translate(None, _TEXT)) * 8 > len(decoded):
        return []  # random bytes (a digest, an image): one C call, no prefilter, no deeper look
    found: list[Finding] = []
    if decoder.prefilter.may_match(decoded):
        from dataclasses import replace  # findings are dataclasses (falguard.detection.facts)

        from falguard.detection.detect import detect  # only for decoded text that may hold a key

        found = [
            replace(finding, message=f"{finding.message} ({_LEVELS.get(depth, f'base64-encoded {depth} times')})")
            for finding in detect(decoded, origin, decoder.rules)
            if _is_credential(finding, decoder.rules)
        ]
    if depth < MAX_DEPTH:
        for start, end in _runs(decoded):
            inner = _decoded_findings(decoded[start:end], origin, decoder, budget, depth + 1)
            found.extend(_at_start(inner))
    return found


def _at_start(found: list[Finding]) -> list[Finding]:
    """Findings decoded from a value inside decoded text: at that text's start."""
    if not found:
        return found
    from dataclasses import replace  # findings are dataclasses (falguard.detection.facts): loaded by now

    return [replace(finding, line=1, column=1) for finding in found]


def _is_credential(finding: Finding, rules: Sequence[Rule]) -> bool:
    return any(rule.id == finding.rule and rule.credential for rule in rules)


def _relocated(
    found: list[Finding], content: bytes, cursor: Cursor, allows: dict[int, list[Allow]], start: int, end: int
) -> Iterator[Finding]:
    """Decoded findings moved to the encoded value (``content[start:end]``), with its line's
    allow comments (``allows``: the last line's, kept by its start)."""
    from dataclasses import replace

    from falguard.detection.suppress import line_allows, suppression_for  # only for a decoded key

    line, line_start, column = cursor.move(start)
    if line_start not in allows:
        allows.clear()
        allows[line_start] = line_allows(content, line_start)
    end_line, end_column = span_end(content, start, end, line, column, content.find(b"\n", start))
    encoded = [("base64", Secret(content[start:end].decode("ascii")))]  # what a purge must replace
    for finding in found:
        yield replace(
            finding,
            secret=finding.secret.spelled(encoded),
            line=line,
            column=column,
            end_column=end_column,
            end_line=end_line if end_line != line else None,
            suppression=finding.suppression or suppression_for(allows[line_start], finding.rule),
        )
