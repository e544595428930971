"""Reports of many repositories, rendered from the combined JSON document of
``report/merge.py`` alone, so that a single run and ``falguard report --merge`` of its parts
print the same thing in every format.

- ``text``: a table of every repository (status, credentials, findings, HEAD), then one
  section per repository with something to say (its stories, most urgent first, and its
  hygiene findings; or why it failed), then a summary for the ticket.
- ``json``: the document itself.
- ``sarif``: one run for all repositories (GitHub accepts one run per tool and category in
  an upload); each result names its repository in ``properties.repository`` and in its
  message, the run lists every repository's status in ``properties.repositories``, and a
  repository that failed is an error notification (``executionSuccessful`` false).
- ``html``: ``falguard.report.html.many``: the cards name their repositories, a table lists
  every repository's status, and the header's facts are those of many repositories.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from falguard.errors import InputError
from falguard.models import URGENCY, Severity
from falguard.report import printable
from falguard.report.audit import acceptance_text
from falguard.report.load import summary_of
from falguard.report.merge import was_read
from falguard.report.text import scanned

FORMATS = ("text", "json", "sarif", "html")


def render_combined(document: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        return render_text(document)
    if fmt == "sarif":
        from falguard.report.combined_sarif import render_sarif

        return render_sarif(document)
    if fmt == "html":
        return _html(document)
    raise InputError(
        f"--format {fmt} is for one repository; a report of many repositories is text, json, sarif or html"
    )


def _html(document: Mapping[str, Any]) -> str:
    from falguard.report.html.many import render_combined as render_page

    return render_page(document, ticket(document), summary_line(document))


def _by_repository(items: list[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item.get("repository")), []).append(item)
    return grouped


def repositories(count: int) -> str:
    return f"{count} repositor{'y' if count == 1 else 'ies'}"


def table(entries: list[Mapping[str, Any]]) -> list[str]:
    """One line per repository: name, status, distinct credentials, findings, HEAD."""
    names = [printable(str(entry["repository"])) for entry in entries]
    width = max([len("repository"), *(len(name) for name in names)])
    lines = [f"{'repository':<{width}}  status  credentials  findings  head"]
    for name, entry in zip(names, entries, strict=True):
        head = (entry.get("head") or "")[:12] or "-"
        read = not (entry.get("status") == "failed" and not was_read(entry))  # a failure that read nothing: no counts
        credentials, findings = (entry.get("credentials", 0), entry.get("findings", 0)) if read else ("-", "-")
        lines.append(f"{name:<{width}}  {entry.get('status', 'ok'):<6}  {credentials:>11}  {findings:>8}  {head}")
    return lines


def story_lines(number: int, story: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> list[str]:
    """One story, as the single-repository audit tells it."""
    own = [f for f in findings if f.get("fingerprint") in set(story.get("fingerprints", []))]
    worst = max((Severity.parse(f["severity"]) for f in own), default=Severity.CRITICAL)
    rules = ", ".join(story.get("rules", []))
    lines = [f"{number}. {printable(story['secret'])}  [{worst.label}; {story['urgency']}]  ({printable(rules)})"]
    first = story.get("introduced")
    if first:
        who = f" by {printable(first['author'])}" if first.get("author") else ""
        when = f" on {first['date']}" if first.get("date") else ""
        lines.append(f"   first introduced: commit {(first.get('commit') or '')[:12]}{when}{who}")
    else:
        lines.append("   first introduced: never committed (working tree only)")
    lines.append(f"   paths: {', '.join(printable(path) for path in story.get('paths', []))}")
    state = "still in HEAD" if story.get("in_head") else "no longer in HEAD"
    lines.append(f"   now: {state}; {'pushed' if story.get('pushed') else 'not pushed (local only)'}")
    lines.append("   steps:")
    letters = "abcdefghij"
    lines.extend(
        f"     {letter}) {printable(step)}" for letter, step in zip(letters, story.get("steps", []), strict=False)
    )
    return lines


def hygiene_lines(findings: list[Mapping[str, Any]], stories: list[Mapping[str, Any]]) -> list[str]:
    """Findings about no secret (env files, public variables), once per rule and subject."""
    in_stories = {fingerprint for story in stories for fingerprint in story.get("fingerprints", [])}
    seen: dict[tuple[str, str], Mapping[str, Any]] = {}
    for finding in findings:
        if finding.get("fingerprint") not in in_stories:
            seen.setdefault((finding["rule"], finding["fingerprint"]), finding)
    lines = []
    for finding in sorted(seen.values(), key=lambda f: (-Severity.parse(f["severity"]), f["path"], f["rule"])):
        where = f"{printable(finding['path'])}:{finding['line']}" + (
            f" (commit {finding['commit'][:12]})" if finding.get("commit") else ""
        )
        lines.append(f"  - [{finding['severity']}] {finding['rule']}: {printable(finding['message'])} ({where})")
    return lines


def section(
    entry: Mapping[str, Any],
    findings: list[Mapping[str, Any]],
    stories: list[Mapping[str, Any]],
    accepted: Sequence[Mapping[str, Any]] = (),
    quiet: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    name = printable(str(entry["repository"]))
    failed = entry.get("status") == "failed"
    if failed and not was_read(entry):  # why: in the summary's list of failures, said once
        return [f"== {name}: FAILED, nothing could be read", ""]
    hygiene = hygiene_lines(findings, stories)
    if not stories and not hygiene and not accepted and not failed:
        return []
    head = (entry.get("head") or "")[:12] or "no commits"
    lines = [f"== {name} (at {head})" + (": FAILED, a partial result (what could be read)" if failed else "")]
    for number, story in enumerate(stories, 1):
        lines.extend(story_lines(number, story, findings))
    if accepted:
        lines.append("Accepted credentials (in the baseline or allowed; not new):")
    for number, story in enumerate(accepted, len(stories) + 1):
        told = story_lines(number, story, quiet)
        lines.extend(
            [told[0], f"   accepted: {printable(acceptance_text(list(story.get('acceptance', []))))}", *told[1:]]
        )
    if hygiene:
        lines.append("Hygiene and exposure:")
        lines.extend(hygiene)
    return [*lines, ""]


def ticket(document: Mapping[str, Any]) -> list[str]:
    summary = document["summary"]
    entries = summary["repositories"]
    counts = summary["repository_counts"]
    stories = document["audit"]["stories"]
    audited = counts["ok"] + counts["cached"]
    lines = [
        "----- summary for the ticket -----",
        f"falguard {document['version']} audit of {repositories(counts['total'])} "
        f"({audited} audited: {counts['ok']} scanned, {counts['cached']} unchanged since the last run; "
        f"{counts['failed']} failed)",
    ]
    urgencies = [sum(1 for story in stories if story["urgency"] == label) for label in URGENCY]
    with_keys = [entry for entry in entries if entry.get("credentials")]
    detail = "; ".join(f"{n} {label}" for n, label in zip(urgencies, URGENCY, strict=True) if n)
    lines.append(
        f"Distinct fal credentials: {len(stories)} in {len(with_keys)} "
        f"repositor{'y' if len(with_keys) == 1 else 'ies'}" + (f" ({detail})" if detail else "")
    )
    lines.extend(f"  - {printable(str(entry['repository']))}: {entry['credentials']}" for entry in with_keys)
    failed = [entry for entry in entries if entry.get("status") == "failed"]
    if failed:
        lines.append(f"Failed: {len(failed)} (not audited completely; fix and run again)")
        lines.extend(f"  - {printable(str(e['repository']))}: {printable(str(e.get('reason')))}" for e in failed)
    accepted = document["audit"].get("accepted", [])
    if accepted:
        lines.append(f"Accepted fal credentials (baseline or allow entries; not new): {len(accepted)}")
    coverage = "complete" if summary["complete"] else "INCOMPLETE (see the repositories above)"
    lines.append(f"Coverage: {scanned(summary_of(summary))}; {coverage}")
    lines.append(_action(bool(stories), len(accepted), bool(failed), bool(summary["complete"])))
    return lines


def _action(stories: bool, accepted: int, failed: bool, complete: bool) -> str:
    """Never "none" while a repository failed, coverage is incomplete or accepted keys are unconfirmed."""
    confirm = (
        f" Confirm the {accepted} accepted key{'s' if accepted != 1 else ''} above {'was' if accepted == 1 else 'were'} revoked."
        if accepted
        else ""
    )
    if stories:
        return ("Action: revoke every key above on the fal dashboard now, one new key per environment, kept "
                "server-side as FAL_KEY; purge history only after rotating." + confirm)  # fmt: skip
    if failed:
        return "Action: audit the failed repositories." + confirm
    if not complete:
        return (
            "Action: coverage is INCOMPLETE (see above): scan full clones before calling these repositories clean."
            + confirm
        )
    if accepted:
        return "Action: none for new credentials." + confirm
    return "Action: none for credentials."


def summary_line(document: Mapping[str, Any]) -> list[str]:
    """The closing lines (also written to stderr when the report goes to a file)."""
    summary = document["summary"]
    counts = summary["repository_counts"]
    total = summary["findings"]
    detail = ", ".join(f"{n} {label}" for label, n in summary["by_severity"].items() if n)
    hidden = [
        f"{summary.get(key, 0)} {label}" for key, label in (("baselined", "baselined"), ("suppressed", "allowed"))
    ]
    hidden = [text for text in hidden if not text.startswith("0 ")]
    if total:
        head = f"falguard: {total} finding{'s' if total != 1 else ''} ({detail})"
    else:  # nothing new: say what is hidden, never "none found"
        head = f"falguard: no new findings ({', '.join(hidden)})" if hidden else "falguard: no fal credentials found"
    lines = [f"{head} in {repositories(counts['total'])}; {counts['failed']} failed"]
    if summary["failed"]:
        lines.append(f"falguard: failing: findings at or above {summary['fail_on']}")
    return lines


def render_text(document: Mapping[str, Any]) -> str:
    entries = document["summary"]["repositories"]
    counts = document["summary"]["repository_counts"]
    with_keys = sum(1 for entry in entries if entry.get("credentials"))
    out = [
        f"falguard audit of {repositories(counts['total'])}: {with_keys} with fal credentials, {counts['failed']} failed",
        "",
    ]
    out.extend([*table(entries), ""])
    findings, stories = _by_repository(document["findings"]), _by_repository(document["audit"]["stories"])
    accepted = _by_repository(document["audit"].get("accepted", []))
    quiet = _by_repository([*document.get("suppressed", []), *document.get("baselined", [])])
    for entry in entries:
        name = str(entry["repository"])
        told = (findings.get(name, []), stories.get(name, []), accepted.get(name, []), quiet.get(name, []))
        out.extend(section(entry, *told))
    out.extend([*ticket(document), "", *summary_line(document)])
    return "\n".join(out) + "\n"
