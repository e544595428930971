"""Output formats: one module each, each a ``render(result, context) -> str``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from falguard.models import Audit, ScanResult, Severity


@dataclass(frozen=True)
class ReportContext:
    fail_on: Severity
    color: bool = False


Renderer = Callable[[ScanResult, ReportContext], str]
AuditRenderer = Callable[[Audit, ReportContext], str]


FORMATS = ("text", "json", "sarif", "github", "html")

#: Control characters (and Unicode line separators) that a file name or a git message could
#: carry into a terminal or a CI log: escape sequences, carriage returns, newlines that
#: would start a new GitHub workflow command.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\n``, ``\\x1b``), for human output."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def renderer(name: str) -> Renderer:
    """The render function of a format; modules are imported only when used."""
    import importlib

    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = importlib.import_module(f"falguard.report.{name}")
    render: Renderer = module.render
    return render


#: Formats with an audit view of their own (stories, ticket summary): module and function.
_AUDIT_RENDERERS = {
    "text": ("audit", "render_text"),
    "json": ("audit", "render_json"),
    "html": ("html", "render_audit"),
}


def audit_renderer(name: str) -> AuditRenderer | None:
    """The audit's render function of a format; None where the format shows only findings
    (SARIF, GitHub annotations), which then render ``audit.result``."""
    import importlib

    if name not in _AUDIT_RENDERERS:
        return None
    module, function = _AUDIT_RENDERERS[name]
    render: AuditRenderer = getattr(importlib.import_module(f"falguard.report.{module}"), function)
    return render
