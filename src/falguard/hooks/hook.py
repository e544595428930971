"""What the git hooks check: the staged change before a commit, the new commits before a push.

Used by ``falguard hook pre-commit`` and ``falguard hook pre-push``, whether git runs them
directly (``falguard install``) or the pre-commit framework does (``.pre-commit-hooks.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from falguard import git
from falguard.config import Config
from falguard.errors import InputError
from falguard.models import ScanResult
from falguard.scans.pipeline import Stages
from falguard.scans.scan import scan_commits
from falguard.sources.commits import CommitRange


@dataclass(frozen=True)
class PushedRef:
    """One line git gives a pre-push hook on stdin."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


def parse_push_lines(text: str) -> list[PushedRef]:
    """``<local ref> <local sha> <remote ref> <remote sha>`` lines (a ref name may hold spaces
    only in theory; the object names are taken from the right)."""
    refs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.rsplit(" ", 3)
        if len(parts) != 4 or not (git.is_object_name(parts[1]) and git.is_object_name(parts[3])):
            raise InputError(
                f"pre-push: unexpected input line {line[:200]!r} "
                "(git gives this hook '<local ref> <local sha> <remote ref> <remote sha>' lines on stdin)"
            )
        refs.append(PushedRef(*parts))
    return refs


def push_ranges(repo: git.Repo, refs: Sequence[PushedRef]) -> list[CommitRange]:
    """The commits each pushed ref would make new on the remote.

    A deletion pushes nothing. An update pushes what the remote's old commit lacks; a new
    branch (or an old commit this repository does not have, after someone else's force push)
    pushes what no remote-tracking ref reaches. Commits any remote-tracking ref reaches are
    already published and are never rescanned.
    """
    ranges = []
    for ref in refs:
        if git.is_null_object(ref.local_sha):
            continue
        exclude: tuple[str, ...] = ()
        if not git.is_null_object(ref.remote_sha) and git.resolve_commit(repo, ref.remote_sha):
            exclude = (ref.remote_sha,)
        ranges.append(CommitRange((ref.local_sha,), exclude, exclude_remotes=True))
    return ranges


def framework_ranges(repo: git.Repo, environ: Mapping[str, str]) -> list[CommitRange]:
    """The range the pre-commit framework describes in its environment variables.

    It sets ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` for an ordinary push, and only
    ``PRE_COMMIT_LOCAL_BRANCH`` when the push carries a root commit (then everything no
    remote-tracking ref reaches is new).
    """
    to_ref = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_SOURCE")
    from_ref = environ.get("PRE_COMMIT_FROM_REF") or environ.get("PRE_COMMIT_ORIGIN")
    tip_name = to_ref or environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    tip = git.resolve_commit(repo, tip_name)
    if tip is None:
        raise InputError(f"pre-push: {tip_name} is not a commit")
    base = git.resolve_commit(repo, from_ref) if from_ref and to_ref else None
    return [CommitRange((tip,), (base,) if base else (), exclude_remotes=True)]


def pre_push(
    stdin_text: str | None,
    environ: Mapping[str, str],
    start: str = ".",
    *,
    config: Config = Config(),
    stages: Stages = Stages(),
) -> tuple[git.Repo, ScanResult]:
    """Scan the commits a push would publish.

    Under the pre-commit framework (``PRE_COMMIT=1``) the range comes from its environment;
    run by git, from the ref lines on stdin; with neither (a person trying it by hand), the
    current branch's commits that no remote-tracking ref reaches.
    """
    repo = git.find_repo(start)
    if repo is None:
        raise InputError("pre-push needs a git repository (none found here)")
    if environ.get("PRE_COMMIT") == "1":
        ranges = framework_ranges(repo, environ)
    elif stdin_text is not None:
        ranges = push_ranges(repo, parse_push_lines(stdin_text))
    else:
        ranges = framework_ranges(repo, {})
    return repo, scan_commits(repo, ranges, config, stages)
