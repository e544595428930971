"""The many-repository run's progress line, on a terminal's stderr only: repositories done
out of the total, failures so far, and the ones being audited now."""

from __future__ import annotations

import contextlib
import shutil
import threading
from typing import TextIO

from falguard.org.run import Outcome
from falguard.report import printable
from falguard.scans.progress import StatusLine, on_terminal


class OrgProgress(StatusLine):
    def __init__(self, stream: TextIO, total: int) -> None:
        super().__init__(stream)
        self.total = total
        self.done = self.failed = 0
        self.running: dict[str, None] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str, event: Outcome | str) -> None:
        with self._lock:
            if event == "start":
                self.running.setdefault(url)
            else:
                self.running.pop(url, None)
            if isinstance(event, Outcome):
                self.done += 1
                self.failed += event.status == "failed"
            self._draw()

    def _draw(self) -> None:
        line = f"falguard: repositories {self.done}/{self.total} done, {self.failed} failed"
        if self.running:
            line += "; now: " + ", ".join(printable(url) for url in self.running)
        width = max(shutil.get_terminal_size((100, 20)).columns - 1, 20)
        self.show(line if len(line) <= width else line[: width - 1] + "…")


def org_progress(stream: TextIO, total: int) -> contextlib.AbstractContextManager[OrgProgress | None]:
    """A progress line on ``stream`` if it is a terminal (else None), erased on the way out."""
    return on_terminal(stream, lambda: OrgProgress(stream, total))
