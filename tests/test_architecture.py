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


# --- the package's layout: a thin root, one package per concern, no import circles -------------

MAX_ROOT_MODULES = 8

#: What each package may import, besides itself and the root's shared values (models, config,
#: errors, redact, output). A package's ``__init__`` docstring says the same in words.
ALLOWED_IMPORTS: dict[str, set[str]] = {
    "rules": set(),
    "git": set(),
    "detection": {"rules"},
    "expand": {"detection", "rules", "sources"},
    "sources": {"detection", "expand", "envhygiene", "git", "browser"},
    "envhygiene": {"detection", "rules", "git", "sources"},
    "browser": {"detection", "rules", "sources", "envhygiene"},
    "platform": {"detection", "rules", "git"},
    "report": {"detection", "rules", "git", "sources", "browser", "platform"},
    "scans": {"detection", "rules", "git", "sources", "expand", "envhygiene", "browser", "report"},
    "hooks": {"git", "sources", "scans"},
    "org": {"detection", "git", "report", "scans"},
    "cli": {"detection", "rules", "git", "sources", "envhygiene", "platform", "report", "scans", "hooks", "org"},
}
#: The root's modules: shared values and errors, and the entry point.
ROOT_MODULES = {"__init__", "__main__", "models", "config", "errors", "redact", "output"}
#: Below the packages: the root's shared values import only each other and, for the values
#: they describe, detection (findings, redaction's patterns).
ROOT_MAY_IMPORT = {"detection", "cli"}


def module_name(path: Path) -> str:
    parts = ["falguard", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def executed_imports(path: Path, known: set[str], me: str | None = None) -> set[str]:
    """The falguard modules ``path`` imports when it runs, at the top or inside a function:
    ``from package import name`` counts as importing the submodule ``name`` where there is one.
    Imports under ``if TYPE_CHECKING:`` never run, so they are no edge (type-only references
    may point back, as ``models.ScanResult``'s annotations name ``detection.facts.Finding``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    me = me or module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != me:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in modules()}
    known = set(paths)
    return {name: executed_imports(path, known) for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.get(step, ())))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_two_modules_import_each_other() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    """The check above can fail: a circle through three modules and one lazy import is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_a_lazy_import_is_an_edge_and_a_type_only_import_is_not(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from falguard.models import Value\n"
        "def f():\n    from falguard.errors import say\n"
    )
    assert executed_imports(source, {"falguard.models", "falguard.errors"}, "falguard.m") == {"falguard.errors"}


def package_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED_IMPORTS) else "(root)"


def test_the_root_is_thin() -> None:
    root = {p.stem for p in PACKAGE.glob("*.py")}
    assert len(root) <= MAX_ROOT_MODULES and root <= ROOT_MODULES, sorted(root)


def test_every_package_is_listed_and_says_what_it_holds() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == set(ALLOWED_IMPORTS), sorted(packages ^ set(ALLOWED_IMPORTS))
    for package in packages:
        doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{package}/__init__.py says nothing about what lives there"


def test_each_package_imports_only_what_it_may() -> None:
    wrong = []
    for name, imports in import_graph().items():
        mine = package_of(name)
        may = ROOT_MAY_IMPORT if mine == "(root)" else ALLOWED_IMPORTS[mine]
        for target in imports:
            theirs = package_of(target)
            if theirs not in {mine, "(root)"} and theirs not in may:
                wrong.append(f"{name} -> {target}")
    assert wrong == []
