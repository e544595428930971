"""The server hook's policy: what the administrator installs on the server, never what a push carries.

Read from a server-wide file named on the hook's command line (``--policy FILE``, written into
the hook script by ``falguard install --server --policy FILE``), then the repository's own
``<git dir>/.falguard.toml`` (key by key, the repository's wins). Both are files in the server's
file system: the pushed commits' ``.falguard.toml``, baseline or work tree are never read (a
non-bare server repository's work tree holds earlier pushed content, so it is skipped too).

The files take the usual keys (``fail-on``, ``allow``, ``exclude``, ``max-file-size``, ...) and
a ``[server]`` table with the hook's own::

    [server]
    max-push-size = "500MB"      # a push bringing more (as received, compressed) is not scanned
    time-budget = 120            # seconds; a scan that takes longer is stopped
    over-budget = "refuse"       # or "allow": what happens to a push over either budget
    push-option-bypass = false   # git push -o falguard-allow=<fingerprint> (audited)
    honour-inline-allow = false  # whether pushed `falguard:allow` comments count
    audit-log = "/var/log/falguard/pushes.jsonl"   # bypasses and over-budget passes, one JSON line each
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from falguard.config import Config, load_files, parse_size, read_table
from falguard.errors import ConfigError, InputError

#: The repository's own policy file, in its git directory (not its work tree).
REPOSITORY_POLICY = ".falguard.toml"
SERVER_TABLE = "server"
OVER_BUDGET = ("refuse", "allow")


@dataclass(frozen=True)
class ServerPolicy:
    config: Config = field(default_factory=Config)
    max_push_size: int | None = None  # bytes received (the quarantine's size); None: no limit
    time_budget: float | None = None  # seconds; None: no limit
    over_budget: str = "refuse"
    push_option_bypass: bool = False
    honour_inline_allow: bool = False
    audit_log: Path | None = None
    files: tuple[Path, ...] = ()  # the files it was read from, server-wide first


def _size(value: Any) -> int:
    try:
        return parse_size(value)
    except ValueError:
        raise ValueError(f'expected a positive size in bytes or a string such as "500MB", got {value!r}') from None


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"expected a positive number of seconds, got {value!r}")
    return float(value)


def _choice(value: Any) -> str:
    if value not in OVER_BUDGET:
        raise ValueError(f"expected one of {', '.join(OVER_BUDGET)}, got {value!r}")
    return str(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _log_path(value: Any) -> Path:
    if not isinstance(value, str) or not Path(value).is_absolute():
        raise ValueError(f"expected an absolute path, got {value!r}")
    return Path(value)


#: ``[server]`` key -> (ServerPolicy field, converter)
SERVER_KEYS: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    "max-push-size": ("max_push_size", _size),
    "time-budget": ("time_budget", _seconds),
    "over-budget": ("over_budget", _choice),
    "push-option-bypass": ("push_option_bypass", _flag),
    "honour-inline-allow": ("honour_inline_allow", _flag),
    "audit-log": ("audit_log", _log_path),
}


def policy_files(git_dir: Path, server_wide: str | None) -> list[Path]:
    """The files the policy is read from, server-wide first; a named one must exist."""
    files = []
    if server_wide is not None:
        path = Path(server_wide)
        if not path.is_file():
            raise InputError(f"the server policy file {server_wide} does not exist (named by --policy)")
        files.append(path)
    own = git_dir / REPOSITORY_POLICY
    if own.is_file():
        files.append(own)
    return files


def load_policy(git_dir: Path, server_wide: str | None = None) -> ServerPolicy:
    """The policy for the repository whose (common) git directory is ``git_dir``."""
    files = policy_files(git_dir, server_wide)
    values: dict[str, Any] = {}
    for path in files:
        table = read_table(path).get(SERVER_TABLE, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{SERVER_TABLE}] must be a table")
        for key, raw in table.items():
            if key not in SERVER_KEYS:
                raise ConfigError(
                    f"{path}: [{SERVER_TABLE}]: unknown key {key!r} (known keys: {', '.join(SERVER_KEYS)})"
                )
            name, convert = SERVER_KEYS[key]
            try:
                values[name] = convert(raw)
            except ValueError as error:
                raise ConfigError(f"{path}: [{SERVER_TABLE}] {key}: {error}") from None
    config = load_files(files, owned=(SERVER_TABLE,))
    return ServerPolicy(config=config, files=tuple(files), **values)
