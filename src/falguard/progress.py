"""A one-line progress display for long scans, on a terminal's stderr only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from falguard.sources.history import Coverage


class HistoryProgress:
    """Objects and bytes read, rate and ETA, redrawn in place; erased when done."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, coverage: Coverage) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        line = f"falguard: history: {coverage.objects:,}"
        if coverage.listed:
            line += f"/{coverage.listed:,}"
        line += f" objects, {coverage.bytes / 1e6:,.0f} MB, {coverage.bytes / 1e6 / elapsed:,.0f} MB/s"
        if coverage.listed and coverage.objects:
            left = max(coverage.listed - coverage.objects, 0) * elapsed / coverage.objects
            line += f", ETA {int(left) // 60}:{int(left) % 60:02d}"
        self.stream.write("\r" + line + "\033[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


@contextmanager
def progress_on(stream: TextIO) -> Iterator[HistoryProgress | None]:
    """A progress display on ``stream`` if it is a terminal (else None), erased on the way out."""
    progress = HistoryProgress(stream) if stream.isatty() else None
    try:
        yield progress
    finally:
        if progress is not None:
            progress.clear()
