"""How fal-proxy-open should read a proxy route's options: tree-sitter's TypeScript grammars
against the bounded bracket scanner of ``falguard/browser/js.py``, on the test cases.

Correctness: every route in ``tests/rules/test_fal_proxy_open.py`` (each adapter's defaults,
the safe shapes, half-open ones, options from elsewhere) judged by the rule as shipped
(tree-sitter) and by a reader built on ``browser/js.py`` (``object_entries``, ``scan_to``, a
``const`` declaration in the same file); each judgement against the severity the test expects.
Cost: tree-sitter's import in a fresh process that has already loaded the rules (what the
first proxy route costs a hook run), and each reader's time per route.

    python bench/proxy_parser.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests

from tests.rules.test_fal_proxy_open import DEFAULTS, ELSEWHERE, HALF_OPEN, SAFE_ROUTES

from falguard.browser.js import object_entries, scan_to
from falguard.models import Severity
from falguard.rules.fal_proxy_open import severity_of
from falguard.rules.proxy_options import sites

_CALL = re.compile(
    rb"\b(?:createRouteHandler|createPageRouterHandler|createHandler|createRequestHandler|createProxy|handleRequest)\s*\("
)
_DEFAULT = re.compile(rb"handler as default|\.handler\b|=\s*route\s*;|createHandler\(\s*\)")
_IMPORTED = re.compile(rb"import\s*\{([^}]*)\}\s*from")


def _declared_object(content: bytes, name: bytes) -> int | None:
    found = re.search(rb"(?:const|let|var)\s+" + re.escape(name) + rb"\s*(?::[^=]{1,80})?=\s*\{", content)
    return found.end() - 1 if found else None


def js_reader(content: bytes) -> Severity | None:
    """The same judgement from what browser/js.py can read: the factory's first object argument."""
    if b"@fal-ai/server" not in content:
        return None
    call = _CALL.search(content)
    if call is None:
        return Severity.HIGH if _DEFAULT.search(content) else None
    start = call.end()
    while content[start : start + 1].isspace():
        start += 1
    if content[start : start + 1] == b")":
        return Severity.HIGH
    if content[start : start + 1] != b"{":
        name = content[start : scan_to(content, start, b",)")].strip()
        if any(name in part for part in _IMPORTED.findall(content)):
            return Severity.LOW
        brace = _declared_object(content, name)
        if brace is None:
            return Severity.LOW
        start = brace
    values = {
        entry.key: content[entry.value_start : entry.value_end].strip() for entry in object_entries(content, start)
    }
    if b"x-fal-user-key" in values.get("resolveFalAuth", b""):
        return None
    endpoints = values.get("allowedEndpoints", b"")
    any_endpoint = not re.search(rb"[\"'][^\"'*]+/[^\"'*]", endpoints)
    any_visitor = values.get("allowUnauthorizedRequests") != b"false" or "isAuthenticated" not in values
    return severity_of(any_visitor, any_endpoint)


def tree_sitter_reader(content: bytes) -> Severity | None:
    judged = [severity_of(s.any_visitor, s.any_endpoint) for s in sites(content) if not s.byok]
    return max((s for s in judged if s is not None), default=None)


def cases() -> list[tuple[str, bytes, Severity | None]]:
    table: list[tuple[str, bytes, Severity | None]] = []
    table += [(f"default: {n}", c.encode(), Severity.HIGH) for n, c in DEFAULTS.items()]
    table += [(f"safe: {n}", c.encode(), None) for n, c in SAFE_ROUTES.items()]
    table += [(f"half: {n}", c[0].encode(), Severity.MEDIUM) for n, c in HALF_OPEN.items()]
    table += [(f"elsewhere: {n}", c.encode(), Severity.LOW) for n, c in ELSEWHERE.items()]
    return table


def _per_route(reader, table, rounds: int = 200) -> float:
    sites.cache_clear()
    begin = time.perf_counter()
    for _ in range(rounds):
        for _, content, _ in table:
            reader(content + b" ")  # a new object: no cache hit
    return (time.perf_counter() - begin) / (rounds * len(table)) * 1e6


def main() -> None:
    table = cases()
    wrong: dict[str, list[str]] = {"tree-sitter": [], "browser/js.py": []}
    for name, content, expected in table:
        for reader_name, reader in (("tree-sitter", tree_sitter_reader), ("browser/js.py", js_reader)):
            got = reader(content)
            if got != expected:
                wrong[reader_name].append(f"{name}: {got and got.label} (expected {expected and expected.label})")
    for reader_name, misses in wrong.items():
        print(f"{reader_name}: {len(table) - len(misses)}/{len(table)} right")
        for miss in misses:
            print(f"  wrong  {miss}")
    probe = (
        "import time, falguard.rules; t = time.perf_counter(); import tree_sitter, tree_sitter_typescript; "
        "from falguard.rules.proxy_options import _parsers; _parsers(); print((time.perf_counter() - t) * 1e3)"
    )
    imports = sorted(float(subprocess.check_output([sys.executable, "-c", probe]).decode()) for _ in range(7))
    print(f"tree-sitter import and grammar load after the rules: median {imports[3]:.1f} ms (min {imports[0]:.1f})")
    print(
        f"per route: tree-sitter {_per_route(tree_sitter_reader, table):.0f} us, browser/js.py {_per_route(js_reader, table):.0f} us"
    )


if __name__ == "__main__":
    main()
