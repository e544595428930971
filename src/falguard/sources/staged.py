"""The index: what the next commit will contain, never the working tree.

Content is read from the blobs the index names, so a key in a hunk left unstaged
(``git add -p``) is not reported and a key staged then deleted on disk still is. The index
is the one git chose: hooks run by ``git commit -a`` or ``git commit <path>`` see the
temporary index git names in ``GIT_INDEX_FILE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from falguard import git
from falguard.errors import InputError
from falguard.models import Summary, Value, _set
from falguard.sources import Exclusion, Item
from falguard.sources.changes import changed_items
from falguard.sources.patch import FileChange, intersect, parse_patch


def staged_changes(repo: git.Repo, patch: git.Started | None = None) -> list[FileChange]:
    """Files the index changes relative to HEAD (or to nothing, before the first commit);
    ``patch``: :func:`falguard.git.start_staged_patch`, when the caller started it already.

    During a merge, only what the index changes relative to every parent counts: lines that
    arrive unchanged from the merged branch were committed there and are not new.
    """
    changes = parse_patch(patch.output() if patch is not None else git.staged_patch(repo))
    others = git.merge_heads(repo)
    if not others:
        return changes
    return intersect([changes, *(parse_patch(git.staged_patch(repo, other)) for other in others)])


def find_work_tree(start: str | Path = ".") -> git.Repo:
    return work_tree(git.find_repo(start))


def work_tree(repo: git.Repo | None) -> git.Repo:
    """``repo``, if it is a repository with a working tree; an InputError otherwise."""
    if repo is None:
        raise InputError("--staged needs a git repository (none found here)")
    if repo.bare:
        raise InputError("--staged needs a repository with a working tree (this one is bare)")
    return repo


class StagedSource(Value):
    """What the next commit writes, read from the index, with the lines it adds."""

    __slots__ = ("repo", "max_size", "patch")
    repo: git.Repo
    max_size: int
    patch: git.Started | None  # the staged patch, when the caller started it already

    def __init__(self, repo: git.Repo, max_size: int, patch: git.Started | None = None) -> None:
        _set(self, "repo", repo)
        _set(self, "max_size", max_size)
        _set(self, "patch", patch)

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        changes = ((None, change) for change in staged_changes(self.repo, self.patch))
        yield from changed_items(self.repo, changes, summary, excluded, self.max_size, "staged")
