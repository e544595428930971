"""Base64 that hides a fal key: a Kubernetes Secret's ``data:``, a ``.dockerconfigjson``
blob, a ``*_TOKEN: <base64>``, base64 in JSON, base64 of base64.

Quick rejection first, so hostile input stays linear: only runs of the base64 alphabet
(standard or URL-safe) of plausible length, in both letter cases, are decoded; a decoded
run is scanned only when the prefilter admits it (it holds a fal key's anchor bytes) and
searched for base64 of its own only up to ``MAX_DEPTH`` levels; and one item decodes at
most ``MAX_DECODED`` bytes in all (an item that reaches it is counted in the summary).

A decoded key is reported by the rule that finds it in plain text (same rule id, so the
same fingerprint, baseline entry and allow entry), with a message saying it was
base64-encoded, at the position of the encoded value in the original content.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from falguard.detect import detect
from falguard.models import Finding, Origin, Summary
from falguard.positions import Cursor, width
from falguard.prefilter import Prefilter
from falguard.rules import Rule
from falguard.suppress import line_allows, suppression_for

#: The shortest run decoded: base64 of the shortest fal key (``fal_`` and 16 characters).
MIN_RUN = 24
#: The longest run decoded (64 KiB of base64: a whole env file or a Docker config, not an image).
MAX_RUN = 64 * 1024
#: Base64 inside decoded base64 is decoded this many levels deep.
MAX_DEPTH = 3
#: Bytes one item may decode in all, every level together.
MAX_DECODED = 4 * 1024 * 1024

# a run of the alphabet, not inside a longer word; its length is judged after the match,
# so a megabyte-long run is one match rejected at once, never rescanned from each position
_RUN = re.compile(rb"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{" + str(MIN_RUN).encode() + rb",}={0,2}")
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_LEVELS = {1: "base64-encoded", 2: "base64-encoded twice"}


@dataclass
class _Budget:
    left: int = MAX_DECODED


@dataclass(frozen=True)
class Decoder:
    """What decoding needs: the rules that judge decoded text and the prefilter that admits it."""

    rules: Sequence[Rule]
    prefilter: Prefilter


def encoded_findings(
    content: bytes, origin: Origin, decoder: Decoder, summary: Summary, *, first_line: int = 1
) -> list[Finding]:
    """Findings of fal keys that ``content`` holds only base64-encoded, at the encoded values."""
    budget = _Budget()
    found: list[Finding] = []
    cursor: Cursor | None = None
    for match in _runs(content):
        inner = _decoded_findings(match.group(), origin, decoder, budget, 1)
        if inner:
            cursor = cursor or Cursor(content, first_line)
            found.extend(_relocated(inner, content, cursor, match.start(), match.end()))
        if budget.left <= 0:
            summary.encoded_over_budget += 1
            summary.skipped_paths.append(f"{origin.path} (base64 decoded up to {MAX_DECODED} bytes, no further)")
            break
    return found


def _runs(content: bytes) -> Iterator[re.Match[bytes]]:
    for match in _RUN.finditer(content):
        size = match.end() - match.start()
        if size > MAX_RUN or size % 4 == 1:
            continue
        run = match.group()
        if run.lower() == run or run.upper() == run:
            continue  # base64 of text has both letter cases; words and hex have one
        yield match


def decode(run: bytes) -> bytes | None:
    """The bytes a base64 run (standard or URL-safe, padded or not) stands for, or None."""
    body = run.rstrip(b"=")
    if b"-" in body or b"_" in body:
        if b"+" in body or b"/" in body:
            return None  # two alphabets at once: not base64
        body = body.translate(_URLSAFE)
    try:
        return binascii.a2b_base64(body + b"=" * (-len(body) % 4), strict_mode=True)
    except binascii.Error:
        return None


def _decoded_findings(run: bytes, origin: Origin, decoder: Decoder, budget: _Budget, depth: int) -> list[Finding]:
    """Credential findings in what ``run`` decodes to, at every level below it (decoded positions)."""
    decoded = decode(run)
    if decoded is None or budget.left <= 0:
        return []
    budget.left -= len(decoded)
    found: list[Finding] = []
    if decoder.prefilter.may_match(decoded):
        found = [
            replace(finding, message=f"{finding.message} ({_LEVELS.get(depth, f'base64-encoded {depth} times')})")
            for finding in detect(decoded, origin, decoder.rules)
            if _is_credential(finding, decoder.rules)
        ]
    if depth < MAX_DEPTH:
        for match in _runs(decoded):
            inner = _decoded_findings(match.group(), origin, decoder, budget, depth + 1)
            found.extend(replace(finding, line=1, column=1) for finding in inner)
    return found


def _is_credential(finding: Finding, rules: Sequence[Rule]) -> bool:
    return any(rule.id == finding.rule and rule.credential for rule in rules)


def _relocated(found: list[Finding], content: bytes, cursor: Cursor, start: int, end: int) -> Iterator[Finding]:
    """Decoded findings moved to the encoded value (``content[start:end]``), with its line's allow comments."""
    line, line_start, column = cursor.move(start)
    allows = line_allows(content, line_start)
    line_end = content.find(b"\n", start, end)
    end_column = column + width(content, start, end if line_end == -1 else line_end)
    for finding in found:
        yield replace(
            finding,
            line=line,
            column=column,
            end_column=end_column,
            suppression=finding.suppression or suppression_for(allows, finding.rule),
        )
