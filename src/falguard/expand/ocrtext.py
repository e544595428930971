"""Text read from an image, laid out as rows and corrected where a fal key's shape says how.

An OCR engine gives boxes of text. :func:`page_rows` puts them in reading order: boxes whose
vertical centres are close form a row, left to right, joined by one space when they nearly
touch and by two (a column gap) otherwise. :func:`corrected` then undoes OCR's confusions,
but only inside what has a key's shape, where the shape forces each character's class:

- ``<uuid v4>:<32 hex>``: every character of the groups is a hex digit, so ``O/o/Q/ø/θ/@ -> 0``,
  ``I/l/i/| -> 1``, ``S/s -> 5``, ``B -> 8``, ``Z/z -> 2``, ``G -> 6``, ``g/q -> 9``, upper
  case to lower case, the version digit is ``4``; a space OCR put inside a group or a line
  break inside the secret is dropped (the rows keep their count, so line numbers hold);
- a lone UUID (a key id) the same way, and a lone run of 32 characters that is nearly all hex
  already (at most 4 confusions: the secret half of a split pair);
- ``fal_``: a ``fal`` read with ``I/1/|``, a ``-`` or a space for the ``_``;
- names: ``FAL KEY`` for ``FAL_KEY`` (and ``_ID``/``_SECRET``), and a row that is a label cell
  and a value cell (``FAL_KEY_SECRET    <hex>``) reads as ``label: value``.

Nothing else is changed: words, placeholders and masked keys stay as they were read, so the
rules judge them as they judge any text. Pure functions: no engine, no image.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: What OCR prints for a hex digit, and the digit it stands for (hex letters: their lower case);
#: a monospace font's slashed or dotted zero reads as ``ø``/``θ``/``@``, and Cyrillic look-alikes too.
_AS_HEX = str.maketrans(
    "OoQøØθΘОо@Il|i!ІіSsBВZzGgqACDEF",
    "0" * 10 + "1" * 7 + "55" + "88" + "22" + "6" + "99" + "acdef",
)
_H = "[0-9a-fA-FOoQøØθΘОо@Il|i!ІіSsBВZzGgq]"
_DASH = " ?[-\u2010\u2011\u2012\u2013\u2014_~] ?"


def _group(count: int, between: str = " ?") -> str:
    return f"(?:{_H}{between}){{{count - 1}}}{_H}"


_UUID = _DASH.join(_group(n) for n in (8, 4, 4, 4, 12))
_BREAK = "[ \\n]?"  # a space OCR added, or the line the key wrapped at
_KEY = re.compile(
    f"(?<![0-9A-Za-z])(?P<id>{_UUID}){_BREAK}[:;\uff1a]{_BREAK}(?P<secret>{_group(32, _BREAK)})(?![0-9a-fA-F])"
)
_LONE_UUID = re.compile(f"(?<![0-9A-Za-z-])({_UUID})(?![0-9A-Za-z])")
_LONE_HEX32 = re.compile(f"(?<![0-9A-Za-z])({_H}{{32}})(?![0-9A-Za-z])")
_FAL_PREFIX = re.compile(r"(?<![A-Za-z0-9])[fF][aA][lI1|][ ]?[-_ ][ ]?(?=[A-Za-z0-9]{16})")
_FAL_NAME = re.compile(r"(?<![A-Za-z0-9])FAL[ _]?KEY(?:[ _]?(ID|[lI1]D|SECRET))?(?![A-Za-z0-9])")
_LABEL_CELL = re.compile(r"^(\s*[A-Za-z_][A-Za-z0-9_.-]{2,})  (?=\S)", re.M)
_MAX_CONFUSIONS = 4
#: A key read with a character lost or doubled: a group one short or one long.
_DAMAGED_KEY = re.compile(
    f"(?<![0-9A-Za-z]){_H}{{7,9}}{_DASH}{_H}{{3,5}}{_DASH}{_H}{{3,5}}{_DASH}{_H}{{3,5}}{_DASH}{_H}{{11,13}}"
    f"{_BREAK}[:;\uff1a]{_BREAK}{_H}{{31,33}}(?![0-9a-fA-F])"
)


class Row:
    """One row of text in an image, with the pixels it spans."""

    __slots__ = ("text", "top", "bottom", "left", "right")

    def __init__(self, text: str, top: int, bottom: int, left: int, right: int) -> None:
        self.text, self.top, self.bottom, self.left, self.right = text, top, bottom, left, right

    def region(self) -> str:
        return f"x {self.left}-{self.right}, y {self.top}-{self.bottom}"


Box = tuple[str, Sequence[Sequence[float]]]  # text, and its four corners


def page_rows(boxes: Sequence[Box]) -> list[Row]:
    """The boxes in reading order, as rows of text."""
    placed = []
    for text, corners in boxes:
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        placed.append((min(ys), max(ys), min(xs), max(xs), text))
    placed.sort(key=lambda box: (box[0] + box[1]) / 2)
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for box in placed:
        centre, height = (box[0] + box[1]) / 2, box[1] - box[0]
        if rows:
            last = rows[-1]
            last_centre = sum((b[0] + b[1]) / 2 for b in last) / len(last)
            if abs(centre - last_centre) < max(height, last[0][1] - last[0][0]) / 2:
                last.append(box)
                continue
        rows.append([box])
    return [_row(sorted(row, key=lambda box: box[2])) for row in rows]


def _row(boxes: list[tuple[float, float, float, float, str]]) -> Row:
    parts: list[str] = []
    for index, (_, _, left, _right, text) in enumerate(boxes):
        if index:
            previous = boxes[index - 1]
            char_width = (previous[3] - previous[2]) / max(1, len(previous[4]))
            parts.append(" " if left - previous[3] < 1.5 * char_width else "  ")
        parts.append(text)
    top, bottom = min(b[0] for b in boxes), max(b[1] for b in boxes)
    left, right = min(b[2] for b in boxes), max(b[3] for b in boxes)
    return Row("".join(parts), round(top), round(bottom), round(left), round(right))


def page_text(boxes: Sequence[Box]) -> str:
    return "\n".join(row.text for row in page_rows(boxes))


def damaged_key(row: str) -> bool:
    """Whether ``row`` holds what looks like a key read with a character lost or added: a
    row worth reading again, larger (see :mod:`falguard.expand.ocrengine`)."""
    return _DAMAGED_KEY.search(row) is not None and _KEY.search(row) is None


def keys_in(row: str) -> list[str]:
    """The ``<uuid>:<32 hex>`` keys in ``row``, corrected, in order."""
    return [_whole_key(match).rstrip("\n") for match in _KEY.finditer(row)]


def agreed(readings: Sequence[str]) -> str:
    """The first reading, with each key in it taken character by character from what most
    readings of the row say (readings with a different number of keys have no vote)."""
    first = corrected(readings[0])
    keys = [keys_in(reading) for reading in readings]
    voters = [found for found in keys if len(found) == len(keys[0])]
    for index, key in enumerate(keys[0]):
        chars = [max(set(column), key=column.count) for column in zip(*(found[index] for found in voters), strict=True)]
        first = first.replace(key, "".join(chars), 1)
    return first


def corrected(text: str) -> str:
    """``text`` with OCR's confusions undone where a key's shape forces the characters."""
    text = _KEY.sub(_whole_key, text)
    text = _LONE_UUID.sub(lambda m: _uuid(m.group(1)), text)
    text = _LONE_HEX32.sub(_lone_hex, text)
    text = _FAL_PREFIX.sub("fal_", text)
    text = _FAL_NAME.sub(_fal_name, text)
    return _LABEL_CELL.sub(lambda m: m.group(1) + ": ", text)


def _uuid(read: str) -> str:
    digits = _hex(re.sub(f"{_DASH}", "", read).replace(" ", ""))
    groups = [digits[:8], digits[8:12], "4" + digits[13:16], digits[16:20], digits[20:32]]
    return "-".join(groups)


def _hex(read: str) -> str:
    return read.translate(_AS_HEX).lower()


def _whole_key(match: re.Match[str]) -> str:
    secret = match.group("secret")
    breaks = match.group(0).count("\n")
    return f"{_uuid(match.group('id'))}:{_hex(secret.replace(' ', '').replace(chr(10), ''))}" + "\n" * breaks


def _lone_hex(match: re.Match[str]) -> str:
    read = match.group(1)
    confusions = sum(1 for c in read if c not in "0123456789abcdefABCDEF")
    return _hex(read) if confusions <= _MAX_CONFUSIONS else read


def _fal_name(match: re.Match[str]) -> str:
    suffix = match.group(1)
    if suffix is None:
        return "FAL_KEY"
    return "FAL_KEY_SECRET" if suffix == "SECRET" else "FAL_KEY_ID"
