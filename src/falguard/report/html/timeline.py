"""A card's timeline as inline SVG: one point per event, evenly spaced, oldest on the left,
the present on the right. Every text is escaped; the drawing has no script, no link and no
style attribute (the page's stylesheet colours it by class). The whole sentence of each
point is in the list under the drawing ("Timeline as text"), not repeated in the drawing."""

from __future__ import annotations

from collections.abc import Sequence

from falguard.report.html.escape import esc
from falguard.report.html.view import Point

WIDTH = 760
HEIGHT = 118
#: A path under a point wraps at its slashes onto at most this many lines.
WHERE_LINES = 3
AXIS = 34
CHAR_WIDTH = 6.7  # of the 11px monospace labels, in the drawing's units
#: Widest characters of the 12px bold and 11px labels in proportional fonts (an upper bound):
#: a label that could be wider than its slot is fitted into it (``textLength``), never cut off.
LABEL_WIDTH, DATE_WIDTH = 8.0, 6.8
#: Past this many points the drawing keeps the first and the last ones (the list under it has all).
SHOWN = 9


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, the end kept (a path's file name matters most)."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _wrapped(text: str, limit: int) -> list[str]:
    """``text`` on lines of at most ``limit`` characters, broken after its slashes (a long
    name is broken inside): whole, unless it needs more than WHERE_LINES lines; then the
    lines that end it, the first starting with "…" (the full text is the point's tooltip)."""
    pieces = [piece for part in text.split("/") for piece in [part + "/"]]
    pieces[-1] = pieces[-1][:-1]
    lines: list[str] = []
    for piece in pieces:
        while len(piece) > limit:  # a name longer than a line: broken inside it
            piece, rest = piece[limit:], piece[:limit]
            lines.append(rest)
        if lines and len(lines[-1]) + len(piece) <= limit:
            lines[-1] += piece
        else:
            lines.append(piece)
    lines = [line for line in lines if line]
    if len(lines) > WHERE_LINES:
        lines = lines[-WHERE_LINES:]
        lines[0] = _shorten("…" + lines[0], limit)
    return lines


def _visible(points: Sequence[Point]) -> tuple[list[Point], int]:
    """The points drawn, and how many were left out between them."""
    if len(points) <= SHOWN:
        return list(points), 0
    head = (SHOWN - 1) // 2
    tail = SHOWN - 1 - head
    return [*points[:head], *points[-tail:]], len(points) - head - tail


def _fitted(text: str, per_char: float, slot: float) -> str:
    """SVG attributes that squeeze ``text`` into its slot when it might not fit."""
    room = slot - 8
    return f' textLength="{room:.0f}" lengthAdjust="spacingAndGlyphs"' if len(text) * per_char > room else ""


def _point(point: Point, x: float, room: int, slot: float) -> str:
    marker = (
        f'<rect class="pt pt-{esc(point.kind)}" x="{x - 7:.0f}" y="{AXIS - 7}" width="14" height="14" rx="3"/>'
        if point.kind == "now"
        else f'<circle class="pt pt-{esc(point.kind)}" cx="{x:.0f}" cy="{AXIS}" r="7"/>'
    )
    texts = [
        f'<text class="tl-date" x="{x:.0f}" y="{AXIS - 14}" text-anchor="middle"'
        f"{_fitted(point.date, DATE_WIDTH, slot)}>{esc(point.date)}</text>"
        if point.date
        else "",
        f'<text class="tl-label" x="{x:.0f}" y="{AXIS + 24}" text-anchor="middle"'
        f"{_fitted(point.label, LABEL_WIDTH, slot)}>{esc(point.label)}</text>",
        f'<text class="tl-where" x="{x:.0f}" y="{AXIS + 40}" text-anchor="middle"><title>{esc(point.where)}</title>'
        + "".join(
            f'<tspan x="{x:.0f}" dy="{0 if index == 0 else 13}">{esc(line)}</tspan>'
            for index, line in enumerate(_wrapped(point.where, room))
        )
        + "</text>",
    ]
    return marker + "".join(texts)


def svg(points: Sequence[Point], label: str) -> str:
    """The drawing; ``label`` names it for screen readers."""
    drawn, left_out = _visible(points)
    slot = WIDTH / len(drawn)  # each point's label stays inside its own slot: no overlaps
    xs = [slot * (index + 0.5) for index in range(len(drawn))]
    room = max(6, int(slot / CHAR_WIDTH) - 1)
    parts = [f'<line class="tl-axis" x1="{xs[0]:.0f}" y1="{AXIS}" x2="{xs[-1]:.0f}" y2="{AXIS}"/>']
    parts.extend(_point(point, x, room, slot) for point, x in zip(drawn, xs, strict=True))
    if left_out:
        middle = (xs[(SHOWN - 1) // 2 - 1] + xs[(SHOWN - 1) // 2]) / 2
        parts.append(
            f'<text class="tl-more" x="{middle:.0f}" y="{HEIGHT - 2}" text-anchor="middle">… {left_out} more …</text>'
        )
    return (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
