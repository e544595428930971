"""Expansion: content inside other content, scanned as if it were a file of its own.

One pipeline step (see pipeline.py) between the source and detection, so no source needs
to know: an item that is a container (a zip, a tar, a gzip stream, a SQLite database, a
PDF) is opened in memory and stands for its members (:mod:`falguard.expand.archives`): an
office document's XML parts are read as text (:mod:`falguard.expand.documents`), a PDF's
pages as their text layer (:mod:`falguard.expand.pdf`), and a page that is only images goes
to OCR (:mod:`falguard.expand.pictures`). Detection of every text item also decodes the base64 runs in it that may hide a fal key
(:mod:`falguard.expand.encoded`). Both are bounded (depth, count, bytes), so hostile input
costs at most the bounds.

A finding inside an archive is reported at ``archive.zip!/inner/.env``, in a PDF at
``report.pdf!/page/3`` (``MEMBER_SEP`` between the container's path and the member's name,
which is only ever a label: nothing is written to disk).

May import the shared values, :mod:`falguard.sources` (items), :mod:`falguard.detection` and
:mod:`falguard.rules`.
"""

from __future__ import annotations

#: Between an archive's path and a member's name in a finding's path.
MEMBER_SEP = "!/"


def outer_path(path: str) -> str:
    """The path of the outermost archive a member path names (the path itself otherwise)."""
    return path.partition(MEMBER_SEP)[0]


def member_suffix(path: str) -> str:
    """What a member path adds to its outermost archive's path (``""`` for a plain path)."""
    outer, sep, inner = path.partition(MEMBER_SEP)
    return sep + inner if sep else ""
