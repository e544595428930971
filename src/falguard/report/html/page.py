"""The page's markup, from a :class:`~falguard.report.html.view.View`. Every piece of text is
passed through :func:`esc`; attribute values are either escaped text or names chosen here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from falguard import __version__
from falguard.detection.facts import Finding, Verification
from falguard.report.guidance import steps
from falguard.report.html.assets import CSP, SCRIPT, STYLE
from falguard.report.html.escape import esc
from falguard.report.html.timeline import svg
from falguard.report.html.view import SOURCE_STATUS, URGENCY_KEYS, VERIFICATION_ORDER, Card, View
from falguard.report.text import location

#: Lists longer than this start collapsed (a key copied into hundreds of files).
OPEN_UP_TO = 3
#: Past this many cards, the browser lays out only the cards near the screen
#: (content-visibility), so a page of a thousand opens as fast as a page of ten.
MANY_CARDS = 40


def code_spans(text: str) -> str:
    """Escaped text whose `backticked` parts (commands, file names in steps) are <code>, not
    backticks shown as such."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", esc(text))


def _ul(items: Iterable[str], tag: str = "ul", css: str = "", *, code: bool = False) -> str:
    rows = "".join(f"<li>{code_spans(item) if code else esc(item)}</li>" for item in items)
    return f"<{tag}{f' class={css!r}' if css else ''}>{rows}</{tag}>"


def _verification_badge(verification: Verification | None) -> str:
    if verification is None:
        return ""
    scope = f" ({verification.scope})" if verification.scope else ""
    title = f' title="{esc(verification.reason)}"' if verification.reason else ""
    status = verification.status if verification.status in VERIFICATION_ORDER else "unknown"
    return f'<span class="badge ver-{status}"{title}>{esc(verification.status + scope)}</span>'


def _filtered_by(item: Card) -> str:
    """The attributes the filters read: a card and its steps hide and show together."""
    verification = item.verification.status if item.verification else "not-verified"
    return (
        f'data-severity="{item.severity.label}" data-status="{esc(item.status)}" '
        f'data-verification="{esc(verification)}"'
    )


def card(item: Card) -> str:
    head = (
        f'<span class="num">{item.number}.</span> <code class="secret">{esc(item.masked)}</code> '
        f'<span class="badge sev-{item.severity.label}">{item.severity.label}</span> '
        f'<span class="badge status">{esc(item.status_label)}</span> {_verification_badge(item.verification)}'
    )
    facts = [("repository", esc(item.repository))] if item.repository else []
    facts += [("key id", esc(item.key_id) if item.key_id else "unknown"), ("rules", esc(", ".join(item.rules)))]
    facts.append(("now", " ".join(f'<span class="badge place">{esc(place)}</span>' for place in item.places)))
    facts.append(("first introduced", esc(item.introduced)))
    if item.verification is not None and item.verification.reason:
        facts.append(("verification", esc(item.verification.reason)))
    if item.chain:
        facts.append(("chain", " → ".join(esc(link) for link in item.chain)))
    if item.accepted:
        facts.append(("accepted", esc(item.accepted)))
    if item.steps:
        facts.append(("do first", f"<b>{code_spans(item.steps[0])}</b>"))
    rows = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    drawing = svg(item.points, f"timeline of secret {item.number}")
    found = " open" if len(item.locations) <= OPEN_UP_TO else ""
    return (
        f'<article class="card sev-{item.severity.label}" id="secret-{item.number}" {_filtered_by(item)}>'
        f'<div class="card-head">{head}</div><dl>{rows}</dl><figure class="tl">{drawing}</figure>'
        f"<details><summary>Timeline as text ({len(item.points)} points)</summary>"
        f"{_ul((p.detail for p in item.points), 'ol', 'events')}</details>"
        f"<details{found}><summary>Found at ({len(item.locations)})</summary>{_ul(item.locations)}</details>"
        "</article>"
    )


#: What a shared list of steps says where each credential's own key id stood.
ITS_KEY_ID = "<its key id, on its card>"


def _plans(cards: Sequence[Card]) -> list[tuple[tuple[str, ...], list[Card]]]:
    """Credentials grouped by their steps, each credential's key id set aside: a thousand keys
    in one commit need one list of steps, not a thousand copies of it."""
    plans: dict[tuple[str, ...], list[Card]] = {}
    for item in cards:
        if item.steps:
            shared = tuple(step.replace(item.key_id, ITS_KEY_ID) if item.key_id else step for step in item.steps)
            plans.setdefault(shared, []).append(item)
    return list(plans.items())


def _plan_block(shared: tuple[str, ...], items: list[Card]) -> str:
    if len(items) == 1:
        item = items[0]
        where = f" in {esc(item.repository)}" if item.repository else ""
        title = f"{item.number}. <code>{esc(item.masked)}</code>{where} ({esc(item.status_label)})"
        steps = _ul(item.steps, "ol", "steps", code=True)
        return f'<div class="todo" {_filtered_by(item)}><h3>{title}</h3>{steps}</div>'
    labels = sorted({item.status_label for item in items})
    names = ", ".join(
        f"{item.number}. {esc(item.masked)}" + (f" ({esc(item.repository)})" if item.repository else "")
        for item in items
    )
    title = f"{len(items)} credentials ({esc('; '.join(labels))}), the same steps for each"
    return (
        f'<div class="todo" data-cards="{" ".join(f"secret-{item.number}" for item in items)}"><h3>{title}</h3>'
        f'<p class="names mono">{names}</p>{_ul(shared, "ol", "steps", code=True)}</div>'
    )


def steps_section(view: View) -> str:
    """The ordered steps: per credential (or group of credentials with the same steps), most
    urgent first, then per hygiene finding."""
    blocks = [_plan_block(shared, items) for shared, items in _plans(view.cards)]
    blocks.extend(
        f'<div class="todo" data-severity="{f.severity.label}"><h3><code>{esc(f.rule)}</code> '
        f"{esc(location(f))}{f' in {esc(repository)}' if repository else ''}</h3>"
        f"{_ul(steps(f), 'ol', 'steps', code=True)}</div>"
        for f, repository in _hygiene_rows(view)
        if steps(f)
    )
    if not blocks:
        return ""
    return f'<section id="steps"><h2>What to do, in order</h2>{"".join(blocks)}</section>'


def _checkbox(name: str, value: str, label: str) -> str:
    return f'<label><input type="checkbox" name="{name}" value="{esc(value)}" checked> {esc(label)}</label>'


def filters(view: View) -> str:
    severities = "".join(_checkbox("severity", label, label) for label, _ in view.by_severity)
    statuses = dict.fromkeys((card.status, card.status_label) for card in view.cards)
    order = [*URGENCY_KEYS, *(key for key, _ in SOURCE_STATUS.values())]
    ranked = sorted(statuses, key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
    groups = [f"<fieldset><legend>Severity</legend>{severities}</fieldset>"]
    if ranked:
        groups.append(
            "<fieldset><legend>Where</legend>"
            + "".join(_checkbox("status", key, label) for key, label in ranked)
            + "</fieldset>"
        )
    verified = {card.verification.status if card.verification else "not-verified" for card in view.cards}
    if view.by_verification:
        boxes = [_checkbox("verification", status, status) for status, _ in view.by_verification]
        if "not-verified" in verified:
            boxes.append(_checkbox("verification", "not-verified", "not verified"))
        groups.append(f"<fieldset><legend>Verification</legend>{''.join(boxes)}</fieldset>")
    return f'<nav class="filters" aria-label="filters">{"".join(groups)}<span id="shown"></span></nav>'


def header(view: View) -> str:
    rows = "".join(f"<dt>{esc(name)}</dt><dd>{value}</dd>" for name, value in view.facts)
    totals = [
        f'<span class="total"><b>{len(view.cards)}</b>distinct credential{"s" if len(view.cards) != 1 else ""}</span>'
    ]
    if view.accepted:
        count = len(view.accepted)
        totals.append(f'<span class="total"><b>{count}</b>accepted credential{"s" if count != 1 else ""}</span>')
    totals.append(
        f'<span class="total"><b>{len(view.hygiene)}</b>hygiene finding{"s" if len(view.hygiene) != 1 else ""}</span>'
    )
    totals.extend(
        f'<span class="total"><span class="chip sev-{label}">{label}</span> <b>{count}</b></span>'
        for label, count in view.by_severity
    )
    totals.extend(
        f'<span class="total"><span class="chip ver-{esc(status) if status in VERIFICATION_ORDER else "unknown"}">'
        f"{esc(status)}</span> <b>{count}</b></span>"
        for status, count in view.by_verification
    )
    return (
        f'<header class="top"><h1>{esc(view.title)}</h1><dl class="facts">{rows}</dl>'
        f'<div class="totals" aria-label="totals">{"".join(totals)}</div></header>'
    )


def _hygiene_rows(view: View) -> list[tuple[Finding, str]]:
    """Each hygiene finding with its repository (many repositories) or "" (one)."""
    return list(zip(view.hygiene, view.hygiene_repositories or [""] * len(view.hygiene), strict=True))


def hygiene_table(view: View) -> str:
    if not view.hygiene:
        return '<p class="empty">No hygiene or exposure findings.</p>'
    many = bool(view.hygiene_repositories)
    rows = "".join(
        f'<tr data-severity="{f.severity.label}"><td><span class="badge sev-{f.severity.label}">{f.severity.label}</span></td>'
        + (f'<td class="mono">{esc(repository)}</td>' if many else "")
        + f'<td><code>{esc(f.rule)}</code></td><td>{code_spans(f.message)}</td><td class="where mono">{esc(location(f))}</td></tr>'
        for f, repository in _hygiene_rows(view)
    )
    head = "<th>Severity</th>" + ("<th>Repository</th>" if many else "") + "<th>Rule</th><th>Finding</th><th>Where</th>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def repositories_table(view: View) -> str:
    """Many repositories: each one's status, credentials, findings and HEAD."""
    if not view.repositories:
        return ""
    rows = "".join(
        f'<tr class="repo-{esc(status)}"><td class="mono">{esc(name)}</td><td>{esc(status)}</td>'
        f'<td class="count">{esc(credentials)}</td><td class="count">{esc(findings)}</td><td class="mono">{esc(head)}</td></tr>'
        for name, status, credentials, findings, head in view.repositories
    )
    head = "<th>Repository</th><th>Status</th><th>Credentials</th><th>Findings</th><th>HEAD</th>"
    return f'<section id="repositories"><h2>Repositories</h2><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>'  # fmt: skip


def document(view: View) -> str:
    cards = "".join(card(item) for item in view.cards) or (
        f'<p class="empty">No {"new " if view.accepted else ""}fal credentials found.</p>'
        if view.kind == "audit"
        else '<p class="empty">No credentials found.</p>'
    )
    accepted = "".join(card(item) for item in view.accepted)
    ticket_name = "Summary for the ticket" if view.kind == "audit" else "Summary"
    body = (
        f"<main>{header(view)}{repositories_table(view)}{filters(view)}"
        f'<section id="credentials"><h2>Credentials{", most urgent first" if view.kind == "audit" else ""}</h2>{cards}</section>'
        + (
            f'<section id="accepted"><h2>Accepted credentials (in the baseline or allowed; not new)</h2>{accepted}</section>'
            if accepted
            else ""
        )
        + f'<section id="hygiene"><h2>Hygiene and exposure</h2>{hygiene_table(view)}</section>'
        f"{steps_section(view)}"
        f'<section id="ticket"><h2>{ticket_name}</h2><div class="ticket"><button id="copy" type="button">Copy</button>'
        f'<pre id="ticket-text">{chr(10).join(esc(line) for line in view.ticket)}</pre></div></section>'
        f"<footer>{''.join(f'<p>{esc(line)}</p>' for line in view.footer)}"
        f"<p>Written by falguard {esc(__version__)}.</p></footer></main>"
    )
    many = ' class="many"' if len(view.cards) > MANY_CARDS else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(view.title)}</title><style>{STYLE}</style></head>\n"
        f"<body{many}>{body}<script>{SCRIPT}</script></body></html>\n"
    )
