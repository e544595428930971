"""The one way text from a scanned repository reaches the page: escaped.

File names, commit messages, author and ref names are attacker-controlled. Every piece of
text the page shows passes through :func:`esc`, in element content and in attribute values
alike (both quote characters are escaped), after control characters and the Unicode
direction overrides that could make a name read as something else are shown as escapes.
"""

from __future__ import annotations

import html
import re

from falguard.report import printable

#: Bidirectional controls (the "Trojan Source" characters): shown, never obeyed.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def esc(text: str) -> str:
    visible = _BIDI.sub(lambda match: f"\\u{ord(match.group()):04x}", printable(text))
    return html.escape(visible, quote=True)
