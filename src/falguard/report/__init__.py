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


FORMATS = ("text", "json", "sarif", "github")


def renderer(name: str) -> Renderer:
    """The render function of a format; modules are imported only when used."""
    import importlib

    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = importlib.import_module(f"falguard.report.{name}")
    render: Renderer = module.render
    return render
