"""The server's pre-receive hook: what a push brings that the server does not have, scanned
before any ref moves.

git gives the hook ``<old> <new> <ref>`` lines on stdin while the pushed objects wait in
quarantine (``GIT_QUARANTINE_PATH``, ``GIT_OBJECT_DIRECTORY``, ``GIT_ALTERNATE_OBJECT_DIRECTORIES``
in the environment, which :func:`falguard.git.git_environment` passes to every git command).
The scan is the history scan's (:func:`~falguard.scans.historyscan.scan_selection`: one
``rev-list | cat-file --batch`` pipeline, attribution for what it finds) over every blob,
commit message and annotated tag message the new tips reach and no existing ref does, so a
key that a later pushed commit deletes still refuses the push. Deletions, and refs moved to
commits the server already has, pass with one short ``rev-list`` or none.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from falguard import git
from falguard.errors import GitError, InputError
from falguard.git.walks import reaches_unknown
from falguard.hooks.policy import ServerPolicy, load_policy
from falguard.models import ScanResult, Severity
from falguard.scans.historyscan import scan_selection
from falguard.scans.pipeline import sort_key

if TYPE_CHECKING:
    from falguard.detection.facts import Finding

#: ``git push -o falguard-allow=<fingerprint>``: the audited bypass (off unless the policy allows it).
BYPASS_OPTION = "falguard-allow"
_FINGERPRINT = re.compile(r"[0-9a-f]{16,64}")
#: A push that brings less than this (as received) is read by one cat-file process, not four:
#: starting them costs more than they save on a few commits.
SMALL_PUSH = 4 << 20
#: Who pushed, as the servers that run the hook say it (GitLab, Gitea/Forgejo, git http-backend, ssh).
_PUSHER_VARIABLES = ("GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER", "USER")

T = TypeVar("T")


@dataclass(frozen=True)
class ReceivedRef:
    """One line git gives a pre-receive hook: a ref's old and new object (zeros: none)."""

    old: str
    new: str
    ref: str

    @property
    def deleted(self) -> bool:
        return git.is_null_object(self.new)


def parse_receive_lines(text: str) -> list[ReceivedRef]:
    refs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(" ", 2)
        if len(parts) != 3 or not (git.is_object_name(parts[0]) and git.is_object_name(parts[1])) or not parts[2]:
            raise InputError(
                f"pre-receive: unexpected input line {line[:200]!r} "
                "(git gives this hook '<old sha> <new sha> <ref name>' lines on stdin)"
            )
        refs.append(ReceivedRef(*parts))
    return refs


def new_tips(refs: Sequence[ReceivedRef]) -> list[str]:
    """The objects the pushed refs will point at (deletions point at none), each once."""
    return list(dict.fromkeys(ref.new for ref in refs if not ref.deleted))


def push_options(environ: Mapping[str, str]) -> list[str]:
    """The ``git push -o`` options git passes on (only when ``receive.advertisePushOptions`` is on)."""
    try:
        count = int(environ.get("GIT_PUSH_OPTION_COUNT", "0"))
    except ValueError:
        return []
    return [environ.get(f"GIT_PUSH_OPTION_{index}", "") for index in range(count)]


def bypass_requests(options: Sequence[str]) -> tuple[str, ...]:
    """The fingerprints ``falguard-allow=<fingerprint>`` options name (16 to 64 lowercase hex)."""
    requested = []
    for option in options:
        name, eq, value = option.partition("=")
        if name != BYPASS_OPTION:
            continue
        if not eq or not _FINGERPRINT.fullmatch(value):
            raise InputError(
                f"push option {option[:100]!r}: expected {BYPASS_OPTION}=<fingerprint> "
                "(16 to 64 lowercase hex characters, as the refusal shows it)"
            )
        requested.append(value)
    return tuple(dict.fromkeys(requested))


def received_bytes(environ: Mapping[str, str]) -> int | None:
    """How much the push brought, as received (the quarantine's files); None outside quarantine."""
    quarantine = environ.get("GIT_QUARANTINE_PATH")
    if not quarantine or not os.path.isdir(quarantine):
        return None
    total = 0
    for directory, _, names in os.walk(quarantine):
        for name in names:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                continue
    return total


def pusher(environ: Mapping[str, str]) -> str:
    return next((environ[name] for name in _PUSHER_VARIABLES if environ.get(name)), "unknown")


@dataclass
class Verdict:
    """What the hook found and decided, for the message and the audit log."""

    refs: list[ReceivedRef]
    requested: tuple[str, ...] = ()  # fingerprints the push options asked to let through
    result: ScanResult = field(default_factory=ScanResult)
    scanned: bool = False  # False: nothing new (deletions, commits the server has), or over budget
    over_budget: str | None = None  # why the push was not (fully) scanned
    abandoned: bool = False  # the scan still runs in the background: the process must exit hard
    bypassed: list[Finding] = field(default_factory=list)  # let through by a push option
    tags: list[str] = field(default_factory=list)  # pushed refs naming annotated tags
    # from the policy, for the message (report/prereceive.py) and the exit code
    fail_on: Severity = Severity.MEDIUM
    bypass_enabled: bool = False
    over_budget_allowed: bool = False
    who: str = "unknown"


def within(seconds: float | None, work: Callable[[], T]) -> tuple[bool, T | None]:
    """``(True, work())``, or ``(False, None)`` when it takes longer than ``seconds`` (it is
    left running on a daemon thread: the caller must end the process)."""
    if seconds is None:
        return True, work()
    box: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            box.append(work())
        except BaseException as error:  # raised again in the caller's thread
            failed.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        return False, None
    if failed:
        raise failed[0]
    return True, box[0]


def hook_repo(environ: Mapping[str, str], start: str = ".") -> git.Repo | None:
    """The repository git runs the hook for. git names it in ``GIT_DIR`` (``.`` in a bare
    repository, where the hook runs), so no git command is needed to find it; run by hand,
    it is the repository around ``start``. Every git command then runs in the git directory."""
    named = environ.get("GIT_DIR")
    if not named:
        return git.find_repo(start)
    git_dir = Path(os.path.abspath(os.path.join(start, named)))
    common = Path(os.path.abspath(os.path.join(start, environ.get("GIT_COMMON_DIR") or named)))
    return git.Repo(git_dir=git_dir, toplevel=None, common_dir=common)


def receive(stdin_text: str, environ: Mapping[str, str], policy_file: str | None = None, start: str = ".") -> Verdict:
    """The hook: the repository being pushed to (the one git runs the hook in), its policy
    (``policy_file`` server-wide, then its own), the scan, and the audit log's entries."""
    repo = hook_repo(environ, start)
    if repo is None:
        raise InputError("pre-receive needs the repository being pushed to (none found here)")
    policy = load_policy(repo.common_dir, policy_file)
    verdict = pre_receive(repo, stdin_text, environ, policy)
    if policy.audit_log is not None:
        write_audit(policy.audit_log, audit_events(verdict, policy, environ, str(repo.common_dir)))
    return verdict


def pre_receive(repo: git.Repo, stdin_text: str, environ: Mapping[str, str], policy: ServerPolicy) -> Verdict:
    """Scan what the push on stdin brings, under ``policy``."""
    refs = parse_receive_lines(stdin_text)
    verdict = Verdict(
        refs, requested=bypass_requests(push_options(environ)), fail_on=policy.config.fail_on,
        bypass_enabled=policy.push_option_bypass, over_budget_allowed=policy.over_budget == "allow",
        who=pusher(environ),
    )  # fmt: skip
    tips = new_tips(refs)
    size = received_bytes(environ)
    # a push that brought objects brings something new; one that brought none may still name
    # objects no ref reaches (a tag or branch restored from unreachable history): one short walk
    if not tips or (not size and not reaches_unknown(repo, tips)):
        return verdict  # deletions, or refs moved to commits the server already has
    if policy.max_push_size is not None and size is not None and size > policy.max_push_size:
        verdict.over_budget = (
            f"the push brings {size:,} bytes, over the server's max-push-size ({policy.max_push_size:,})"
        )
        return verdict
    workers = 1 if size is not None and size < SMALL_PUSH else None
    selection = [*tips, "--not", "--all"]  # object names (parse_receive_lines): no option can hide here
    done, result = within(
        policy.time_budget, lambda: scan_selection(repo, selection, config=policy.config, workers=workers)
    )
    if not done or result is None:
        verdict.over_budget = f"the scan did not finish within the server's time-budget ({policy.time_budget:g} s)"
        verdict.abandoned = True
        return verdict
    verdict.scanned = True
    verdict.result = apply_policy(result, policy, verdict)
    if result.fatal and not result.failing(policy.config.fail_on):
        raise GitError(result.fatal)  # unreadable objects: refused (exit 2), never passed as clean
    if any(finding.path == "(tag message)" for finding in verdict.result.findings + verdict.bypassed):
        verdict.tags = annotated_tags(repo, refs)
    return verdict


def apply_policy(result: ScanResult, policy: ServerPolicy, verdict: Verdict) -> ScanResult:
    """The server's say over a scan: pushed ``falguard:allow`` comments count only when the
    policy honours them; findings a push option names are let through only when it allows it."""
    if not policy.honour_inline_allow:
        pushed = [f for f in result.suppressed if f.suppression is not None and f.suppression.kind == "inline"]
        result.suppressed = [f for f in result.suppressed if f not in pushed]
        result.findings = sorted(result.findings + [replace(f, suppression=None) for f in pushed], key=sort_key)
    if policy.push_option_bypass and verdict.requested:
        kept = []
        for finding in result.findings:
            if any(finding.fingerprint.startswith(asked) for asked in verdict.requested):
                verdict.bypassed.append(finding)
            else:
                kept.append(finding)
        result.findings = kept
    return result


def annotated_tags(repo: git.Repo, refs: Sequence[ReceivedRef]) -> list[str]:
    """The pushed refs whose new object is an annotated tag (where a tag message finding is)."""
    named = [ref for ref in refs if not ref.deleted]
    if not named:
        return []
    request = "".join(f"{ref.new}\n" for ref in named).encode()
    out = git.run(["cat-file", "--batch-check=%(objecttype)"], repo.cwd, stdin=request)
    kinds = out.decode("ascii", "replace").splitlines()
    return [ref.ref for ref, kind in zip(named, kinds, strict=False) if kind == "tag"]


def audit_events(
    verdict: Verdict, policy: ServerPolicy, environ: Mapping[str, str], repository: str
) -> list[dict[str, object]]:
    """What the audit log records of this push: each finding let through by a push option, a
    push over budget (let through or refused) and a refusal; nothing for a clean push.
    Secrets appear masked only."""
    import time

    base: dict[str, object] = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "repository": repository,
        "pusher": pusher(environ),
        "refs": [ref.ref for ref in verdict.refs],
    }
    events: list[dict[str, object]] = []
    if verdict.over_budget is not None:
        events.append({**base, "event": f"over-budget-{'allowed' if policy.over_budget == 'allow' else 'refused'}",
                       "reason": verdict.over_budget})  # fmt: skip
    for finding in verdict.bypassed:
        events.append({**base, "event": "bypass", **_described(finding)})
    failing = verdict.result.failing(policy.config.fail_on)
    if failing:
        events.append({**base, "event": "refused", "findings": [_described(finding) for finding in failing]})
    return events


def _described(finding: Finding) -> dict[str, object]:
    return {
        "rule": finding.rule,
        "fingerprint": finding.fingerprint,
        "key_id": finding.secret.key_id,
        "secret": finding.secret.masked,
        "commit": finding.commit,
        "path": finding.path,
        "line": finding.line,
    }


def write_audit(path: os.PathLike[str] | str, events: Sequence[Mapping[str, object]]) -> None:
    """Append ``events`` to the audit log, one JSON line each (InputError when it cannot: a
    bypass that cannot be recorded must not pass)."""
    import json

    if not events:
        return
    text = "".join(json.dumps(event, sort_keys=True) + "\n" for event in events)
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(text)
    except OSError as error:
        raise InputError(f"cannot write the audit log {path}: {error.strerror or error}") from None
