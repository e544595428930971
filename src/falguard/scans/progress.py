"""A one-line progress display for long scans, on a terminal's stderr only."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

from falguard.sources.history import Coverage


class StatusLine:
    """One line redrawn in place on a terminal, erased when done (every progress display)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def show(self, line: str) -> None:
        self.stream.write("\r" + line + "\033[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


Line = TypeVar("Line", bound=StatusLine)


@contextmanager
def on_terminal(stream: TextIO, make: Callable[[], Line]) -> Iterator[Line | None]:
    """``make()`` if ``stream`` is a terminal (else None), erased on the way out."""
    progress = make() if stream.isatty() else None
    try:
        yield progress
    finally:
        if progress is not None:
            progress.clear()


class HistoryProgress(StatusLine):
    """Objects and bytes read, rate and ETA, redrawn in place; erased when done."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.started = time.monotonic()

    def __call__(self, coverage: Coverage) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        line = f"falguard: history: {coverage.objects:,}"
        if coverage.listed:
            line += f"/{coverage.listed:,}"
        line += f" git objects read, {coverage.bytes / 1e6:,.0f} MB, {coverage.bytes / 1e6 / elapsed:,.0f} MB/s"
        if coverage.listed and coverage.objects:
            left = max(coverage.listed - coverage.objects, 0) * elapsed / coverage.objects
            line += f", ETA {int(left) // 60}:{int(left) % 60:02d}"
        self.show(line)


def progress_on(stream: TextIO) -> contextlib.AbstractContextManager[HistoryProgress | None]:
    """A history progress display on ``stream`` if it is a terminal (else None), erased on the way out."""
    return on_terminal(stream, lambda: HistoryProgress(stream))
