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


def git_environment(keep_hook_variables: bool = True) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") or (keep_hook_variables and key in _KEPT_GIT_VARIABLES)
    }
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
) -> bytes:
    """Run git with the safety settings and return stdout; raise GitError on failure."""
    command = ["git", *SAFE_CONFIG, *args]
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
