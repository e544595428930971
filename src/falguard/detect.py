"""Bytes in, findings out. Pure: no I/O, no git, no printing."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from falguard import fastfind
from falguard.findings import new_finding
from falguard.models import Origin, Secret, Severity
from falguard.positions import Cursor, width
from falguard.rules import FAL_CONTEXT_RE, Finder, Pattern, Rule, Verdict, build_rules
from falguard.suppress import Allow, line_allows, suppression_for

if TYPE_CHECKING:
    from falguard.models import Finding

#: How far around a keyword hit a windowed pattern looks (bytes before, bytes after).
WINDOW_BEFORE = 256
WINDOW_AFTER = 1024
#: Keywords are matched case-insensitively on lowercased copies of this many bytes at a time,
#: so a large input never costs a second full-size copy.
CHUNK = 1 << 20
_OVERLAP = 64
_FIRST_STEP = 4 << 10  # a search for the first hit lowers this much first, then twice as much each time

#: Content this large has its finders' hits found in one pass when hyperscan is installed
#: (see falguard.fastfind), once a process has scanned ``ENGINE_FROM`` bytes of such content:
#: loading and compiling the engine takes 15-20 ms, which the one pass saves back only over
#: megabytes (ordinary code: about 4 ms a megabyte with ``re``, 1 ms with the engine), so a
#: commit's few files in the hook, even large ones, are scanned without it. Once it is
#: loaded (a history scan's prefilter loads it), content of any size goes through it.
ONE_PASS_FROM = 16 << 10
ENGINE_FROM = 8 << 20
_large_content = [0]  # bytes of content of ONE_PASS_FROM or more this process has scanned

DOC_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc")
SERVED_NOTE = " (in build output the site serves to every visitor)"


def keyword_hits(
    content: bytes, keywords: re.Pattern[bytes], *, first_only: bool = False, lowered: bytes | None = None
) -> list[int]:
    """Offsets where ``keywords`` (lowercase) match ``content`` case-insensitively.

    ``lowered`` is ``content.lower()`` when the caller already has it (content up to one
    chunk, lowered once for all its keyword searches); larger content is lowered a chunk
    at a time, so it never costs a second full-size copy.
    """
    if lowered is not None:
        if first_only:
            found = keywords.search(lowered)
            return [found.start()] if found else []
        return [match.start() for match in keywords.finditer(lowered)]
    hits: list[int] = []
    size = len(content)
    lo, step = 0, _FIRST_STEP if first_only else CHUNK  # the first hit is usually near the start
    while True:
        chunk = content[lo : lo + step + _OVERLAP].lower()
        limit = step if lo + step < size else len(chunk)
        for match in keywords.finditer(chunk):
            if match.start() >= limit:
                break  # the next chunk sees it
            hits.append(lo + match.start())
            if first_only:
                return hits
        lo += step
        if lo >= size:
            return hits
        step = min(2 * step, CHUNK)


def keyword_windows(content: bytes, keywords: re.Pattern[bytes], lowered: bytes | None = None) -> list[tuple[int, int]]:
    """Merged byte ranges around every case-insensitive occurrence of a keyword."""
    windows: list[tuple[int, int]] = []
    size = len(content)
    for hit in keyword_hits(content, keywords, lowered=lowered):
        lo, hi = max(0, hit - WINDOW_BEFORE), min(size, hit + WINDOW_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows


def found(pattern: Pattern, finder: Finder, content: bytes, hits: Sequence[int]) -> Iterator[re.Match[bytes]]:
    """The matches ``pattern.regex.finditer(content)`` yields, tried only where they can start:
    in the ``finder.reach`` bytes before each of the finder's ``hits`` (sorted offsets).

    Every match has a hit in its first ``reach`` bytes, so no match starts anywhere else; the
    matches come in the same order and never overlap, as finditer's. A windowed pattern's
    matches each lie deep inside the window of the keyword they hold, so they are the same
    with or without windows (see :class:`falguard.rules.Finder`).
    """
    regex, reach, needs = pattern.regex, finder.reach, finder.needs
    if needs and len(hits) > _MANY_HITS and content.find(needs) == -1:
        return  # one search instead of one per hit
    start_of = _start_finder(regex, reach) if reach else None
    clear = 0  # no match starts before: the last match ended here, or every start was tried
    for hit in hits:
        while (lo := hit - reach if hit - reach > clear else clear) <= hit:
            if start_of is None:
                match = regex.match(content, lo)
            elif needs and content.find(needs, lo, hit + reach + len(needs)) == -1:
                clear = hit + 1  # no match starts in [lo, hit]
                break
            else:
                start = start_of.match(content, lo)  # the first start in [lo, lo + reach]
                match = None if start is None else regex.match(content, start.end())
            if match is None:
                clear = lo + reach + 1
                break
            yield match
            clear = match.end() if match.end() > match.start() else match.start() + 1


@functools.cache
def _start_finder(regex: re.Pattern[bytes], reach: int) -> re.Pattern[bytes]:
    """A regex whose match from ``lo`` ends where ``regex`` first matches in [lo, lo + reach]."""
    body = _GLOBAL_FLAGS.sub(b"", regex.pattern)  # carried by regex.flags
    return re.compile(rb"(?s:.{0,%d}?)(?=(?:%b))" % (reach, body), regex.flags)


_MANY_HITS = 64
_GLOBAL_FLAGS = re.compile(rb"\A\(\?[aiLmsux]+\)")


def _matches(
    pattern: Pattern,
    content: bytes,
    windows: dict[bytes, list[tuple[int, int]]],
    hits: dict[bytes, list[int]],
    lowered: bytes | None = None,
) -> Iterator[re.Match[bytes]]:
    if pattern.finder is not None and (not pattern.finder.one_pass_only or pattern.finder.search.pattern in hits):
        search = pattern.finder.search
        if search.pattern not in hits:  # patterns that share a finder share one search
            hits[search.pattern] = keyword_hits(content, search, lowered=lowered)
        yield from found(pattern, pattern.finder, content, hits[search.pattern])
        return
    if pattern.near is None:
        yield from pattern.regex.finditer(content)
        return
    key = pattern.near.pattern
    if key not in windows:  # patterns that share keywords share one search
        windows[key] = keyword_windows(content, pattern.near, lowered)
    for lo, hi in windows[key]:
        yield from pattern.regex.finditer(content, lo, hi)


def verdicts(content: bytes, origin: Origin, rules: Sequence[Rule] | None = None) -> list[tuple[Rule, Verdict]]:
    """Every rule's accepted matches, with overlaps between credential rules resolved.

    Credential rules are tried in priority order (the most specific shape first); a later
    credential rule's match that overlaps an earlier one's is the same secret seen less
    precisely and is dropped. Exposure rules (public-fal-key) are reported alongside.
    ``rules`` defaults to the registry's (:func:`falguard.rules.build_rules`).
    """
    if rules is None:
        rules = build_rules()
    taken = _Spans()
    accepted: dict[tuple[str, int], tuple[Rule, Verdict]] = {}
    fal_context: bool | None = None
    windows: dict[bytes, list[tuple[int, int]]] = {}
    hits: dict[bytes, list[int]] = {}
    scan = _scanner(rules) if fastfind.loaded() or _engine_pays(len(content)) else None
    if scan is not None:  # every finder's hits in one pass
        hits.update(scan(content))
    # one copy for every keyword search; with every finder's hits in hand, only the fal
    # context search is left, which stops at its first hit: no copy then
    lowered = content.lower() if len(content) <= CHUNK and scan is None else None
    for rule in rules:
        if origin.ignored_env and not rule.applies_to_ignored_env:
            continue
        for pattern in rule.patterns:
            if pattern.finder is not None and hits.get(pattern.finder.expression) == []:
                continue  # its finder found nowhere for a match to start
            if pattern.needs_fal_context:
                if fal_context is None:
                    fal_context = bool(keyword_hits(content, FAL_CONTEXT_RE, first_only=True, lowered=lowered))
                if not fal_context:
                    continue
            for match in _matches(pattern, content, windows, hits, lowered):
                verdict = rule.judge(match, content)
                if verdict is None or (rule.id, verdict.start) in accepted:
                    continue
                if rule.credential:
                    if taken.overlaps(verdict.start, verdict.end):
                        continue
                    taken.add(verdict.start, verdict.end)
                accepted[(rule.id, verdict.start)] = (rule, verdict)
    return sorted(accepted.values(), key=lambda item: (item[1].start, item[0].id))


_FINDERS: dict[int, tuple[Sequence[Rule], tuple[bytes, ...]]] = {}
_FINDERS_KEPT = 8  # rule sets whose sources are remembered (each scan builds its own list)


def _secret(rule: Rule, verdict: Verdict, content: bytes) -> Secret:
    """The verdict's secret; where the content holds it in no form its rule spells (a key
    joined from pieces), with the text it was found in as its ``pieces`` spelling, which the
    replacements file purges."""
    secret = Secret(verdict.secret, verdict.key_id, sensitive=verdict.sensitive, mask=verdict.mask)
    written = content[verdict.start : verdict.end]
    if not verdict.sensitive or any(form.encode() in written for form in rule.written_as(verdict.secret)):
        return secret
    return secret.spelled([("pieces", Secret(written.decode("utf-8", "surrogateescape")))])


def _engine_pays(size: int) -> bool:
    """Whether content of ``size`` bytes goes through the one-pass engine (see :data:`ENGINE_FROM`)."""
    if size < ONE_PASS_FROM:
        return False
    _large_content[0] += size
    return _large_content[0] >= ENGINE_FROM


def _scanner(rules: Sequence[Rule]) -> fastfind.Scanner | None:
    """The one-pass finder of ``rules`` (hyperscan's), if there is one."""
    kept = _FINDERS.get(id(rules))
    if kept is None or kept[0] is not rules:  # the finders' sources are listed once per rule set
        sources = tuple(dict.fromkeys(p.finder.search.pattern for r in rules for p in r.patterns if p.finder))
        while len(_FINDERS) >= _FINDERS_KEPT:  # the oldest goes: a long-lived caller scans again and again
            del _FINDERS[next(iter(_FINDERS))]
        kept = _FINDERS[id(rules)] = (rules, sources)
    return fastfind.scanner_of(kept[1])


class _Spans:
    """Disjoint byte ranges, sorted, with a logarithmic overlap test: a file holding a
    hundred thousand keys must not cost a hundred thousand squared comparisons."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect.bisect_left(self.starts, end)  # ranges starting before ``end``
        return before > 0 and self.ends[before - 1] > start

    def add(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)


def detect(
    content: bytes, origin: Origin, rules: Sequence[Rule] | None = None, *, first_line: int = 1
) -> list[Finding]:
    """Scan one piece of content (whose first line is ``first_line``); findings come in the
    order they appear."""
    findings: list[Finding] = []
    cursor = Cursor(content, first_line)
    allows: dict[int, list[Allow]] = {}  # by line start: each line's comments are read once
    line_end = -1
    is_doc = origin.path.lower().endswith(DOC_SUFFIXES)
    for rule, verdict in verdicts(content, origin, rules):
        line, line_start, column = cursor.move(verdict.start)
        if line_start not in allows:  # a new line: its end and its allow comments, once
            allows = {line_start: line_allows(content, line_start)}
            line_end = content.find(b"\n", line_start)
        end = verdict.end if line_end == -1 else min(verdict.end, line_end)
        severity = verdict.severity
        if is_doc and not verdict.sensitive:
            severity = Severity.LOW  # a variable named in documentation is an example, not wiring
        finding = new_finding(
            rule,
            path=origin.path,
            line=line,
            column=column,
            end_column=column + width(content, verdict.start, end),
            secret=_secret(rule, verdict, content),
            severity=severity,
            detail=verdict.detail,
            commit=origin.commit,
            source=origin.source,
            suppression=suppression_for(allows[line_start], rule.id),
        )
        if origin.served and verdict.sensitive and severity > Severity.LOW:
            # in what the site serves: every visitor has the key
            from dataclasses import replace  # findings are dataclasses (falguard.facts): loaded by now

            finding = replace(finding, severity=Severity.CRITICAL, message=finding.message + SERVED_NOTE)
        findings.append(finding)
    return findings
