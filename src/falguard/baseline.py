"""The baseline: findings a team has reviewed and accepted, so scans report only new ones.

Identity is the fingerprint (rule + full secret) plus the path, never the line number, so
moving code does not resurrect a finding. The file is sorted, has no timestamps and holds
only masked secrets, so it diffs cleanly in review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from falguard.config import BASELINE_FILE
from falguard.errors import ConfigError
from falguard.models import Finding

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

    @property
    def identity(self) -> tuple[str, str]:
        return (self.fingerprint, self.path)


def identity(finding: Finding) -> tuple[str, str]:
    return (finding.fingerprint, finding.path)


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
            for e in ordered
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def create(findings: Iterable[Finding], previous: dict[tuple[str, str], Entry]) -> list[Entry]:
    """Every current finding, keeping the review notes of those already in ``previous``."""
    entries: dict[tuple[str, str], Entry] = {}
    for finding in findings:
        key = identity(finding)
        note = previous[key].note if key in previous else ""
        entries.setdefault(key, entry_for(finding, note))
    return list(entries.values())


def prune(previous: dict[tuple[str, str], Entry], findings: Iterable[Finding], *, history: bool) -> list[Entry]:
    """The entries that still occur, notes kept; nothing new is added. Entries a history
    scan recorded are judged only when ``findings`` include a history scan's."""
    current = {identity(finding) for finding in findings}
    return [entry for key, entry in previous.items() if key in current or (entry.history and not history)]


def write(path: Path, entries: Iterable[Entry]) -> None:
    from falguard.output import write_atomic  # lazily: tempfile is not needed to read a baseline

    write_atomic(str(path), render(entries))
