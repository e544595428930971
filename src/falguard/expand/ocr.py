"""The OCR step's entry for images met inside other content (a PDF page with no text layer):
``read_image(image, label, summary)``, the interface :mod:`falguard.expand.pictures` names.

Importing this module raises ImportError when the ``images`` extra is not installed (the
caller then counts the image as not read). An image read here goes through the same checks,
bounds and correction as a screenshot file (:func:`falguard.expand.images.image_text`) and
spends the running scan's image budget.
"""

from __future__ import annotations

from falguard.expand import ocrengine  # noqa: F401  (raises ImportError without the images extra)
from falguard.expand.images import active_budget, image_text
from falguard.models import Summary


def read_image(image: bytes, label: str, summary: Summary, /) -> bytes | None:
    """The corrected text read from ``image`` (an image file's bytes), reported at ``label``;
    None when it is not read (too small, a photograph, past the limits: counted in ``summary``)."""
    return image_text(image, label, summary, active_budget())
