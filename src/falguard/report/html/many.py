"""The page of a many-repository report (``report/merge.py``'s document): every
repository's credentials as cards that name their repository, a table of the repositories
with their status, and a header whose facts hold for many repositories (how many were
audited, cached and failed; what was read), never one repository's HEAD or refs.

Each repository is loaded on its own (its share of the document), so two repositories'
identical hygiene findings (the same missing ``.gitignore`` rule) stay two rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from falguard.detection.facts import Finding, Story
from falguard.report import ReportContext
from falguard.report.html import _coverage, _outcome
from falguard.report.html.escape import esc
from falguard.report.html.page import document
from falguard.report.html.view import Card, View, by_severity, by_verification, story_card
from falguard.report.load import load
from falguard.report.merge import was_read
from falguard.report.text import scanned

#: An entry's fields that are not a summary's (see ``report/merge.py``).
_ENTRY_ONLY = ("repository", "status", "reason", "head", "credentials", "accepted")


def one_repository(merged: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """One repository's share of the document, as the audit JSON of that repository alone."""
    name = entry["repository"]

    def own(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in item.items() if k != "repository"} for item in items if item.get("repository") == name
        ]

    audit = merged.get("audit") or {}
    summary = {key: value for key, value in entry.items() if key not in _ENTRY_ONLY}
    return {
        "tool": "falguard",
        "version": merged.get("version", ""),
        "findings": own(merged.get("findings", [])),
        "suppressed": own(merged.get("suppressed", [])),
        "baselined": own(merged.get("baselined", [])),
        "audit": {
            "repository": name,
            "head": entry.get("head"),
            "stories": own(audit.get("stories", [])),
            "accepted": own(audit.get("accepted", [])),
        },  # fmt: skip
        "summary": {**summary, "fail_on": merged["summary"].get("fail_on", "medium")},
    }


def repository_rows(entries: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, ...], ...]:
    """(repository, status, credentials, findings, HEAD): counts "-" for a failure that read nothing."""
    rows = []
    for entry in entries:
        read = entry.get("status") != "failed" or was_read(entry)
        counts = (str(entry.get("credentials", 0)), str(entry.get("findings", 0))) if read else ("-", "-")
        rows.append(
            (str(entry["repository"]), str(entry.get("status", "ok")), *counts, (entry.get("head") or "-")[:12])
        )
    return tuple(rows)


def _cards(told: list[tuple[str, Story]], first: int, *, accepted: bool = False) -> tuple[Card, ...]:
    """Cards, most urgent first across every repository, each naming its repository."""
    from falguard.report.audit import acceptance

    ordered = sorted(told, key=lambda pair: pair[1].urgency)  # stable: repositories stay in name order
    return tuple(
        replace(story_card(number, story), repository=name, accepted=acceptance(story) if accepted else "")
        for number, (name, story) in enumerate(ordered, first)
    )


def render_combined(merged: Mapping[str, Any], ticket: Sequence[str], footer: Sequence[str]) -> str:
    """The page; ``ticket`` and ``footer`` are the text report's summary and closing lines."""
    summary = merged["summary"]
    entries = summary.get("repositories", [])
    stories: list[tuple[str, Story]] = []
    accepted: list[tuple[str, Story]] = []
    hygiene: list[Finding] = []
    hygiene_in: list[str] = []
    for entry in entries:
        audit = load(one_repository(merged, entry)).audit
        if audit is None:
            continue
        stories.extend((entry["repository"], story) for story in audit.stories)
        accepted.extend((entry["repository"], story) for story in audit.accepted)
        hygiene.extend(audit.hygiene)
        hygiene_in.extend(entry["repository"] for _ in audit.hygiene)
    cards = _cards(stories, 1)
    quiet = _cards(accepted, len(cards) + 1, accepted=True)
    loaded = load(dict(merged))
    counts = summary["repository_counts"]
    total = counts["total"]
    facts = (
        (
            "Repositories",
            esc(
                f"{total}: {counts['ok']} scanned, {counts['cached']} unchanged since the last run, "
                f"{counts['failed']} failed (the table below)"
            ),
        ),  # fmt: skip
        ("Scanned", esc(scanned(loaded.result.summary))),
        ("Coverage", _coverage(loaded.result, [e["repository"] for e in entries if e.get("status") == "failed"])),
        ("Outcome", _outcome(loaded.result, ReportContext(fail_on=loaded.fail_on))),
    )
    view = View(
        "audit", f"falguard audit of {total} repositor{'y' if total == 1 else 'ies'}", facts,
        by_severity(loaded.result), by_verification(cards), cards, tuple(hygiene), tuple(ticket), tuple(footer),
        quiet, hygiene_repositories=tuple(hygiene_in), repositories=repository_rows(entries),
    )  # fmt: skip
    return document(view)
