"""Native git hooks for teams without the pre-commit framework: install and uninstall.

Hooks go where git looks for them: ``core.hooksPath`` when set, else the common git
directory's ``hooks`` (one directory shared by every linked worktree). An existing hook that
falguard did not write is never overwritten: it is kept beside falguard's as
``<hook>.falguard-chained`` and runs first; uninstalling puts it back. Both are idempotent.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from falguard import git
from falguard.errors import InputError

HOOK_TYPES = ("pre-commit", "pre-push", "pre-receive")
MARKER = "# installed by falguard"
CHAINED_SUFFIX = ".falguard-chained"

_PRE_COMMIT_BODY = """\
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi
run_falguard hook pre-commit "$@"
"""

# git gives pre-push its ref lines on stdin, which both hooks need: read them once.
_PRE_PUSH_BODY = """\
input=$(cat)
if [ -x "$chained" ]; then
    printf '%s\\n' "$input" | "$chained" "$@" || exit $?
fi
printf '%s\\n' "$input" | run_falguard hook pre-push "$@"
"""

# A server's hook: the ref lines on stdin, read once for both; the push options (GIT_PUSH_OPTION_*)
# and the quarantine (GIT_QUARANTINE_PATH...) reach both through the environment.
_PRE_RECEIVE_BODY = """\
input=$(cat)
if [ -x "$chained" ]; then
    printf '%s\\n' "$input" | "$chained" "$@" || exit $?
fi
printf '%s\\n' "$input" | run_falguard hook pre-receive{policy}
"""

_TEMPLATE = """\
#!/bin/sh
{marker} (`falguard uninstall --hook {hook}` removes it and puts back
# any hook it replaced, kept beside it as {hook}{suffix}, which runs first).
chained="$(dirname -- "$0")/{hook}{suffix}"
python={python}
run_falguard() {{
    if [ -x "$python" ]; then
        "$python" -m falguard "$@"
{fallback}    else
        echo "falguard: the Python this hook was installed with is gone: $python" >&2
        echo "falguard: reinstall falguard and run: falguard install {again}" >&2
        echo "falguard: or remove this hook: rm $0" >&2
        return 1
    fi
}}
{body}"""

# A client's hook may fall back to a falguard on PATH; a server's never does (it runs what the
# administrator installed, by absolute path, and refuses the push when that is gone).
_PATH_FALLBACK = """\
    elif command -v falguard >/dev/null 2>&1; then
        falguard "$@"
"""


@dataclass(frozen=True)
class Outcome:
    hook: str
    path: Path
    action: str  # installed | updated | unchanged | chained | removed | restored | absent | foreign
    chained: Path | None = None


def hook_script(hook: str, python: str, policy: str | None = None) -> str:
    """The hook's script; a pre-receive hook passes ``--policy`` (an absolute path) when given."""
    server = hook == "pre-receive"
    body = {"pre-commit": _PRE_COMMIT_BODY, "pre-push": _PRE_PUSH_BODY}.get(hook, _PRE_RECEIVE_BODY)
    if server:
        body = body.format(policy=f" --policy {shlex.quote(policy)}" if policy else "")
    return _TEMPLATE.format(
        marker=MARKER,
        hook=hook,
        suffix=CHAINED_SUFFIX,
        python=shlex.quote(python),
        fallback="" if server else _PATH_FALLBACK,
        again="--server" if server else f"--hook {hook}",
        body=body,
    )


def is_falguard_hook(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except (FileNotFoundError, IsADirectoryError):
        return False
    return MARKER.encode() in head


def _check_hook_type(hook: str) -> None:
    if hook not in HOOK_TYPES:
        raise InputError(f"unknown hook {hook!r} (choose from {', '.join(HOOK_TYPES)})")


def _write_executable(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.falguard-tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(temporary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(temporary, path)


def locate(start: str = ".") -> git.Repo:
    repo = git.find_repo(start)
    if repo is None:
        raise InputError("not inside a git repository: run this from the repository whose hooks to change")
    return repo


#: Where servers that run every executable in ``hooks/pre-receive.d/`` (Gitea, Forgejo) take
#: another pre-receive hook: their own ``hooks/pre-receive`` is theirs, rewritten at will.
SERVER_HOOK_DIR = "pre-receive.d"
SERVER_HOOK_NAME = "falguard"


def install(repo: git.Repo, hook: str, python: str = sys.executable, *, policy: str | None = None) -> Outcome:
    """Install ``hook`` (chaining a foreign one); a pre-receive hook goes into
    ``hooks/pre-receive.d/`` instead where that directory exists."""
    _check_hook_type(hook)
    directory = git.hooks_dir(repo)
    if hook == "pre-receive" and (directory / SERVER_HOOK_DIR).is_dir():
        directory = directory / SERVER_HOOK_DIR
    path = directory / (SERVER_HOOK_NAME if directory.name == SERVER_HOOK_DIR else hook)
    chained = directory / (path.name + CHAINED_SUFFIX)
    script = hook_script(hook, os.path.abspath(python), policy)
    if directory.name == SERVER_HOOK_DIR and os.path.lexists(path) and not is_falguard_hook(path):
        raise InputError(f"{path} exists and was not installed by falguard: move it away and rerun")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if is_falguard_hook(path):
            if path.read_text(encoding="utf-8", errors="replace") == script:
                return Outcome(hook, path, "unchanged", chained if chained.exists() else None)
            _write_executable(path, script)
            return Outcome(hook, path, "updated", chained if chained.exists() else None)
        if os.path.lexists(path):
            if os.path.lexists(chained):
                raise InputError(
                    f"{path} exists and so does {chained.name}: falguard will not overwrite either. "
                    f"Merge them by hand, or move one away (mv {shlex.quote(str(path))} {shlex.quote(str(path))}.old) and rerun"
                )
            os.rename(path, chained)
            _write_executable(path, script)
            return Outcome(hook, path, "chained", chained)
        _write_executable(path, script)
        return Outcome(hook, path, "installed")
    except OSError as error:
        raise InputError(f"cannot install the {hook} hook in {directory}: {error.strerror or error}") from None


def uninstall(repo: git.Repo, hook: str) -> Outcome:
    _check_hook_type(hook)
    directory = git.hooks_dir(repo)
    if hook == "pre-receive" and (directory / SERVER_HOOK_DIR / SERVER_HOOK_NAME).exists():
        directory = directory / SERVER_HOOK_DIR
    path = directory / (SERVER_HOOK_NAME if directory.name == SERVER_HOOK_DIR else hook)
    chained = directory / (path.name + CHAINED_SUFFIX)
    if not os.path.lexists(path):
        return Outcome(hook, path, "absent")
    if not is_falguard_hook(path):
        return Outcome(hook, path, "foreign")
    try:
        if os.path.lexists(chained):
            os.replace(chained, path)
            return Outcome(hook, path, "restored", chained)
        path.unlink()
    except OSError as error:
        raise InputError(f"cannot remove {path}: {error.strerror or error}") from None
    return Outcome(hook, path, "removed")


def describe(outcome: Outcome) -> str:
    where = str(outcome.path)
    messages = {
        "installed": f"installed the {outcome.hook} hook: {where}",
        "updated": f"updated the {outcome.hook} hook: {where}",
        "unchanged": f"the {outcome.hook} hook is already installed: {where}",
        "chained": (
            f"installed the {outcome.hook} hook: {where}; the hook that was there is kept as "
            f"{outcome.chained.name if outcome.chained else ''} and runs first"
        ),
        "removed": f"removed the {outcome.hook} hook: {where}",
        "restored": f"removed the {outcome.hook} hook and put back the one it replaced: {where}",
        "absent": f"no {outcome.hook} hook installed: {where}",
        "foreign": f"{where} was not installed by falguard: left alone",
    }
    return "falguard: " + messages[outcome.action]
