"""What counts as an env file, which env files are templates, which environment a file
configures, and what the env hygiene checks ask git about them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from falguard import git
from falguard.envhygiene.ignore import IGNORE_CONFIG
from falguard.git import objects as git_objects
from falguard.models import Origin, Severity
from falguard.sources import text_content

if TYPE_CHECKING:
    from falguard.detection.facts import Finding

#: Committed by convention and never loaded: they document variables, they should not hold keys.
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")

#: Pathspecs that select env files at any depth, for ``git ls-files`` and ``git log``: a
#: superset, narrowed by :func:`is_env_file`.
ENV_PATHSPECS = (
    ":(glob)**/.env",
    ":(glob)**/.env.*",
    ":(glob)**/.env *",
    ":(glob)**/*.env",
    ":(glob)**/*.env.*",
    ":(glob)**/.envrc",
    ":(glob)**/.dev.vars",
    ":(glob)**/.dev.vars.*",
    ":(glob)**/.streamlit/secrets.toml",
)

#: What editors and people append to a copy of an env file (``.env copy``, ``prod.env.old``).
BACKUP_SUFFIXES = (".old", ".bak", ".save", ".orig", ".backup", "~")
_COPY_SUFFIX = re.compile(r" copy(?: [0-9]{1,3})?\Z| \([0-9]{1,3}\)\Z")

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

#: Patterns only environment names and secret settings need, compiled on first use (re's
#: cache): the pre-commit hook's start-up needs none of them.
_WORD_SPLIT = r"[^a-z0-9]+"
#: ``NAME=value``, ``export NAME="value"``, ``name = "value"`` (TOML): one setting per line.
_SETTING = r"(?m)^[ \t]{0,16}(?:export[ \t]{1,8})?([A-Za-z_][A-Za-z0-9_.-]{0,127})[ \t]{0,8}[=:][ \t]{0,8}(.{1,512})$"
_SECRET_NAME = r"(?i)secret|token|passw|pwd|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth"


def _without_copy_suffix(name: str) -> str:
    """``.env copy`` -> ``.env``, ``prod.env.old`` -> ``prod.env``: the file a copy was made of."""
    name = _COPY_SUFFIX.sub("", name)
    for suffix in BACKUP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return _COPY_SUFFIX.sub("", name[: -len(suffix)])
    return name


def is_env_file(path: str) -> bool:
    """``.env``, ``.env.local``, ``prod.env``, ``.envrc``, Wrangler's ``.dev.vars``, Streamlit's
    ``.streamlit/secrets.toml``, and their copies (``.env copy``, ``prod.env.old``): files that
    hold environment variables or secrets loaded like them."""
    if path == ".streamlit/secrets.toml" or path.endswith("/.streamlit/secrets.toml"):
        return True
    name = _without_copy_suffix(posixpath.basename(path))
    return (
        name in (".env", ".envrc", ".dev.vars")
        or name.startswith((".env.", ".dev.vars."))
        or (name.endswith(".env") and len(name) > 4)
    )


def is_env_template(path: str) -> bool:
    name = _without_copy_suffix(posixpath.basename(path).lower())
    return is_env_file(name) and name.endswith(TEMPLATE_SUFFIXES)


def env_files_in(paths: Iterable[str]) -> list[str]:
    """The distinct env files (templates excluded) among ``paths``, sorted: for a history scan."""
    return sorted({path for path in paths if is_env_file(path) and not is_env_template(path)})


def _environment_in(text: str, *, allow_test: bool) -> str | None:
    words = set(re.split(_WORD_SPLIT, text.lower()))
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
        if is_env_template(path):
            return None
        if name.startswith(".dev.vars"):  # Wrangler's local settings, or ``.dev.vars.<env>``
            return _environment_in(name[len(".dev.vars") :], allow_test=True) or "development"
        return _environment_in(name, allow_test=True)
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


def secret_settings(content: bytes | None) -> list[str]:
    """The names of settings in an env file whose values look secret (not a placeholder, a
    reference or a test value): random-looking, or non-trivial under a secret's name."""
    data = text_content(content) if content else None
    if data is None:
        return []
    # the rules' vocabulary, loaded only for an env file's content (not by the pre-commit
    # hook's start-up, which needs only the names above)
    from falguard.rules import is_code_reference, is_identifier, is_placeholder, looks_like_test_value, looks_random

    text = data.decode("utf-8", "replace")
    names = []
    for match in re.finditer(_SETTING, text):
        name, value = match.group(1), match.group(2).split(" #", 1)[0].strip().strip("\"'`").strip()
        if not value or is_placeholder(value) or is_code_reference(value) or looks_like_test_value(value):
            continue
        if "$" in value or value.lower() in ("true", "false", "none", "null"):
            continue
        named = bool(re.search(_SECRET_NAME, name)) and len(value) >= 8 and not is_identifier(value)
        if named or looks_random(value):
            names.append(name)
    return names


def keys_in(content: bytes | None, path: str) -> list[Finding]:
    """The real fal keys in ``content``: sensitive findings at high severity or above."""
    if not content:
        return []
    text = text_content(content)
    if text is None:
        return []
    from falguard.detection.detect import detect  # only for an env file's content: a clean commit has none

    return [f for f in detect(text, Origin(path)) if f.secret.sensitive and f.severity >= Severity.HIGH]


def content_severity(keys: Sequence[Finding], secrets: Sequence[str]) -> Severity:
    """An env file's severity follows what is in it: a live-looking fal key critical, other
    secret-looking values medium, nothing secret low."""
    return Severity.CRITICAL if keys else Severity.MEDIUM if secrets else Severity.LOW


class StartedQueries:
    """What :func:`falguard.envhygiene.envcheck.check_repository` asks git (the ignore configuration, the env file
    listings), asked now and read later: the pre-commit hook asks before it loads the
    scanner, so that git answers while Python imports."""

    def __init__(self, repo: git.Repo) -> None:
        self.config = git_objects.StartedValues(repo, *IGNORE_CONFIG)
        self.listing = git_objects.StartedListing(repo, ENV_PATHSPECS)
