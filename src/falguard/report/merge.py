"""Combining JSON reports of many repositories into one: a pure function over documents.

Inputs are the audit JSON of ``report/audit.py`` (one repository), the scan JSON of
``report/json.py`` (one repository, named by its ``repository`` field or by its position),
or reports this module made (many repositories). Each repository becomes one entry in
``summary.repositories`` (status ``ok``, ``cached`` or ``failed``, the reason for a failure,
its counts); every finding, suppressed finding and story names its ``repository``.
Repositories come sorted by name, so the result does not depend on the order of the inputs,
and merging merged reports gives what merging their inputs gives: a run over many
repositories and ``falguard report --merge`` of its parts produce the same report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from falguard.errors import InputError
from falguard.models import Severity

STATUSES = ("ok", "cached", "failed")
_COUNTS = ("files_scanned", "bytes_scanned", "excluded", "suppressed", "baselined")
_HISTORY_COUNTS = ("objects_read", "blobs_scanned")  # only in reports that read history
_LISTS = ("skipped_paths", "unreadable", "incomplete")


@dataclass(frozen=True)
class Part:
    """One repository's share of a report."""

    name: str
    entry: dict[str, Any]
    findings: list[dict[str, Any]]
    suppressed: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    version: str
    fail_on: str
    baselined: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)  # stories of keys only baselined or allowed


def merge_reports(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One report of every repository in ``reports``; InputError for a report that is not a
    falguard JSON report, or for a repository found in two of them."""
    parts = sorted((part for index, report in enumerate(reports, 1) for part in _parts(report, index)), key=_order)
    seen: set[str] = set()
    for part in parts:
        if part.name in seen:
            raise InputError(f"repository {part.name!r} is in more than one report")
        seen.add(part.name)
    return _combine(parts)


def was_read(entry: Mapping[str, Any]) -> bool:
    """Whether anything of a repository was read (a failed one may still have a partial result)."""
    return bool(entry.get("objects_read") or entry.get("files_scanned"))


def failed_repositories(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entries of repositories that could not be audited (the run then exits 2)."""
    return [entry for entry in report["summary"].get("repositories", []) if entry.get("status") == "failed"]


def _order(part: Part) -> str:
    return part.name


def _parts(report: Mapping[str, Any], index: int) -> list[Part]:
    if not isinstance(report, Mapping) or report.get("tool") != "falguard" or "summary" not in report:
        raise InputError(f"report {index} is not a falguard JSON report")
    summary = report["summary"]
    version, fail_on = str(report.get("version", "")), str(summary.get("fail_on", "medium"))
    if "repositories" in summary:
        return [_part_of_combined(report, entry, version, fail_on) for entry in summary["repositories"]]
    audit = report.get("audit") or {}
    name = audit.get("repository") or report.get("repository") or _unnamed(report)
    stories, accepted = list(audit.get("stories", [])), list(audit.get("accepted", []))
    entry = {
        "repository": name,
        "status": audit.get("status") or "ok",
        "reason": audit.get("reason"),
        "head": audit.get("head"),
        "credentials": len(stories),
        "accepted": len(accepted),
        **{key: value for key, value in summary.items() if key != "fail_on"},
    }
    return [
        Part(
            name, entry, list(report.get("findings", [])), list(report.get("suppressed", [])), stories, version,
            fail_on, list(report.get("baselined", [])), accepted,
        )
    ]  # fmt: skip


def _unnamed(report: Mapping[str, Any]) -> str:
    """A name for a report that has none (a scan report): from its content, not its position,
    so that the merge stays independent of the order of its inputs."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(report, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"unnamed report {digest[:12]}"


def _part_of_combined(report: Mapping[str, Any], entry: Mapping[str, Any], version: str, fail_on: str) -> Part:
    name = entry["repository"]

    def own(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [_untagged(item) for item in items if item.get("repository") == name]

    audit = report.get("audit") or {}
    return Part(name, dict(entry), own(report.get("findings", [])), own(report.get("suppressed", [])),
                own(audit.get("stories", [])), version, fail_on, own(report.get("baselined", [])),
                own(audit.get("accepted", [])))  # fmt: skip


def _untagged(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "repository"}


def _tagged(item: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {**_untagged(item), "repository": name}


def _combine(parts: Sequence[Part]) -> dict[str, Any]:
    versions = sorted({part.version for part in parts if part.version})
    return {
        "tool": "falguard",
        "version": ", ".join(versions),
        "findings": [_tagged(finding, part.name) for part in parts for finding in part.findings],
        "suppressed": [_tagged(finding, part.name) for part in parts for finding in part.suppressed],
        "baselined": [_tagged(finding, part.name) for part in parts for finding in part.baselined],
        "audit": {
            "repositories": len(parts),
            "stories": [_tagged(story, part.name) for part in parts for story in part.stories],
            "accepted": [_tagged(story, part.name) for part in parts for story in part.accepted],
        },
        "summary": _summary(parts),
    }


def _summary(parts: Sequence[Part]) -> dict[str, Any]:
    entries = [part.entry for part in parts]
    by_severity = {severity.label: 0 for severity in sorted(Severity, reverse=True)}
    skipped: dict[str, int] = {"binary": 0, "too_large": 0, "other": 0}
    for entry in entries:
        for label, count in entry.get("by_severity", {}).items():
            by_severity[label] = by_severity.get(label, 0) + count
        for kind, count in entry.get("skipped", {}).items():
            skipped[kind] = skipped.get(kind, 0) + count
    lists = {
        key: [f"{entry['repository']}: {item}" for entry in entries for item in entry.get(key, [])] for key in _LISTS
    }
    statuses = [entry.get("status") for entry in entries]
    fail_on = min((part.fail_on for part in parts), key=lambda label: Severity.parse(label), default="medium")
    return {
        "findings": sum(entry.get("findings", 0) for entry in entries),
        "by_severity": by_severity,
        "fail_on": fail_on,
        "failed": any(entry.get("failed") for entry in entries),
        **{key: sum(entry.get(key, 0) for entry in entries) for key in _COUNTS[:2]},
        "skipped": skipped,
        "skipped_paths": lists["skipped_paths"],
        **{key: sum(entry.get(key, 0) for entry in entries) for key in _COUNTS[2:]},
        "unreadable": lists["unreadable"],
        "incomplete": lists["incomplete"],
        "complete": all(entry.get("complete", False) for entry in entries) and "failed" not in statuses,
        **{
            key: sum(entry.get(key, 0) for entry in entries)
            for key in _HISTORY_COUNTS
            if any(key in e for e in entries)
        },
        "repository_counts": {"total": len(entries), **{status: statuses.count(status) for status in STATUSES}},
        "repositories": entries,
    }
