"""The only module that runs git.

Every call goes through :func:`run`, which applies falguard's safety settings in one place:
configuration that could make git run a program from an untrusted repository is overridden
on the command line, optional locks are never taken, nothing prompts, nothing pages, and
git's own errors are raised, never swallowed. Output is read with ``-z`` and split on NUL.

May import only the shared values and errors: every git call in falguard goes through this
package.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from falguard.errors import GitError
from falguard.models import Value, _set

#: Overrides for settings that make git run programs or write to the repository.
SAFE_CONFIG: tuple[str, ...] = (
    "-c", "core.fsmonitor=false",
    "-c", "core.untrackedCache=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "core.sshCommand=false",
    "-c", "core.askPass=false",
    "-c", "credential.helper=",
    "-c", "diff.external=",
    # log.showSignature makes every `git log` verify signed commits by running gpg.program
    "-c", "log.showSignature=false",
    "-c", "gpg.program=false",
    "-c", "gpg.ssh.program=false",
    "-c", "gpg.x509.program=false",
    "-c", "protocol.allow=never",
    "-c", "gc.auto=0",
    "-c", "maintenance.auto=false",
    "-c", "fetch.recurseSubmodules=false",
    # git < 2.44 ignores GIT_NO_LAZY_FETCH: a partial clone would fetch a missing object
    # from its promisor remote, and a user's protocol.<name>.allow beats protocol.allow.
    # Forbidding every transport makes such a fetch fail instead of reaching a server.
    "-c", "protocol.file.allow=never",
    "-c", "protocol.git.allow=never",
    "-c", "protocol.ssh.allow=never",
    "-c", "protocol.http.allow=never",
    "-c", "protocol.https.allow=never",
    "-c", "protocol.ext.allow=never",
)  # fmt: skip

#: Variables git exports to hooks that falguard keeps on purpose: a hook runs against the
#: index and repository git chose (``git commit -a`` uses a temporary GIT_INDEX_FILE).
_KEPT_GIT_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_QUARANTINE_PATH",
        "GIT_CEILING_DIRECTORIES",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_SYSTEM",
        "HOME",
    }
)


#: Kept variables that name a directory: git reads a relative one against the directory it
#: starts in, which is not always falguard's (commands run at the top level), so they are
#: made absolute first. A relative GIT_INDEX_FILE is left alone: git reads it against the
#: top level of the working tree, wherever it starts.
_KEPT_PATH_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")


def _config_without_hooks_path() -> tuple[str, ...]:
    pairs = zip(SAFE_CONFIG[::2], SAFE_CONFIG[1::2], strict=False)
    return tuple(part for flag, value in pairs if not value.startswith("core.hooksPath=") for part in (flag, value))


def git_environment(keep_hook_variables: bool = True) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") or (keep_hook_variables and key in _KEPT_GIT_VARIABLES)
    }
    for key in _KEPT_PATH_VARIABLES:
        if env.get(key) and not os.path.isabs(env[key]):
            env[key] = os.path.abspath(env[key])
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_NO_LAZY_FETCH="1",  # a partial clone must not fetch missing objects (git >= 2.44)
        GIT_NO_REPLACE_OBJECTS="1",
        LC_ALL="C",
    )
    return env


#: What to do about git errors a user can meet when scanning someone else's repository.
_ADVICE = (
    ("from promisor remote", "falguard never fetches missing objects: fetch them first or scan a full clone"),
    (
        "dubious ownership",
        "the repository belongs to another user; if you trust it, see `git config --global --add safe.directory`",
    ),
    ("index.lock", "another git process holds the index lock; retry when it has finished"),
    ("unknown revision", "name a branch, tag or commit this repository has: see `git branch -a` and `git tag`"),
    *(
        (symptom, "the repository may be corrupt: run `git fsck`")
        for symptom in ("inflate:", "unable to read", "unable to unpack", "is corrupt", "loose object")
    ),
)


def _first_line(data: bytes) -> str:
    """git's first error line (the one that says what failed), with advice when falguard has some."""
    text = data.decode("utf-8", "replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith("fatal:")]  # why git stopped
    errors = [line for line in lines if line.startswith("error:")]
    first = (fatal or errors or lines or ["git failed"])[0]
    advice = [hint for needle, hint in _ADVICE if needle in first]
    return f"{first} ({advice[0]})" if advice else first


def _subcommand(args: Sequence[str]) -> str:
    """The git command in ``args``, past any leading ``-c name=value`` pairs."""
    index = 0
    while index + 1 < len(args) and args[index] == "-c":
        index += 2
    return args[index] if index < len(args) else "git"


def run(
    args: Sequence[str],
    cwd: str | os.PathLike[str],
    *,
    stdin: bytes | None = None,
    ok_codes: Iterable[int] = (0,),
    read_hooks_path: bool = False,
) -> bytes:
    """Run git with the safety settings and return stdout; raise GitError on failure.

    ``read_hooks_path`` drops the ``core.hooksPath`` override, for the one caller that must
    see the repository's own setting (``falguard install``); no hook runs either way, since
    falguard never runs a git command that runs hooks.
    """
    config = _config_without_hooks_path() if read_hooks_path else SAFE_CONFIG
    command = ["git", *config, *args]
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            env=git_environment(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode not in tuple(ok_codes):
        raise GitError(f"git {_subcommand(args)}: {_first_line(proc.stderr)}")
    return proc.stdout


class Started:
    """A git command started now and read later, so that git works while falguard does
    something else (the pre-commit hook has git compute its patch while the scanner loads).
    :meth:`output` waits for it and returns or raises what :func:`run` would."""

    def __init__(self, args: Sequence[str], cwd: str | os.PathLike[str], *, ok_codes: Iterable[int] = (0,)) -> None:
        self._args = list(args)
        self._ok_codes = tuple(ok_codes)
        self._proc = popen(args, cwd, stdin=subprocess.DEVNULL)

    def output(self) -> bytes:
        stdout, stderr = self._proc.communicate()
        if self._proc.returncode not in self._ok_codes:
            raise GitError(f"git {_subcommand(self._args)}: {_first_line(stderr)}")
        return stdout


def popen(args: Sequence[str], cwd: str | os.PathLike[str], *, stdin: int = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Start git with the safety settings for streaming (``cat-file --batch``), or with
    ``stdin=subprocess.DEVNULL`` for a command read later (:class:`Started`)."""
    try:
        return subprocess.Popen(
            ["git", *SAFE_CONFIG, *args],
            cwd=cwd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=git_environment(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None


def split_z(data: bytes) -> list[bytes]:
    return [item for item in data.split(b"\0") if item]


class Repo(Value):
    """A repository as git sees it from some directory inside it."""

    __slots__ = ("git_dir", "toplevel", "common_dir")
    git_dir: Path
    toplevel: Path | None  # None for a bare repository
    common_dir: Path

    def __init__(self, git_dir: Path, toplevel: Path | None, common_dir: Path) -> None:
        _set(self, "git_dir", git_dir)
        _set(self, "toplevel", toplevel)
        _set(self, "common_dir", common_dir)

    @property
    def bare(self) -> bool:
        return self.toplevel is None

    @property
    def cwd(self) -> Path:
        return self.toplevel if self.toplevel is not None else self.git_dir


_WHERE = ("rev-parse", "--absolute-git-dir", "--git-common-dir", "--is-bare-repository", "--is-inside-work-tree")


def find_repo(path: str | os.PathLike[str]) -> Repo | None:
    """The repository containing ``path`` (a directory), or None outside any repository.

    One git call in a work tree (where the hooks run); a bare repository or a directory
    inside ``.git`` has no top level, which git refuses to show, so it takes a second one.
    """
    try:
        try:
            out = run([*_WHERE, "--show-toplevel"], path)
        except GitError as error:
            if "must be run in a work tree" not in str(error):
                raise
            out = run(_WHERE, path)
    except GitError as error:
        if "not a git repository" in str(error):
            return None
        raise
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    git_dir = Path(lines[0])
    common = Path(lines[1])
    if not common.is_absolute():
        common = (Path(path) / common).resolve()
    toplevel = "\n".join(lines[4:]).rstrip("\n")  # the last answer (a path may hold a newline)
    if lines[2] == "true" or lines[3] != "true" or not toplevel:  # bare, or inside a .git directory
        return Repo(git_dir=git_dir, toplevel=None, common_dir=common)
    return Repo(git_dir=git_dir, toplevel=Path(toplevel), common_dir=common)


def repo_of_path(path: str | os.PathLike[str]) -> Repo | None:
    """The repository a file or directory belongs to (None outside any, or for a missing path)."""
    target = Path(path)
    start = target if target.is_dir() else target.parent
    return find_repo(start) if start.exists() else None


_LS_IGNORED = ("ls-files", "-z", "--others", "--ignored", "--exclude-standard")


def ls_files(repo: Repo, pathspecs: Sequence[str] = (), *, ignored: bool = False) -> list[bytes]:
    """Tracked files plus untracked files git does not ignore; with ``ignored``, only ignored ones."""
    if ignored:
        args = list(_LS_IGNORED)
    else:
        args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"]
    return split_z(run([*args, "--", *pathspecs], repo.cwd))


def is_ignored(repo: Repo, path: str) -> bool:
    """Whether git would ignore ``path`` (relative to the top level; it need not exist).
    A tracked file is never ignored."""
    out = run(
        ["check-ignore", "-z", "--stdin"],
        repo.cwd,
        stdin=path.encode("utf-8", "surrogateescape") + b"\0",
        ok_codes=(0, 1),
    )
    return bool(split_z(out))


#: Options for every patch falguard parses: no external diff or textconv program runs, the
#: output does not depend on the user's diff configuration, and line numbers are exact.
PATCH_OPTIONS: tuple[str, ...] = (
    "-p",
    "-U0",
    "--full-index",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-relative",
    "--submodule=short",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--ignore-submodules=none",
)

_HEX = frozenset("0123456789abcdef")


def is_object_name(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


def is_null_object(text: str) -> bool:
    return is_object_name(text) and set(text) == {"0"}


def staged_patch(repo: Repo, against: str | None = None) -> bytes:
    """The patch from ``against`` (default HEAD, or nothing before the first commit) to the index.

    Renames are detected (every blob is local), so a file moved unchanged adds nothing.
    The index is the one git chose: a hook run by ``git commit -a`` or ``git commit <path>``
    sees the temporary index through the kept ``GIT_INDEX_FILE``.
    """
    return run(_staged_patch_args(against), repo.cwd)


def start_staged_patch(repo: Repo) -> Started:
    """:func:`staged_patch` against HEAD, started now and read later."""
    return Started(_staged_patch_args(None), repo.cwd)


def _staged_patch_args(against: str | None) -> list[str]:
    args = ["diff", "--cached", *PATCH_OPTIONS, "-M"]
    if against is not None:
        args += ["--end-of-options", against]
    return [*args, "--"]


def merge_heads(repo: Repo) -> list[str]:
    """The other parents of a merge in progress (empty when no merge is in progress)."""
    try:
        text = (repo.git_dir / "MERGE_HEAD").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if is_object_name(line.strip())]


def resolve_commit(repo: Repo, revision: str) -> str | None:
    """The full object name of the commit ``revision`` names, or None when there is none."""
    out = run(["rev-parse", "--verify", "-q", "--end-of-options", f"{revision}^{{commit}}"], repo.cwd, ok_codes=(0, 1))
    name = out.decode("ascii", "replace").strip()
    return name if is_object_name(name) else None


def has_head(repo: Repo) -> bool:
    return resolve_commit(repo, "HEAD") is not None


def commits_patch(repo: Repo, tips: Sequence[str], exclude: Sequence[str], *, exclude_remotes: bool) -> bytes:
    """Patches of the commits reachable from ``tips`` and from none of ``exclude``.

    Every commit starts with a line holding a NUL and its object name. No rename detection
    (it reads blobs and stops at the first missing one): a moved file counts as new. Merges are shown as
    dense combined diffs: only what the merge itself adds to every parent. ``tips`` and
    ``exclude`` must be full object names (see :func:`resolve_commit`).
    """
    for name in (*tips, *exclude):
        if not is_object_name(name):
            raise GitError(f"not a commit object name: {name!r}")
    args = ["log", *PATCH_OPTIONS, "--no-renames", "--cc", "--root", "--format=%x00%H"]
    if exclude_remotes:
        args += ["--not", "--remotes", "--not"]
    args += ["--end-of-options", *tips, *(f"^{name}" for name in exclude)]
    return run([*args, "--"], repo.cwd)


def hooks_dir(repo: Repo) -> Path:
    """Where git looks for this repository's hooks: ``core.hooksPath`` if set, else the
    common directory's ``hooks`` (shared by every linked worktree)."""
    out = run(["rev-parse", "--git-path", "hooks"], repo.cwd, read_hooks_path=True)
    path = Path(os.fsdecode(out.rstrip(b"\n")))
    return path if path.is_absolute() else (repo.cwd / path)


__all__ = [
    "PATCH_OPTIONS",
    "Repo",
    "SAFE_CONFIG",
    "Started",
    "commits_patch",
    "find_repo",
    "git_environment",
    "has_head",
    "hooks_dir",
    "is_ignored",
    "is_null_object",
    "is_object_name",
    "ls_files",
    "merge_heads",
    "popen",
    "repo_of_path",
    "resolve_commit",
    "run",
    "split_z",
    "staged_patch",
    "start_staged_patch",
]
