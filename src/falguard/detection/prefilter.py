"""The cheap test before detection: content that no rule can match is skipped whole.

Built from the rules' own anchors (each pattern declares a literal, maybe with a short regex
after it, that lowercased content must hold for the pattern to match: the fal context, the
head of the id:secret pattern, ``fal_``, the configured key names...), so a new key shape is
prefiltered by declaring its anchor. Anchors that share a first byte become one regex that
starts with their common literal (the engine skips ahead on it at memchr speed; an
alternation with no literal start is ten times slower), a literal that another anchor
matches inside is dropped, and an anchor alone with its first byte that holds another
group's first byte, a punctuation byte, is searched for with that group, what precedes that byte as a
lookbehind (``auth-key`` as ``-`` then ``(?<=auth-)key``): every search is one more pass over
each object's bytes, and the default rules need two.
"""

from __future__ import annotations

import base64
import functools
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from falguard.rules import Anchor, Rule


def encoded_literals(word: bytes, alignment: int) -> bytes:
    """The base64 characters that only ``word`` decides when it starts ``alignment`` bytes
    into a 3-byte group (the ones its neighbours share are left out), lowercased."""
    encoded = base64.b64encode(bytes(alignment) + word + bytes(3))
    bits = range(8 * alignment, 8 * (alignment + len(word)) + 1)
    known = [i for i in range(len(encoded)) if 6 * i in bits and 6 * i + 6 in bits]
    return encoded[known[0] : known[-1] + 1].lower()


#: base64 of a fal key's anchor, for content that holds a key only encoded (expand/encoded.py):
#: ``fal_`` at two of three alignments (one always starts a base64 value of a ``fal_`` key) and
#: ``FAL_`` at two (a base64 value of ``FAL_KEY=...``). Three of them start with "z": two more
#: searches from a literal in all; the other two alignments would cost one search each.
_Z_LITERALS = (encoded_literals(b"fal_", 0), encoded_literals(b"fal_", 1), encoded_literals(b"FAL_", 1))
ENCODED_SEARCHES = (
    re.compile(b"z(?:" + b"|".join(literal[1:] for literal in _Z_LITERALS) + b")"),
    re.compile(re.escape(encoded_literals(b"FAL_", 0))),
)


class Prefilter(NamedTuple):
    """Regexes over lowercased content: content none of them finds holds nothing to report."""

    searches: tuple[re.Pattern[bytes], ...]
    encoded: tuple[re.Pattern[bytes], ...] = ENCODED_SEARCHES  # the anchors in base64
    #: each anchor's own regex (lowercase, no lookbehind), for a one-pass engine over many
    #: objects at once (:func:`falguard.detection.fastfind.batch_admitter`): same verdicts as ``admits``
    sources: tuple[bytes, ...] = ()

    def admits(self, lowered: bytes | bytearray, start: int = 0, end: int = sys.maxsize) -> bool:
        """Whether ``lowered[start:end]`` (content already lowercased) may hold a finding."""
        for search in self.searches:  # runs once per object: no generator
            if search.search(lowered, start, end):
                return True
        for search in self.encoded:  # noqa: SIM110 (as above)
            if search.search(lowered, start, end):
                return True
        return False

    def may_match(self, content: bytes) -> bool:
        return self.admits(content.lower())


def build(rules: Sequence[Rule]) -> Prefilter:
    """The prefilter of ``rules``: it admits all content any of their patterns can match."""
    anchors = list(dict.fromkeys(anchor for rule in rules for p in rule.patterns for anchor in p.anchors))
    kept = [a for a in anchors if not _subsumed(a, anchors)]
    groups: dict[int, list[tuple[int, Anchor]]] = {}  # by the byte searched for: (its offset, anchor)
    for anchor in kept:
        groups.setdefault(anchor.literal[0], []).append((0, anchor))
    for first in list(groups):
        (_, anchor), *others = groups[first]
        offset = next((i for i, byte in enumerate(anchor.literal) if i and _shareable(byte, first, groups)), None)
        if not others and offset is not None:  # a group of its own would be one more pass
            del groups[first]
            groups[anchor.literal[offset]].append((offset, anchor))
    sources = tuple(anchor.regex for anchor in kept) + tuple(search.pattern for search in ENCODED_SEARCHES)
    return Prefilter(tuple(re.compile(_group_regex(group)) for group in groups.values()), sources=sources)


def prefilter_for(extra_key_names: Sequence[str] = ()) -> Prefilter:
    """The prefilter of the registry's rules, with a configuration's extra key names."""
    from falguard.rules import build_rules

    return build(build_rules(extra_key_names=extra_key_names))


#: What :func:`build` gives for the built-in rules (``build(RULES)``), written out: a scan
#: whose content this turns away never loads a rule module (a clean commit in the pre-commit
#: hook). tests/detection/test_prefilter.py checks it against ``build(RULES)``: a rule whose anchors
#: change updates it from what that test prints.
BUILT_IN_SEARCHES = (
    rb"\-(?:[0-9a-f]{12}(?:[:%\"'`$#{\\\r\n]|[0-9a-f]{1,31}[\"'`$#{\\\r\n])|(?<=auth\-)key)",
    rb"fal(?:[^a-z0-9]|key|api|ai|secret|token|cred)",
)
BUILT_IN_SOURCES = (
    rb"\-[0-9a-f]{12}(?:[:%\"'`$#{\\\r\n]|[0-9a-f]{1,31}[\"'`$#{\\\r\n])",
    rb"fal(?:[^a-z0-9]|key|api|ai|secret|token|cred)",
    rb"auth\-key",
    *(search.pattern for search in ENCODED_SEARCHES),
)


@functools.cache
def built_in() -> Prefilter:
    """The prefilter of the built-in rules, without loading them (see :data:`BUILT_IN_SEARCHES`)."""
    return Prefilter(tuple(re.compile(search) for search in BUILT_IN_SEARCHES), sources=BUILT_IN_SOURCES)


def _subsumed(anchor: Anchor, anchors: Sequence[Anchor]) -> bool:
    """A plain literal that another anchor finds inside it: content holding it is admitted anyway."""
    return not anchor.then and any(other != anchor and re.search(other.regex, anchor.literal) for other in anchors)


def _shareable(byte: int, first: int, groups: Mapping[int, object]) -> bool:
    """Whether an anchor can be searched for at ``byte`` with another group: a punctuation
    byte (``-``, ``_``, ``:``), which text holds far less often than any letter."""
    return byte != first and byte in groups and not chr(byte).isalnum()


def _group_regex(group: Sequence[tuple[int, Anchor]]) -> bytes:
    """One search for anchors that hold the same byte, each from ``offset`` (where that byte
    is): their common literal from there, then each one's rest; what precedes the offset
    becomes a lookbehind."""
    (offset, anchor), *others = group
    if not others and not offset:
        return anchor.regex
    common = anchor.literal[offset:]
    for offset, anchor in others:
        while not anchor.literal[offset:].startswith(common):
            common = common[:-1]
    tails = []
    for offset, anchor in group:
        end = offset + len(common)
        behind = b"(?<=" + re.escape(anchor.literal[:end]) + b")" if offset else b""
        tails.append(behind + re.escape(anchor.literal[end:]) + anchor.then)
    return re.escape(common) + b"(?:" + b"|".join(tails) + b")"
