"""The message a git hook prints when it refuses a commit or a push: what was found and
where (masked), then what to do now."""

from __future__ import annotations

import shlex

from falguard.detection.facts import Finding
from falguard.models import ScanResult
from falguard.report import ReportContext, printable
from falguard.report.text import finding_block, summary_lines

KEYS_PAGE = "https://fal.ai/dashboard/keys"

_FALSE_POSITIVE = (
    'A false positive? Add `falguard:allow <rule> reason="..."` in a comment on that line (or\n'
    "     `falguard:allow-next-line` on the line before), or record it with `falguard baseline create`.\n"
    "     `git {verb} --no-verify` also goes ahead, but it skips every hook, not only falguard."
)


def _paths(findings: list[Finding]) -> list[str]:
    return sorted({finding.path for finding in findings})


def shell_quote(path: str) -> str:
    """A path as a shell word to paste: ANSI-C quoting (``$'...'``) when it holds control
    characters, so the command is exact and nothing reaches the terminal raw."""
    if printable(path) == path:
        return shlex.quote(path)
    escaped = "".join("\\'" if char == "'" else "\\\\" if char == "\\" else printable(char) for char in path)
    return f"$'{escaped}'"


_GITIGNORE_RULES = ("env-not-ignored", "gitignore-missing-env")


def _commit_steps(failing: list[Finding], has_head: bool) -> list[str]:
    unstage = "git restore --staged --" if has_head else "git rm --cached --"
    staged = [finding for finding in failing if finding.rule not in _GITIGNORE_RULES]
    steps = []
    if staged:
        files = " ".join(shell_quote(path) for path in _paths(staged))
        steps += [
            f"Unstage what holds it (your edits stay on disk):\n       {unstage} {files}",
            "Move the key out of the code: into .env.local (ignored by git) for local work, or the\n"
            "     server's environment as FAL_KEY; read it on the server only, never in browser code.",
        ]
    if any(finding.rule in ("env-tracked", *_GITIGNORE_RULES) for finding in failing):
        steps.append("Keep env files out of git: `falguard fix` adds `.env*` and `!.env.example` to .gitignore.")
    if any(finding.secret.sensitive for finding in staged):
        steps.append(
            f"If this key was ever pushed, shared or deployed, rotate it: revoke it at {KEYS_PAGE}\n     and create a new one."
        )
    steps.append(_FALSE_POSITIVE.format(verb="commit"))
    return steps


def _push_steps(failing: list[Finding]) -> list[str]:
    commits = sorted({finding.commit[:12] for finding in failing if finding.commit})
    where = ", ".join(commits)
    return [
        f"Take the key out of the commits before pushing ({where}): for the last commit, remove it\n"
        "     and `git commit --amend`; for an older one, `git rebase -i <commit>^` and edit it.\n"
        "     A new commit that deletes the key is not enough: the push would still publish it.",
        "Move the key out of the code: into .env.local (ignored by git) for local work, or the\n"
        "     server's environment as FAL_KEY; read it on the server only, never in browser code.",
        f"If this key was ever pushed, shared or deployed, rotate it: revoke it at {KEYS_PAGE}\n     and create a new one.",
        _FALSE_POSITIVE.format(verb="push"),
    ]


def render_refusal(result: ScanResult, context: ReportContext, *, stage: str, has_head: bool = True) -> str:
    """The refusal text for ``stage`` ``"commit"`` or ``"push"``; only called when failing."""
    failing = result.failing(context.fail_on)
    what = "the staged changes" if stage == "commit" else "the commits being pushed"
    lines = [f"falguard: {stage} refused: fal credentials or env files in {what}", ""]
    lines += [finding_block(finding, context) + "\n" for finding in result.findings]
    steps = _commit_steps(failing, has_head) if stage == "commit" else _push_steps(failing)
    lines.append("What to do now:")
    lines += [f"  {number}. {step}" for number, step in enumerate(steps, 1)]
    lines.append("")
    lines += summary_lines(result, context)
    return "\n".join(lines) + "\n"
