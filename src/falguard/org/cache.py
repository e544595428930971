"""Results remembered by what they depend on: the repository's ref tips, its name, falguard
itself (version and code) and the effective settings. Nothing else can change an audit of
a mirror, so a repository whose refs did not move is not scanned again."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from falguard import __version__
from falguard.config import Config

#: Bumped when what is stored changes shape.
_LAYOUT = 1


def code_digest() -> str:
    """A digest of falguard's own code: a changed rule or report invalidates every result,
    even in a development install whose version number did not move."""
    import falguard

    digest = hashlib.sha256(__version__.encode())
    package = Path(falguard.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def settings_digest(config: Config, baseline: Mapping[tuple[str, str], Any]) -> str:
    """A digest of everything in the configuration and baseline that changes a result."""
    values = [
        list(config.exclude), config.fail_on.label, config.max_file_size, list(config.extra_public_prefixes),
        list(config.extra_key_names), [[entry.fingerprint, entry.reason] for entry in config.allow],
        sorted([list(key) for key in baseline]),
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def result_key(url: str, tips: str, fingerprint: str) -> str:
    document = json.dumps([_LAYOUT, url, tips, fingerprint], ensure_ascii=False)
    return hashlib.sha256(document.encode("utf-8", "surrogateescape")).hexdigest()


def _path(cache: Path, key: str) -> Path:
    return cache / "results" / key[:2] / f"{key}.json"


def load(cache: Path, key: str) -> dict[str, Any] | None:
    """The stored report for ``key``, or None (never stored, or unreadable: then it is redone)."""
    try:
        document = json.loads(_path(cache, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def store(cache: Path, key: str, document: Mapping[str, Any]) -> None:
    """Remember a report (atomically; a cache that cannot be written only costs a rescan)."""
    from falguard.errors import InputError
    from falguard.output import write_atomic

    path = _path(cache, key)
    with contextlib.suppress(OSError, InputError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(str(path), json.dumps(document, ensure_ascii=False) + "\n", mode=0o600)
