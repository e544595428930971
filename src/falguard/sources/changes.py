"""Content a change writes, read from git objects, with the lines the change adds.

Shared by the staged scan and the commit-range scan: each turns its patch into
:class:`~falguard.sources.patch.FileChange` values; this module reads the blobs they name
through one ``git cat-file --batch`` process and yields items that carry the added lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from falguard import git
from falguard.envfiles import is_env_file, is_env_template
from falguard.errors import GitError
from falguard.models import Origin, Summary
from falguard.sources import Exclusion, Item, accept
from falguard.sources.patch import GITLINK_MODE, REGULAR_MODES, FileChange
from falguard.sources.worktree import display_path


def stages_env_file(path: str) -> bool:
    """A change that writes this file commits an env file (templates excepted)."""
    return is_env_file(path) and not is_env_template(path)


def _wanted(change: FileChange, summary: Summary) -> bool:
    if change.deleted:
        return False  # a deletion writes nothing
    if change.new_mode == GITLINK_MODE:
        summary.skipped_other += 1  # a submodule: its own repository, its own hook
        return False
    if change.new_mode not in REGULAR_MODES:
        summary.skipped_other += 1  # a symlink: its target path is all the blob holds
        summary.skipped_paths.append(f"{display_path(change.path)} (not a regular file)")
        return False
    return True


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
    with git.CatFile(repo) as objects:
        for commit, change in changes:
            if not _wanted(change, summary):
                continue
            path = display_path(change.path)
            if not change.added and not stages_env_file(path):
                continue  # a mode change, or lines only removed: nothing new to read
            if excluded(path):
                summary.excluded += 1
                continue
            assert change.new_oid is not None
            data = objects.read(change.new_oid)
            if data is None:
                _missing(repo, change.new_oid, path, commit, summary)
                continue
            origin = Origin(path, commit=commit, source=source)
            item = accept(data, origin, summary, max_size)
            yield Item(origin, item.content if item else b"", added=change.added, oid=change.new_oid)


def _missing(repo: git.Repo, oid: str, path: str, commit: str | None, summary: Summary) -> None:
    where = f" in commit {commit[:12]}" if commit else " in the index"
    if not git.is_partial_clone(repo):  # nothing may be missing on purpose: corruption
        raise GitError(f"repository is corrupt: object {oid[:12]} for {path}{where} cannot be read; run `git fsck`")
    summary.incomplete.append(f"object {oid[:12]} for {path}{where} is missing")
