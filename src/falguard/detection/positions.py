"""Byte offsets to lines and columns: the one place positions are computed.

Lines count from 1 and columns are characters from 1 (undecodable bytes count as one each),
as editors, SARIF and GitHub annotations expect.
"""

from __future__ import annotations


def width(content: bytes, start: int, end: int) -> int:
    """Characters between two byte offsets."""
    text = content[start:end]
    return len(text) if text.isascii() else len(text.decode("utf-8", "replace"))  # ASCII: one byte each


def span_end(content: bytes, start: int, end: int, line: int, column: int, line_end: int) -> tuple[int, int]:
    """(line, column just past it) of the end of ``content[start:end]``, a span starting at
    ``line`` and ``column`` on a line that ends at ``line_end`` (-1: at the content's end).
    A span going on past its line (a key joined from pieces on several lines) ends on its
    last piece's line; line breaks ending a span are not part of it."""
    if line_end == -1 or end <= line_end:
        return line, column + width(content, start, end)
    stop = end
    while stop > start and content[stop - 1] in b"\r\n":
        stop -= 1
    newlines = content.count(b"\n", start, stop)
    if not newlines:  # only line breaks after the line's end: the span ends with its line
        return line, column + width(content, start, line_end)
    return line + newlines, width(content, content.rfind(b"\n", start, stop) + 1, stop) + 1


def line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def position(content: bytes, offset: int) -> tuple[int, int, int]:
    """(line, column, offset of the line's start) of one byte offset."""
    line_start = content.rfind(b"\n", 0, offset) + 1
    return line_of(content, offset), width(content, line_start, offset) + 1, line_start


class Cursor:
    """Positions of increasing offsets, found in one pass over the content: a 50 MB single
    line with thousands of findings is read once, not once per finding. An offset before
    the last one starts the count again."""

    def __init__(self, content: bytes, first_line: int = 1) -> None:
        self.content, self.first_line = content, first_line
        self._reset()

    def _reset(self) -> None:
        self.line, self.line_start = self.first_line, 0
        self.offset, self.column = 0, 1  # the column at ``offset``

    def move(self, offset: int) -> tuple[int, int, int]:
        """(line, offset of the line's start, column) of ``offset``."""
        if offset < self.offset:
            self._reset()
        content = self.content
        newlines = content.count(b"\n", self.offset, offset)
        if newlines:
            self.line += newlines
            self.line_start = content.rfind(b"\n", self.offset, offset) + 1
            self.offset, self.column = self.line_start, 1
        self.column += width(content, self.offset, offset)
        self.offset = offset
        return self.line, self.line_start, self.column

    def line_of(self, offset: int) -> int:
        return self.move(offset)[0]
