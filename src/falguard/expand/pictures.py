"""Images met inside other content (a PDF page with no text layer), and the reader that turns
one into text to scan: the OCR step of the ``images`` extra, when it is installed.

The interface is one function, ``read_image(image, label, summary) -> bytes | None``, in the
module named by :data:`READER`: ``image`` is an image file's bytes (PNG for a rendered PDF
page), ``label`` where it is (``report.pdf!/page/3``), and the answer the text read from it
(scanned and reported at ``label``), or None when nothing was read (the reader counts in
``summary`` what it read and skipped). Without the extra (the module, or what it imports,
is missing) every such image is counted in ``Summary.images_not_read``: never silently
skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol

from falguard.models import Summary

#: The module that provides ``read_image`` (it raises ImportError when the extra is absent).
READER = "falguard.expand.ocr"


class ImageReader(Protocol):
    def __call__(self, image: bytes, label: str, summary: Summary, /) -> bytes | None: ...


def image_reader() -> ImageReader | None:
    """The OCR step's ``read_image``, or None when the ``images`` extra is not installed."""
    try:
        module = importlib.import_module(READER)
    except ImportError:
        return None
    reader: ImageReader | None = getattr(module, "read_image", None)
    return reader


def read_or_count(image: Callable[[], bytes], label: str, summary: Summary) -> bytes | None:
    """The text of the image ``image()`` makes when a reader is installed; else None, counted
    as not read (and the image never made: rendering a page costs time only OCR repays)."""
    reader = image_reader()
    if reader is None:
        summary.images_not_read += 1
        return None
    return reader(image(), label, summary)
