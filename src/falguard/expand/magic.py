"""What kind of container bytes are, from their magic bytes alone (no parsing, no copy).

A PDF counts as one: its pages are its members (:mod:`falguard.expand.pdf`)."""

from __future__ import annotations

ZIP = "zip"
TAR = "tar"
GZIP = "gzip"
SQLITE = "sqlite"
PDF = "pdf"

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive's end record
_GZIP_MAGIC = b"\x1f\x8b\x08"  # deflate, the only method gzip defines
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PDF_MAGIC = b"%PDF-"  # the header every PDF starts with (readers tolerate junk before it; we do not)
_TAR_MAGIC_AT = 257  # "ustar" (POSIX and GNU) in the first header
_TAR_MAGIC = b"ustar"


def container_kind(data: bytes | bytearray, start: int = 0, end: int | None = None) -> str | None:
    """The container ``data[start:end]`` is (zip, tar, gzip, sqlite, pdf), or None."""
    end = len(data) if end is None else end
    if data.startswith(_ZIP_MAGIC, start, end):
        return ZIP
    if data.startswith(_GZIP_MAGIC, start, end):
        return GZIP
    if data.startswith(_SQLITE_MAGIC, start, end):
        return SQLITE
    if data.startswith(_PDF_MAGIC, start, end):
        return PDF
    if data.startswith(_TAR_MAGIC, start + _TAR_MAGIC_AT, end):
        return TAR
    return None
