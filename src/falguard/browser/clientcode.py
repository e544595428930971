"""Which code runs in the browser: each framework places its project's files; React's
``"use client"`` directive, server-only paths and file formats hold in every project; and
whatever a browser file imports is in the browser bundle too."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from falguard.browser.frameworks import registry
from falguard.browser.index import ProjectIndex
from falguard.browser.js import within
from falguard.browser.projects import Project, project_of

_USE_CLIENT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s{1,200}|//[^\n]{0,500}\n|/\*(?:[^*]|\*(?!/)){0,2000}\*/){0,20}[\"']use client[\"']"
)
_GENERIC = "browser code (it reads import.meta.env)"
_RELATIVE_IMPORT = re.compile(rb"(?:from|import|require\()\s{0,8}[\"'](?P<spec>(?:\.{1,2}/|@/|~/)[^\"'\n]{1,200})[\"']")
_IMPORT_DEPTH = 3  # import hops followed from a browser file


def browser_spans(path: str, content: bytes) -> list[tuple[int, int]]:
    """The parts of a browser file that run in the browser: all of it, or a file format's browser parts."""
    kind = registry().format_of(path)
    return kind.browser_spans(content) if kind is not None else [(0, len(content))]


def browser_context(relative: str, content: bytes, project: Project) -> str | None:
    """How a file ends up in the browser ("a client component"...), or None if it does not."""
    known = registry()
    if not relative.endswith(known.code_suffixes):
        return None
    kind = known.format_of(relative)
    if kind is not None:
        return kind.context if kind.browser_spans(content) else None
    if _USE_CLIENT.match(content):
        return "a client component"
    if known.server_only.search(relative):
        return None
    framework = project.framework or (known.without_package if project.unknown else None)
    context = framework.browser_context(relative, content) if framework is not None else None
    if context:
        return context
    generic = project.framework is None or project.framework.generic_fallback
    return _GENERIC if generic and b"import.meta.env" in content else None


def _resolve(importer: str, spec: str, project: Project, known: set[str]) -> str | None:
    if spec.startswith(("@/", "~/")):
        bases = [project.join("src/" + spec[2:]), project.join(spec[2:]), project.join("app/" + spec[2:])]
    else:
        bases = [posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))]
    for base in bases:
        for suffix in registry().resolve_suffixes:
            if base + suffix in known:
                return base + suffix
    return None


def _islands(index: ProjectIndex, projects: Sequence[Project], found: dict[str, str]) -> None:
    """Components that files of a file format hydrate (Astro's client:* islands)."""
    known = set(index.files)
    for path, source in sorted(index.files.items()):
        kind = registry().format_of(path)
        if kind is None:
            continue
        for spec in kind.hydrates(source.content):
            target = _resolve(path, spec, project_of(path, projects), known)
            if target and target not in found and not target.endswith(kind.suffix):
                found[target] = kind.island.replace("{path}", path)


def _imported(index: ProjectIndex, projects: Sequence[Project], found: dict[str, str]) -> None:
    """Modules browser files import, a few hops deep, unless they are server code."""
    known = set(index.files)
    server_only = registry().server_only
    frontier = list(found)
    for _ in range(_IMPORT_DEPTH):
        following: list[str] = []
        for importer in frontier:
            project = project_of(importer, projects)
            content = index.files[importer].content
            spans = browser_spans(importer, content)
            for match in _RELATIVE_IMPORT.finditer(content):
                if not within(match.start(), spans):
                    continue  # e.g. an .astro file's frontmatter imports run on the server
                target = _resolve(importer, match.group("spec").decode("utf-8", "replace"), project, known)
                if target and target not in found and not server_only.search(project.relative(target)):
                    found[target] = f"a module {importer} imports into the browser bundle"
                    following.append(target)
        frontier = following


def browser_files(index: ProjectIndex, projects: Sequence[Project]) -> dict[str, str]:
    """Path -> context for every kept code file that runs in the browser, following imports
    from browser files (a module a client component imports is in the client bundle)."""
    found: dict[str, str] = {}
    for path, source in index.files.items():
        project = project_of(path, projects)
        context = browser_context(project.relative(path), source.content, project)
        if context:
            found[path] = context
    _islands(index, projects, found)
    _imported(index, projects, found)
    return found
