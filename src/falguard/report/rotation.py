"""The rotation's action log, as text or JSON: every secret masked, new keys by id only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from falguard import __version__
from falguard.detection.facts import Verification
from falguard.models import Secret

if TYPE_CHECKING:
    from falguard.platform.rotate import Leak, Outcome, Plan


def _verdict(verification: Verification) -> str:
    scope = f", {verification.scope} scope" if verification.scope else ""
    return f"{verification.status}{scope}"


def render_text(plan: Plan, outcomes: Sequence[Outcome], *, dry_run: bool, url: str, admin: Secret) -> str:
    from falguard.report import printable

    head = (
        "dry run: nothing changed (run again with --yes to do it)"
        if dry_run
        else "done"
        if all(o.done for o in outcomes)
        else "INCOMPLETE"
    )
    lines = [f"falguard rotate: {head}", f"fal API: {url}; admin key: {admin.masked}", ""]
    number = 0
    if outcomes:
        lines.append(f"To rotate ({len(outcomes)}):" if dry_run else f"Rotations ({len(outcomes)}):")
    for outcome in outcomes:
        number += 1
        key, leak = outcome.rotation.key, outcome.rotation.leak
        lines.append(f"  {number}. {printable(leak.secret.masked)}  {_verdict(leak.verification)}")
        creator = f" by {printable(key.creator)}" if key.creator else ""
        lines.append(f'     fal lists it as "{printable(key.alias)}", created {key.created_at}{creator}')
        lines.append(f"     found at: {printable(', '.join(leak.places[:6]))}{' …' if len(leak.places) > 6 else ''}")
        lines.extend(f"     [{step.state}] {printable(step.detail)}" for step in outcome.steps)
        if outcome.finish:
            lines.append(f"     finish with: {outcome.finish}")
    if plan.manual:
        lines.extend(["", f"Not touched: do these by hand ({len(plan.manual)}):"])
    for manual in plan.manual:
        number += 1
        lines.append(f"  {number}. {printable(manual.leak.secret.masked)}  {_verdict(manual.leak.verification)}")
        lines.append(f"     found at: {printable(', '.join(manual.leak.places[:6]))}")
        lines.append(f"     why: {printable(manual.why)}")
        lines.extend(f"     {letter}) {step}" for letter, step in zip("abcdefgh", manual.steps, strict=False))
    if plan.rejected:
        lines.extend(["", f"Already rejected by fal, nothing to rotate ({len(plan.rejected)}):"])
        lines.extend(
            f"  - {printable(leak.secret.masked)} ({printable(', '.join(leak.places[:3]))})" for leak in plan.rejected
        )
        lines.append("    purge them from history if you wish: falguard scan --history --write-replacements FILE")
    if not (outcomes or plan.manual or plan.rejected):
        lines.append("No leaked fal key found: nothing to rotate.")
    return "\n".join(lines) + "\n"


def _leak_dict(leak: Leak) -> dict[str, Any]:
    verification = leak.verification
    return {
        "key_id": leak.secret.key_id,
        "secret": leak.secret.masked,
        "verification": {"status": verification.status, "scope": verification.scope, "reason": verification.reason},
        "found_at": list(leak.places),
    }


def render_json(plan: Plan, outcomes: Sequence[Outcome], *, dry_run: bool, url: str, admin: Secret) -> str:
    import json

    rotations = [
        {
            **_leak_dict(o.rotation.leak),
            "alias": o.rotation.key.alias, "scope": o.rotation.key.scope, "created_at": o.rotation.key.created_at,
            "creator": o.rotation.key.creator or None, "new_alias": o.rotation.new_alias, "new_key_id": o.new_key_id,
            "steps": [{"step": s.name, "state": s.state, "detail": s.detail} for s in o.steps],
            "error": o.error, "finish": o.finish,
        }
        for o in outcomes
    ]  # fmt: skip
    document = {
        "tool": "falguard",
        "version": __version__,
        "command": "rotate",
        "dry_run": dry_run,
        "api_url": url,
        "admin_key": admin.masked,
        "rotations": rotations,
        "manual": [{**_leak_dict(m.leak), "why": m.why, "steps": list(m.steps)} for m in plan.manual],
        "rejected": [_leak_dict(leak) for leak in plan.rejected],
        "complete": not dry_run and all(o.done for o in outcomes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
