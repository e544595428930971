"""Output formats: one module each, each a ``render(result, context) -> str``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from falguard.models import Severity
from falguard.scan import ScanResult


@dataclass(frozen=True)
class ReportContext:
    fail_on: Severity
    color: bool = False


Renderer = Callable[[ScanResult, ReportContext], str]


def renderer(name: str) -> Renderer:
    if name == "json":
        from falguard.report import json as module
    else:
        from falguard.report import text as module  # type: ignore[no-redef]
    return module.render


FORMATS = ("text", "json")
