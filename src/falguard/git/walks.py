"""Walks for history attribution: path-limited logs, trees, the refs and commits that reach what was found."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from typing import IO, NamedTuple

from falguard.errors import GitError
from falguard.git import (  # the core: every command line's safety settings
    SAFE_CONFIG,
    Repo,
    _first_line,
    git_environment,
    is_object_name,
    run,
    split_z,
)
from falguard.git.history import LOW_MEMORY, _error_text, _spool

#: One commit in :func:`log_changes`' output: id, author, ISO date, commit time, parents.
LOG_FORMAT = "%x01%H%x00%an <%ae>%x00%aI%x00%ct%x00%P"


def log_changes(repo: Repo, revisions: Sequence[str], paths: Iterable[bytes]) -> subprocess.Popen[bytes]:
    """``git log --raw`` over ``revisions`` for the literal ``paths``, newest first, parents after children.

    No rename detection and no content reads (``--no-renames``): only trees are compared,
    so a missing blob in a partial clone is never needed; literal pathspecs let git skip
    every tree off the paths. Every commit that changes one of them is shown
    (``--full-history``), and merges are diffed against every parent (``-m``), so content
    that exists only in a merge, or only on a side branch, shows up there.
    """
    args = [
        "log", "--raw", "-z", "--no-abbrev", "-m", "--root", "--no-renames", "--topo-order", "--full-history",
        "--no-ext-diff", "--no-textconv", f"--format={LOG_FORMAT}", *revisions, "--",
    ]  # fmt: skip
    errors = _spool()
    try:
        proc = subprocess.Popen(
            ["git", *SAFE_CONFIG, *LOW_MEMORY, *args, *(b":(literal)" + path for path in sorted(paths))],
            cwd=repo.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=git_environment(),
        )
    except FileNotFoundError:
        errors.close()
        raise GitError("git is not installed or not on PATH") from None
    proc.stderr = errors  # where finish() reads git's error from
    return proc


def finish(proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for a streaming git process started here; raise GitError if it failed."""
    if proc.stdout is not None:
        proc.stdout.close()
    code = proc.wait()
    errors = _error_text(proc.stderr) if proc.stderr is not None else b""
    if proc.stderr is not None:
        proc.stderr.close()
    if code != 0:
        raise GitError(f"git {what}: {_first_line(errors)}")


def tree_blobs(repo: Repo, treeish: str) -> dict[str, list[bytes]]:
    """Every blob id in a commit's tree with the paths it is at (empty for an unborn HEAD)."""
    try:
        out = run(["ls-tree", "-r", "-z", "--full-tree", treeish, "--"], repo.cwd)
    except GitError:
        if not run(["rev-parse", "--verify", "-q", f"{treeish}^{{commit}}"], repo.cwd, ok_codes=(0, 1)).strip():
            return {}
        raise
    blobs: dict[str, list[bytes]] = {}
    for entry in split_z(out):
        meta, _, path = entry.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) == 3 and fields[1] == b"blob":
            blobs.setdefault(fields[2].decode(), []).append(path)
    return blobs


def head_blobs(repo: Repo) -> set[str]:
    """Blob ids in HEAD's tree (empty for an unborn HEAD)."""
    return set(tree_blobs(repo, "HEAD"))


def refs_containing(repo: Repo, commits: Iterable[str]) -> list[str]:
    """Every ref from which one of ``commits`` is reachable, sorted by name.

    Tags are asked of ``git tag --contains``, which walks the history once for all of them
    (``for-each-ref --contains`` computes a merge base per ref: 10-20 s for git/git's
    thousand tags); the other namespaces (branches, remote-tracking refs, the stash, a
    mirror's refs/pull) go to ``for-each-ref``.
    """
    contains = [f"--contains={commit}" for commit in commits]
    if not contains:
        return []
    names = run(["for-each-ref", "--format=%(refname)"], repo.cwd).decode("utf-8", "surrogateescape").split("\n")
    others = sorted({"/".join(name.split("/")[:2]) for name in names if name and not name.startswith("refs/tags/")})
    found = []
    if any(name.startswith("refs/tags/") for name in names):
        found += run(["tag", "--list", "--no-column", "--format=%(refname)", *contains], repo.cwd).split(b"\n")
    if others:
        found += run(["for-each-ref", "--format=%(refname)", *contains, "--", *others], repo.cwd).split(b"\n")
    return sorted(line.decode("utf-8", "surrogateescape") for line in found if line)


def ref_tips(repo: Repo) -> list[tuple[str, str]]:
    """``(refname, commit)`` for every ref that leads to a commit (tags peeled), by name."""
    out = run(["for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"],
              repo.cwd)  # fmt: skip
    tips, nested = [], []
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        fields = line.split("\0")
        if len(fields) != 5:
            continue
        name, kind, oid, peeled_kind, peeled = fields
        if kind == "commit" or peeled_kind == "commit":
            tips.append((name, oid if kind == "commit" else peeled))
        elif peeled_kind == "tag":
            nested.append(name)  # a tag of a tag
    if nested:
        answer = run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], repo.cwd,
                     stdin="".join(f"{name}^{{commit}}\n" for name in nested).encode())  # fmt: skip
        for name, line in zip(nested, answer.decode().splitlines(), strict=False):
            if line.endswith(" commit"):
                tips.append((name, line.split(" ")[0]))
    return sorted(tips)


def commit_graph(repo: Repo, revisions: Sequence[str]) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start ``git rev-list --topo-order --parents`` (children before parents) into a file.

    Returns the process and the file; :func:`finish` it, then read the file from the start.
    """
    spool, errors = _spool(), _spool()
    try:
        proc = subprocess.Popen(
            ["git", *SAFE_CONFIG, "rev-list", "--topo-order", "--parents", *revisions],
            cwd=repo.cwd,
            stdin=subprocess.DEVNULL,
            stdout=spool,
            stderr=errors,
            env=git_environment(),
        )
    except FileNotFoundError:
        spool.close()
        errors.close()
        raise GitError("git is not installed or not on PATH") from None
    proc.stderr = errors  # where finish() reads git's error from
    return proc, spool


def is_ancestor_of_head(repo: Repo, commit: str) -> bool:
    """True when ``commit`` is in HEAD's history (False for an unborn HEAD)."""
    out = run(["merge-base", "--end-of-options", commit, "HEAD"], repo.cwd, ok_codes=(0, 1, 128))
    return out.strip().decode() == commit


def ref_count(repo: Repo) -> int:
    """How many refs the repository has (branches, tags, remote-tracking refs, the stash, ...)."""
    return len(run(["for-each-ref", "--format=%(refname)"], repo.cwd).splitlines())


class CommitInfo(NamedTuple):
    commit: str
    author: str  # "Name <email>"
    date: str  # author date, ISO 8601
    time: int  # commit time, seconds since the epoch


def commit_infos(repo: Repo, commits: Sequence[str]) -> list[CommitInfo]:
    out = run(["log", "--no-walk=unsorted", "-z", "--format=%H%x00%an <%ae>%x00%aI%x00%ct", *commits, "--"], repo.cwd)
    fields = out.split(b"\0")
    infos = []
    for index in range(0, len(fields) - 3, 4):
        commit, author, date, when = fields[index : index + 4]
        infos.append(
            CommitInfo(commit.strip().decode(), author.decode("utf-8", "replace"), date.decode(), int(when or 0))
        )
    return infos


def committed_paths(repo: Repo, revisions: Sequence[str], pathspecs: Sequence[str]) -> list[tuple[str, str]]:
    """``(path, commit)`` for every path matching ``pathspecs`` that a commit in ``revisions``
    added, with the oldest such commit. Only tree diffs are read (no blob, no fetch)."""
    out = run(
        [
            "log", "--format=%x01%H", "-z", "--name-only", "--no-renames", "-m", "--diff-filter=A",
            "--no-ext-diff", "--no-textconv", *revisions, "--", *pathspecs,
        ],
        repo.cwd,
    )  # fmt: skip
    oldest: dict[str, str] = {}
    for chunk in out.split(b"\x01")[1:]:
        commit, _, names = chunk.partition(b"\0")
        for name in names.lstrip(b"\n").split(b"\0"):
            if name:
                oldest[name.decode("utf-8", "backslashreplace")] = commit.decode()  # log lists newest first
    return sorted(oldest.items())


def reaches_unknown(repo: Repo, tips: Sequence[str]) -> bool:
    """Whether ``tips`` (full object names) reach a commit, or name an annotated tag, that no
    ref reaches: one short walk that stops at the first (trees and blobs are not listed)."""
    for name in tips:
        if not is_object_name(name):
            raise GitError(f"not an object name: {name!r}")
    if not tips:
        return False
    args = ["rev-list", "--objects", "--filter=tree:0", "--max-count=1", "--no-object-names", *tips, "--not", "--all"]
    return bool(run(args, repo.cwd).strip())
