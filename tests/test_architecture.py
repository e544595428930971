"""The shape of the code, checked: sizes, layering, and who may reveal a secret.

These are the habits docs/ARCHITECTURE.md describes; a change that breaks one fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "falguard"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60

#: Layers that sit below the pipeline: they never import it, the scans or the CLI.
LOWER_LAYERS = ("report", "sources")
UPPER_MODULES = (
    "falguard.scans.pipeline",
    "falguard.scans.scan",
    "falguard.scans.historyscan",
    "falguard.scans.audit",
    "falguard.cli",
)

#: The only modules that may read a secret's plaintext: the replacements file for
#: git filter-repo, the verifier and the rotation, which must send the key to fal, and the
#: rotate command, which shows a new key once on a terminal when no --write-env is given.
MAY_REVEAL = {
    "models.py",
    "report/replacements.py",
    "platform/verify.py",
    "platform/falapi.py",
    "platform/rotate.py",
    "cli/rotate.py",
}

#: Oversized today, to be split (an entry here is a debt, never a licence).
KNOWN_LARGE: set[str] = set()
KNOWN_LONG: set[str] = set()


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name_of(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def imported(tree: ast.AST) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_no_module_is_over_the_size_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if name_of(path) in KNOWN_LARGE:
        pytest.xfail(f"{name_of(path)} has {lines} lines: split it")
    assert lines <= MAX_MODULE_LINES, f"{name_of(path)} has {lines} lines"


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_no_function_is_over_the_size_limit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{name_of(path)}:{node.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert set(long) <= KNOWN_LONG, long


@pytest.mark.parametrize("path", [p for p in modules() if name_of(p).split("/")[0] in LOWER_LAYERS], ids=name_of)
def test_reports_and_sources_never_import_the_pipeline_or_the_cli(path: Path) -> None:
    upward = {m for m in imported(ast.parse(path.read_text(encoding="utf-8"))) if m.startswith(UPPER_MODULES)}
    assert not upward, f"{name_of(path)} imports {sorted(upward)}"


def test_only_the_replacements_writer_and_the_verifier_reveal_secrets() -> None:
    callers = {name_of(p) for p in modules() if ".reveal(" in p.read_text(encoding="utf-8")}
    assert callers <= MAY_REVEAL, sorted(callers - MAY_REVEAL)


def test_the_known_debts_are_real() -> None:
    """An entry in KNOWN_LARGE or KNOWN_LONG that no longer applies must be removed."""
    sizes = {name_of(p): len(p.read_text(encoding="utf-8").splitlines()) for p in modules()}
    assert all(sizes.get(name, 0) > MAX_MODULE_LINES for name in KNOWN_LARGE)


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=name_of)
def test_command_modules_stay_small(path: Path) -> None:
    """Option plumbing is shared once (cli/options.py); a command module is a few small functions."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 150


def test_findings_are_made_in_one_place() -> None:
    """``Finding(...)`` is built by falguard.detection.findings (and read back from a saved report by the loader)."""
    builders = {
        name_of(p)
        for p in modules()
        if "Finding(\n" in p.read_text(encoding="utf-8") or "Finding(rule=" in p.read_text(encoding="utf-8")
    }
    assert builders <= {"detection/findings.py", "report/load.py"}, builders


def test_positions_are_computed_in_one_place() -> None:
    counting = {name_of(p) for p in modules() if 'count(b"\\n", 0' in p.read_text(encoding="utf-8")}
    assert counting <= {"detection/positions.py"}, counting
