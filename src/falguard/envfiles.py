"""What counts as an env file, and which env files are templates."""

from __future__ import annotations

import posixpath

#: Committed by convention and never loaded: they document variables, they should not hold keys.
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")

#: Pathspecs that select env files at any depth, for ``git ls-files``.
ENV_PATHSPECS = (":(glob)**/.env", ":(glob)**/.env.*", ":(glob)**/*.env", ":(glob)**/.envrc")


def is_env_file(path: str) -> bool:
    """``.env``, ``.env.local``, ``prod.env``, ``.envrc``: files that hold environment variables."""
    name = posixpath.basename(path)
    return name == ".env" or name.startswith(".env.") or name == ".envrc" or (name.endswith(".env") and len(name) > 4)


def is_env_template(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return is_env_file(name) and name.endswith(TEMPLATE_SUFFIXES)
