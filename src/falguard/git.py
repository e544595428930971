"""The only module that runs git.

Every call goes through :func:`run`, which applies falguard's safety settings in one place:
configuration that could make git run a program from an untrusted repository is overridden
on the command line, optional locks are never taken, nothing prompts, nothing pages, and
git's own errors are raised, never swallowed. Output is read with ``-z`` and split on NUL.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from falguard.errors import GitError

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
    "-c", "protocol.allow=never",
    "-c", "gc.auto=0",
    "-c", "maintenance.auto=false",
    "-c", "fetch.recurseSubmodules=false",
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
    pairs = zip(SAFE_CONFIG[::2], SAFE_CONFIG[1::2])
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


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else "git failed"


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
        raise GitError(f"git {args[0]}: {_first_line(proc.stderr)}")
    return proc.stdout


def popen(args: Sequence[str], cwd: str | os.PathLike[str]) -> subprocess.Popen[bytes]:
    """Start git with the safety settings for streaming (``cat-file --batch``)."""
    try:
        return subprocess.Popen(
            ["git", *SAFE_CONFIG, *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=git_environment(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None


def split_z(data: bytes) -> list[bytes]:
    return [item for item in data.split(b"\0") if item]


@dataclass(frozen=True)
class Repo:
    """A repository as git sees it from some directory inside it."""

    git_dir: Path
    toplevel: Path | None  # None for a bare repository
    common_dir: Path

    @property
    def bare(self) -> bool:
        return self.toplevel is None

    @property
    def cwd(self) -> Path:
        return self.toplevel if self.toplevel is not None else self.git_dir


def find_repo(path: str | os.PathLike[str]) -> Repo | None:
    """The repository containing ``path`` (a directory), or None outside any repository."""
    try:
        out = run(
            ["rev-parse", "--absolute-git-dir", "--git-common-dir", "--is-bare-repository", "--show-toplevel"],
            path,
        )
    except GitError as error:
        if "not a git repository" in str(error):
            return None
        raise
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    git_dir = Path(lines[0])
    common = Path(lines[1])
    if not common.is_absolute():
        common = (Path(path) / common).resolve()
    if lines[2] == "true":
        return Repo(git_dir=git_dir, toplevel=None, common_dir=common)
    return Repo(git_dir=git_dir, toplevel=Path(lines[3]), common_dir=common)


def ls_files(repo: Repo, pathspecs: Sequence[str] = (), *, ignored: bool = False) -> list[bytes]:
    """Tracked files plus untracked files git does not ignore; with ``ignored``, only ignored ones."""
    if ignored:
        args = ["ls-files", "-z", "--others", "--ignored", "--exclude-standard"]
    else:
        args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"]
    return split_z(run([*args, "--", *pathspecs], repo.cwd))


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
    args = ["diff", "--cached", *PATCH_OPTIONS, "-M"]
    if against is not None:
        args += ["--end-of-options", against]
    return run([*args, "--"], repo.cwd)


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


class CatFile:
    """One ``git cat-file --batch`` process serving many blobs, one request at a time."""

    def __init__(self, repo: Repo) -> None:
        self._proc = popen(["cat-file", "--batch"], repo.cwd)
        self._closed = False
        self._error = ""

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, name: str) -> bytes | None:
        """The content of object ``name``, or None when the repository does not have it."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        if not is_object_name(name):
            raise GitError(f"not an object name: {name!r}")
        try:
            self._proc.stdin.write(name.encode("ascii") + b"\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise GitError(f"git cat-file: {self._stderr()}") from None
        header = self._proc.stdout.readline()
        if not header:
            raise GitError(f"git cat-file: {self._stderr()}")
        fields = header.split()
        if len(fields) == 2 and fields[1] == b"missing":
            return None
        if len(fields) != 3 or not fields[2].isdigit():
            raise GitError(f"git cat-file: unexpected reply {header[:80]!r}")
        size = int(fields[2])
        data = self._proc.stdout.read(size)
        self._proc.stdout.read(1)  # the newline after every object
        if len(data) != size:
            raise GitError(f"git cat-file: {self._stderr()}")
        return data

    def _stderr(self) -> str:
        self.close()
        return self._error or "git cat-file stopped"

    def close(self) -> None:
        """Stop the process (idempotent); keep its first error line for messages."""
        if self._closed:
            return
        self._closed = True
        assert self._proc.stdin is not None and self._proc.stdout is not None and self._proc.stderr is not None
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        self._proc.stdout.close()
        error = self._proc.stderr.read()
        self._proc.stderr.close()
        self._proc.wait()
        self._error = _first_line(error) if error.strip() else ""


def _config(repo: Repo, kind: str, name: str) -> str | None:
    """One configuration value as git reads it for ``repo`` (``kind``: --bool, --path), or None."""
    out = run(["config", "-z", kind, "--get", name], repo.cwd, ok_codes=(0, 1))
    values = split_z(out)
    return values[-1].decode("utf-8", "surrogateescape") if values else None


def config_bool(repo: Repo, name: str) -> bool | None:
    value = _config(repo, "--bool", name)
    return None if value is None else value == "true"


def config_path(repo: Repo, name: str) -> str | None:
    """A pathname setting with ``~`` expanded by git (``core.excludesFile``)."""
    return _config(repo, "--path", name)


@dataclass(frozen=True)
class IndexEntry:
    mode: str
    oid: str
    stage: int
    path: bytes


def index_entries(repo: Repo, pathspecs: Sequence[str] = ()) -> list[IndexEntry]:
    """Files in the index (tracked, or staged to be), with their blob ids."""
    entries = []
    for record in split_z(run(["ls-files", "-z", "--stage", "--", *pathspecs], repo.cwd)):
        info, _, path = record.partition(b"\t")
        mode, oid, stage = info.decode().split(" ")
        entries.append(IndexEntry(mode, oid, int(stage), path))
    return entries


def read_blobs(repo: Repo, oids: Sequence[str], max_size: int) -> dict[str, bytes]:
    """Contents of the given blobs no larger than ``max_size``; missing ones are left out."""
    if not oids:
        return {}
    request = "".join(f"{oid}\n" for oid in oids).encode()
    sizes: dict[str, int] = {}
    for line in run(["cat-file", "--batch-check"], repo.cwd, stdin=request).splitlines():
        fields = line.decode().split(" ")
        if len(fields) == 3 and fields[1] == "blob" and int(fields[2]) <= max_size:
            sizes[fields[0]] = int(fields[2])
    if not sizes:
        return {}
    wanted = list(sizes)
    out = run(["cat-file", "--batch"], repo.cwd, stdin="".join(f"{oid}\n" for oid in wanted).encode())
    blobs: dict[str, bytes] = {}
    offset = 0
    for oid in wanted:
        header_end = out.index(b"\n", offset)
        size = int(out[offset:header_end].split(b" ")[2])
        blobs[oid] = out[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
    return blobs


def rm_cached(repo: Repo, paths: Sequence[str]) -> None:
    """Stop tracking ``paths`` (exact paths, not patterns); the files stay on disk."""
    if paths:
        run(["rm", "--cached", "-q", "--", *(f":(literal){path}" for path in paths)], repo.cwd)
