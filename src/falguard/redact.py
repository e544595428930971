"""Mask anything credential-shaped in free text before it is printed (errors, debug output)."""

from __future__ import annotations

from falguard.detection.detect import verdicts
from falguard.models import Origin


def redact(text: str) -> str:
    data = text.encode("utf-8", "surrogateescape")
    spans = [verdict for _, verdict in verdicts(data, Origin("<message>")) if verdict.sensitive]
    if not spans:
        return text
    out = bytearray()
    last = 0
    for verdict in sorted(spans, key=lambda v: v.start):
        if verdict.start < last:
            continue
        out += data[last : verdict.start]
        out += verdict.mask(verdict.secret, verdict.key_id).encode()
        last = verdict.end
    out += data[last:]
    return out.decode("utf-8", "surrogateescape")
