"""A card's timeline as inline SVG: one point per event, evenly spaced, oldest on the left,
the present on the right. Every text is escaped; the drawing has no script, no link and no
style attribute (the page's stylesheet colours it by class). The whole sentence of each
point is in the list under the drawing ("Timeline as text"), not repeated in the drawing."""

from __future__ import annotations

from collections.abc import Sequence

from falguard.report.html.escape import esc
from falguard.report.html.view import Point

WIDTH = 760
HEIGHT = 92
AXIS = 34
CHAR_WIDTH = 6.7  # of the 11px monospace labels, in the drawing's units
#: Past this many points the drawing keeps the first and the last ones (the list under it has all).
SHOWN = 9


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, the end kept (a path's file name matters most)."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _visible(points: Sequence[Point]) -> tuple[list[Point], int]:
    """The points drawn, and how many were left out between them."""
    if len(points) <= SHOWN:
        return list(points), 0
    head = (SHOWN - 1) // 2
    tail = SHOWN - 1 - head
    return [*points[:head], *points[-tail:]], len(points) - head - tail


def _point(point: Point, x: float, room: int) -> str:
    marker = (
        f'<rect class="pt pt-{esc(point.kind)}" x="{x - 7:.0f}" y="{AXIS - 7}" width="14" height="14" rx="3"/>'
        if point.kind == "now"
        else f'<circle class="pt pt-{esc(point.kind)}" cx="{x:.0f}" cy="{AXIS}" r="7"/>'
    )
    texts = [
        f'<text class="tl-date" x="{x:.0f}" y="{AXIS - 14}" text-anchor="middle">{esc(point.date)}</text>'
        if point.date
        else "",
        f'<text class="tl-label" x="{x:.0f}" y="{AXIS + 24}" text-anchor="middle">{esc(point.label)}</text>',
        f'<text class="tl-where" x="{x:.0f}" y="{AXIS + 40}" text-anchor="middle">{esc(_shorten(point.where, room))}</text>',
    ]
    return marker + "".join(texts)


def svg(points: Sequence[Point], label: str) -> str:
    """The drawing; ``label`` names it for screen readers."""
    drawn, left_out = _visible(points)
    slot = WIDTH / len(drawn)  # each point's label stays inside its own slot: no overlaps
    xs = [slot * (index + 0.5) for index in range(len(drawn))]
    room = max(6, int(slot / CHAR_WIDTH) - 1)
    parts = [f'<line class="tl-axis" x1="{xs[0]:.0f}" y1="{AXIS}" x2="{xs[-1]:.0f}" y2="{AXIS}"/>']
    parts.extend(_point(point, x, room) for point, x in zip(drawn, xs, strict=True))
    if left_out:
        middle = (xs[(SHOWN - 1) // 2 - 1] + xs[(SHOWN - 1) // 2]) / 2
        parts.append(
            f'<text class="tl-more" x="{middle:.0f}" y="{HEIGHT - 2}" text-anchor="middle">… {left_out} more …</text>'
        )
    return (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
