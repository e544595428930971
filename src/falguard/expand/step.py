"""The expansion step of the pipeline: one source item in, every finding inside it out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from falguard.expand.archives import Limits, expanded
from falguard.expand.encoded import Decoder, encoded_findings, one_pass
from falguard.expand.images import ImageBudget, may_hold_images, read_images, spending
from falguard.models import Summary, Value, _set
from falguard.sources import Item

if TYPE_CHECKING:
    from falguard.detection.facts import Finding

#: Content up to this size goes to detection only when the prefilter admits it (the test
#: lowers a copy of it); larger content goes to detection, which lowers it a chunk at a time.
GATED_UP_TO = 1 << 20
#: Items the history scan read from git objects (blobs, commit and tag messages): its reader
#: has passed them through the prefilter already, so they go to detection as they are.
PREFILTERED_KINDS = frozenset({"blob", "commit", "tag"})


class Expansion(Value):
    """How the pipeline looks inside items: decoding, the bounds on archives, and the scan's
    budget for reading images (which it spends: one budget per scan)."""

    __slots__ = ("decoder", "limits", "images")
    decoder: Decoder
    limits: Limits
    images: ImageBudget

    def __init__(self, decoder: Decoder, limits: Limits = Limits(), images: ImageBudget | None = None) -> None:
        _set(self, "decoder", decoder)
        _set(self, "limits", limits)
        _set(self, "images", ImageBudget() if images is None else images)

    def findings(self, item: Item, summary: Summary) -> list[Finding]:
        """Detection on ``item``, or on each member when it is a container, plain and base64-decoded."""
        found: list[Finding] = []
        for part in self._parts(item, summary):
            if not part.content:
                continue
            gated = part.kind not in PREFILTERED_KINDS and len(part.content) <= GATED_UP_TO
            if gated and not self.decoder.prefilter.may_match(part.content):
                plain, scanned = [], None  # content the prefilter turns away holds nothing any rule finds
            else:
                scanned = part.scanned if part.scanned is not None else one_pass(part.content, self.decoder)
                plain = self._detected(part, None if scanned is None else scanned[0])
            anchored = None if scanned is None else scanned[1]
            encoded = encoded_findings(
                part.content, part.origin, self.decoder, summary, first_line=part.first_line, anchored=anchored
            )
            found.extend(_unshadowed(plain, encoded) if encoded else plain)
            found.extend(encoded)
        return found

    def _parts(self, item: Item, summary: Summary) -> Iterator[Item]:
        """``item``, or each member of it when it is a container; an image as its text (an
        image inside a member, a PDF's page, spends this scan's image budget too)."""
        with spending(self.images):
            for part in expanded(item, summary, self.limits):
                if may_hold_images(part):
                    yield from read_images(part, summary, self.images)
                else:
                    yield part

    def _detected(self, part: Item, finder_hits: dict[bytes, list[int]] | None) -> list[Finding]:
        """Detection on ``part``'s own bytes (which the prefilter has admitted: content it turns
        away costs no rule and loads no rule module, so a clean commit in the pre-commit hook
        never builds the rules), with its finders' hits when a pass has found them."""
        from falguard.detection.detect import detect

        return detect(
            part.content, part.origin, self.decoder.rules, first_line=part.first_line, finder_hits=finder_hits
        )


def _unshadowed(plain: list[Finding], encoded: list[Finding]) -> list[Finding]:
    """Plain findings, less those of the encoded value itself (``FAL_KEY: <base64>`` seen as a
    random value under a fal name) where the decoded key is reported instead."""
    spans = {(f.line, f.column, f.end_column or f.column) for f in encoded}

    def shadowed(finding: Finding) -> bool:
        end = finding.end_column or finding.column
        return any(line == finding.line and finding.column < hi and lo < end for line, lo, hi in spans)

    return [finding for finding in plain if not (finding.secret.sensitive and shadowed(finding))]
