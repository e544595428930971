"""Files on disk: inside a repository, what git would track; outside, a plain directory walk."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from falguard import git
from falguard.envhygiene.envfiles import ENV_PATHSPECS, is_env_file
from falguard.errors import InputError
from falguard.git.listing import ls_files_and_unreadable
from falguard.models import Origin, Summary
from falguard.sources import Exclusion, Item, accept, display_path, read_regular_file
from falguard.sources.buildoutput import is_served, served_pathspecs


@dataclass(frozen=True)
class _Listed:
    fs_path: str
    display: str
    ignored: bool  # listed although git ignores it: an env file or build output


def _named_file(repo: git.Repo, target: Path) -> _Listed:
    """A file named on the command line: scanned whatever git thinks of it. Whether git
    ignores it still decides if a key in it is in the right place (an ignored .env.local)."""
    assert repo.toplevel is not None
    relative = os.path.relpath(target.resolve(), repo.toplevel.resolve())
    ignored = bool(git.ls_files(repo, [f":(literal){relative}"], ignored=True))
    return _Listed(str(target), _shown(relative.replace(os.sep, "/")), ignored)


def _repo_listing(repo: git.Repo, target: Path, summary: Summary) -> Iterator[_Listed]:
    assert repo.toplevel is not None
    top = repo.toplevel.resolve()
    relative = os.path.relpath(target, top)
    scope = [] if relative == "." else [f":(literal){relative}"]
    prefix = "" if relative == "." else relative.replace(os.sep, "/").rstrip("/") + "/"
    listed, unopened = ls_files_and_unreadable(repo, scope)
    for directory, reason in unopened:  # git skipped them with a warning: counted, as unreadable files are
        summary.unreadable.append(f"{display_path(directory.rstrip(b'/'))}/: {reason}")
    for raw in listed:
        display = display_path(raw)
        yield _Listed(os.path.join(os.fsencode(top), raw).decode("utf-8", "surrogateescape"), display, False)
    # env files are scanned even when ignored: a public-prefixed fal variable there still
    # ends up in the browser bundle; so is build output, which is what the site serves
    for raw in git.ls_files(repo, (*ENV_PATHSPECS, *served_pathspecs()), ignored=True):
        display = display_path(raw)
        if prefix and not (display + "/").startswith(prefix) and display != relative:
            continue
        if not is_env_file(display) and not is_served(display):
            continue  # a dependency's own dist/ inside node_modules
        yield _Listed(os.path.join(os.fsencode(top), raw).decode("utf-8", "surrogateescape"), display, True)


def _shown(path: str) -> str:
    """A file-system path as text: undecodable bytes become escapes, like git's paths."""
    return display_path(os.fsencode(path))


def _walk_listing(target: Path, shown_as: str, summary: Summary) -> Iterator[_Listed]:
    if target.is_file() or not target.is_dir():
        yield _Listed(str(target), _shown(shown_as), False)
        return

    def shown(full: str) -> str:
        rel = os.path.relpath(full, target)
        return _shown((rel if shown_as in ("", ".") else os.path.join(shown_as, rel)).replace(os.sep, "/"))

    def unreadable(error: OSError) -> None:  # os.walk skips a directory it cannot list: count it
        summary.unreadable.append(f"{shown(str(error.filename)).rstrip('/')}/: {error.strerror or error}")

    for root, dirs, files in os.walk(target, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(files):
            full = os.path.join(root, name)
            yield _Listed(full, shown(full), False)


@dataclass(frozen=True)
class WorktreeSource:
    """Every file a scan of ``paths`` covers, in a stable order.

    Inside a repository: what git tracks or would track, env files and build output even
    when ignored, and every file named on the command line. Outside one, or with
    ``plain``: every file under the paths, never descending into ``.git``.
    """

    paths: Sequence[str]
    max_size: int
    plain: bool = False  # --no-git: plain files even inside a repository

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        for given in self.paths or (".",):
            for entry in self._listing(given, summary):
                if excluded(entry.display):
                    summary.excluded += 1
                    continue
                data = read_regular_file(entry.fs_path, entry.display, summary, self.max_size)
                if data is None:
                    continue
                origin = Origin(
                    entry.display,
                    ignored_env=entry.ignored and is_env_file(entry.display),
                    served=is_served(entry.display),
                )
                item = accept(data, origin, summary, self.max_size)
                if item is not None:
                    yield item

    def _listing(self, given: str, summary: Summary) -> Iterator[_Listed]:
        target = Path(given)
        if not os.path.lexists(target):
            raise InputError(f"no such file or directory: {given}")
        repo = None if self.plain else git.repo_of_path(target)
        if repo is not None and not repo.bare:
            if target.is_file() and not target.is_symlink():
                return iter([_named_file(repo, target)])
            return _repo_listing(repo, target.resolve(), summary)
        return _walk_listing(target, given.rstrip("/") or given, summary)
