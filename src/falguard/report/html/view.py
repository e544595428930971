"""What the HTML page shows, as plain values built from an audit or a scan result: one card
per distinct secret with its timeline, the hygiene findings, the header's facts. Pure: no
markup here, and nothing here reveals a secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from falguard.detection.facts import Finding, HistoryEvent, Story, Verification
from falguard.models import URGENCY, ScanResult, Severity
from falguard.report.guidance import steps
from falguard.report.text import location
from falguard.sources.buildoutput import is_served

#: Filter keys of a card's status, for the audit's urgency levels (same order as URGENCY).
URGENCY_KEYS = ("pushed-in-head", "pushed-removed", "local", "worktree")
#: For a scan: where a finding was read, when it has no history attribution.
SOURCE_STATUS = {
    "worktree": ("worktree", "in the working tree"),
    "staged": ("staged", "staged for the next commit"),
    "stdin": ("stdin", "in standard input"),
    "site": ("site", "served by a deployed site"),
}
#: Which verification status a secret shows when its findings disagree: the most alarming.
VERIFICATION_ORDER = ("live", "unknown", "rejected")


@dataclass(frozen=True)
class Point:
    """One point on a card's timeline."""

    kind: str  # added | removed | left-head | worktree | staged | stdin | served | now
    date: str  # YYYY-MM-DD, or "" (the present)
    label: str  # a word or two under the point
    where: str  # a path, or what reaches it now
    detail: str  # the whole sentence, for the list under the drawing and the tooltip


@dataclass(frozen=True)
class Card:
    number: int
    masked: str
    key_id: str | None
    rules: tuple[str, ...]
    severity: Severity
    status: str  # a filter key: URGENCY_KEYS, or a SOURCE_STATUS key
    status_label: str
    verification: Verification | None
    places: tuple[str, ...]  # where it is now: in HEAD, history only, pushed, local only, served, ...
    introduced: str
    points: tuple[Point, ...]
    locations: tuple[str, ...]
    steps: tuple[str, ...]
    chain: tuple[str, ...]
    accepted: str = ""  # an accepted key: who accepted it and why (the audit's ``acceptance``)
    repository: str = ""  # in a many-repository report: the repository it is in


@dataclass(frozen=True)
class View:
    kind: str  # audit | scan
    title: str
    facts: tuple[tuple[str, str], ...]  # header rows: (name, value), the values already markup
    by_severity: tuple[tuple[str, int], ...]  # findings per severity, most severe first
    by_verification: tuple[tuple[str, int], ...]  # credentials per verification status (empty: not verified)
    cards: tuple[Card, ...]
    hygiene: tuple[Finding, ...]
    ticket: tuple[str, ...]  # the text to paste into a ticket
    footer: tuple[str, ...]
    accepted: tuple[Card, ...] = ()  # keys only in the baseline or allowed (audit)
    hygiene_repositories: tuple[str, ...] = ()  # many repositories: each hygiene finding's, in order
    repositories: tuple[tuple[str, ...], ...] = ()  # many repositories: name, status, credentials, findings, HEAD


def verification_of(findings: Sequence[Finding]) -> Verification | None:
    found = [f.verification for f in findings if f.verification is not None]
    rank = {status: index for index, status in enumerate(VERIFICATION_ORDER)}
    return min(found, key=lambda v: rank.get(v.status, len(rank))) if found else None


def by_severity(result: ScanResult) -> tuple[tuple[str, int], ...]:
    return tuple(
        (severity.label, sum(1 for f in result.findings if f.severity == severity))
        for severity in sorted(Severity, reverse=True)
    )


def by_verification(cards: Sequence[Card]) -> tuple[tuple[str, int], ...]:
    statuses = [card.verification.status for card in cards if card.verification is not None]
    if not statuses:
        return ()
    extra = sorted(set(statuses) - set(VERIFICATION_ORDER))
    return tuple((status, statuses.count(status)) for status in (*VERIFICATION_ORDER, *extra))


def places(findings: Sequence[Finding], in_head: bool, pushed: bool) -> tuple[str, ...]:
    """Where a secret is now, as short badges."""
    paths = [path for f in findings if f.history is not None for path in f.history.paths]
    sources = {f.source for f in findings if f.history is None}
    found: list[str] = []
    if any(f.history is not None for f in findings):
        found.append("in HEAD" if in_head else "history only" if not sources else "not in HEAD")
        found.append("pushed" if pushed else "local only (not pushed)")
    if any(is_served(path) for path in [*paths, *(f.path for f in findings)]):
        found.append("served to browsers")
    found.extend(SOURCE_STATUS[source][1] for source in ("worktree", "staged", "stdin", "site") if source in sources)
    return tuple(found)


def _day(date: str | None) -> str:
    return (date or "")[:10]


def _instant(date: str) -> datetime:
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _event_point(event: HistoryEvent) -> Point:
    who = f" by {event.author}" if event.author else ""
    when = f" on {event.date}" if event.date else ""
    if event.event == "added":
        kind, label, verb = "added", "added", f"added to {event.path}"
    elif event.left_head:
        kind, label, verb = "left-head", "left HEAD", f"removed from {event.path}, which took it out of HEAD"
    else:
        kind, label, verb = "removed", "removed", f"removed from {event.path}"
    return Point(kind, _day(event.date), label, event.path, f"{verb} in commit {event.commit[:12]}{when}{who}")


def _history_points(findings: Sequence[Finding]) -> list[Point]:
    """Every arrival and removal the history findings recorded, oldest first; a finding saved
    without a timeline (a commit message, an older report) shows its introducing commit."""
    events: dict[tuple[str, str, str], HistoryEvent] = {}
    points: list[tuple[datetime, Point]] = []
    for finding in findings:
        history = finding.history
        if history is None:
            continue
        for event in history.timeline:
            events.setdefault((event.event, event.commit, event.path), event)
        if not history.timeline and finding.commit:
            where = finding.path
            who = f" by {history.author}" if history.author else ""
            detail = (
                f"introduced in {where} by commit {finding.commit[:12]} on {history.date or 'an unknown date'}{who}"
            )
            points.append(
                (_instant(history.date or ""), Point("added", _day(history.date), "introduced", where, detail))
            )
    points.extend((_instant(event.date), _event_point(event)) for event in events.values())
    return [point for _, point in sorted(points, key=lambda pair: pair[0])]


def _present_points(findings: Sequence[Finding]) -> list[Point]:
    """Copies read outside history: the working tree (served build output apart), staged,
    stdin, a deployed site."""
    seen: dict[tuple[str, str], Point] = {}
    for finding in findings:
        if finding.history is not None:
            continue
        kind = "served" if is_served(finding.path) else finding.source
        label = {
            "served": "served", "worktree": "working tree", "staged": "staged", "stdin": "stdin", "site": "deployed site",
        }.get(kind, kind)  # fmt: skip
        where = finding.path
        text = {
            "served": f"in {where}, build output the site serves to every visitor",
            "staged": f"staged in {where}, for the next commit",
            "stdin": f"in standard input ({where})",
            "site": f"served by the deployed site at {where}",
        }.get(kind, f"in the working tree at {where}")
        seen.setdefault((kind, where), Point(kind, "", label, where, text))
    return list(seen.values())


def _now_point(findings: Sequence[Finding], in_head: bool, pushed: bool, history_read: bool) -> Point:
    history = [f.history for f in findings if f.history is not None]
    if not history and not history_read:
        return Point("now", "", "now", "history not scanned", "now: found outside git history; it was not scanned")
    if not history:
        return Point("now", "", "now", "not committed", "now: never committed (not in git history)")
    refs = sorted({ref for h in history for ref in h.refs})
    count = max((h.ref_count for h in history), default=0)
    short = [ref.removeprefix("refs/heads/").removeprefix("refs/remotes/").removeprefix("refs/tags/") for ref in refs]
    state = "in HEAD" if in_head else "not in HEAD"
    reach = f"reachable from {count} ref{'s' if count != 1 else ''}" if count else "reachable from no ref"
    listed = f": {', '.join(refs[:8])}{' …' if len(refs) > 8 else ''}" if refs else ""
    where = ", ".join(short[:3]) + (" …" if len(short) > 3 else "") if short else state
    text = f"now: {state}; {reach}{listed}; {'pushed' if pushed else 'not pushed'}"
    return Point("now", "", "now", where, text)


def timeline(findings: Sequence[Finding], in_head: bool, pushed: bool, history_read: bool) -> tuple[Point, ...]:
    now = _now_point(findings, in_head, pushed, history_read)
    return (*_history_points(findings), *_present_points(findings), now)


def _introduced(first: Finding | None, history_read: bool) -> str:
    if first is None or first.history is None:
        return "never committed" if history_read else "not known (git history was not scanned)"
    who = f" by {first.history.author}" if first.history.author else ""
    when = f" on {first.history.date}" if first.history.date else ""
    return f"commit {(first.commit or '')[:12]}{when}{who}"


def _locations(findings: Sequence[Finding]) -> tuple[str, ...]:
    return tuple(f"{location(f)} [{f.rule}, {f.severity.label}]" for f in findings)


def _chain(findings: Sequence[Finding]) -> tuple[str, ...]:
    return tuple(str(link) for link in next((f.chain for f in findings if f.chain), ()))


def story_card(number: int, story: Story, history_read: bool = True) -> Card:
    findings = story.findings
    return Card(
        number=number, masked=story.secret.masked, key_id=story.secret.key_id,
        rules=tuple(dict.fromkeys(f.rule for f in findings)), severity=max(f.severity for f in findings),
        status=URGENCY_KEYS[story.urgency], status_label=story.label, verification=verification_of(findings),
        places=places(findings, story.in_head, story.pushed), introduced=_introduced(story.introduced, history_read),
        points=timeline(findings, story.in_head, story.pushed, history_read), locations=_locations(findings),
        steps=story.steps, chain=_chain(findings),
    )  # fmt: skip


def group_card(number: int, group: Sequence[Finding], history_read: bool) -> Card:
    """A card for a scan's group of findings about one secret."""
    worst = max(group, key=lambda f: f.severity)
    history = [(f, f.history) for f in group if f.history is not None]
    in_head = any(h.in_head for _, h in history)
    pushed = any(h.pushed for _, h in history)
    if history:
        level = (0 if in_head else 1) if pushed else 2
        status, label = URGENCY_KEYS[level], URGENCY[level]
    else:
        status, label = SOURCE_STATUS.get(worst.source, (worst.source, worst.source))
    first = min(history, key=lambda pair: (pair[1].date or "", pair[0].commit or ""))[0] if history else None
    return Card(
        number=number, masked=worst.secret.masked, key_id=worst.secret.key_id,
        rules=tuple(dict.fromkeys(f.rule for f in group)), severity=worst.severity, status=status,
        status_label=label, verification=verification_of(group), places=places(group, in_head, pushed),
        introduced=_introduced(first, history_read), points=timeline(group, in_head, pushed, history_read),
        locations=_locations(group),
        steps=tuple(steps(worst, group)), chain=_chain(group),
    )  # fmt: skip
