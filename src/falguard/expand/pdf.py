"""The pages of a PDF: the text layer of each, and for a page that has none but images (a
scanned page, a screenshot printed to PDF), the page as an image for the OCR step.

PDFium (Chrome's PDF engine, through the ``pypdfium2`` wheel) reads the document: it
inflates the compressed content streams, maps glyphs back to characters through the fonts'
ToUnicode tables and orders the text as laid out. It is imported the first time a PDF is
met, never on a scan that has none (the pre-commit hook's start-up path stays as it was).
Measured in docs/documents-and-images.md: an 85 ms import and 1-2 ms a page, against 200 ms
and 10-15 ms for the pure-Python ``pypdf``.

A browser breaks a long token after a hyphen when it wraps a line, so a key's UUID can
end one line and go on at the next (``...-4c8a-af02-`` / ``c09b07098c0d:<secret>``): a line
that ends in a hyphen after a letter or digit is joined to the next one when that starts
with a letter or digit, as the reader would read it. PDFium itself joins some of these
lines, marking the hyphen it took for a soft one with U+FFFE: that mark is read back as
the hyphen the page shows.
"""

from __future__ import annotations

import importlib
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from falguard.models import Value, _set

#: Points are 1/72 inch: a page is rendered for OCR at 144 dpi (an A4 page: 1190 x 1684).
RENDER_SCALE = 2.0
#: What reading a PDF may raise when it is corrupt, encrypted or hostile.
UNREADABLE: tuple[type[BaseException], ...] = (RuntimeError, ValueError, OSError, MemoryError)

_WRAPPED = re.compile(r"(?<=[0-9A-Za-z]-)\r?\n(?=[0-9A-Za-z])")
_LINE_END_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen at a line's end it joined to the next line
_PAGE_OBJECT_IMAGE = 3  # FPDF_PAGEOBJ_IMAGE


class PdfUnavailable(Exception):
    """The PDF engine (``pypdfium2``) is not installed: PDFs cannot be read."""


class Page(Value):
    """One page: its number (from 1) of how many, its text layer, and for a page with no text
    but images, how to render it as a PNG image (None otherwise; valid until the next page)."""

    __slots__ = ("number", "count", "text", "picture")
    number: int
    count: int
    text: bytes
    picture: Callable[[], bytes] | None

    def __init__(self, number: int, count: int, text: bytes, picture: Callable[[], bytes] | None = None) -> None:
        _set(self, "number", number)
        _set(self, "count", count)
        _set(self, "text", text)
        _set(self, "picture", picture)


def pages(data: bytes) -> Iterator[Page]:
    """Every page of the PDF ``data`` is, in order (raises one of :data:`UNREADABLE` when the
    document cannot be opened, :class:`PdfUnavailable` when there is no engine to open it)."""
    pdfium = _engine()
    document = pdfium.PdfDocument(data)
    try:
        count = len(document)
        for index in range(count):
            page = document[index]
            try:
                yield _page(page, index + 1, count)
            finally:
                page.close()
    finally:
        document.close()


def page_text(raw: str) -> bytes:
    """A page's text as scanned: one ``\\n`` per line, lines a browser wrapped after a hyphen joined."""
    text = raw.replace("\r\n", "\n").replace(_LINE_END_HYPHEN, "-")
    return _WRAPPED.sub("", text).encode("utf-8", "backslashreplace")


def _page(page: Any, number: int, count: int) -> Page:
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_range()
    finally:
        textpage.close()
    text = page_text(raw)
    if text.strip() or not _has_image(page):
        return Page(number, count, text)
    return Page(number, count, text, lambda: _rendered(page))


def _has_image(page: Any) -> bool:
    return any(obj.type == _PAGE_OBJECT_IMAGE for obj in page.get_objects(max_depth=2))


def _rendered(page: Any) -> bytes:
    """The page in shades of grey, as a PNG file's bytes (what any OCR engine reads)."""
    bitmap = page.render(scale=RENDER_SCALE, grayscale=True)
    try:
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        pixels = bytes(bitmap.buffer)
    finally:
        bitmap.close()
    return png_grey(width, height, pixels, stride)


def png_grey(width: int, height: int, pixels: bytes, stride: int) -> bytes:
    """An 8-bit greyscale PNG of ``pixels`` (rows of ``stride`` bytes, ``width`` of them used)."""
    rows = b"".join(b"\0" + pixels[row * stride : row * stride + width] for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def _engine() -> Any:
    try:
        return importlib.import_module("pypdfium2")
    except ImportError as error:
        raise PdfUnavailable(str(error)) from error
