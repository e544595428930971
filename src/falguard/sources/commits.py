"""Commits about to be pushed: the content each one adds, with the lines it adds.

A deliberately small range scan for the pre-push hook: one ``git log -p`` over the range,
one ``git cat-file --batch`` for the blobs. Merges count only what they add relative to
every parent (dense combined diff). The full history scan lives elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from falguard import git
from falguard.models import Summary
from falguard.sources import Exclusion, Item
from falguard.sources.changes import changed_items
from falguard.sources.patch import FileChange, parse_log


@dataclass(frozen=True)
class CommitRange:
    """Commits reachable from ``tips`` and from none of ``exclude``; with
    ``exclude_remotes``, none reachable from a remote-tracking ref either."""

    tips: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    exclude_remotes: bool = False


def range_changes(repo: git.Repo, ranges: Sequence[CommitRange]) -> Iterator[tuple[str, FileChange]]:
    seen: set[str] = set()
    for commits in ranges:
        if not commits.tips:
            continue
        output = git.commits_patch(repo, commits.tips, commits.exclude, exclude_remotes=commits.exclude_remotes)
        for commit, changes in parse_log(output):
            if commit in seen:
                continue  # two pushed refs can share commits
            seen.add(commit)
            for change in changes:
                yield commit, change


@dataclass(frozen=True)
class PushedSource:
    """What the commits in ``ranges`` write (each item names its commit), with the lines they add."""

    repo: git.Repo
    ranges: Sequence[CommitRange]
    max_size: int

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        changes = range_changes(self.repo, self.ranges)
        yield from changed_items(self.repo, changes, summary, excluded, self.max_size, "history")
