"""Mirrors for many-repository audits: the only git calls that may use a transport."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from falguard.errors import GitError
from falguard.git import (  # the core: every command line's safety settings
    SAFE_CONFIG,
    _first_line,
    _subcommand,
    git_environment,
    run,
    split_z,
)

# --- mirrors: the one deliberate exception to the transport ban ----------------------------

#: The transports a mirror may be cloned or fetched over; every other one (``ext::`` and every
#: ``<helper>::`` address, ``fd::``, ``git://``, plain ``http://``) stays forbidden.
MIRROR_TRANSPORTS = ("https", "ssh", "file")

#: Variables that point git at some other repository: never inherited by a clone or fetch of
#: a mirror (a hook's GIT_DIR would make ``git fetch`` write into the user's repository).
_REPOSITORY_VARIABLES = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
)  # fmt: skip

#: The user's own ssh settings, kept for mirrors so that ssh URLs work as they do for the user.
_USER_SSH_VARIABLES = ("GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT")


def _mirror_config() -> tuple[str, ...]:
    """SAFE_CONFIG without its transport ban and its ``core.sshCommand`` override, then the
    three mirror transports allowed and every other one forbidden again."""
    pairs = zip(SAFE_CONFIG[::2], SAFE_CONFIG[1::2], strict=False)
    kept = [
        part
        for flag, value in pairs
        if not value.startswith(("protocol.", "core.sshCommand="))
        for part in (flag, value)
    ]
    allowed = [f"protocol.{name}.allow=always" for name in MIRROR_TRANSPORTS]
    forbidden = [f"protocol.{name}.allow=never" for name in ("git", "http", "ext")]
    settings = ["protocol.allow=never", *forbidden, *allowed, "submodule.recurse=false"]
    return (*kept, *(part for setting in settings for part in ("-c", setting)))


def mirror_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a mirror clone or fetch: falguard's, no repository variable, the
    user's ssh settings, ``GIT_ALLOW_PROTOCOL`` (which beats any configuration) and ``extra``
    (credentials for a clone, as environment configuration: never on a command line)."""
    env = git_environment()
    for key in _REPOSITORY_VARIABLES:
        env.pop(key, None)
    env.update({key: os.environ[key] for key in _USER_SSH_VARIABLES if key in os.environ})
    env.update(GIT_ALLOW_PROTOCOL=":".join(MIRROR_TRANSPORTS), GIT_PROTOCOL_FROM_USER="0")
    env.update(extra or {})
    return env


def _check_mirror_url(url: str) -> None:
    """Refuse what git could read as an option or a remote helper (callers validate first)."""
    if not url or url.startswith("-") or "::" in url or any(ord(c) < 32 or c == "\x7f" for c in url):
        raise GitError(f"refusing to clone or fetch {url!r}: not an https, ssh or file URL")


def mirror_transfer(args: Sequence[str], cwd: str | os.PathLike[str], extra_env: dict[str, str] | None = None) -> None:
    """Run a clone or fetch of a mirror: the only git falguard lets use a transport (https,
    ssh and file), still with no hooks, no credential prompt or helper, no submodules, and
    no ``core.sshCommand`` but the user's own."""
    try:
        proc = subprocess.run(
            ["git", *_mirror_config(), *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=mirror_environment(extra_env),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        raise GitError(f"git {_subcommand(args)}: {_transfer_error(proc.stderr)}")


def _transfer_error(stderr: bytes) -> str:
    """Why a clone or fetch failed: the serving side's own fatal error when it sent one
    (``remote: fatal: loose object ... is corrupt``), else the local one."""
    remote = [line[len(b"remote: ") :].rstrip() for line in stderr.splitlines() if line.startswith(b"remote: ")]
    if any(line.startswith(b"fatal:") for line in remote):
        return _first_line(b"\n".join(remote))
    return _first_line(stderr)


def clone_mirror(url: str, target: Path, extra_env: dict[str, str] | None = None) -> None:
    """``git clone --mirror`` of ``url`` (every ref) into ``target``, which must not exist.
    ``--no-local`` sends a local path through the file transport like any other URL (no
    hard links into someone else's object store); ``--template=`` copies no sample hooks."""
    _check_mirror_url(url)
    args = ["clone", "--mirror", "--no-local", "--quiet", "--template=", "--no-recurse-submodules"]
    mirror_transfer([*args, "--", url, str(target)], target.parent, extra_env)


def fetch_mirror(mirror: Path, url: str, extra_env: dict[str, str] | None = None) -> None:
    """Bring a mirror up to date with ``url``: every ref, deleted ones pruned. The URL and
    refspec are given here, so the mirror's own configuration names no remote that is used."""
    _check_mirror_url(url)
    args = ["fetch", "--prune", "--quiet", "--no-recurse-submodules", "--end-of-options", url, "+refs/*:refs/*"]
    mirror_transfer(args, mirror, extra_env)


def mirror_settings(mirror: Path) -> list[tuple[str, str]]:
    """(name, value) of every setting in the mirror's own configuration file."""
    out = run(["config", "--file", "config", "--list", "-z"], mirror)
    pairs = []
    for entry in split_z(out):
        name, _, value = entry.partition(b"\n")
        pairs.append((os.fsdecode(name), os.fsdecode(value)))
    return pairs


def mirror_ref_tips(repo_dir: Path) -> str:
    """Every ref with the object it names, and what HEAD points at: what a cached result of
    this repository depends on."""
    refs = run(["for-each-ref", "--format=%(objectname) %(refname)%00"], repo_dir)
    head = run(["symbolic-ref", "-q", "HEAD"], repo_dir, ok_codes=(0, 1)).strip()
    lines = sorted(item.strip(b"\n").decode("utf-8", "surrogateescape") for item in split_z(refs) if item.strip())
    return "\n".join([f"HEAD {head.decode('utf-8', 'surrogateescape')}", *lines]) + "\n"
