"""The one-off audit: history, working tree and env hygiene together, told as one story per
distinct secret, most urgent first."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import replace

from falguard import git
from falguard.config import Config
from falguard.detection.facts import Audit, Finding, Story
from falguard.detection.findings import identity as baseline_identity
from falguard.errors import InputError
from falguard.git import walks as git_walks
from falguard.models import ScanResult, Secret
from falguard.report.guidance import in_commands, purge_commands, revoke_text, route_text
from falguard.rules.common import DASHBOARD
from falguard.scans.historyscan import scan_history
from falguard.scans.pipeline import Stages, sort_key
from falguard.scans.scan import scan_worktree
from falguard.sources.history import Coverage

_BROWSER_RULES = ("public-fal-key", "client-credentials")


def collect(
    path: str, config: Config, stages: Stages = Stages(), progress: Callable[[Coverage], None] | None = None
) -> Audit:
    """Run the history and working-tree scans of the repository at ``path`` (each through
    the whole pipeline, suppressions and verification included)."""
    repo = git.find_repo(path)
    if repo is None:  # as `scan --history` says: an audit without history would pass on nothing
        raise InputError(
            f"not a git repository: {path} (run the audit inside a repository; `falguard scan {shlex.quote(path)}` "
            "scans the files alone)"
        )
    combined = ScanResult()
    audit = Audit(combined, repository=str(repo.toplevel or repo.git_dir), bare=repo.bare)
    audit.head = git.resolve_commit(repo, "HEAD")
    audit.refs_scanned = git_walks.ref_count(repo)
    scans = [scan_history(path, config=config, stages=stages, progress=progress)]
    combined.fatal = scans[0].fatal
    if not repo.bare:
        scans.append(scan_worktree([path], config, stages))
    for scan in scans:
        combined.findings.extend(scan.findings)
        combined.suppressed.extend(scan.suppressed)
        combined.baselined.extend(scan.baselined)
        combined.summary.add(scan.summary)
    # one count per baseline entry: history and the working tree match the same entries
    combined.summary.baselined = len({baseline_identity(finding) for finding in combined.baselined})
    combined.findings.sort(key=sort_key)
    combined.suppressed.sort(key=sort_key)
    return audit


def tell(audit: Audit) -> Audit:
    """Group the (already suppressed and baselined) findings into stories, most urgent first."""
    by_secret: dict[Secret, list[Finding]] = {}
    audit.hygiene = []
    for finding in audit.result.findings:
        if finding.secret.sensitive:
            by_secret.setdefault(finding.secret, []).append(finding)
        else:
            audit.hygiene.append(finding)
    audit.hygiene = _distinct(audit.hygiene)
    tracked = {f.path for f in audit.result.findings if f.rule == "env-tracked" and f.source != "history"}
    audit.stories = _by_urgency(
        [_story(secret, found, published=audit.bare, tracked=tracked) for secret, found in by_secret.items()]
    )
    audit.accepted = _by_urgency(accepted_stories(audit.result, published=audit.bare))
    return audit


def accepted_stories(result: ScanResult, *, published: bool = False) -> list[Story]:
    """One story per key found only in the baseline or allowed (inline or by config): not new,
    but still a key someone must have revoked. A key both new somewhere and accepted elsewhere
    has its story in both lists."""
    by_secret: dict[Secret, list[Finding]] = {}
    for finding in [*result.baselined, *result.suppressed]:
        if finding.secret.sensitive:
            by_secret.setdefault(finding.secret, []).append(finding)
    stories = [_story(secret, found, published=published) for secret, found in by_secret.items()]
    return [replace(story, steps=_accepted_steps(story)) for story in stories]


def _by_urgency(stories: list[Story]) -> list[Story]:
    return sorted(stories, key=lambda s: (not _live(s), s.urgency, -max(f.severity for f in s.findings), s.paths))


def _accepted_steps(story: Story) -> tuple[str, ...]:
    baselined = [f for f in story.findings if f.suppression and f.suppression.kind == "baseline"]
    steps = [_confirm_revoked(story.secret, baselined=bool(baselined))]
    if any(not (f.suppression and f.suppression.reason and f.suppression.by) for f in baselined):
        steps.append(
            "Record why and who in its baseline entries (`note` and `accepted_by`; `falguard baseline update "
            "--accepted-by NAME` fills in who), so the next audit can say."
        )
    if any(f.suppression and f.suppression.kind == "config" and not f.suppression.by for f in story.findings):
        steps.append("Say who accepted it: add `by` to its allow entry in the configuration, beside `reason`.")
    return tuple(steps)


def _confirm_revoked(secret: Secret, *, baselined: bool) -> str:
    """How to prove an accepted key dead, and to revoke it if it is not, with the commands that
    reach it: ``--verify`` and ``rotate`` see a baselined key (``--no-baseline``; rotate ignores
    the baseline), neither touches an allowed one, ``revoke`` needs its key id."""
    which = f" (key id {secret.key_id})" if secret.key_id else ""
    first = f"Confirm the key{which} is revoked: accepting a finding does not revoke it. "
    dashboard = f"the fal dashboard's keys page ({DASHBOARD})"
    if baselined:
        return first + (
            "`falguard audit --verify --no-baseline` asks fal about it (rejected: it is dead); if fal still accepts "
            "it, `falguard rotate` (a dry run; then --yes, with an ADMIN key in FAL_ADMIN_KEY) creates its "
            f"replacement, revokes it and checks that fal rejects it; or revoke it on {dashboard}."
        )
    if secret.key_id:
        return first + (
            f"falguard neither verifies nor rotates an allowed key: `falguard revoke {secret.key_id}` (a dry run, "
            "with an ADMIN key in FAL_ADMIN_KEY) says whether fal still lists it, and with --yes revokes it; or "
            f"check {dashboard}."
        )
    return first + (
        "falguard neither verifies nor rotates an allowed key: remove its allow, then `falguard audit --verify` "
        f"asks fal about it and `falguard rotate` replaces and revokes it; or check {dashboard}."
    )


def _live(story: Story) -> bool:
    """fal accepted the key when asked (``--verify``): the most urgent, whatever else is true."""
    return any(f.verification is not None and f.verification.status == "live" for f in story.findings)


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One hygiene finding per rule and subject (an env file both in the working tree and in
    history is one problem), the most severe first; history's version wins a tie, as it
    names the commit."""
    best: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.rule, finding.fingerprint)
        kept = best.get(key)
        if kept is None or (finding.severity, finding.commit is not None) > (kept.severity, kept.commit is not None):
            best[key] = finding
    return sorted(best.values(), key=lambda f: (-f.severity, f.path, f.rule))


def _story(
    secret: Secret,
    findings: list[Finding],
    *,
    published: bool = False,
    tracked: frozenset[str] | set[str] = frozenset(),
) -> Story:
    history = [(f, f.history) for f in findings if f.history is not None]
    worktree = [f for f in findings if f.source != "history"]
    introduced = min(history, key=lambda pair: (pair[1].date or "", pair[0].commit or ""))[0] if history else None
    paths = tuple(dict.fromkeys([p for _, h in history for p in h.paths] + [f.path for f in worktree]))
    pushed = any(h.pushed for _, h in history) or (published and bool(history))
    in_head = any(h.in_head for _, h in history)
    in_worktree = bool(worktree)
    urgency = ((0 if in_head else 1) if pushed else 2) if history else 3
    return Story(
        secret, tuple(findings), urgency, introduced, paths, in_head, in_worktree, pushed,
        tuple(_steps(findings, urgency, paths, in_head or in_worktree, tracked)),
    )  # fmt: skip


def _listed(paths: Sequence[str]) -> str:
    return f"{', '.join(paths[:5])}{' and more' if len(paths) > 5 else ''}"


_PROSE = (".md", ".mdx", ".markdown", ".rst", ".txt", ".adoc", ".org", ".html", ".htm")


def _is_prose(path: str) -> bool:
    """Documentation, not code: a key there is an example someone pasted, not one read at run time."""
    name = path.rsplit("/", 1)[-1].lower()
    return name.endswith(_PROSE) or name in ("readme", "notes", "changelog")


def _where_steps(paths: Sequence[str], tracked: frozenset[str] | set[str]) -> list[str]:
    """Code reads FAL_KEY from the environment; an env file *is* the environment: it gets the
    new key and stays out of git (untracked, if the checked-out branch tracks it)."""
    from falguard.envhygiene.envfiles import is_env_file

    env = [path for path in paths if is_env_file(path)]
    docs = [path for path in paths if not is_env_file(path) and _is_prose(path)]
    code = [path for path in paths if not is_env_file(path) and not _is_prose(path)]
    steps = []
    if code:
        steps.append(f"Remove the key from {_listed(code)}: read FAL_KEY from the environment instead.")
    if docs:  # documentation shows how to set the key; it reads nothing
        steps.append(
            f"Remove the key from {_listed(docs)}: write a placeholder such as `FAL_KEY=YOUR_FAL_KEY` instead."
        )
    if env:
        untrack = [path for path in env if path in tracked]
        how = "`falguard fix` adds the ignore rule"
        if untrack:
            command = in_commands("`git rm --cached -- {path}`", "{path}", untrack[0])
            how = (
                f"{command} stops tracking it; " + how
                if len(untrack) == 1
                else f"`falguard fix --untrack` stops tracking them; {how}"
            )
        steps.append(
            f"Put the new key in {_listed(env)} in place of the leaked one, and keep that file out of git ({how})."
        )
    return steps


def _steps(
    findings: list[Finding], urgency: int, paths: Sequence[str], live: bool, tracked: frozenset[str] | set[str]
) -> list[str]:
    steps = [revoke_text(findings)]
    steps.append(
        "Use a new key for each environment (development, staging, production) and keep each server-side "
        "as FAL_KEY in that environment's secret settings."
    )
    if live:
        steps.extend(_where_steps(paths, tracked))
    if any(f.rule in _BROWSER_RULES for f in findings):
        steps.append(
            f"Stop shipping it to browsers: add the proxy route {route_text(findings)}; "
            'call fal.config({ proxyUrl: "/api/fal/proxy" }), rebuild and redeploy.'
        )
    if urgency < 3:
        if urgency < 2:
            steps.append(
                "It was pushed: rewriting history does not un-leak it (clones, forks and caches keep it), so rotate "
                f"first; then, optionally, purge it: {purge_commands('falguard audit')}; force-push every branch "
                "and tag and have collaborators re-clone."
            )
        else:
            steps.append(
                f"It is committed but not pushed: after rotating, purge it before anyone pushes: "
                f"{purge_commands('falguard audit')}."
            )
    steps.append("Check usage and billing on the fal dashboard for requests you did not make.")
    return steps
