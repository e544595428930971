"""Bytes in, findings out. Pure: no I/O, no git, no printing."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from falguard.detection import fastfind
from falguard.detection.findings import new_finding
from falguard.detection.positions import Cursor, span_end
from falguard.detection.suppress import Allow, line_allows, suppression_for
from falguard.models import Origin, Secret, Severity
from falguard.rules import FAL_CONTEXT_RE, Finder, Pattern, Rule, Verdict, build_rules

if TYPE_CHECKING:
    from falguard.detection.facts import Finding

#: How far around a keyword hit a windowed pattern looks (bytes before, bytes after).
WINDOW_BEFORE = 256
WINDOW_AFTER = 1024
#: Keywords are matched case-insensitively on lowercased copies of this many bytes at a time,
#: so a large input never costs a second full-size copy.
CHUNK = 1 << 20
_OVERLAP = 64
_FIRST_STEP = 4 << 10  # a search for the first hit lowers this much first, then twice as much each time

#: Content this large has its finders' hits found in one pass when hyperscan is installed
#: (see falguard.detection.fastfind), once a process has scanned ``ENGINE_FROM`` bytes of such content:
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
    if not first_only:
        return each_keyword_hits(content, (keywords,))[keywords.pattern]
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


def each_keyword_hits(content: bytes, searches: Sequence[re.Pattern[bytes]]) -> dict[bytes, list[int]]:
    """:func:`keyword_hits` of each of ``searches`` (by source), in one pass: each chunk of
    ``content`` is lowered once for all of them."""
    hits: dict[bytes, list[int]] = {search.pattern: [] for search in searches}
    size = len(content)
    for lo in range(0, size, CHUNK):
        chunk = content[lo : lo + CHUNK + _OVERLAP].lower()
        limit = CHUNK if lo + CHUNK < size else len(chunk)
        for search in searches:
            found = hits[search.pattern]
            for match in search.finditer(chunk):
                if match.start() >= limit:
                    break  # the next chunk sees it
                found.append(lo + match.start())
    return hits


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


def found(
    pattern: Pattern, finder: Finder, content: bytes, hits: Sequence[int], present: dict[bytes, bool] | None = None
) -> Iterator[re.Match[bytes]]:
    """The matches ``pattern.regex.finditer(content)`` yields, tried only where they can start:
    in the ``finder.reach`` bytes before each of the finder's ``hits`` (sorted offsets), and
    only if content holds the finder's ``needs``: ``present`` says, by literal, whether it
    does as far as known, and learns what this search finds out.

    Every match has a hit in its first ``reach`` bytes, so no match starts anywhere else; the
    matches come in the same order and never overlap, as finditer's. A windowed pattern's
    matches each lie deep inside the window of the keyword they hold, so they are the same
    with or without windows (see :class:`falguard.rules.Finder`).
    """
    regex, reach, needs = pattern.regex, finder.reach, finder.needs
    if needs and not _holds(content, needs, len(hits) > _MANY_HITS, present):
        return
    if not reach:
        yield from _found_at(regex, content, hits)
        return
    start_of = _start_finder(regex, reach)
    clear = 0  # no match starts before: the last match ended here, or every start was tried
    for hit in hits:
        while (lo := hit - reach if hit - reach > clear else clear) <= hit:
            if needs and content.find(needs, lo, hit + reach + len(needs)) == -1:
                clear = hit + 1  # no match starts in [lo, hit]
                break
            start = start_of.match(content, lo)  # the first start in [lo, lo + reach]
            match = None if start is None else regex.match(content, start.end())
            if match is None:
                clear = lo + reach + 1
                break
            yield match
            clear = match.end() if match.end() > match.start() else match.start() + 1


def _found_at(regex: re.Pattern[bytes], content: bytes, hits: Sequence[int]) -> Iterator[re.Match[bytes]]:
    """:func:`found` where each match starts at a hit (``reach`` 0: a one-pass-only finder,
    or a finder at the pattern's own start), with one ``re`` match per hit past the last match."""
    clear = 0
    for hit in hits:
        if hit >= clear and (match := regex.match(content, hit)) is not None:
            yield match
            clear = match.end() if match.end() > hit else hit + 1


@functools.cache
def _start_finder(regex: re.Pattern[bytes], reach: int) -> re.Pattern[bytes]:
    """A regex whose match from ``lo`` ends where ``regex`` first matches in [lo, lo + reach]."""
    body = _GLOBAL_FLAGS.sub(b"", regex.pattern)  # carried by regex.flags
    return re.compile(rb"(?s:.{0,%d}?)(?=(?:%b))" % (reach, body), regex.flags)


def _holds(content: bytes, literal: bytes, dense: bool, present: dict[bytes, bool] | None) -> bool:
    """False when ``content`` is known not to hold ``literal``: ``present`` says so, or it is
    searched for, once, where the hits are dense (one search instead of one per hit)."""
    if present is not None and literal in present:
        return present[literal]
    if not dense:
        return True  # each hit looks for it nearby
    holds = content.find(literal) != -1
    if present is not None:
        present[literal] = holds
    return holds


_MANY_HITS = 64
_GLOBAL_FLAGS = re.compile(rb"\A\(\?[aiLmsux]+\)")


def _matches(
    pattern: Pattern,
    content: bytes,
    windows: dict[bytes, list[tuple[int, int]]],
    hits: dict[bytes, list[int]],
    lowered: bytes | None = None,
    present: dict[bytes, bool] | None = None,
) -> Iterator[re.Match[bytes]]:
    if pattern.finder is not None and (not pattern.finder.one_pass_only or pattern.finder.search.pattern in hits):
        search = pattern.finder.search
        if search.pattern not in hits:  # patterns that share a finder share one search
            hits[search.pattern] = keyword_hits(content, search, lowered=lowered)
        yield from found(pattern, pattern.finder, content, hits[search.pattern], present)
        return
    if pattern.near is None:
        yield from pattern.regex.finditer(content)
        return
    key = pattern.near.pattern
    if key not in windows:  # patterns that share keywords share one search
        windows[key] = keyword_windows(content, pattern.near, lowered)
    for lo, hi in windows[key]:
        yield from pattern.regex.finditer(content, lo, hi)


def verdicts(
    content: bytes,
    origin: Origin,
    rules: Sequence[Rule] | None = None,
    *,
    finder_hits: dict[bytes, list[int]] | None = None,
) -> list[tuple[Rule, Verdict]]:
    """Every rule's accepted matches, with overlaps between credential rules resolved.

    Credential rules are tried in priority order (the most specific shape first); a later
    credential rule's match that overlaps an earlier one's is the same secret seen less
    precisely and is dropped. Exposure rules (public-fal-key) are reported alongside.
    ``rules`` defaults to the registry's (:func:`falguard.rules.build_rules`);
    ``finder_hits``: every finder's hits, from a pass the caller made (see :func:`finder_sources`).
    """
    if rules is None:
        rules = build_rules()
    taken = _Spans()
    accepted: dict[tuple[str, int], tuple[Rule, Verdict]] = {}
    windows: dict[bytes, list[tuple[int, int]]] = {}
    hits, present, lowered, fal_context = _searched(content, origin, rules, finder_hits)
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
            for match in _matches(pattern, content, windows, hits, lowered, present):
                verdict = rule.judge(match, content)
                if verdict is None or (rule.id, verdict.start) in accepted:
                    continue
                if rule.credential:
                    if taken.overlaps(verdict.start, verdict.end):
                        continue
                    taken.add(verdict.start, verdict.end)
                accepted[(rule.id, verdict.start)] = (rule, verdict)
    return sorted(accepted.values(), key=lambda item: (item[1].start, item[0].id))


class _Searched(NamedTuple):
    """What is known of content before its patterns run (see :func:`_searched`)."""

    hits: dict[bytes, list[int]]  # by finder source
    present: dict[bytes, bool]  # by ``needs`` literal: whether content holds it
    lowered: bytes | None
    fal_context: bool | None  # None: not searched yet


def _searched(
    content: bytes, origin: Origin, rules: Sequence[Rule], finder_hits: dict[bytes, list[int]] | None = None
) -> _Searched:
    """Every finder's hits, with whether content holds each finder's ``needs`` literal, in
    one hyperscan pass (large content, or hyperscan loaded; ``finder_hits``: a pass the
    caller made); without it, content up to one chunk lowered once for every keyword search,
    and larger content searched for every finder its patterns use in one pass that lowers
    each chunk once."""
    if finder_hits is not None:
        hits = dict(finder_hits)
        present = {literal: bool(hits.pop(literal)) for literal in finder_sources(rules)[1] if literal in hits}
        return _Searched(hits, present, None, None)
    one_pass = _scanner(rules) if fastfind.loaded() or _engine_pays(len(content)) else None
    if one_pass is not None:
        scan, literals = one_pass
        hits = scan(content)
        return _Searched(hits, {literal: bool(hits.pop(literal)) for literal in literals}, None, None)
    if len(content) <= CHUNK:
        return _Searched({}, {}, content.lower(), None)
    fal_context = bool(keyword_hits(content, FAL_CONTEXT_RE, first_only=True))
    searches = {
        p.finder.search.pattern: p.finder.search
        for r in rules
        if r.applies_to_ignored_env or not origin.ignored_env
        for p in r.patterns
        if p.finder is not None and not p.finder.one_pass_only and (fal_context or not p.needs_fal_context)
    }
    return _Searched(each_keyword_hits(content, tuple(searches.values())), {}, None, fal_context)


_FINDERS: dict[int, tuple[Sequence[Rule], tuple[bytes, ...], tuple[bytes, ...]]] = {}
_FINDERS_KEPT = 8  # rule sets whose sources are remembered (each scan builds its own list)


def _secret(rule: Rule, verdict: Verdict, content: bytes, path: str = "") -> Secret:
    """The verdict's secret; where the content holds it in no form its rule spells (a key
    joined from pieces), with the text it was found in as its ``pieces`` spelling, which the
    replacements file purges. A per-file rule's (non-sensitive) identity starts with its ``path``."""
    if path and not verdict.sensitive:
        return Secret(f"{path}: {verdict.secret}", sensitive=False)
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


def _scanner(rules: Sequence[Rule]) -> tuple[fastfind.Scanner, tuple[bytes, ...]] | None:
    """The one-pass finder of ``rules`` (hyperscan's), if there is one, and the ``needs``
    literals whose presence it reports."""
    sources, literals = finder_sources(rules)
    scan = fastfind.scanner_of(sources, literals)
    return None if scan is None else (scan, literals)


def finder_sources(rules: Sequence[Rule]) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """The sources of ``rules``' finders (distinct), for a one-pass engine (falguard.detection.fastfind),
    and the ``needs`` literals that pass reports the presence of (see :func:`verdicts`)."""
    kept = _FINDERS.get(id(rules))
    if kept is None or kept[0] is not rules:  # the finders' sources are listed once per rule set
        finders = [p.finder for r in rules for p in r.patterns if p.finder]
        sources = tuple(dict.fromkeys(finder.search.pattern for finder in finders))
        # lowercase words (import, env, id, key) are all over ordinary code, and each occurrence
        # costs the one pass a check (all of them: 26% more time on plain source); the others
        # (ENV, _FAL_) are rare, and where content lacks one, a dense finder's patterns cost
        # no search for it
        literals = tuple(dict.fromkeys(f.needs for f in finders if f.needs and not f.needs.islower()))
        while len(_FINDERS) >= _FINDERS_KEPT:  # the oldest goes: a long-lived caller scans again and again
            del _FINDERS[next(iter(_FINDERS))]
        kept = _FINDERS[id(rules)] = (rules, sources, literals)
    return kept[1], kept[2]


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
    content: bytes,
    origin: Origin,
    rules: Sequence[Rule] | None = None,
    *,
    first_line: int = 1,
    finder_hits: dict[bytes, list[int]] | None = None,
) -> list[Finding]:
    """Scan one piece of content (whose first line is ``first_line``); findings come in the
    order they appear. ``finder_hits`` as for :func:`verdicts`."""
    findings: list[Finding] = []
    cursor = Cursor(content, first_line)
    allows: dict[int, list[Allow]] = {}  # by line start: each line's comments are read once
    line_end = -1
    is_doc = origin.path.lower().endswith(DOC_SUFFIXES)
    for rule, verdict in verdicts(content, origin, rules, finder_hits=finder_hits):
        line, line_start, column = cursor.move(verdict.start)
        if line_start not in allows:  # a new line: its end and its allow comments, once
            allows = {line_start: line_allows(content, line_start)}
            line_end = content.find(b"\n", line_start)
        end_line, end_column = span_end(content, verdict.start, verdict.end, line, column, line_end)
        severity = verdict.severity
        if is_doc and not verdict.sensitive:
            severity = Severity.LOW  # a variable named in documentation is an example, not wiring
        finding = new_finding(
            rule,
            path=origin.path,
            line=line,
            column=column,
            end_column=end_column,
            end_line=end_line,
            secret=_secret(rule, verdict, content, origin.path if rule.per_file else ""),
            severity=severity,
            detail=verdict.detail,
            commit=origin.commit,
            source=origin.source,
            suppression=suppression_for(allows[line_start], rule.id),
            remediation=verdict.remediation,
        )
        if origin.served and verdict.sensitive and severity > Severity.LOW:
            # in what the site serves: every visitor has the key
            from dataclasses import replace  # findings are dataclasses (falguard.detection.facts): loaded by now

            finding = replace(finding, severity=Severity.CRITICAL, message=finding.message + SERVED_NOTE)
        findings.append(finding)
    return findings
