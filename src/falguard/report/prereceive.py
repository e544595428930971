"""What a pusher reads when the server's pre-receive hook speaks (git shows it as ``remote:``
lines): one short block per push. Per key the masked key, its key id, the commit and the
place; then what to do, in order: revoke or rotate first, then rewrite and push again.
Never a full secret: secrets are shown masked only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from falguard.detection.facts import Finding
from falguard.models import ScanResult, Severity
from falguard.report import printable

KEYS_PAGE = "https://fal.ai/dashboard/keys"
#: Findings shown in full; the rest are counted (the block stays short whatever the push).
SHOWN = 5
_TAG_MESSAGE = "(tag message)"
_COMMIT_MESSAGE = "(commit message)"


def _place(finding: Finding, tags: Sequence[str]) -> str:
    if finding.path == _TAG_MESSAGE:
        named = f" of {', '.join(tags[:3])}" if tags else ""
        return f"tag message{named}, line {finding.line}"
    where = (
        f"commit message, line {finding.line}"
        if finding.path == _COMMIT_MESSAGE
        else f"{printable(finding.path)}:{finding.line}"
    )
    return f"commit {finding.commit[:12]}  {where}" if finding.commit else where


def finding_lines(finding: Finding, tags: Sequence[str]) -> list[str]:
    secret = finding.secret
    what = f"  {finding.severity.label.upper()}  {finding.rule}  {printable(secret.masked)}"
    ids = [f"key id {secret.key_id}"] if secret.key_id else []
    ids.append(f"fingerprint {finding.fingerprint[:16]}")
    return [what, f"    {'  '.join(ids)}", f"    {_place(finding, tags)}"]


def _steps(failing: Sequence[Finding], bypass_enabled: bool) -> list[str]:
    commits = sorted({finding.commit[:12] for finding in failing if finding.commit})
    oldest = f" ({', '.join(commits[:3])}{', ...' if len(commits) > 3 else ''})" if commits else ""
    keys = any(finding.secret.sensitive for finding in failing)
    steps = []
    if keys:
        steps.append(
            f"Revoke or rotate the key first: it is already on your machine and in these\n"
            f"     commits. {KEYS_PAGE} (or `falguard rotate`)."
        )
    steps.append(
        f"Rewrite the pushed commits without it{oldest}: `git commit --amend` for the\n"
        "     last one, `git rebase -i <commit>^` for an older one, or purge every copy with\n"
        "     `falguard scan --history --write-replacements FILE` and git filter-repo.\n"
        "     A later commit that deletes the key is not enough: history keeps it."
    )
    steps.append("Push again.")
    if bypass_enabled:
        steps.append("Not a real key? `git push -o falguard-allow=<fingerprint>` lets it through (logged).")
    else:
        steps.append("Not a real key? The server's administrator can allow its fingerprint.")
    return steps


def render_refusal(
    result: ScanResult, fail_on: Severity, *, tags: Sequence[str] = (), bypass_enabled: bool = False
) -> str:
    """The refusal of a push that brings findings at or above ``fail_on``."""
    failing = result.failing(fail_on)
    count = len(failing)
    lines = [f"falguard: push refused: {count} fal credential{'s' if count != 1 else ''} in the pushed commits", ""]
    for finding in failing[:SHOWN]:
        lines += finding_lines(finding, tags)
    if count > SHOWN:
        lines.append(f"  ... and {count - SHOWN} more")
    lines += ["", "What to do:"]
    lines += [f"  {number}. {step}" for number, step in enumerate(_steps(failing, bypass_enabled), 1)]
    return "\n".join(lines) + "\n"


def render_bypassed(bypassed: Sequence[Finding], who: str) -> str:
    """The audit line of each finding a push option let through."""
    lines = [
        f"falguard: bypass: {finding.rule} {printable(finding.secret.masked)} (fingerprint {finding.fingerprint[:16]}, "
        f"{_place(finding, ())}) let through by push option, pushed by {printable(who)}; logged"
        for finding in bypassed
    ]
    return "".join(line + "\n" for line in lines)


def render_unused_bypass(requested: Sequence[str], *, enabled: bool, used: Sequence[str]) -> str:
    """Push options that changed nothing: the server does not allow them, or they name no finding."""
    if not requested:
        return ""
    if not enabled:
        return "falguard: the falguard-allow push option is off on this server (its policy decides): ignored\n"
    unused = [asked for asked in requested if not any(fingerprint.startswith(asked) for fingerprint in used)]
    return "".join(
        f"falguard: falguard-allow={asked}: no finding in this push has that fingerprint\n" for asked in unused
    )


def render_over_budget(reason: str, *, allowed: bool) -> str:
    if allowed:
        return (
            f"falguard: push let through unscanned: {reason}; the server's policy lets such pushes through (logged)\n"
        )
    return (
        f"falguard: push refused unscanned: {reason}; the server's policy refuses what it cannot scan.\n"
        "falguard: push fewer commits at a time, or ask the server's administrator.\n"
    )


class PushVerdict(Protocol):
    """What the server hook decided (``falguard.hooks.prereceive.Verdict``), as this report reads it."""

    result: ScanResult
    fail_on: Severity
    bypassed: list[Finding]
    requested: tuple[str, ...]
    bypass_enabled: bool
    over_budget: str | None
    over_budget_allowed: bool
    tags: list[str]
    who: str


def render_verdict(verdict: PushVerdict) -> str:
    """Everything the hook says about a push (nothing for a clean one): bypasses first, then
    push options that changed nothing, then the refusal or the over-budget verdict."""
    used = [finding.fingerprint for finding in verdict.bypassed]
    text = render_bypassed(verdict.bypassed, verdict.who)
    text += render_unused_bypass(verdict.requested, enabled=verdict.bypass_enabled, used=used)
    if verdict.over_budget is not None:
        return text + render_over_budget(verdict.over_budget, allowed=verdict.over_budget_allowed)
    if verdict.result.failing(verdict.fail_on):
        text += render_refusal(
            verdict.result, verdict.fail_on, tags=verdict.tags, bypass_enabled=verdict.bypass_enabled
        )
    return text
