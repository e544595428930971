"""Content a change writes, read from git objects, with the lines the change adds.

Shared by the staged scan and the commit-range scan: each turns its patch into
:class:`~falguard.sources.patch.FileChange` values; this module reads the blobs they name
through one ``git cat-file --batch`` process and yields items that carry the added lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from falguard import git
from falguard.envhygiene.envfiles import is_env_file, is_env_template
from falguard.errors import GitError
from falguard.git import objects as git_objects
from falguard.models import Origin, Summary
from falguard.sources import Exclusion, Item, accept, display_path
from falguard.sources.patch import GITLINK_MODE, REGULAR_MODES, FileChange


def stages_env_file(path: str) -> bool:
    """A change that writes this file commits an env file (templates excepted)."""
    return is_env_file(path) and not is_env_template(path)


def _plan(change: FileChange, excluded: Exclusion) -> str:
    """What becomes of a change: ``read`` its new content, or why not (no side effect, so
    that the reads can be asked for ahead of the loop that counts them)."""
    if change.deleted:
        return "nothing"  # a deletion writes nothing
    if change.new_mode == GITLINK_MODE:
        return "submodule"  # its own repository, its own hook
    if change.new_mode not in REGULAR_MODES:
        return "symlink"  # its target path is all the blob holds
    path = display_path(change.path)
    if not change.added and not stages_env_file(path):
        return "nothing"  # a mode change, or lines only removed: nothing new to read
    return "excluded" if excluded(path) else "read"


def changed_items(
    repo: git.Repo,
    changes: Iterable[tuple[str | None, FileChange]],
    summary: Summary,
    excluded: Exclusion,
    max_size: int,
    source: str,
) -> Iterator[Item]:
    """What each change writes, with the lines it adds; ``changes`` pairs every file change
    with its commit (None for the index). An env file the change commits is yielded even
    when its content is not scanned (binary, too large), with empty content."""
    planned, ahead = itertools.tee((commit, change, _plan(change, excluded)) for commit, change in changes)
    with git_objects.CatFile(repo) as objects:
        contents = objects.read_each(str(change.new_oid) for _, change, plan in ahead if plan == "read")
        for commit, change, plan in planned:
            path = display_path(change.path)
            if plan in ("submodule", "symlink"):
                summary.skipped_other += 1
                if plan == "symlink":
                    summary.skipped_paths.append(f"{path} (not a regular file)")
                continue
            if plan == "excluded":
                summary.excluded += 1
            if plan != "read":
                continue
            assert change.new_oid is not None
            data = next(contents)
            if data is None:
                _missing(repo, change.new_oid, path, commit, summary)
                continue
            origin = Origin(path, commit=commit, source=source)
            item = accept(data, origin, summary, max_size)
            yield Item(origin, item.content if item else b"", added=change.added, oid=change.new_oid)


def _missing(repo: git.Repo, oid: str, path: str, commit: str | None, summary: Summary) -> None:
    from falguard.git.history import is_partial_clone  # only when an object is missing

    where = f" in commit {commit[:12]}" if commit else " in the index"
    if not is_partial_clone(repo):  # nothing may be missing on purpose: corruption
        raise GitError(f"repository is corrupt: object {oid[:12]} for {path}{where} cannot be read; run `git fsck`")
    summary.incomplete.append(f"object {oid[:12]} for {path}{where} is missing")
