"""The cheap test before detection: content that no rule can match is skipped whole.

Built from the rules' own anchors (each pattern declares a literal, maybe with a short regex
after it, that lowercased content must hold for the pattern to match: the fal context, the
head of the id:secret pattern, ``fal_``, the configured key names...), so a new key shape is
prefiltered by declaring its anchor. Anchors that share a first byte become one regex that
starts with their common literal (the engine skips ahead on it at memchr speed; an
alternation with no literal start is ten times slower), and a literal that another anchor
matches inside is dropped: the default rules need two searches, as before.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from falguard.rules import Anchor, Rule, build_rules


@dataclass(frozen=True)
class Prefilter:
    """Regexes over lowercased content: content none of them finds holds nothing to report."""

    searches: tuple[re.Pattern[bytes], ...]

    def admits(self, lowered: bytes | bytearray, start: int = 0, end: int = sys.maxsize) -> bool:
        """Whether ``lowered[start:end]`` (content already lowercased) may hold a finding."""
        for search in self.searches:  # noqa: SIM110 (runs once per object: no generator)
            if search.search(lowered, start, end):
                return True
        return False

    def may_match(self, content: bytes) -> bool:
        return self.admits(content.lower())


def build(rules: Sequence[Rule]) -> Prefilter:
    """The prefilter of ``rules``: it admits all content any of their patterns can match."""
    anchors = list(dict.fromkeys(anchor for rule in rules for p in rule.patterns for anchor in p.anchors))
    kept = [a for a in anchors if not _subsumed(a, anchors)]
    groups: dict[int, list[Anchor]] = {}
    for anchor in kept:
        groups.setdefault(anchor.literal[0], []).append(anchor)
    return Prefilter(tuple(re.compile(_group_regex(group)) for group in groups.values()))


def prefilter_for(extra_key_names: Sequence[str] = ()) -> Prefilter:
    """The prefilter of the registry's rules, with a configuration's extra key names."""
    return build(build_rules(extra_key_names=extra_key_names))


def _subsumed(anchor: Anchor, anchors: Sequence[Anchor]) -> bool:
    """A plain literal that another anchor finds inside it: content holding it is admitted anyway."""
    return not anchor.then and any(other != anchor and re.search(other.regex, anchor.literal) for other in anchors)


def _group_regex(group: Sequence[Anchor]) -> bytes:
    if len(group) == 1:
        return group[0].regex
    common = group[0].literal
    for anchor in group[1:]:
        while not anchor.literal.startswith(common):
            common = common[:-1]
    tails = b"|".join(re.escape(anchor.literal[len(common) :]) + anchor.then for anchor in group)
    return re.escape(common) + b"(?:" + tails + b")"
