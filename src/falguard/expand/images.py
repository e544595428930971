"""Images as text: the expansion step's reading of screenshots (the ``images`` extra).

An item that is an image (PNG, JPEG, GIF's first frame, WebP, by magic bytes) stands for the
text an OCR engine reads in it, and a notebook (``.ipynb``) for itself and the images in its
outputs (base64 PNG and JPEG), each labelled ``notebook.ipynb!/output-N.png``. The text is
laid out as rows (line N of a finding is the Nth row of text from the top of the image) and
corrected where a key's shape forces the characters (:mod:`falguard.expand.ocrtext`), then
scanned as any file is.

Cost is bounded and said: the header's size turns away what cannot hold a key before any
decoding, a thumbnail turns away photographs (:mod:`falguard.expand.ocrengine`), and a scan reads
at most ``ImageBudget.images`` images and ``ImageBudget.megapixels`` megapixels; the rest is
counted in the summary (``images_over_budget``). Without the extra, images worth reading
are counted as not read (``images_not_read``), never skipped in silence. Nothing here
imports Pillow or the engine until an image worth reading is met.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from falguard.expand import MEMBER_SEP
from falguard.expand.imagekind import image_kind, image_size
from falguard.models import Summary
from falguard.sources import Item

#: An image whose longest side is shorter holds no readable key (a 36-character key id at
#: 5 pixels a character is 180 pixels wide): icons, badges, bullets.
MIN_LONG_SIDE = 160
#: An image shorter than this holds no line of text.
MIN_SHORT_SIDE = 10
#: Default bounds on one scan's OCR (``--max-images``, ``--max-image-megapixels``): at the
#: measured 0.2-0.5 s per screenshot, at most a few minutes.
MAX_IMAGES = 500
MAX_MEGAPIXELS = 1000

_NOTEBOOK_IMAGE = re.compile(rb'"image/(png|jpeg|gif|webp)"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_NOT_BASE64 = re.compile(rb'\\n|[\s",\[\]]')

#: Told as each image is read: (images read so far, the image's label).
Progress = Callable[[int, str], None]


class ImageBudget:
    """How many images and megapixels one scan may still read, and the engine once loaded."""

    def __init__(self, images: int = MAX_IMAGES, megapixels: int = MAX_MEGAPIXELS) -> None:
        self.images_left = images
        self.pixels_left = megapixels * 1_000_000
        self.engine: object | None = None
        self.progress: Progress | None = None

    def take(self, pixels: int) -> bool:
        if self.images_left <= 0 or pixels > self.pixels_left:
            return False
        self.images_left -= 1
        self.pixels_left -= pixels
        return True


#: The budgets of the scans whose expansion is running (the innermost last): what an image met
#: inside other content (a PDF page with no text) spends, through :func:`active_budget`.
_SPENDING: list[ImageBudget] = []
_OUTSIDE_A_SCAN = ImageBudget()


@contextmanager
def spending(budget: ImageBudget) -> Iterator[ImageBudget]:
    """While the expansion of one item runs, ``budget`` is the one :func:`active_budget` gives."""
    _SPENDING.append(budget)
    try:
        yield budget
    finally:
        _SPENDING.pop()


def active_budget() -> ImageBudget:
    return _SPENDING[-1] if _SPENDING else _OUTSIDE_A_SCAN


def may_hold_images(item: Item) -> bool:
    """An image, or a notebook with image outputs (cheap: magic bytes and a name)."""
    content = item.content
    if image_kind(content) is not None:
        return True
    return item.origin.path.endswith(".ipynb") and b'"image/' in content


def read_images(item: Item, summary: Summary, budget: ImageBudget) -> Iterator[Item]:
    """``item``'s text: an image's text read by OCR (nothing when it cannot be read), a
    notebook itself and then each image in its outputs. While it runs, ``budget`` is also the
    one images met inside other content spend (:func:`falguard.expand.ocr.read_image`)."""
    if image_kind(item.content) is not None:
        text = image_text(item.content, item.origin.path, summary, budget)
        if text is not None:
            yield item.replace(content=text, first_line=1)
        return
    yield item
    for index, data in enumerate(notebook_images(item.content), 1):
        label = f"{item.origin.path}{MEMBER_SEP}output-{index}.{image_kind(data) or 'image'}"
        text = image_text(data, label, summary, budget)
        if text is not None:
            yield item.replace(origin=item.origin.replace(path=label), content=text, added=None, first_line=1)


def worth_reading(size: tuple[int, int]) -> bool:
    width, height = size
    return max(width, height) >= MIN_LONG_SIDE and min(width, height) >= MIN_SHORT_SIDE


def notebook_images(content: bytes) -> Iterator[bytes]:
    """The images a notebook's outputs hold (``"image/png": "<base64>"``, or a list of lines)."""
    for match in _NOTEBOOK_IMAGE.finditer(content):
        try:
            data = base64.b64decode(_NOT_BASE64.sub(b"", match.group(2)), validate=True)
        except (binascii.Error, ValueError):
            continue
        if image_kind(data) is not None:
            yield data


def image_text(data: bytes, label: str, summary: Summary, budget: ImageBudget) -> bytes | None:
    """The corrected text of one image, or None (counted in ``summary``) when it is not read."""
    size = image_size(data)
    if size is not None and not worth_reading(size):
        summary.images_skipped += 1
        return None
    try:
        from falguard.expand import ocrengine as ocr
    except ImportError:  # the images extra is not installed
        summary.images_not_read += 1
        return None
    pixels = size[0] * size[1] if size else 0
    if not budget.take(min(pixels, ocr.MAX_SIDE * ocr.MAX_SIDE)):
        summary.images_over_budget += 1
        summary.skipped_paths.append(f"{label} (image past the scan's OCR limits)")
        return None
    try:
        image = ocr.prepared(data)
    except (OSError, ValueError, SyntaxError) as error:  # what Pillow raises for bytes it cannot decode
        summary.images_unreadable += 1  # the file was read; the text in it cannot be: said, not a failed read
        summary.skipped_paths.append(f"{label} (image could not be decoded: {type(error).__name__})")
        return None
    if image is None:
        summary.images_skipped += 1
        return None
    if not isinstance(budget.engine, ocr.Engine):
        budget.engine = ocr.Engine()
    from falguard.expand.ocrtext import corrected

    text = corrected("\n".join(row.text for row in ocr.rows_read(budget.engine, image)))
    summary.images_read += 1
    if budget.progress is not None:
        budget.progress(summary.images_read, label)
    return text.encode("utf-8")
