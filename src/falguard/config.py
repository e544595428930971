"""Configuration: ``[tool.falguard]`` in pyproject.toml, ``.falguard.toml`` (wins), then the
command line (wins over both). Every value remembers where it came from; every mistake is an
error naming the file, the key and what is expected."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from falguard.errors import ConfigError
from falguard.models import Severity, Value, _set

DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024

PYPROJECT = "pyproject.toml"
FALGUARD_TOML = ".falguard.toml"
#: The baseline a scan uses when none is named, at the project root (see :mod:`falguard.detection.baseline`).
BASELINE_FILE = ".falguard-baseline.json"
DEFAULT_SOURCE = "default"
COMMAND_LINE = "command line"

#: Patterns of values a configuration or command line gives, compiled on first use (re's
#: cache): the pre-commit hook's start-up, with no configuration file, needs none of them.
_SIZE = r"(?i)\s*(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*"
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2}
_SIZE_UNITS |= {"g": 1024**3, "gb": 1024**3, "gib": 1024**3}
_PREFIX = r"[A-Za-z][A-Za-z0-9_]{0,63}"
_NAME = r"[A-Za-z_][A-Za-z0-9_-]{0,127}"
#: A fingerprint as reports show it (text: its first 16 hex characters) or in full (JSON: 64).
_FINGERPRINT = r"[0-9a-f]{16,64}"


def parse_size(value: object) -> int:
    """``1048576``, ``"512k"``, ``"10MB"``; raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(value)
        return value
    if isinstance(value, str):
        match = re.fullmatch(_SIZE, value)
        if match and int(match.group(1)) > 0:
            return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()]
    raise ValueError(value)


class AllowEntry(Value):
    __slots__ = ("fingerprint", "reason", "by")
    fingerprint: str
    reason: str
    by: str  # who accepted it (optional), as a baseline entry's ``accepted_by``

    def __init__(self, fingerprint: str, reason: str, by: str = "") -> None:
        _set(self, "fingerprint", fingerprint)
        _set(self, "reason", reason)
        _set(self, "by", by)


class Config(Value):
    __slots__ = (
        "exclude", "fail_on", "max_file_size", "extra_public_prefixes", "extra_key_names", "allow",
        "fail_on_incomplete", "origins", "errors", "max_images", "max_image_megapixels",
    )  # fmt: skip
    exclude: tuple[str, ...]
    fail_on: Severity
    max_file_size: int
    extra_public_prefixes: tuple[str, ...]
    extra_key_names: tuple[str, ...]
    allow: tuple[AllowEntry, ...]
    fail_on_incomplete: bool | None  # None: only in CI (CI=true)
    origins: Mapping[str, str]  # key -> where its value came from
    errors: Mapping[str, str]  # key -> why its value was refused (lenient loads)
    max_images: int  # images one scan reads the text of at most (the images extra)
    max_image_megapixels: int  # and megapixels

    def __init__(
        self,
        exclude: tuple[str, ...] = (),
        fail_on: Severity = Severity.MEDIUM,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        extra_public_prefixes: tuple[str, ...] = (),
        extra_key_names: tuple[str, ...] = (),
        allow: tuple[AllowEntry, ...] = (),
        fail_on_incomplete: bool | None = None,
        origins: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        max_images: int = 500,
        max_image_megapixels: int = 1000,
    ) -> None:
        _set(self, "exclude", exclude)
        _set(self, "fail_on", fail_on)
        _set(self, "max_file_size", max_file_size)
        _set(self, "extra_public_prefixes", extra_public_prefixes)
        _set(self, "extra_key_names", extra_key_names)
        _set(self, "allow", allow)
        _set(self, "fail_on_incomplete", fail_on_incomplete)
        _set(self, "origins", {} if origins is None else origins)
        _set(self, "errors", {} if errors is None else errors)
        _set(self, "max_images", max_images)
        _set(self, "max_image_megapixels", max_image_megapixels)

    def allowed(self, fingerprint: str) -> AllowEntry | None:
        """The allow entry for a finding's fingerprint: in full, or the 16-character prefix reports show."""
        for entry in self.allow:
            if fingerprint.startswith(entry.fingerprint):
                return entry
        return None


# --- validation: each key's checker turns a raw TOML value into the Config field's value -----


def _strings(check: str | None, expected: str) -> Callable[[Any], tuple[str, ...]]:
    def convert(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"expected a list of strings ({expected})")
        for item in value:
            if check is not None and not re.fullmatch(check, item):
                raise ValueError(f"{item!r} is not {expected}")
        return tuple(value)

    return convert


def _exclude(value: Any) -> tuple[str, ...]:
    patterns = _strings(None, "gitignore-style patterns")(value)
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except Exception as error:  # pathspec raises several types for bad patterns
            raise ValueError(f"invalid pattern {pattern!r}: {error}") from None
    return patterns


def _fail_on(value: Any) -> Severity:
    labels = ", ".join(s.label for s in sorted(Severity, reverse=True))
    if not isinstance(value, str):
        raise ValueError(f"expected one of {labels}")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ValueError(f"expected one of {labels}, got {value!r}") from None


def _max_file_size(value: Any) -> int:
    try:
        return parse_size(value)
    except ValueError:
        raise ValueError(f'expected a positive size in bytes or a string such as "10MB", got {value!r}') from None


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _allow(value: Any) -> tuple[AllowEntry, ...]:
    if not isinstance(value, list):
        raise ValueError('expected a list of tables: { fingerprint = "<64 hex>", reason = "...", by = "..." }')
    return tuple(_allow_entry(index, item) for index, item in enumerate(value, 1))


def _allow_entry(number: int, item: Any) -> AllowEntry:
    if not isinstance(item, dict):
        raise ValueError(f"entry {number}: expected a table with fingerprint and reason (and optionally by)")
    unknown = set(item) - {"fingerprint", "reason", "by"}
    if unknown:
        raise ValueError(f"entry {number}: unknown key {sorted(unknown)[0]!r} (expected fingerprint, reason, by)")
    fingerprint, reason, by = item.get("fingerprint"), item.get("reason"), item.get("by", "")
    if not isinstance(fingerprint, str) or not re.fullmatch(_FINGERPRINT, fingerprint):
        raise ValueError(f"entry {number}: fingerprint must be one a report shows: 16 to 64 lowercase hex characters")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(f"entry {number}: reason must be a non-empty string")
    if not isinstance(by, str) or ("by" in item and not by.strip()):
        raise ValueError(f"entry {number}: by must be a non-empty string (who accepted it), got {by!r}")
    return AllowEntry(fingerprint, reason, by.strip())


#: TOML key -> (Config field, converter)
KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "exclude": ("exclude", _exclude),
    "fail-on": ("fail_on", _fail_on),
    "max-file-size": ("max_file_size", _max_file_size),
    "extra-public-prefixes": (
        "extra_public_prefixes",
        _strings(_PREFIX, "an environment variable prefix such as APP_"),
    ),
    "extra-key-names": ("extra_key_names", _strings(_NAME, "a variable name such as IMAGE_API_KEY")),
    "allow": ("allow", _allow),
    "fail-on-incomplete": ("fail_on_incomplete", _boolean),
}


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a configuration file exists: not on every hook run's start-up

    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"{path.name}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name}: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}") from None


def _table(path: Path) -> dict[str, Any] | None:
    document = _read_toml(path)
    if path.name == PYPROJECT:
        tool = document.get("tool", {})
        table = tool.get("falguard") if isinstance(tool, dict) else None
        if table is None:
            return None
        where = "[tool.falguard]"
    else:
        table, where = document, "the top level"
    if not isinstance(table, dict):
        raise ConfigError(f"{path.name}: {where} must be a table")
    return table


def _apply(
    values: dict[str, Any],
    origins: dict[str, str],
    table: Mapping[str, Any],
    source: str,
    label: str,
    errors: dict[str, str] | None = None,
) -> None:
    """Convert and record each key of ``table``; a mistake raises, or with ``errors`` is
    recorded there (the key keeps its earlier value) so `config show` can still show the rest."""
    for key, raw in table.items():
        try:
            if key not in KEYS:
                raise ConfigError(f"{label}: unknown key {key!r} (known keys: {', '.join(KEYS)})")
            attribute, convert = KEYS[key]
            try:
                values[attribute] = convert(raw)
            except ValueError as error:
                raise ConfigError(f"{label}: {key}: {error}") from None
        except ConfigError as error:
            if errors is None:
                raise
            errors[key] = str(error)
            continue
        origins[key] = source


def load(root: Path, overrides: Mapping[str, Any] | None = None, *, lenient: bool = False) -> Config:
    """The effective configuration for a project rooted at ``root``.

    ``overrides`` maps TOML keys to values given on the command line (None means not given).
    With ``lenient``, a wrong value is recorded in ``Config.errors`` instead of raising.
    """
    errors: dict[str, str] | None = {} if lenient else None
    values: dict[str, Any] = {}
    origins: dict[str, str] = {key: DEFAULT_SOURCE for key in KEYS}
    for name in (PYPROJECT, FALGUARD_TOML):  # later wins
        path = root / name
        if not path.is_file():
            continue
        table = _table(path)
        if table is not None:
            label = f"{name} [tool.falguard]" if name == PYPROJECT else name
            shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            _apply(values, origins, table, shown, label, errors)
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    _apply(values, origins, given, COMMAND_LINE, "command line", errors)
    return Config(**values, origins=origins, errors=errors or {})


def read_table(path: Path) -> dict[str, Any]:
    """The top-level table of a ``.falguard.toml``-style file (ConfigError when it cannot be read)."""
    return _table(path) or {}


def load_files(paths: Sequence[Path], *, owned: Collection[str] = ()) -> Config:
    """The configuration ``paths`` make (``.falguard.toml``-style files named exactly, not
    found in a project; later files win key by key), leaving out the top-level keys in
    ``owned``, which another reader owns (the server hook's ``[server]`` table)."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {key: DEFAULT_SOURCE for key in KEYS}
    for path in paths:
        table = {key: value for key, value in read_table(path).items() if key not in owned}
        _apply(values, origins, table, str(path), str(path))
    return Config(**values, origins=origins)


def describe(config: Config) -> list[tuple[str, str, str]]:
    """(key, value as TOML-ish text, where it came from) for ``falguard config show``."""
    rows = []
    for key, (attribute, _) in KEYS.items():
        value = getattr(config, attribute)
        if isinstance(value, Severity):
            text = value.label
        elif key == "allow":
            text = "[" + ", ".join(_allowed_text(entry) for entry in value) + "]"
        elif isinstance(value, tuple):
            text = "[" + ", ".join(repr(item) for item in value) + "]"
        elif isinstance(value, bool):
            text = str(value).lower()
        elif value is None:
            text = "only in CI (CI=true)" if key == "fail-on-incomplete" else "none"
        else:
            text = str(value)
        rows.append((key, text, config.origins.get(key, DEFAULT_SOURCE)))
    return rows


def _allowed_text(entry: AllowEntry) -> str:
    return f"{entry.fingerprint[:16]}… ({entry.reason}{f'; by {entry.by}' if entry.by else ''})"
