"""Build output: the directories whose files a site serves to browsers.

They are usually ignored by git, yet a key there is public to every visitor, so the
working-tree source lists them even when ignored and marks their items as served.
"""

from __future__ import annotations

#: Directories (as path segments, at any depth) that hold what a site serves.
SERVED_DIRS: tuple[str, ...] = (
    ".next/static/",
    ".next/server/",
    "dist/",
    "build/",
    "out/",
    ".svelte-kit/output/",
    ".output/public/",
)

#: Pathspecs that select files under those directories at any depth, for ``git ls-files``.
SERVED_PATHSPECS: tuple[str, ...] = tuple(f":(glob)**/{directory}**" for directory in SERVED_DIRS)


def is_served(path: str) -> bool:
    """True for a file under build output (``.next/static/chunks/x.js``, ``apps/web/dist/a.js``).

    Packages' own build directories inside ``node_modules`` are dependencies, not output.
    """
    wrapped = "/" + path.replace("\\", "/")
    if "/node_modules/" in wrapped:
        return False
    return any(f"/{directory}" in wrapped for directory in SERVED_DIRS)
