"""Values passed between the layers: secrets, origins, findings, summaries."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:  # Finding is defined in falguard.detection.facts, which imports this module
    from typing import Self

    from falguard.detection.facts import Finding

_set = object.__setattr__  # how a frozen value's __init__ sets its fields


class Record:
    """A value compared and shown by its fields: the ``__slots__`` of its class and of the
    classes it extends (theirs first), named and ordered as ``__init__`` takes them, but for
    the ``_CACHES`` slots (what a field computes, made on first use). What ``@dataclass``
    gives, without the code it generates and compiles at import (about 1.5 ms a class, and
    15 ms to import :mod:`dataclasses` and :mod:`inspect`): the pre-commit hook's start-up
    makes these, and imports no dataclass (tests/cli/test_hookrun.py). Defining ``__eq__``
    leaves it unhashable, as a dataclass is."""

    __slots__: tuple[str, ...] = ()
    _CACHES: ClassVar[tuple[str, ...]] = ()
    _FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls) -> None:
        slots = [name for klass in reversed(cls.__mro__) for name in vars(klass).get("__slots__", ())]
        cls._FIELDS = tuple(name for name in slots if name not in cls._CACHES)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._FIELDS, self._fields(), strict=True))
        return f"{type(self).__qualname__}({shown})"

    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]:  # pickled (audits in worker processes) and copied
        return type(self), self._fields()

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (``dataclasses.replace``)."""
        kept = {name: getattr(self, name) for name in self._FIELDS if name not in changes}
        return type(self)(**kept, **changes)


class Value(Record):
    """A frozen :class:`Record` (``@dataclass(frozen=True)``): hashable, and its fields are
    set once, by ``__init__`` (with ``_set``)."""

    __slots__: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")


V = TypeVar("V", bound=Record)  # the class, not its name: a name would be compiled at import


def replace(value: V, /, **changes: Any) -> V:
    """``value.replace(**changes)``, called as :func:`dataclasses.replace` is: how code written
    when these values were dataclasses copies them."""
    return value.replace(**changes)


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}") from None


#: How a secret is shown: ``(value, key_id) -> masked``. Each rule picks one for its secrets.
Masker = Callable[[str, str | None], str]


class Secret:
    """A plaintext secret that refuses to show itself.

    ``str``, ``repr`` and formatting all give the masked form, so a secret that ends up in a
    log line or an exception message by accident is still masked. The plaintext is reachable
    only through :meth:`reveal`, which the replacements writer alone calls.
    """

    __slots__ = ("_value", "_key_id", "_sensitive", "_mask", "_masked", "_fingerprints", "_spellings")

    def __init__(
        self, value: str, key_id: str | None = None, *, sensitive: bool = True, mask: Masker | None = None
    ) -> None:
        self._value: str | None = value
        self._key_id = key_id
        self._sensitive = sensitive
        self._mask = mask  # how the rule that found it shows it; None: :func:`mask`
        self._masked: str | None = None
        self._fingerprints: dict[str, str] = {}
        self._spellings: tuple[tuple[str, Secret], ...] = ()

    @classmethod
    def from_masked(
        cls,
        masked: str,
        key_id: str | None = None,
        *,
        sensitive: bool = True,
        fingerprints: dict[str, str] | None = None,
    ) -> Secret:
        """A secret read back from a saved report: it holds only the masked text it was saved
        with (masked again if it does not look masked) and the saved fingerprints, by rule.
        It has no plaintext, so :meth:`reveal` refuses."""
        secret = cls.__new__(cls)
        secret._value = None
        secret._key_id = key_id
        secret._sensitive = sensitive
        secret._mask = None
        secret._masked = masked if not sensitive or "****" in masked else mask(masked, key_id)
        secret._fingerprints = dict(fingerprints or {})
        secret._spellings = ()
        return secret

    def spelled(self, spellings: Iterable[tuple[str, Secret]]) -> Secret:
        """This secret, also known to be written in content as each ``(kind, text)`` of
        ``spellings`` where the content does not hold it as such: ``base64``, the encoded
        value it was decoded from; ``pieces``, the expression it was joined from. The texts
        are secrets too (they mask themselves); only the replacements file reads them. Not
        part of the identity: the same key is the same secret however it was written."""
        added = tuple(dict.fromkeys((*self._spellings, *spellings)))
        if added == self._spellings:
            return self
        copy = Secret.__new__(Secret)
        for name in Secret.__slots__:
            setattr(copy, name, getattr(self, name))
        copy._spellings = added
        return copy

    @property
    def spellings(self) -> tuple[tuple[str, Secret], ...]:
        """How content wrote this secret where it did not hold it as such (see :meth:`spelled`)."""
        return self._spellings

    def reveal(self) -> str:
        if self._value is None:
            raise ValueError("a secret loaded from a saved report has no plaintext, only its masked form")
        return self._value

    @property
    def key_id(self) -> str | None:
        return self._key_id

    @property
    def sensitive(self) -> bool:
        """False for values that are not secret (a variable name reported for where it is used)."""
        return self._sensitive

    @property
    def masked(self) -> str:
        if self._value is None:
            return self._masked or ""
        if not self._sensitive:
            return self._value
        return (self._mask or mask)(self._value, self._key_id)

    def fingerprint(self, rule: str) -> str:
        if self._value is None:
            if rule not in self._fingerprints:
                raise ValueError(f"a secret loaded from a saved report has no fingerprint for rule {rule!r}")
            return self._fingerprints[rule]
        import hashlib  # OpenSSL loads in milliseconds: only once a finding needs its fingerprint

        return hashlib.sha256(f"{rule}:{self._value}".encode()).hexdigest()

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def _identity(self) -> tuple[str | None, ...]:
        """The plaintext; for a loaded secret, which never equals a scanned one, its masked form."""
        if self._value is None:
            return ("loaded", self._masked, self._key_id, str(self._sensitive))
        return (self._value,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._identity() == self._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


_HEX32 = r"[0-9a-fA-F]{32}"  # compiled on first use (re's cache): only findings are masked


def mask_key_secret(value: str, key_id: str | None = None) -> str:
    """A fal key's secret half (``<key_id>:<key_secret>``, or the secret of a split pair).

    Keeps the key id when known (fal shows it on the dashboard; it is how a key is found and
    revoked) and the last 4 characters of the secret, fewer for short values.
    """
    secret = value[len(key_id) + 1 :] if key_id and value.startswith(key_id + ":") else value
    tail = secret[-min(4, len(secret) // 3) :] if len(secret) >= 6 else ""
    return f"{key_id + ':' if key_id else ''}{'*' * 4}{tail}"


def mask_ends(value: str, key_id: str | None = None) -> str:
    """At most 4 leading and 4 trailing characters, fewer for short values, so that at most a
    third of the value is ever shown."""
    keep = min(4, len(value) // 6)
    if keep == 0:
        return "*" * 4
    return f"{value[:keep]}{'*' * 4}{value[-keep:]}"


def mask(value: str, key_id: str | None = None) -> str:
    """Mask a secret no rule chose a form for: as a key's secret half when a key id is given
    or the value is 32 hex characters (:func:`mask_key_secret`), else by its ends
    (:func:`mask_ends`)."""
    if key_id is not None or re.fullmatch(_HEX32, value):
        return mask_key_secret(value, key_id)
    return mask_ends(value)


class Origin(Value):
    """Where a piece of content came from."""

    __slots__ = ("path", "commit", "source", "ignored_env", "served")
    path: str
    commit: str | None
    source: str  # worktree | staged | history | stdin
    ignored_env: bool  # an env file git ignores: the right place for a key
    served: bool  # build output a site serves (.next/static/, dist/, ...): a key there is public

    def __init__(
        self,
        path: str,
        commit: str | None = None,
        source: str = "worktree",
        ignored_env: bool = False,
        served: bool = False,
    ) -> None:
        _set(self, "path", path)
        _set(self, "commit", commit)
        _set(self, "source", source)
        _set(self, "ignored_env", ignored_env)
        _set(self, "served", served)


class Suppression(Value):
    """Why a finding does not count: an inline allow comment, a config allow entry."""

    __slots__ = ("kind", "reason", "by")
    kind: str  # inline | config | baseline
    reason: str
    by: str  # who accepted it, when recorded (a baseline entry's ``accepted_by``, an allow entry's ``by``)

    def __init__(self, kind: str, reason: str = "", by: str = "") -> None:
        _set(self, "kind", kind)
        _set(self, "reason", reason)
        _set(self, "by", by)


_SUMMARY_COUNTS = (
    "files_scanned", "bytes_scanned", "skipped_binary", "skipped_large", "skipped_other", "excluded", "baselined",
    "objects_read", "blobs_scanned",
    "containers_opened", "members_scanned", "members_too_large", "members_too_deep", "members_too_many",
    "members_unreadable", "encoded_over_budget",
    "images_read", "images_not_read", "images_skipped", "images_over_budget", "images_unreadable",
)  # fmt: skip


class Summary(Record):
    """Counts of what a scan covered and what it could not."""

    __slots__ = (*_SUMMARY_COUNTS, "scanned_noun", "unreadable", "skipped_paths", "incomplete")
    files_scanned: int
    bytes_scanned: int
    skipped_binary: int
    skipped_large: int
    skipped_other: int
    excluded: int
    baselined: int
    objects_read: int  # a history scan: every git object read (commits, trees, tags, blobs), as progress counts
    blobs_scanned: int  # of files_scanned, the git blobs (history's text blobs); the rest are files
    containers_opened: int  # archives and databases opened (expand/): their members are scanned
    members_scanned: int  # files inside them scanned
    members_too_large: int  # members skipped: larger than the cap decompressed
    members_too_deep: int  # archives nested deeper than the limit
    members_too_many: int  # members past the count limit
    members_unreadable: int  # corrupt, truncated or encrypted archives and members
    encoded_over_budget: int  # items whose base64 was decoded up to the limit, no further
    images_read: int  # images whose text was read (OCR, the images extra)
    images_not_read: int  # images worth reading met without the images extra installed
    images_skipped: int  # images that cannot hold a readable key: too small, or photographs
    images_over_budget: int  # images past the scan's image count or megapixel limit
    images_unreadable: int  # images that did not decode
    scanned_noun: str  # what files_scanned counts: files, or git objects in a history scan
    unreadable: list[str]
    skipped_paths: list[str]
    incomplete: list[str]

    def __init__(
        self,
        files_scanned: int = 0,
        bytes_scanned: int = 0,
        skipped_binary: int = 0,
        skipped_large: int = 0,
        skipped_other: int = 0,
        excluded: int = 0,
        baselined: int = 0,
        objects_read: int = 0,
        blobs_scanned: int = 0,
        containers_opened: int = 0,
        members_scanned: int = 0,
        members_too_large: int = 0,
        members_too_deep: int = 0,
        members_too_many: int = 0,
        members_unreadable: int = 0,
        encoded_over_budget: int = 0,
        images_read: int = 0,
        images_not_read: int = 0,
        images_skipped: int = 0,
        images_over_budget: int = 0,
        images_unreadable: int = 0,
        scanned_noun: str = "file",
        unreadable: list[str] | None = None,
        skipped_paths: list[str] | None = None,
        incomplete: list[str] | None = None,
    ) -> None:
        self.files_scanned = files_scanned
        self.bytes_scanned = bytes_scanned
        self.skipped_binary = skipped_binary
        self.skipped_large = skipped_large
        self.skipped_other = skipped_other
        self.excluded = excluded
        self.baselined = baselined
        self.objects_read = objects_read
        self.blobs_scanned = blobs_scanned
        self.containers_opened = containers_opened
        self.members_scanned = members_scanned
        self.members_too_large = members_too_large
        self.members_too_deep = members_too_deep
        self.members_too_many = members_too_many
        self.members_unreadable = members_unreadable
        self.encoded_over_budget = encoded_over_budget
        self.images_read = images_read
        self.images_not_read = images_not_read
        self.images_skipped = images_skipped
        self.images_over_budget = images_over_budget
        self.images_unreadable = images_unreadable
        self.scanned_noun = scanned_noun
        self.unreadable = [] if unreadable is None else unreadable
        self.skipped_paths = [] if skipped_paths is None else skipped_paths
        self.incomplete = [] if incomplete is None else incomplete

    def add(self, other: Summary) -> None:
        """Fold another part of the same scan (a reader, a second source) into this one."""
        for name in _SUMMARY_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unreadable.extend(other.unreadable)
        self.skipped_paths.extend(other.skipped_paths)
        self.incomplete.extend(other.incomplete)

    @property
    def complete(self) -> bool:
        return not (self.unreadable or self.incomplete)


class ScanResult(Record):
    __slots__ = ("findings", "summary", "suppressed", "warnings", "baselined", "fatal")
    findings: list[Finding]  # the ones that count
    summary: Summary
    suppressed: list[Finding]  # allowed inline or by config
    warnings: list[Finding]  # advisory: reported, never failing
    baselined: list[Finding]  # accepted in the baseline (counted in the summary)
    fatal: str | None  # why the scan, though reported, must fail with exit 2 (a corrupt repository)

    def __init__(
        self,
        findings: list[Finding] | None = None,
        summary: Summary | None = None,
        suppressed: list[Finding] | None = None,
        warnings: list[Finding] | None = None,
        baselined: list[Finding] | None = None,
        fatal: str | None = None,
    ) -> None:
        self.findings = [] if findings is None else findings
        self.summary = Summary() if summary is None else summary
        self.suppressed = [] if suppressed is None else suppressed
        self.warnings = [] if warnings is None else warnings
        self.baselined = [] if baselined is None else baselined
        self.fatal = fatal

    def failing(self, threshold: Severity) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity >= threshold]


#: Urgency, most urgent first; the labels are what the report and the ticket summary say.
URGENCY = (
    "pushed and still in HEAD",
    "pushed, removed from HEAD",
    "committed, not pushed",
    "in the working tree only",
)
