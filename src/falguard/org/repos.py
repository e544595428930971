"""The repository list: one clone URL or local path per line, each checked before git sees it.

Only https, ssh (``ssh://`` or ``user@host:path``) and file (``file://`` or a local path)
are accepted. Anything git could read as an option (``--upload-pack=...``) or as a remote
helper (``ext::sh -c ...``, ``fd::``, ``<helper>::<address>``) is refused with the line it
came from, before any git command runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from falguard.errors import InputError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
#: ``[user@]host:path`` as git reads it: a colon before any slash
_SCP = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s\[\]]+|\[[^\]/\s]+\]):(?P<path>.*)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RepoSpec:
    """One repository to audit: the URL git is given, which is also its name in reports."""

    url: str
    transport: str  # https | ssh | file


def parse_entry(entry: str, base: Path | None = None) -> RepoSpec:
    """A checked repository from one line of the list; InputError says why one is refused.
    A local path is made absolute against ``base`` (default: the current directory)."""
    text = entry.strip()
    if not text:
        raise InputError("empty repository entry")
    if _CONTROL.search(text):
        raise InputError("control characters in a repository entry")
    if _HELPER.match(text) or "::" in text:
        raise InputError(f"{_shown(text)} names a git remote helper; only https, ssh and file are allowed")
    if any(word.startswith("-") for word in text.split()):
        raise InputError(f"{_shown(text)} looks like a git option, not a repository")
    scheme = _SCHEME.match(text)
    if scheme is not None:
        return _url(text, scheme.group(1).lower())
    scp = _SCP.match(text)
    if scp is not None and not _is_windows_drive(text):
        return _scp(text, scp)
    return RepoSpec(str((base or Path.cwd()).joinpath(Path(text).expanduser()).resolve()), "file")


def _url(text: str, scheme: str) -> RepoSpec:
    if scheme not in ("https", "ssh", "file"):
        raise InputError(f"{_shown(text)}: the {scheme} transport is not allowed (only https, ssh and file)")
    if any(c.isspace() for c in text):
        raise InputError(f"{_shown(text)}: a URL cannot contain spaces")
    parts = urlsplit(text)
    if parts.password is not None:
        raise InputError(f"{_shown(text)}: credentials in a URL are refused (use GITHUB_TOKEN or an ssh key)")
    host = parts.hostname or ""
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InputError(f"{_shown(text)}: a file URL names a path on this machine (file:///path)")
    elif not host or host.startswith("-") or (parts.username or "").startswith("-"):
        raise InputError(f"{_shown(text)}: not a usable host")
    if parts.path.startswith("/-") or not parts.path.strip("/"):
        raise InputError(f"{_shown(text)}: not a usable repository path")
    return RepoSpec(text, scheme)


def _scp(text: str, match: re.Match[str]) -> RepoSpec:
    if any(c.isspace() for c in text):
        raise InputError(f"{_shown(text)}: an ssh address cannot contain spaces")
    user, host, path = match.group("user") or "", match.group("host"), match.group("path")
    if host.startswith("-") or user.startswith("-") or path.startswith("-") or not path.strip("/"):
        raise InputError(f"{_shown(text)}: not a usable ssh address")
    return RepoSpec(text, "ssh")


def _is_windows_drive(text: str) -> bool:
    return len(text) >= 2 and text[1] == ":" and text[0].isalpha() and (len(text) == 2 or text[2] in "\\/")


def _shown(text: str) -> str:
    """An entry for an error message: no password, at most 200 characters."""
    shown = re.sub(r"(://[^/@:\s]*):[^/@\s]*@", r"\1:****@", text)
    return repr(shown if len(shown) <= 200 else shown[:200] + "…")


def parse_list(lines: Iterable[str], origin: str = "repository list", base: Path | None = None) -> list[RepoSpec]:
    """Every repository in a list (blank lines and ``#`` comments skipped, duplicates once).
    One refused entry refuses the whole list, naming its line: nothing is cloned."""
    specs: dict[str, RepoSpec] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            spec = parse_entry(text, base)
        except InputError as error:
            raise InputError(f"{origin}:{number}: refused: {error}") from None
        specs.setdefault(spec.url, spec)
    return list(specs.values())


def read_list(path: str) -> list[RepoSpec]:
    """The list in file ``path`` (``-``: standard input); local paths in it are relative to the file."""
    import sys

    if path == "-":
        return parse_list(sys.stdin.read().splitlines(), "<stdin>")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read the repository list {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"the repository list {path} is not UTF-8 text") from None
    return parse_list(text.splitlines(), path, Path(path).resolve().parent)
