"""Closed-loop rotation: for each live leaked key, a replacement put where the user said, the
leaked key deleted, and proof that fal now rejects it.

Planning only reads (GET). Executing a plan creates and deletes keys, one rotation after
another, and stops at the first failure, saying exactly what was done and which command
finishes the job. The new key is written only by :func:`write_env` (or printed once by the
caller); nothing else here ever shows a full secret.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from falguard import git
from falguard.detection.facts import Finding, Verification
from falguard.errors import FalguardError, InputError
from falguard.git import objects as git_objects
from falguard.models import Secret
from falguard.output import write_atomic
from falguard.platform.falapi import FalApi, FalApiError, Forbidden, KeyInfo, NewKey, Rejected, Unavailable
from falguard.platform.verify import REJECTED_NOTE, check_keys, credential_for
from falguard.rules.common import DASHBOARD

ADMIN_VARIABLE = "FAL_ADMIN_KEY"
#: Seconds to wait before each check that a deleted key is dead (fal may take a moment).
CONFIRM_WAITS: tuple[float, ...] = (0.0, 1.0, 3.0)
KEY_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_FAL_KEY_LINE = re.compile(r"^(?P<export>[ \t]*(?:export[ \t]+)?)FAL_KEY[ \t]*=.*$", re.MULTILINE)


@dataclass(frozen=True)
class Leak:
    """One distinct leaked credential, as fal judged it, and where it was found."""

    secret: Secret  # what fal is asked about: key_id:key_secret, a fal_ token, another value
    verification: Verification
    places: tuple[str, ...]


@dataclass(frozen=True)
class Rotation:
    leak: Leak
    key: KeyInfo  # what fal lists for the leaked key
    new_alias: str


@dataclass(frozen=True)
class Manual:
    """A leaked key falguard does not touch, with what to do by hand."""

    leak: Leak
    why: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    rotations: tuple[Rotation, ...] = ()
    manual: tuple[Manual, ...] = ()
    rejected: tuple[Leak, ...] = ()  # fal rejects them already: nothing to rotate


@dataclass(frozen=True)
class Step:
    name: str  # create | store | delete | confirm
    state: str  # planned | done | failed | not done
    detail: str


@dataclass(frozen=True)
class Outcome:
    """What happened (or, in a dry run, would happen) to one rotation."""

    rotation: Rotation
    steps: tuple[Step, ...]
    new_key_id: str | None = None
    error: str | None = None
    finish: str | None = None  # the command that finishes the job after a partial failure

    @property
    def done(self) -> bool:
        return all(step.state == "done" for step in self.steps)


Deliver = Callable[[NewKey], str]  # puts a new key where the user said; returns where, for the log


# --- the admin key and the leaks -----------------------------------------------------------


def admin_key(environ: dict[str, str] | os._Environ[str]) -> Secret:
    value = environ.get(ADMIN_VARIABLE, "").strip()
    if not value:
        raise InputError(
            f"set {ADMIN_VARIABLE} to an ADMIN-scoped fal key (read from the environment only, never an argument)"
        )
    key_id = value.partition(":")[0] if KEY_ID.fullmatch(value.partition(":")[0]) else None
    return Secret(value, key_id)


def check_admin(api: FalApi, admin: Secret) -> None:
    """Raise InputError unless fal accepts ``admin`` as an ADMIN key."""
    try:
        scope = api.scope(admin)
    except Rejected:
        raise InputError(f"fal rejects {ADMIN_VARIABLE} ({admin.masked})") from None
    except FalApiError as error:
        raise InputError(f"cannot check {ADMIN_VARIABLE} with fal: {error}") from None
    if scope != "ADMIN":
        raise InputError(f"{ADMIN_VARIABLE} ({admin.masked}) has API scope: managing keys needs an ADMIN key")


def places_of(findings: Iterable[Finding]) -> tuple[str, ...]:
    """Each place once, ``path:line``, with the commits history found it in: the working tree's
    finding and history's at the same place read "app.py:2 (commit ...)", not "app.py:2, app.py:2"."""
    commits: dict[str, list[str]] = {}
    for finding in findings:
        seen = commits.setdefault(f"{finding.path}:{finding.line}", [])
        if finding.commit and finding.commit[:12] not in seen:
            seen.append(finding.commit[:12])
    return tuple(f"{where} (commit {', '.join(seen)})" if seen else where for where, seen in commits.items())


def find_leaks(findings: Iterable[Finding], api: FalApi) -> list[Leak]:
    """Each distinct credential of ``findings`` once, verified with fal."""
    found: dict[Secret, list[Finding]] = {}
    ready: dict[Secret, Verification] = {}
    for finding in findings:
        item = credential_for(finding)
        if item is None:
            continue
        secret = item if isinstance(item, Secret) else finding.secret
        if isinstance(item, Verification):
            ready[secret] = item
        found.setdefault(secret, []).append(finding)
    results = check_keys(api, [secret for secret in found if secret not in ready]) | ready
    return [Leak(secret, results[secret], places_of(where)) for secret, where in found.items()]


# --- the plan ------------------------------------------------------------------------------


def new_alias(key: KeyInfo, today: str) -> str:
    base = (key.alias or "fal key")[:60]
    return f"{base} (replaces {key.key_id}, {today})"


def make_plan(leaks: Sequence[Leak], listed: Sequence[KeyInfo], admin: Secret, today: str) -> Plan:
    by_id = {key.key_id: key for key in listed}
    rotations: list[Rotation] = []
    manual: list[Manual] = []
    rejected: list[Leak] = []
    for leak in leaks:
        status, key_id = leak.verification.status, leak.secret.key_id
        if status == "rejected":
            rejected.append(leak)
        elif status == "unknown":
            manual.append(_unknown(leak))
        elif key_id is None:
            manual.append(_no_key_id(leak))
        elif key_id == admin.key_id:
            manual.append(_is_admin(leak))
        elif key_id not in by_id:
            manual.append(_not_listed(leak, key_id))
        else:
            rotations.append(Rotation(leak, by_id[key_id], new_alias(by_id[key_id], today)))
    return Plan(tuple(rotations), tuple(manual), tuple(rejected))


def select(plan: Plan, key_ids: Sequence[str]) -> Plan:
    """Only the rotations of ``key_ids`` (every one when empty); an id that is no live leak is an error."""
    if not key_ids:
        return plan
    wanted = {key_id.lower() for key_id in key_ids}
    missing = wanted - {rotation.key.key_id for rotation in plan.rotations}
    if missing:
        raise InputError(f"--key-id {sorted(missing)[0]}: no live leaked key with this id can be rotated")
    chosen = tuple(r for r in plan.rotations if r.key.key_id in wanted)
    later = tuple(
        Manual(r.leak, "not selected with --key-id", (f"falguard rotate --key-id {r.key.key_id} --yes",))
        for r in plan.rotations
        if r.key.key_id not in wanted
    )
    return replace(plan, rotations=chosen, manual=later + plan.manual)


def _unknown(leak: Leak) -> Manual:
    return Manual(
        leak,
        f"fal could not say whether it is live ({leak.verification.reason})",
        (
            "Check it again later: `falguard scan --verify` (or `falguard rotate` once fal answers).",
            f"If in doubt, treat it as live: revoke it on the fal dashboard's keys page ({DASHBOARD}) and create a "
            "new key for each environment.",
        ),
    )


def _no_key_id(leak: Leak) -> Manual:
    return Manual(
        leak,
        "it is live, but the leaked value does not carry its key id, so falguard cannot tell which key to delete",
        (
            f"Find the key on the fal dashboard's keys page ({DASHBOARD}) by its alias or creation date.",
            "Create its replacement there (one key per environment) and put it where the app reads FAL_KEY.",
            "Then delete the leaked key: `falguard revoke KEY_ID --yes` (or revoke it on the dashboard), and check "
            "with `falguard scan --verify` that fal rejects it.",
        ),
    )


def _is_admin(leak: Leak) -> Manual:
    return Manual(
        leak,
        f"it is {ADMIN_VARIABLE} itself: deleting it would leave falguard without an admin key halfway",
        (
            f"Create a new ADMIN key on the fal dashboard ({DASHBOARD}) and set {ADMIN_VARIABLE} to it.",
            f"Run `falguard revoke {leak.secret.key_id} --yes`, then `falguard rotate` again for the other keys.",
        ),
    )


def _not_listed(leak: Leak, key_id: str) -> Manual:
    return Manual(
        leak,
        f"fal accepts it, but {ADMIN_VARIABLE}'s account does not list key {key_id}: it belongs to another account "
        "or team",
        (f"Ask the owner of that account to revoke key {key_id} on the fal dashboard ({DASHBOARD}) and rotate it.",),
    )


# --- the new key's destination ---------------------------------------------------------------


def check_env_target(target: Path) -> None:
    """Refuse an env file git tracks or would not ignore (it could be committed), a symlink,
    or a file inside a .git directory. A file outside any repository is fine."""
    if target.is_symlink():
        raise InputError(f"--write-env {target}: is a symbolic link; give the file itself")
    if target.exists() and not target.is_file():
        raise InputError(f"--write-env {target}: not a regular file")
    if not target.parent.is_dir():
        raise InputError(f"--write-env {target}: directory {target.parent} does not exist")
    repo = git.repo_of_path(target)
    if repo is None:
        return
    if repo.toplevel is None:
        raise InputError(f"--write-env {target}: refusing to write a key inside a git directory")
    relative = target.resolve().relative_to(repo.toplevel.resolve()).as_posix()
    if git_objects.index_entries(repo, [f":(literal){relative}"]):
        raise InputError(f"--write-env {target}: git tracks this file, so the new key would be committed")
    if not git.is_ignored(repo, relative):
        raise InputError(
            f"--write-env {target}: git would not ignore this file, so the new key could be committed: add it to "
            ".gitignore (`falguard fix` adds .env*) or choose a file outside the repository"
        )


def env_with_key(text: str, key: str) -> str:
    """``text`` with its ``FAL_KEY=`` lines set to ``key`` (an ``export`` prefix kept), or the line appended."""
    line = f"FAL_KEY={key}"
    if _FAL_KEY_LINE.search(text):
        return _FAL_KEY_LINE.sub(lambda match: match.group("export") + line, text)
    return text + ("\n" if text and not text.endswith("\n") else "") + line + "\n"


def write_env(target: Path, key: Secret) -> None:
    """Set FAL_KEY in ``target``: atomically, mode 0600, the rest of the file kept."""
    check_env_target(target)
    try:
        text = target.read_text(encoding="utf-8") if target.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"--write-env {target}: cannot read it: {error}") from None
    write_atomic(str(target), env_with_key(text, key.reveal()), mode=0o600)
    os.chmod(target, 0o600)


# --- executing -------------------------------------------------------------------------------


def planned(rotation: Rotation, destination: str) -> Outcome:
    old = rotation.key.key_id
    scope = ""
    if rotation.key.scope == "ADMIN":  # POST /keys takes only an alias
        scope = " (the leaked key had ADMIN scope: check the new key's scope on the dashboard)"
    return Outcome(
        rotation,
        (
            Step("create", "planned", f'create a new key with alias "{rotation.new_alias}"{scope}'),
            Step("store", "planned", destination),
            Step("delete", "planned", f"delete the leaked key {old}"),
            Step("confirm", "planned", f"check that fal rejects {rotation.leak.secret.masked}"),
        ),
    )


def rotate_one(api: FalApi, admin: Secret, rotation: Rotation, deliver: Deliver) -> Outcome:
    """Create, store, delete, confirm: the first step that fails ends it, with the finishing command."""
    old = rotation.key.key_id
    steps = list(planned(rotation, "").steps)

    def ended(index: int, error: str, finish: str | None, new_key_id: str | None) -> Outcome:
        steps[index] = replace(steps[index], state="failed", detail=f"{steps[index].detail}: {error}")
        for later in range(index + 1, len(steps)):
            steps[later] = replace(steps[later], state="not done")
        return Outcome(rotation, tuple(steps), new_key_id, f"{steps[index].name}: {error}", finish)

    try:
        new = api.create_key(admin, rotation.new_alias)
    except FalApiError as error:
        maybe = isinstance(error, Unavailable) and error.status is None
        note = f' (fal may have made it: look for "{rotation.new_alias}" and revoke it)' if maybe else ""
        return ended(0, f"{error}{note}; the leaked key was not touched", f"falguard rotate --key-id {old} --yes", None)
    steps[0] = Step("create", "done", f'created key {new.key_id} with alias "{rotation.new_alias}"')
    try:
        steps[1] = Step("store", "done", deliver(new))
    except FalguardError as error:
        finish = f"falguard revoke {new.key_id} --yes, then falguard rotate --key-id {old} --yes"
        return ended(1, f"{error}; the new key is lost and the leaked key was not deleted", finish, new.key_id)
    try:
        api.delete_key(admin, old)
    except FalApiError as error:
        return ended(2, f"{error}; the new key {new.key_id} is in place", f"falguard revoke {old} --yes", new.key_id)
    steps[2] = Step("delete", "done", f"deleted the leaked key {old}")
    verdict = confirm_rejected(api, rotation.leak.secret)
    if verdict.status != "rejected":
        return ended(3, verdict.reason, f"falguard revoke {old} --yes", new.key_id)
    steps[3] = Step("confirm", "done", f"fal now rejects {rotation.leak.secret.masked}")
    return Outcome(rotation, tuple(steps), new.key_id)


def confirm_rejected(api: FalApi, key: Secret, waits: Sequence[float] | None = None) -> Verification:
    """Ask until fal rejects ``key`` (a few tries: a deletion may take a moment to reach every server)."""
    verdict = Verification("unknown", reason="not checked")
    for wait in CONFIRM_WAITS if waits is None else waits:
        time.sleep(wait)
        try:
            api.check(key)
        except Rejected:
            return Verification("rejected", reason=REJECTED_NOTE)
        except Forbidden:
            verdict = Verification("live", reason="deleted, but fal still knows the key")
        except Unavailable as error:
            verdict = Verification("unknown", reason=f"deleted, but fal could not confirm it is dead ({error})")
        else:
            verdict = Verification("live", reason="deleted, but fal still accepts the key")
    return verdict


def execute(plan: Plan, api: FalApi, admin: Secret, deliver: Deliver) -> list[Outcome]:
    """Every rotation in turn; after a failure, the rest are reported as not attempted."""
    outcomes: list[Outcome] = []
    for rotation in plan.rotations:
        if outcomes and outcomes[-1].error:
            skipped = planned(rotation, "store the new key")
            steps = tuple(replace(step, state="not done") for step in skipped.steps)
            finish = f"falguard rotate --key-id {rotation.key.key_id} --yes"
            outcomes.append(replace(skipped, steps=steps, error="not attempted after the failure above", finish=finish))
            continue
        outcomes.append(rotate_one(api, admin, rotation, deliver))
    return outcomes
