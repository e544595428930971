"""What counts as an env file, which env files are templates, and which environment a file configures."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

#: Committed by convention and never loaded: they document variables, they should not hold keys.
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")

#: Pathspecs that select env files at any depth, for ``git ls-files``.
ENV_PATHSPECS = (":(glob)**/.env", ":(glob)**/.env.*", ":(glob)**/*.env", ":(glob)**/.envrc")

#: Names an env file is commonly given, one per environment; ``.env`` and ``.env.local`` are
#: loaded in several environments and configure none in particular.
ENVIRONMENT_WORDS: dict[str, frozenset[str]] = {
    "production": frozenset({"production", "prod", "prd", "live"}),
    "staging": frozenset({"staging", "stage", "stg"}),
    "preview": frozenset({"preview"}),
    "development": frozenset({"development", "dev", "develop"}),
    "test": frozenset({"test", "testing"}),
}

#: Extensions of the configuration files a deploy or CI setup keeps per environment.
CONFIG_SUFFIXES = (".yml", ".yaml", ".json", ".toml", ".tfvars", ".ini", ".conf", ".cfg", ".properties", ".env")

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def is_env_file(path: str) -> bool:
    """``.env``, ``.env.local``, ``prod.env``, ``.envrc``: files that hold environment variables."""
    name = posixpath.basename(path)
    return name == ".env" or name.startswith(".env.") or name == ".envrc" or (name.endswith(".env") and len(name) > 4)


def is_env_template(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return is_env_file(name) and name.endswith(TEMPLATE_SUFFIXES)


def env_files_in(paths: Iterable[str]) -> list[str]:
    """The distinct env files (templates excluded) among ``paths``, sorted: for a history scan."""
    return sorted({path for path in paths if is_env_file(path) and not is_env_template(path)})


def _environment_in(text: str, *, allow_test: bool) -> str | None:
    words = set(_WORD_SPLIT.split(text.lower()))
    found = {env for env, names in ENVIRONMENT_WORDS.items() if words & names and (allow_test or env != "test")}
    return found.pop() if len(found) == 1 else None


def environment_of(path: str) -> str | None:
    """The environment a file configures, from its name: ``.env.production.local`` -> production.

    Env files are judged by their name alone (``.env``, ``.env.local`` configure no single
    environment). Other configuration files by their name, then by their directories nearest
    first (``deploy/staging/values.yaml``); ``test`` counts only in an env file's name, so a
    ``tests/`` directory is not an environment. An ambiguous name gives None.
    """
    name = posixpath.basename(path)
    if is_env_file(path):
        return None if is_env_template(path) else _environment_in(name, allow_test=True)
    if not name.lower().endswith(CONFIG_SUFFIXES):
        return None
    stem = name.rsplit(".", 1)[0]
    found = _environment_in(stem, allow_test=False)
    if found is not None:
        return found
    for directory in reversed(posixpath.dirname(path).split("/")):
        found = _environment_in(directory, allow_test=False)
        if found is not None:
            return found
    return None
