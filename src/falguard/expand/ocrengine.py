"""The OCR engine behind the ``images`` extra, and the cheap checks before it runs.

The engine is RapidOCR's native build (``rapidocrlite`` on the package index, imported as
``rapidocr``) with its lite models, which ship inside its wheel: it loads them from its own
folder and never downloads (chosen by measurement, see docs/documents-and-images.md). It is
imported only when a scan meets an image worth reading, never on the hook's start-up path;
importing this module raises ImportError when the extra is not installed.

:func:`prepared` decodes an image with Pillow (the first frame of a GIF), turns away a
photograph (most of its pixels in no few flat colours) and shrinks very large images to at
most :data:`MAX_SIDE` pixels on the long side.
"""

from __future__ import annotations

import io
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from falguard.expand.ocrtext import Box, Row, agreed, damaged_key, keys_in, page_rows

if TYPE_CHECKING:
    from PIL.Image import Image

if find_spec("rapidocr") is None or find_spec("PIL") is None:
    raise ImportError("the images extra is not installed: pip install 'falguard-scanner[images]'")

#: The longest side an image is read at; larger images are scaled down to it first.
MAX_SIDE = 2560
#: A screenshot is mostly a few flat colours (background, panels); a photograph is not. Share
#: of a 96x96 thumbnail's pixels in its 6 commonest colours (32 levels a channel), below which
#: an image is taken for a photograph: screenshots measured 0.93-0.999, photographs 0.06-0.15.
FLAT_SHARE = 0.30


def flat_share(image: Image) -> float:
    """Share of the pixels of a small thumbnail in its 6 commonest colours (coarsely binned)."""
    thumb = image.convert("RGB")
    thumb.thumbnail((96, 96))
    binned = thumb.point(lambda value: value & 0xF8)
    colours = binned.getcolors(96 * 96) or []
    counts = sorted((count for count, _ in colours), reverse=True)
    return sum(counts[:6]) / max(1, thumb.width * thumb.height)


def prepared(data: bytes) -> Image | None:
    """The image to read (RGB, first frame, at most MAX_SIDE), or None for a photograph.

    Raises ``OSError`` or ``ValueError`` (Pillow's) for bytes that do not decode."""
    from PIL import Image as PillowImage

    PillowImage.MAX_IMAGE_PIXELS = 64_000_000  # a decompression bomb is refused, never decoded
    opened = PillowImage.open(io.BytesIO(data))
    opened.seek(0)
    image = opened.convert("RGB")
    if flat_share(image) < FLAT_SHARE:
        return None
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), PillowImage.Resampling.LANCZOS)
    return image


class Engine:
    """RapidOCR with its bundled lite models, loaded on first use (about 0.5 s)."""

    def __init__(self) -> None:
        self._ocr: Any = None

    def read(self, image: Image) -> list[Box]:
        """Every box of text in ``image``: its text and its four corners, in pixels."""
        if self._ocr is None:
            self._ocr = _load()
        output = self._ocr(image)
        if output.txts is None:
            return []
        return [
            (str(text), [(float(x), float(y)) for x, y in box])
            for text, box in zip(output.txts, output.boxes, strict=True)
        ]


def rows_read(engine: Engine, image: Image) -> list[Row]:
    """The rows of text in ``image``. A row holding a key is read twice more, at 1.5 and 2
    times the size, and each key's characters taken by majority (a lone misreading of one
    hex digit as another, which no shape can catch, is outvoted); a row holding a key read
    with a character lost or added is read again at twice the size, and that reading kept
    when it has a key's shape."""
    rows = page_rows(engine.read(image))
    for index, row in enumerate(rows):
        if damaged_key(row.text):
            again = _read_again(engine, image, row, 2.0)
            if not damaged_key(again):
                rows[index] = row = Row(again, row.top, row.bottom, row.left, row.right)
        if keys_in(row.text):
            readings = [row.text, *(_read_again(engine, image, row, scale) for scale in (1.5, 2.0))]
            rows[index] = Row(agreed(readings), row.top, row.bottom, row.left, row.right)
    return rows


def _read_again(engine: Engine, image: Image, row: Row, scale: float) -> str:
    """The text in ``row``'s part of ``image`` (with a margin), read at ``scale`` times the size."""
    from PIL import Image as PillowImage

    margin = max(4, (row.bottom - row.top) // 2)
    box = (max(0, row.left - margin), max(0, row.top - margin), row.right + margin, row.bottom + margin)
    crop = image.crop(box)
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), PillowImage.Resampling.LANCZOS)
    return " ".join(again.text for again in page_rows(engine.read(crop)))


def _load() -> Any:
    import logging

    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    params = {
        "Det.model_type": "lite",  # the models inside the wheel: nothing to download
        "Rec.model_type": "lite",
        "Global.use_cls": False,  # screenshots are upright
        "Global.log_level": "error",
    }
    return RapidOCR(params=params)
