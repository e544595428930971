"""A saved JSON report (``scan --format json`` or ``audit --format json``) read back into the
values every renderer takes, so it can be rendered again without rescanning.

A loaded report never holds plaintext: each secret is built with
:meth:`~falguard.models.Secret.from_masked` from the masked text and the fingerprint it was
saved with. The loader works on parsed documents (``parse`` turns text into one), so a
caller can combine several documents before loading them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from falguard.detection.facts import Attribution, Audit, ChainLink, Finding, HistoryEvent, Story, Verification
from falguard.errors import InputError
from falguard.models import URGENCY, ScanResult, Secret, Severity, Summary, Suppression


class ReportFormatError(InputError):
    """The document is not a falguard JSON report (or not one this version can read)."""


@dataclass(frozen=True)
class Loaded:
    """A saved report: the findings, the audit when it was an audit, and its threshold."""

    result: ScanResult
    audit: Audit | None
    fail_on: Severity


def parse(text: str, name: str) -> dict[str, Any]:
    """The JSON document in ``text`` (read from ``name``), which must be a falguard report."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        what = error.msg.removesuffix(" at")  # json's "Unterminated string starting at": no "at at line"
        raise ReportFormatError(
            f"{name} is not valid JSON: {what} at line {error.lineno}, column {error.colno}"
        ) from None
    if not isinstance(document, dict) or document.get("tool") != "falguard" or "findings" not in document:
        raise ReportFormatError(f'{name} is not a falguard JSON report (no "tool": "falguard" and findings)')
    return document


def _field(data: Any, key: str, kind: type | tuple[type, ...], where: str, default: Any = ...) -> Any:
    """``data[key]``, checked to be of ``kind``; ``default`` when absent (or null) if given."""
    if not isinstance(data, dict):
        raise ReportFormatError(f"{where} is not an object")
    value = data.get(key)
    if value is None and default is not ...:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReportFormatError(f"{where}.{key} is missing or not of the expected type")
    return value


def _strings(data: Any, key: str, where: str) -> list[str]:
    values = _field(data, key, list, where, [])
    if not all(isinstance(value, str) for value in values):
        raise ReportFormatError(f"{where}.{key} is not a list of strings")
    return list(values)


def _severity(text: str, where: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError:
        raise ReportFormatError(f"{where}: unknown severity {text!r}") from None


def _event(data: Any, where: str) -> HistoryEvent:
    return HistoryEvent(
        event=_field(data, "event", str, where), commit=_field(data, "commit", str, where),
        date=_field(data, "date", str, where, ""), author=_field(data, "author", str, where, ""),
        path=_field(data, "path", str, where, ""), left_head=_field(data, "left_head", bool, where, False),
    )  # fmt: skip


def _history(data: dict[str, Any], where: str) -> Attribution | None:
    """The history fields, present on findings of history scans only."""
    if "ref_count" not in data and "in_head" not in data:
        return None
    timeline = _field(data, "timeline", list, where, [])
    return Attribution(
        author=_field(data, "author", str, where, None), date=_field(data, "date", str, where, None),
        paths=tuple(_strings(data, "paths", where)), in_head=_field(data, "in_head", bool, where, None),
        refs=tuple(_strings(data, "refs", where)), ref_count=_field(data, "ref_count", int, where, 0),
        pushed=_field(data, "pushed", bool, where, False), blobs=_field(data, "blobs", int, where, 0),
        timeline=tuple(_event(event, f"{where}.timeline[{index}]") for index, event in enumerate(timeline)),
    )  # fmt: skip


def _verification(data: dict[str, Any], where: str) -> Verification | None:
    found = data.get("verification")
    if found is None:
        return None
    where = f"{where}.verification"
    return Verification(
        status=_field(found, "status", str, where), scope=_field(found, "scope", str, where, None),
        reason=_field(found, "reason", str, where, ""),
    )  # fmt: skip


def _suppression(data: dict[str, Any], where: str) -> Suppression | None:
    found = data.get("suppression")
    if found is None:
        return None
    return Suppression(
        _field(found, "kind", str, f"{where}.suppression"), _field(found, "reason", str, where, ""),
        _field(found, "by", str, where, ""),
    )  # fmt: skip


def _secret(data: dict[str, Any], rule: str, where: str) -> Secret:
    """The saved subject: a masked secret, or (a finding about no secret: an env file, a
    variable) a name saved as it is. A subject that is neither masked nor a name, but
    credential-shaped (a report edited by hand), is masked here."""
    from falguard.redact import redact

    text = _field(data, "secret", str, where)
    key_id = _field(data, "key_id", str, where, None)
    sensitive = key_id is not None or "****" in text or redact(text) != text
    fingerprints = {rule: _field(data, "fingerprint", str, where)}
    return Secret.from_masked(text, key_id, sensitive=sensitive, fingerprints=fingerprints)


def _end_line(data: Any, where: str) -> int | None:
    """A saved finding's end line, kept only when it is not its start line (reports saved
    before the field existed have none)."""
    end_line: int | None = _field(data, "end_line", int, where, None)
    return None if end_line == _field(data, "line", int, where) else end_line


def finding(data: Any, where: str) -> Finding:
    """One finding of a saved report, its secret masked as it was saved."""
    rule = _field(data, "rule", str, where)
    secret = _secret(data, rule, where)
    chain = _field(data, "chain", list, where, [])
    return Finding(
        rule=rule, severity=_severity(_field(data, "severity", str, where), where),
        path=_field(data, "path", str, where), line=_field(data, "line", int, where),
        column=_field(data, "column", int, where), secret=secret, message=_field(data, "message", str, where, ""),
        remediation=_field(data, "remediation", str, where, ""), commit=_field(data, "commit", str, where, None),
        end_column=_field(data, "end_column", int, where, None), end_line=_end_line(data, where), source=_field(data, "source", str, where, "worktree"),
        suppression=_suppression(data, where),
        chain=tuple(
            ChainLink(_field(link, "path", str, f"{where}.chain"), _field(link, "line", int, f"{where}.chain"),
                      _field(link, "what", str, f"{where}.chain"))
            for link in chain
        ),
        history=_history(data, where), verification=_verification(data, where),
        proxy_route=_proxy_route(data, where),
    )  # fmt: skip


def _proxy_route(data: Any, where: str) -> tuple[str, str] | None:
    route = _field(data, "proxy_route", dict, where, None)
    if route is None:
        return None
    return _field(route, "path", str, f"{where}.proxy_route"), _field(route, "content", str, f"{where}.proxy_route")


def summary_of(data: Any) -> Summary:
    """A saved report's ``summary`` as the value scans make."""
    where = "summary"
    skipped = _field(data, "skipped", dict, where, {})
    summary = Summary(
        files_scanned=_field(data, "files_scanned", int, where, 0), bytes_scanned=_field(data, "bytes_scanned", int, where, 0),
        skipped_binary=_field(skipped, "binary", int, f"{where}.skipped", 0),
        skipped_large=_field(skipped, "too_large", int, f"{where}.skipped", 0),
        skipped_other=_field(skipped, "other", int, f"{where}.skipped", 0),
        excluded=_field(data, "excluded", int, where, 0), baselined=_field(data, "baselined", int, where, 0),
        objects_read=_field(data, "objects_read", int, where, 0),
        blobs_scanned=_field(data, "blobs_scanned", int, where, 0),
        unreadable=_strings(data, "unreadable", where), skipped_paths=_strings(data, "skipped_paths", where),
        incomplete=_strings(data, "incomplete", where),
    )  # fmt: skip
    _containers(data, summary)
    return summary


def _containers(data: Any, summary: Summary) -> None:
    """The archive counts (absent from reports saved before falguard opened archives)."""
    where = "summary.containers"
    containers = _field(data, "containers", dict, "summary", {})
    members_skipped = _field(containers, "members_skipped", dict, where, {})
    summary.containers_opened = _field(containers, "opened", int, where, 0)
    summary.members_scanned = _field(containers, "members_scanned", int, where, 0)
    for reason in ("too_large", "too_deep", "too_many", "unreadable"):
        setattr(summary, f"members_{reason}", _field(members_skipped, reason, int, f"{where}.members_skipped", 0))
    summary.encoded_over_budget = _field(data, "encoded_over_budget", int, "summary", 0)
    images = _field(data, "images", dict, "summary", {})
    for count in ("read", "not_read", "skipped", "over_budget", "unreadable"):
        setattr(summary, f"images_{count}", _field(images, count, int, "summary.images", 0))


def _findings(document: dict[str, Any], key: str) -> list[Finding]:
    return [finding(item, f"{key}[{index}]") for index, item in enumerate(_field(document, key, list, "report", []))]


def _story(data: Any, where: str, findings: list[Finding]) -> Story:
    wanted = set(_strings(data, "fingerprints", where))
    mine = tuple(f for f in findings if f.fingerprint in wanted)
    if not mine:
        raise ReportFormatError(f"{where}: none of its fingerprints is among the report's findings")
    label = _field(data, "urgency", str, where)
    if label not in URGENCY:
        raise ReportFormatError(f"{where}: unknown urgency {label!r}")
    introduced = _field(data, "introduced", dict, where, None)
    commit = _field(introduced, "commit", str, f"{where}.introduced", None) if introduced else None
    first = next((f for f in mine if f.history is not None and f.commit == commit), None) if commit else None
    return Story(
        secret=mine[0].secret, findings=mine, urgency=URGENCY.index(label), introduced=first,
        paths=tuple(_strings(data, "paths", where)), in_head=_field(data, "in_head", bool, where, False),
        in_worktree=_field(data, "in_worktree", bool, where, False), pushed=_field(data, "pushed", bool, where, False),
        steps=tuple(_strings(data, "steps", where)),
    )  # fmt: skip


def _hygiene(findings: list[Finding]) -> list[Finding]:
    """The audit's hygiene list, as the audit chose it (``falguard.scans.audit.tell``): one finding
    per rule and subject, the most severe first, history's version winning a tie."""
    best: dict[tuple[str, str], Finding] = {}
    for found in findings:
        if found.secret.sensitive:
            continue
        key = (found.rule, found.fingerprint)
        kept = best.get(key)
        if kept is None or (found.severity, found.commit is not None) > (kept.severity, kept.commit is not None):
            best[key] = found
    return sorted(best.values(), key=lambda f: (-f.severity, f.path, f.rule))


def _audit(section: Any, result: ScanResult) -> Audit:
    where = "audit"
    stories = _field(section, "stories", list, where, [])
    told = [_story(story, f"{where}.stories[{index}]", result.findings) for index, story in enumerate(stories)]
    quiet = [*result.suppressed, *result.baselined]
    accepted = [
        _story(story, f"{where}.accepted[{index}]", quiet)
        for index, story in enumerate(_field(section, "accepted", list, where, []))
    ]
    return Audit(
        result=result, stories=told, hygiene=_hygiene(result.findings), accepted=accepted,
        repository=_field(section, "repository", str, where, ""), head=_field(section, "head", str, where, None),
        bare=_field(section, "bare", bool, where, False), refs_scanned=_field(section, "refs_scanned", int, where, None),
    )  # fmt: skip


def load(document: dict[str, Any]) -> Loaded:
    """The values of a parsed report (see :func:`parse`)."""
    summary = document.get("summary", {})
    result = ScanResult(
        findings=_findings(document, "findings"),
        summary=summary_of(summary),
        suppressed=_findings(document, "suppressed"),
        baselined=_findings(document, "baselined"),
    )
    fail_on = _severity(_field(summary, "fail_on", str, "summary", "medium"), "summary.fail_on")
    audit = _audit(document["audit"], result) if document.get("audit") is not None else None
    return Loaded(result, audit, fail_on)
