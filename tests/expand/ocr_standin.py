"""A stand-in for the images extra's OCR step, to test the interface a PDF page with no text
layer is handed through (falguard.expand.pictures): it checks that what it receives is a
PNG of a rendered page with something drawn on it, records it, and answers the text the test
put on the page's image (it reads no pixels: the OCR engine itself is tested with it)."""

from __future__ import annotations

import struct
import zlib

from falguard.models import Summary

#: What the test drew into the image (set by the test), and every call received.
TEXT_ON_THE_IMAGE: list[bytes] = []
CALLS: list[tuple[str, int, int, int]] = []  # (label, width, height, dark pixels)


def read_image(image: bytes, label: str, summary: Summary) -> bytes | None:
    width, height, pixels = _grey_png(image)
    dark = sum(1 for value in pixels if value < 128)
    CALLS.append((label, width, height, dark))
    return TEXT_ON_THE_IMAGE[0] if dark and TEXT_ON_THE_IMAGE else None


def _grey_png(image: bytes) -> tuple[int, int, bytes]:
    """Width, height and pixels of an 8-bit greyscale PNG whose rows use filter 0."""
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", image[16:26])
    assert (depth, colour) == (8, 0)
    start = image.index(b"IDAT") + 4
    length = struct.unpack(">I", image[start - 8 : start - 4])[0]
    rows = zlib.decompress(image[start : start + length])
    assert len(rows) == height * (width + 1)
    return width, height, b"".join(rows[r * (width + 1) + 1 : (r + 1) * (width + 1)] for r in range(height))
