"""Build output: the directories whose files a site serves to browsers.

They are usually ignored by git, yet a key there is public to every visitor, so the
working-tree source lists them even when ignored and marks their items as served. Which
directories they are is framework knowledge: each framework in the browser registry
(:mod:`falguard.browser.frameworks`) names its own. The registry is imported on first use,
not with this module, which is on the pre-commit hook's start-up path.
"""

from __future__ import annotations

import re

#: setuptools' build tree (``pip install .``, ``pip wheel .``, ``python -m build``) is Python
#: build output, not a site: ``build/lib/<package>/*.py``, ``build/bdist.<platform>/``,
#: ``build/lib.<platform>/``, ``build/temp.<platform>/``, ``build/scripts-<version>/``. Only
#: Create React App serves ``build/``, and its ``build/lib/`` holds no Python (other files there,
#: such as a package's data, still count as served: a path alone cannot tell them apart).
_PYTHON_BUILD = re.compile(
    r"(?:^|/)build/(?:(?:bdist|lib|temp)\.[^/]+|scripts-[^/]+)/"
    r"|(?:^|/)build/lib/(?:[^/]+/)*[^/]+\.(?:py|pyi|pyc|pyd|so|typed)$"
)


def served_dirs() -> tuple[str, ...]:
    """Directories (as path segments, at any depth) that hold what a site serves."""
    from falguard.browser.frameworks import registry

    return registry().served_dirs


def served_pathspecs() -> tuple[str, ...]:
    """Pathspecs that select files under those directories at any depth, for ``git ls-files``."""
    return tuple(f":(glob)**/{directory}**" for directory in served_dirs())


def is_served(path: str) -> bool:
    """True for a file under build output (``.next/static/chunks/x.js``, ``apps/web/dist/a.js``).

    Packages' own build directories inside ``node_modules`` are dependencies, not output, and
    setuptools' ``build/`` tree is Python build output (see ``_PYTHON_BUILD``).
    """
    wrapped = "/" + path.replace("\\", "/")
    if "/node_modules/" in wrapped or _PYTHON_BUILD.search(wrapped):
        return False
    return any(f"/{directory}" in wrapped for directory in served_dirs())
