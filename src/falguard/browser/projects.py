"""Projects: the directories with a package.json (and the scan's root), each with its framework."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from falguard.browser.framework import Framework
from falguard.browser.frameworks import registry
from falguard.browser.index import ProjectIndex
from falguard.sources.buildoutput import is_served


@dataclass(frozen=True)
class Project:
    """A directory with a package.json (or the scan's root): one app and its framework."""

    root: str  # "" for the top of the scan, else "apps/web"
    dependencies: frozenset[str]
    config_files: frozenset[str]  # names of framework and bundler configs at the root
    layout_dirs: frozenset[str] = frozenset()  # frameworks' layout directories it has ("src/routes/")

    def has_config(self, stem: str) -> bool:
        return any(name.startswith(stem) for name in self.config_files)

    @cached_property
    def framework(self) -> Framework | None:
        """The first registered framework that recognises this project."""
        return next((f for f in registry().frameworks if recognises(f, self)), None)

    @property
    def unknown(self) -> bool:
        """No package.json the scan saw, and no framework config: any framework's layout may apply."""
        return self.framework is None and not self.dependencies

    def relative(self, path: str) -> str:
        return path[len(self.root) + 1 :] if self.root else path

    def join(self, relative: str) -> str:
        return f"{self.root}/{relative}" if self.root else relative

    def contains(self, path: str) -> bool:
        return not self.root or path.startswith(self.root + "/")


def recognises(framework: Framework, project: Project) -> bool:
    """A config of the framework at the project root, or a dependency on it (with its layout)."""
    if any(project.has_config(stem) for stem in framework.config_stems):
        return True
    if not any(name in project.dependencies for name in framework.dependencies):
        return False
    return not framework.layout_dir or framework.layout_dir in project.layout_dirs


def _dependencies(package_json: bytes) -> frozenset[str]:
    try:
        document = json.loads(package_json)
    except (ValueError, UnicodeDecodeError):
        return frozenset()
    if not isinstance(document, dict):
        return frozenset()
    names: set[str] = set()
    for key in ("dependencies", "devDependencies"):  # a library's peerDependencies are not its bundler
        table = document.get(key)
        if isinstance(table, dict):
            names.update(str(name) for name in table)
    return frozenset(names)


def find_projects(index: ProjectIndex) -> list[Project]:
    """Projects, deepest root first, so the first that contains a path is its project."""
    roots = {""}
    for path in index.paths:
        if posixpath.basename(path) == "package.json" and "/node_modules/" not in "/" + path and not is_served(path):
            roots.add(posixpath.dirname(path))
    stems = registry().config_stems
    configs: dict[str, set[str]] = {root: set() for root in roots}
    for path in index.paths:
        directory, name = posixpath.split(path)
        if directory in configs and name.startswith(stems):
            configs[directory].add(name)
    projects = []
    for root in roots:
        package = index.files.get(posixpath.join(root, "package.json") if root else "package.json")
        dependencies = _dependencies(package.content) if package else frozenset()
        base = root + "/" if root else ""
        layouts = frozenset(
            layout for layout in registry().layout_dirs if any(p.startswith(base + layout) for p in index.paths)
        )
        projects.append(Project(root, dependencies, frozenset(configs[root]), layouts))
    return sorted(projects, key=lambda project: (-project.root.count("/") - bool(project.root), project.root))


def project_of(path: str, projects: Sequence[Project]) -> Project:
    return next(project for project in projects if project.contains(path))
