"""Inline allow comments: ``falguard:allow`` on a finding's line, ``falguard:allow-next-line``
on the line before, in any comment syntax.

    key = load()  # falguard:allow                       (any rule on this line)
    key = "..."   // falguard:allow fal-key reason="test fixture"
    # falguard:allow-next-line fal-key-pair,public-fal-key reason="documented example"

A comment that names rules hides only those rules' findings; one that names none hides all.
"""

from __future__ import annotations

import re

from falguard.models import Suppression, Value, _set

#: Compiled on first use (re's cache): only a line with a verdict is read for allow comments.
_DIRECTIVE = (
    rb"falguard:allow(?P<next>-next-line)?(?![A-Za-z0-9_-])"
    rb"(?P<rules>(?:[ \t]{1,8}(?!reason=)[a-z][a-z0-9-]{0,63}(?:[ \t]{0,4},[ \t]{0,4}[a-z][a-z0-9-]{0,63}){0,16})?)"
    rb"(?:[ \t]{1,8}reason=(?:\"(?P<dq>[^\"\n]{0,300})\"|'(?P<sq>[^'\n]{0,300})'|(?P<bare>[^\s]{1,300})))?"
)


class Allow(Value):
    __slots__ = ("next_line", "rules", "reason")
    next_line: bool
    rules: frozenset[str]  # empty: every rule
    reason: str

    def __init__(self, next_line: bool, rules: frozenset[str], reason: str) -> None:
        _set(self, "next_line", next_line)
        _set(self, "rules", rules)
        _set(self, "reason", reason)

    def covers(self, rule: str) -> bool:
        return not self.rules or rule in self.rules


def directives(line: bytes, *, next_line: bool) -> list[Allow]:
    """The line's ``falguard:allow-next-line`` comments (``next_line``) or its
    ``falguard:allow`` ones, in order, up to the first that names no rule: it covers every
    rule, so no later one is ever the first to cover a finding (a minified line of half a
    million allow comments is read up to its first, not made into half a million values)."""
    if b"falguard:allow" not in line:
        return []
    found = []
    for match in re.compile(_DIRECTIVE).finditer(line):
        if bool(match.group("next")) != next_line:
            continue
        rules = frozenset(part.strip().decode() for part in match.group("rules").split(b",") if part.strip())
        reason = match.group("dq") or match.group("sq") or match.group("bare") or b""
        found.append(Allow(next_line, rules, reason.decode("utf-8", "replace")))
        if not rules:
            break
    return found


def line_allows(content: bytes, line_start: int) -> list[Allow]:
    """The allow comments that apply to the line starting at ``line_start``: its own
    ``falguard:allow`` comments and the previous line's ``falguard:allow-next-line`` ones
    (only those that can be the first to cover a finding: see :func:`directives`)."""
    line_end = content.find(b"\n", line_start)
    allows = directives(content[line_start : line_end if line_end != -1 else len(content)], next_line=False)
    if line_start > 0 and not (allows and not allows[-1].rules):
        previous_start = content.rfind(b"\n", 0, line_start - 1) + 1
        allows += directives(content[previous_start : line_start - 1], next_line=True)
    return allows


def suppression_for(allows: list[Allow], rule: str) -> Suppression | None:
    """The first of a line's allow comments (see :func:`line_allows`) that covers ``rule``."""
    for allow in allows:
        if allow.covers(rule):
            return Suppression("inline", allow.reason)
    return None


def inline_suppression(content: bytes, line_start: int, rule: str) -> Suppression | None:
    """The allow comment covering a finding of ``rule`` on the line starting at ``line_start``."""
    return suppression_for(line_allows(content, line_start), rule)
