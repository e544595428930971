"""Build output: the directories whose files a site serves to browsers.

They are usually ignored by git, yet a key there is public to every visitor, so the
working-tree source lists them even when ignored and marks their items as served. Which
directories they are is framework knowledge: each framework in the browser registry
(:mod:`falguard.browser.frameworks`) names its own. The registry is imported on first use,
not with this module, which is on the pre-commit hook's start-up path.
"""

from __future__ import annotations

import re

#: Python's build output is a package, not a site: setuptools' tree under ``build/``
#: (``pip install .``, ``pip wheel .``, ``python -m build``: ``build/lib/`` with the packages
#: and their data files, ``build/bdist.<platform>/``, ``build/lib.<platform>/``,
#: ``build/temp.<platform>/``, ``build/scripts-<version>/``), and the wheels, eggs and sdists
#: ``python -m build`` leaves directly in ``dist/`` (with what is inside them). Create React
#: App, the one framework that serves ``build/``, writes its bundle to ``build/static/`` and
#: the top of ``build/``; a ``build/lib/`` there can only be a copy of ``public/lib/``, which
#: the scan reads where it is, so every ``build/lib/`` is Python's. A path rule, not a look at
#: the repository: the same answer in every report, a saved one too.
_PYTHON_BUILD = re.compile(
    r"(?:^|/)build/(?:lib|(?:bdist|lib|temp)\.[^/]+|scripts-[^/]+)/"
    r"|(?:^|/)dist/[^/!]+\.(?:whl|egg|tar\.gz)(?:!|$)"
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
    Python's build output (setuptools' ``build/`` tree, wheels and sdists in ``dist/``) is a
    package, not a site (see ``_PYTHON_BUILD``).
    """
    wrapped = "/" + path.replace("\\", "/")
    if "/node_modules/" in wrapped or _PYTHON_BUILD.search(wrapped):
        return False
    return any(f"/{directory}" in wrapped for directory in served_dirs())
