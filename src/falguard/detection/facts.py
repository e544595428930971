"""Facts about a secret beyond where it was found: the commits that carried it (history
scans), what fal's API said of it (``--verify``), its way from a definition to what a browser
downloads (browser exposure), and the audit's story of it.

These values, and the finding itself, are dataclasses built on :mod:`falguard.models`' values;
they live in a module of their own, imported where a finding is first made, so that a scan
needing none of them, the pre-commit hook on a clean commit above all, does not pay for
making them (about 1.5 ms per dataclass, and 15 ms for importing :mod:`dataclasses`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from falguard.models import URGENCY, ScanResult, Secret, Severity, Suppression


@dataclass(frozen=True)
class Finding:
    """What a scan reports: a rule's verdict at a place, with its secret (masked when shown)."""

    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    secret: Secret
    message: str
    remediation: str
    commit: str | None = None
    end_column: int | None = None  # just past the secret, on ``end_line``
    end_line: int | None = None  # where the secret ends, when not on ``line`` (a key joined over lines)
    source: str = "worktree"
    suppression: Suppression | None = None
    chain: tuple[ChainLink, ...] = ()  # the same key or variable at every point it passes through
    history: Attribution | None = None  # set by history scans
    verification: Verification | None = None  # set by the verification stage (--verify)
    framework: str | None = None  # browser findings: the registry name of the framework whose fix applies

    @property
    def fingerprint(self) -> str:
        return self.secret.fingerprint(self.rule)


@dataclass(frozen=True)
class ChainLink:
    """One point on the way from where a credential is defined to what a browser downloads."""

    path: str
    line: int
    what: str  # "defines NEXT_PUBLIC_FAL_KEY", "reads it in a client component", ...

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.what}"


@dataclass(frozen=True)
class HistoryEvent:
    """One commit in a secret's history: it brought the secret to a path, or took it away."""

    event: str  # added | removed
    commit: str
    date: str  # author date, ISO 8601
    author: str
    path: str
    left_head: bool = False  # the removal that took it out of HEAD (the latest removal in HEAD's history)

    EVENTS = ("added", "removed")


@dataclass(frozen=True)
class Attribution:
    """Where a secret found in git history came from and how far it travelled."""

    author: str | None = None  # of the commit that introduced it ("Name <email>")
    date: str | None = None  # that commit's author date, ISO 8601
    paths: tuple[str, ...] = ()  # every path it appeared under, oldest first
    in_head: bool | None = None  # still in HEAD's tree (None: not a file, or no HEAD)
    refs: tuple[str, ...] = ()  # refs that reach it (at most REFS_SHOWN of them)
    ref_count: int = 0  # how many refs reach it
    pushed: bool = False  # a remote-tracking ref reaches it
    blobs: int = 0  # distinct file versions (blobs) holding it
    timeline: tuple[HistoryEvent, ...] = ()  # oldest first: where it was added and removed (at most EVENTS_SHOWN)

    REFS_SHOWN = 20
    EVENTS_SHOWN = 50


@dataclass(frozen=True)
class Verification:
    """What fal's API said of a credential when asked (``--verify``)."""

    status: str  # live | rejected | unknown
    scope: str | None = None  # ADMIN | API for a live key, when known
    reason: str = ""

    STATUSES = ("live", "rejected", "unknown")


@dataclass(frozen=True)
class Story:
    """Everything known about one distinct secret."""

    secret: Secret
    findings: tuple[Finding, ...]
    urgency: int
    introduced: Finding | None  # the history finding of the commit that first brought it in
    paths: tuple[str, ...]
    in_head: bool
    in_worktree: bool
    pushed: bool
    steps: tuple[str, ...]

    @property
    def label(self) -> str:
        return URGENCY[self.urgency]


@dataclass
class Audit:
    result: ScanResult  # every finding, for the machine-readable formats and the exit code
    stories: list[Story] = field(default_factory=list)
    hygiene: list[Finding] = field(default_factory=list)  # findings about no secret (env files, variables, proxy)
    repository: str = ""
    head: str | None = None
    bare: bool = False  # a server-side copy (a mirror): everything in it is published
    refs_scanned: int | None = None  # how many refs the history scan started from (None: no history)
    accepted: list[Story] = field(default_factory=list)  # keys only in the baseline or allowed: not new, still shown
