"""Build output: the directories whose files a site serves to browsers.

They are usually ignored by git, yet a key there is public to every visitor, so the
working-tree source lists them even when ignored and marks their items as served. Which
directories they are is framework knowledge: each framework in the browser registry
(:mod:`falguard.browser.frameworks`) names its own. The registry is imported on first use,
not with this module, which is on the pre-commit hook's start-up path.
"""

from __future__ import annotations


def served_dirs() -> tuple[str, ...]:
    """Directories (as path segments, at any depth) that hold what a site serves."""
    from falguard.browser.frameworks import registry

    return registry().served_dirs


def served_pathspecs() -> tuple[str, ...]:
    """Pathspecs that select files under those directories at any depth, for ``git ls-files``."""
    return tuple(f":(glob)**/{directory}**" for directory in served_dirs())


def is_served(path: str) -> bool:
    """True for a file under build output (``.next/static/chunks/x.js``, ``apps/web/dist/a.js``).

    Packages' own build directories inside ``node_modules`` are dependencies, not output.
    """
    wrapped = "/" + path.replace("\\", "/")
    if "/node_modules/" in wrapped:
        return False
    return any(f"/{directory}" in wrapped for directory in served_dirs())
