"""The baseline: findings a team has reviewed and accepted, so scans report only new ones.

Identity is the fingerprint (rule + full secret) plus the path, never the line number, so
moving code does not resurrect a finding. The file is sorted, has no timestamps and holds
only masked secrets, so it diffs cleanly in review. Reviewers may add a ``note`` (why) and an
``accepted_by`` (who) to any entry; both are optional (a baseline without them loads as
before) and survive ``create`` and ``update``; the audit shows them beside accepted keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from falguard.config import BASELINE_FILE
from falguard.detection.facts import Finding
from falguard.detection.findings import identity
from falguard.errors import ConfigError

DEFAULT_NAME = BASELINE_FILE
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    path: str
    rule: str
    secret: str  # masked
    note: str = ""
    history: bool = False  # recorded by a history scan: only a history scan can prune it
    accepted_by: str = ""  # who reviewed and accepted it (added in review, as ``note`` is; optional)

    @property
    def identity(self) -> tuple[str, str]:
        return (self.fingerprint, self.path)


def entry_for(finding: Finding, note: str = "") -> Entry:
    return Entry(
        finding.fingerprint, finding.path, finding.rule, finding.secret.masked, note, finding.source == "history"
    )


def load(path: Path) -> dict[tuple[str, str], Entry]:
    import json  # only when a baseline exists: the hook's start-up path names the file, no more

    label = path.name
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise ConfigError(f"{label}: cannot read baseline: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{label}: not a falguard baseline (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("falguard-baseline") != FORMAT_VERSION:
        raise ConfigError(f'{label}: not a falguard baseline (expected "falguard-baseline": {FORMAT_VERSION})')
    entries: dict[tuple[str, str], Entry] = {}
    for index, item in enumerate(document.get("findings", [])):
        try:
            entry = Entry(
                fingerprint=str(item["fingerprint"]),
                path=str(item["path"]),
                rule=str(item["rule"]),
                secret=str(item.get("secret", "")),
                note=str(item.get("note", "")),
                history=item.get("history") is True,
                accepted_by=str(item.get("accepted_by", "")),
            )
        except (KeyError, TypeError):
            raise ConfigError(f"{label}: finding {index + 1} needs fingerprint, path and rule") from None
        entries[entry.identity] = entry
    return entries


def render(entries: Iterable[Entry]) -> str:
    import json

    ordered = sorted(entries, key=lambda e: (e.path, e.rule, e.fingerprint))
    document = {
        "falguard-baseline": FORMAT_VERSION,
        "findings": [
            {"fingerprint": e.fingerprint, "path": e.path, "rule": e.rule, "secret": e.secret, "note": e.note}
            | ({"history": True} if e.history else {})
            | ({"accepted_by": e.accepted_by} if e.accepted_by else {})
            for e in ordered
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def create(findings: Iterable[Finding], previous: dict[tuple[str, str], Entry], accepted_by: str = "") -> list[Entry]:
    """Every current finding, keeping the review notes (``note``, ``accepted_by``) of those
    already in ``previous``; ``accepted_by`` names who accepts the entries that name nobody."""
    entries: dict[tuple[str, str], Entry] = {}
    for finding in findings:
        key = identity(finding)
        kept = previous.get(key)
        entry = entry_for(finding, kept.note if kept else "")
        entries.setdefault(key, replace(entry, accepted_by=(kept.accepted_by if kept else "") or accepted_by))
    return list(entries.values())


def accepted(entries: Iterable[Entry], by: str) -> list[Entry]:
    """``entries`` with ``by`` as who accepted each one that names nobody yet (a name a
    reviewer recorded is never replaced); unchanged when ``by`` is empty."""
    return [replace(entry, accepted_by=entry.accepted_by or by) for entry in entries]


def prune(previous: dict[tuple[str, str], Entry], findings: Iterable[Finding], *, history: bool) -> list[Entry]:
    """The entries that still occur, notes kept; nothing new is added. Entries a history
    scan recorded are judged only when ``findings`` include a history scan's."""
    current = {identity(finding) for finding in findings}
    return [entry for key, entry in previous.items() if key in current or (entry.history and not history)]


def write(path: Path, entries: Iterable[Entry]) -> None:
    from falguard.output import write_atomic  # lazily: tempfile is not needed to read a baseline

    write_atomic(str(path), render(entries))
