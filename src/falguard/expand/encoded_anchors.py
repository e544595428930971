"""What base64 of the prefilter's anchors looks like, so that content holding none of it is
turned away before its base64 runs are looked for (expand/encoded.py).

A key found in base64 is found in decoded text that one of the prefilter's anchors matches
(content no anchor matches holds nothing any rule finds: the prefilter's contract). Every
match of an anchor starts with bytes of known classes: ``fal``, ``-`` then twelve hex digits,
``auth-key``, a configured key name, in either letter case. Base64 of text holding them holds,
at one of the three places they can start in a 3-byte group, characters of known classes:
the values the bits of those bytes allow (``fal`` at the start of a group is ``[RZ][km]F[sM]``).
Those characters are bytes of known classes in their turn, so base64 of that base64 has
characters of known classes too, and so on for every level decoded.

Each level's classes are cut to their most telling stretch (about 24 bits of constraint, a
false hit once in 16 million positions of random base64) and written as a regex; one
hyperscan pass looks for all of them. Content none of them matches holds no base64 run whose
text, at any level, can hold a key.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence

Classes = tuple[frozenset[int], ...]

#: Each search is the shortest stretch of its classes that carries this many bits of constraint
#: (or all of them): shorter searches build quicker, longer ones rarely match more selectively.
BITS_WANTED = 24
#: A search with fewer bits would match nearly every file: no searches then (nothing is turned away).
BITS_NEEDED = 12

_EVERY_BYTE = frozenset(range(256))
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL_SAFE = {62: ord("-"), 63: ord("_")}
_ANY_CHARACTER = frozenset(_ALPHABET + b"-_")
_URL_SAFE_CHARACTERS = frozenset(b"-_")
_BYTES = [bytes([byte]) for byte in range(256)]
_LOWER = bytes(range(256)).lower()
#: One element of a regex: an escape, a class, or one byte (a group's parenthesis or a bar too).
_TOKEN = re.compile(rb"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|.", re.DOTALL)
_REPEAT = re.compile(rb"\{(\d*)(,?)(\d*)\}[?+]?|([?*+])[?+]?")


def encoded_searches(sources: Sequence[bytes], depth: int) -> tuple[bytes, ...] | None:
    """Regexes over content as it is (case-sensitive, ``.`` matching every byte), one of which
    matches inside every base64 run whose text, decoded up to ``depth`` times, holds a match of
    one of ``sources`` (regexes over lowercased text); None when a source starts with nothing
    this can read (a group, an alternation) or the searches would turn nearly nothing away."""
    level = []
    for source in sources:
        # the bytes of text that, lowercased, are in each class
        classes = tuple(frozenset(b for b in range(256) if _LOWER[b] in members) for members in leading_classes(source))
        if not classes or not all(classes):
            return None
        level.append(classes)
    searches: dict[bytes, None] = {}
    for _ in range(depth):
        level = [encode(classes, alignment) for classes in level for alignment in range(3)]
        for classes in level:
            stretch = _telling(classes)
            if _bits(stretch) < BITS_NEEDED:
                return None
            searches[_regex(stretch)] = None
    return tuple(searches)


def leading_classes(source: bytes) -> Classes:
    """The classes of the bytes every match of ``source`` starts with, up to its first group or
    repetition of no fixed count (empty when it is an alternation at its top level)."""
    if _alternation(source):
        return ()
    classes: list[frozenset[int]] = []
    position = 0
    while position < len(source):
        token = _TOKEN.match(source, position)
        assert token is not None  # it matches any byte
        if token.group() in (b"(", b")", b"|"):
            break
        try:
            element = re.compile(token.group())
        except re.error:
            break
        members = frozenset(byte for byte in range(256) if element.fullmatch(_BYTES[byte]))
        if not members:
            break  # an assertion (^, $, \b): it holds no byte
        low, high, position = _counts(source, token.end())
        classes.extend([members] * low)
        if high != low:
            break
    return tuple(classes)


def encode(classes: Classes, alignment: int) -> Classes:
    """The classes of the base64 characters of text holding bytes of ``classes``, ``alignment``
    bytes into a 3-byte group (both alphabets; the characters its neighbours decide left out)."""
    known = (_EVERY_BYTE,) * alignment + classes + (_EVERY_BYTE,)
    characters = [
        _character(known[(6 * i) // 8], known[(6 * i) // 8 + 1], 6 * i % 8)
        for i in range(-(-8 * (len(known) - 1) // 6))
    ]
    while characters and characters[0] == _ANY_CHARACTER:
        characters.pop(0)
    while characters and characters[-1] == _ANY_CHARACTER:
        characters.pop()
    return tuple(characters)


@functools.cache
def _character(byte: frozenset[int], after: frozenset[int], offset: int) -> frozenset[int]:
    """The base64 characters that bits ``offset`` to ``offset + 6`` of a byte of ``byte`` (and,
    past its end, of one of ``after``) can be, in either alphabet."""
    if offset <= 2:  # within one byte
        values = {value >> (2 - offset) & 63 for value in byte}
    else:  # the low bits of one byte, the high bits of the next
        highs = {(value << (offset - 2)) & 63 for value in byte}
        lows = {value >> (10 - offset) for value in after}
        values = {high | low for high in highs for low in lows}
    found = {_ALPHABET[value] for value in values}
    found.update(_URL_SAFE[value] for value in values if value in _URL_SAFE)
    return frozenset(found)


def _telling(classes: Classes) -> Classes:
    """The shortest stretch of ``classes`` with BITS_WANTED bits (the most bits among equals),
    or all of them."""
    bits = [_bits((members,)) for members in classes]
    best: tuple[int, float, int] | None = None  # (length, -bits, start)
    for start in range(len(classes)):
        total = 0.0
        for end in range(start, len(classes)):
            total += bits[end]
            if total >= BITS_WANTED:
                if best is None or (end + 1 - start, -total) < best[:2]:
                    best = (end + 1 - start, -total, start)
                break
    if best is None:
        return classes
    return classes[best[2] : best[2] + best[0]]


def _bits(classes: Classes) -> float:
    """How much a stretch of base64 characters constrains: log2 of 64 over the number of values
    its class allows, summed (``+`` and ``-`` are one value, as are ``/`` and ``_``)."""
    return sum(6 - math.log2(len(members - _URL_SAFE_CHARACTERS)) for members in classes)


def _regex(classes: Classes) -> bytes:
    return b"".join(b"[" + b"".join(map(_written, sorted(members))) + b"]" for members in classes)


def _written(byte: int) -> bytes:
    return bytes([byte]) if byte < 128 and chr(byte).isalnum() else b"\\x%02x" % byte


def _alternation(source: bytes) -> bool:
    """Whether ``source`` is an alternation at its top level (a bar outside every group)."""
    depth = 0
    for token in _TOKEN.finditer(source):
        text = token.group()
        depth += (text == b"(") - (text == b")")
        if text == b"|" and depth == 0:
            return True
    return False


def _counts(source: bytes, position: int) -> tuple[int, int | None, int]:
    """The least and most times the element before ``position`` repeats (None: no most), and
    where what follows its repetition starts."""
    repeat = _REPEAT.match(source, position)
    if repeat is None:
        return 1, 1, position
    low, comma, high, sign = repeat.groups()
    if sign is not None:
        return (0 if sign in b"?*" else 1), (1 if sign == b"?" else None), repeat.end()
    if not low and not comma:
        return 1, 1, position  # "{}": two literal braces, no repetition
    least = int(low or 0)
    if not comma:
        return least, least, repeat.end()
    return least, int(high) if high else None, repeat.end()
