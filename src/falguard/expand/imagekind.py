"""What kind of image bytes are and how large, from their headers alone (no decoder, no copy).

Sources use :func:`image_kind` to let images through to the pipeline instead of skipping them
as binary; the image step (:mod:`falguard.expand.images`) uses :func:`image_size` to turn away
what cannot hold a readable key before anything decodes it.
"""

from __future__ import annotations

import struct

PNG = "png"
JPEG = "jpeg"
GIF = "gif"
WEBP = "webp"

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_GIF_MAGICS = (b"GIF87a", b"GIF89a")
# JPEG start-of-frame markers (baseline, progressive, lossless...; not DHT c4, JPG c8, DAC cc)
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def image_kind(data: bytes | bytearray, start: int = 0, end: int | None = None) -> str | None:
    """The image format of ``data[start:end]`` (png, jpeg, gif, webp), or None."""
    end = len(data) if end is None else end
    if data.startswith(_PNG_MAGIC, start, end):
        return PNG
    if data.startswith(_JPEG_MAGIC, start, end):
        return JPEG
    if data.startswith(_GIF_MAGICS, start, end):
        return GIF
    if data.startswith(b"RIFF", start, end) and data.startswith(b"WEBP", start + 8, end):
        return WEBP
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header, or None when the header cannot be read."""
    kind = image_kind(data)
    try:
        if kind == PNG and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if kind == GIF:
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if kind == WEBP:
            return _webp_size(data)
        if kind == JPEG:
            return _jpeg_size(data)
    except struct.error:
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG's segments to its start-of-frame, which holds the size."""
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in _SOF_MARKERS:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None
