"""The only module that runs git.

Every call goes through :func:`run`, which applies falguard's safety settings in one place:
configuration that could make git run a program from an untrusted repository is overridden
on the command line, optional locks are never taken, nothing prompts, nothing pages, and
git's own errors are raised, never swallowed. Output is read with ``-z`` and split on NUL.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
            ["rev-parse", "--absolute-git-dir", "--git-common-dir", "--is-bare-repository", "--is-inside-work-tree"],
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
    if lines[2] == "true" or lines[3] != "true":  # bare, or inside a .git directory
        return Repo(git_dir=git_dir, toplevel=None, common_dir=common)
    toplevel = run(["rev-parse", "--show-toplevel"], path).decode("utf-8", "surrogateescape").rstrip("\n")
    return Repo(git_dir=git_dir, toplevel=Path(toplevel), common_dir=common)


def repo_of_path(path: str | os.PathLike[str]) -> Repo | None:
    """The repository a file or directory belongs to (None outside any, or for a missing path)."""
    target = Path(path)
    start = target if target.is_dir() else target.parent
    return find_repo(start) if start.exists() else None


def ls_files(repo: Repo, pathspecs: Sequence[str] = (), *, ignored: bool = False) -> list[bytes]:
    """Tracked files plus untracked files git does not ignore; with ``ignored``, only ignored ones."""
    if ignored:
        args = ["ls-files", "-z", "--others", "--ignored", "--exclude-standard"]
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
    try:
        checked = run(["cat-file", "--batch-check"], repo.cwd, stdin=request)
    except GitError:
        if not is_partial_clone(repo):
            raise
        # cat-file asks the promisor remote for a missing object, which falguard forbids
        # (no transport is allowed), and dies: ask only for the objects that are here
        present = local_objects(repo, oids)
        request = "".join(f"{oid}\n" for oid in oids if oid in present).encode()
        checked = run(["cat-file", "--batch-check"], repo.cwd, stdin=request) if request else b""
    sizes: dict[str, int] = {}
    for line in checked.splitlines():
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


def filters_off(repo: Repo) -> tuple[str, ...]:
    """``-c`` settings that switch off every filter driver the repository configures.

    Read-only commands never convert working-tree content, but a command that writes the
    index (``git rm --cached``) re-hashes files whose timestamps look "racily clean", and that
    runs the path's clean filter (``filter.<driver>.clean`` or ``.process``) from the
    repository's own configuration. Emptied drivers are skipped by git; ``required=false``
    keeps it from refusing to work without them.
    """
    out = run(
        ["config", "-z", "--name-only", "--get-regexp", r"^filter\..*\.(clean|smudge|process|required)$"],
        repo.cwd,
        ok_codes=(0, 1),
    )
    drivers = {os.fsdecode(name)[len("filter.") :].rsplit(".", 1)[0] for name in split_z(out)}
    settings: list[str] = []
    for driver in sorted(drivers):
        if "=" in driver or "\n" in driver:  # `-c` splits at the first "=": no way to name it
            raise GitError(
                f"the repository configures a filter driver falguard cannot switch off ({driver!r}); not running git"
            )
        for variable, value in (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false")):
            settings += ["-c", f"filter.{driver}.{variable}={value}"]
    return tuple(settings)


def local_objects(repo: Repo, oids: Sequence[str]) -> set[str]:
    """Which of ``oids`` this repository has, asking no promisor remote for the others
    (``rev-list --missing=print`` never fetches; ``--ignore-missing`` drops absent names)."""
    request = "".join(f"{oid}\n" for oid in oids).encode()
    args = ["rev-list", "--objects", "--no-walk", "--missing=print", "--ignore-missing", "--stdin"]
    out = run(args, repo.cwd, stdin=request)
    return {line.split(" ", 1)[0] for line in out.decode("ascii", "replace").splitlines()} & set(oids)


def rm_cached(repo: Repo, paths: Sequence[str]) -> None:
    """Stop tracking ``paths`` (exact paths, not patterns); the files stay on disk.

    The one git command falguard runs that writes: it takes the index lock (and fails if
    another process holds it), runs no hook and no filter."""
    if paths:
        pathspecs = [f":(literal){path}" for path in paths]
        run([*filters_off(repo), "rm", "--cached", "-q", "--", *pathspecs], repo.cwd)


# --- history -------------------------------------------------------------------------------

#: What cat-file prints before each object: id, type, size, then whatever followed the id on
#: its input line (the path rev-list gave the object). A missing object: ``<input> missing``.
BATCH_FORMAT = "%(objectname) %(objecttype) %(objectsize) %(rest)"


def check_revisions(revisions: Sequence[str]) -> None:
    """Refuse revisions that git would read as options (``--output=...``)."""
    for revision in revisions:
        if not revision or revision.startswith("-"):
            raise GitError(f"not a revision or range: {revision!r}")


def is_shallow(repo: Repo) -> bool:
    return run(["rev-parse", "--is-shallow-repository"], repo.cwd).strip() == b"true"


def is_partial_clone(repo: Repo) -> bool:
    """True when objects may be missing on purpose (``clone --filter``): a promisor remote."""
    out = run(
        ["config", "-z", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"],
        repo.cwd,
        ok_codes=(0, 1),
    )
    for entry in split_z(out):
        name, _, value = entry.partition(b"\n")
        if name.lower() == b"extensions.partialclone" or value.strip().lower() in (b"true", b"yes", b"on", b"1"):
            return True
    return False


def stash_commits(repo: Repo) -> list[str]:
    """Every stash entry (``--all`` sees only the newest: the others live in the reflog)."""
    if not run(["for-each-ref", "--format=%(refname)", "refs/stash"], repo.cwd).strip():
        return []
    out = run(["log", "-g", "-z", "--format=%H", "refs/stash", "--"], repo.cwd)
    return [oid.decode().strip() for oid in split_z(out) if oid.strip()]


def _spool() -> IO[bytes]:
    """Where a long-running git writes its stderr: a file, so a full pipe never stalls it."""
    import tempfile

    return tempfile.TemporaryFile()


def _error_text(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    return stream.read()


class ObjectStream:
    """``git rev-list --objects | git cat-file --batch``: every reachable object once.

    Trees are filtered out by rev-list (they hold no content worth scanning), and so are
    commits other than those named (the filter keeps named objects): what comes out is the
    named commits and annotated tags, then every blob. With ``objects=False``, every commit
    instead (``git rev-list | git cat-file --batch``). Objects rev-list knows are missing (a
    partial clone) are listed as ``?<id>``, which cat-file answers with ``missing`` without
    trying to fetch them.

    With ``workers`` > 1, rev-list's list is split between that many cat-file processes
    (by path, so the versions of one file, which are deltas of each other, stay together)
    and git reads on every core; read each of :attr:`fds` to the end (from one thread each),
    then call :meth:`close`, which raises :class:`GitError` if any process failed.
    ``on_listed``, when given, is called with the number of objects listed once rev-list is
    done (the list is then relayed through this process, which buffers some of it).
    """

    def __init__(
        self,
        repo: Repo,
        revisions: Sequence[str],
        *,
        objects: bool = True,
        workers: int = 1,
        on_listed: Callable[[int], None] | None = None,
    ) -> None:
        import threading

        self._errors = [_spool() for _ in range(workers + 1)]
        env = git_environment()
        lister = ["git", *SAFE_CONFIG, "rev-list"]
        if objects:
            lister += ["--objects", "--filter=object:type=blob", "--missing=print"]
        reader = ["git", *SAFE_CONFIG, "cat-file", "--buffer", f"--batch={BATCH_FORMAT}"]
        relay = workers > 1 or on_listed is not None
        self._threads: list[threading.Thread] = []
        self.readers: list[subprocess.Popen[bytes]] = []
        try:
            self.lister = subprocess.Popen(
                [*lister, *revisions],
                cwd=repo.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._errors[0],
                env=env,
            )
            for index in range(workers):
                self.readers.append(
                    subprocess.Popen(
                        reader,
                        cwd=repo.cwd,
                        stdin=subprocess.PIPE if relay else self.lister.stdout,
                        stdout=subprocess.PIPE,
                        stderr=self._errors[index + 1],
                        env=env,
                    )
                )
        except FileNotFoundError:
            self.kill()
            raise GitError("git is not installed or not on PATH") from None
        assert self.lister.stdout is not None
        if relay:
            self._start_relay(on_listed)
        else:
            self.lister.stdout.close()  # cat-file holds the pipe now
        self.fds = [proc.stdout.fileno() for proc in self.readers if proc.stdout is not None]
        for fd in self.fds:
            _grow_pipe(fd)

    def _start_relay(self, on_listed: Callable[[int], None] | None) -> None:
        import queue
        import threading
        import zlib

        assert self.lister.stdout is not None
        source = self.lister.stdout.fileno()
        sinks = [proc.stdin for proc in self.readers]
        queues: list[queue.Queue[bytes]] = [queue.Queue(maxsize=256) for _ in sinks]
        count = len(sinks)

        def pull() -> None:
            listed = 0
            tail = b""
            try:
                while chunk := os.read(source, 1 << 16):
                    lines = (tail + chunk).split(b"\n")
                    tail = lines.pop()
                    listed += len(lines)
                    if count == 1:
                        queues[0].put(b"\n".join(lines) + b"\n" if lines else b"")
                        continue
                    routed: list[list[bytes]] = [[] for _ in range(count)]
                    for line in lines:
                        path = line[line.find(b" ") + 1 :] if b" " in line else line
                        routed[zlib.crc32(path) % count].append(line)
                    for index, group in enumerate(routed):
                        if group:
                            queues[index].put(b"\n".join(group) + b"\n")
                if tail:
                    listed += 1
                    queues[0].put(tail + b"\n")
            finally:
                for pending in queues:
                    pending.put(b"")
            if on_listed is not None:
                on_listed(listed)

        def push(pending: queue.Queue[bytes], sink: object) -> None:
            try:
                while chunk := pending.get():
                    sink.write(chunk)  # type: ignore[attr-defined]
            except OSError:
                pass
            finally:
                try:
                    sink.close()  # type: ignore[attr-defined]
                except OSError:
                    pass

        self._threads = [threading.Thread(target=pull, daemon=True)]
        self._threads += [
            threading.Thread(target=push, args=pair, daemon=True) for pair in zip(queues, sinks, strict=False)
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Wait for every process; raise GitError if one failed."""
        codes = []
        for proc in self.readers:
            if proc.stdout is not None:
                proc.stdout.close()
            codes.append(proc.wait())
        lister_code = self.lister.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.lister.stdout is not None and not self.lister.stdout.closed:
            self.lister.stdout.close()
        errors = [_error_text(stream) for stream in self._errors]
        for stream in self._errors:
            stream.close()
        if lister_code != 0:
            raise GitError(f"git rev-list: {_first_line(errors[0])}")
        for code, text in zip(codes, errors[1:], strict=False):
            if code != 0:
                raise GitError(f"git cat-file: {_first_line(text)}")

    def kill(self) -> None:
        for proc in [getattr(self, "lister", None), *self.readers]:
            if proc is None:
                continue
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for stream in self._errors:
            stream.close()


def _grow_pipe(fd: int) -> None:
    """A 1 MiB pipe lets git run further ahead of the scanner (Linux; ignored elsewhere)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


#: One commit in :func:`log_changes`' output: id, author, ISO date, commit time.
LOG_FORMAT = "%x01%H%x00%an <%ae>%x00%aI%x00%ct"


def log_changes(repo: Repo, revisions: Sequence[str]) -> subprocess.Popen[bytes]:
    """``git log --raw`` over ``revisions``, newest first, parents after children.

    No rename detection and no content reads (``--no-renames``): only trees are compared,
    so a missing blob in a partial clone is never needed. Merges are diffed against every
    parent (``-m``), so content that exists only in a merge shows up there.
    """
    args = [
        "log", "--raw", "-z", "--no-abbrev", "-m", "--root", "--no-renames", "--topo-order",
        "--no-ext-diff", "--no-textconv", f"--format={LOG_FORMAT}", *revisions, "--",
    ]  # fmt: skip
    try:
        return subprocess.Popen(
            ["git", *SAFE_CONFIG, *args],
            cwd=repo.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=_spool(),
            env=git_environment(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None


def finish(proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for a streaming git process started here; raise GitError if it failed."""
    if proc.stdout is not None:
        proc.stdout.close()
    code = proc.wait()
    errors = _error_text(proc.stderr) if proc.stderr is not None else b""
    if code != 0:
        raise GitError(f"git {what}: {_first_line(errors)}")


def head_blobs(repo: Repo) -> set[str]:
    """Blob ids in HEAD's tree (empty for an unborn HEAD)."""
    try:
        out = run(["ls-tree", "-r", "-z", "--full-tree", "HEAD"], repo.cwd)
    except GitError:
        if not run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], repo.cwd, ok_codes=(0, 1)).strip():
            return set()
        raise
    blobs = set()
    for entry in split_z(out):
        meta = entry.split(b"\t", 1)[0].split(b" ")
        if len(meta) == 3 and meta[1] == b"blob":
            blobs.add(meta[2].decode())
    return blobs


def refs_containing(repo: Repo, commits: Iterable[str]) -> list[str]:
    """Every ref from which one of ``commits`` is reachable."""
    contains = [f"--contains={commit}" for commit in commits]
    if not contains:
        return []
    out = run(["for-each-ref", "--format=%(refname)", *contains], repo.cwd)
    return [line for line in out.decode("utf-8", "surrogateescape").split("\n") if line]


def is_ancestor_of_head(repo: Repo, commit: str) -> bool:
    """True when ``commit`` is in HEAD's history (False for an unborn HEAD)."""
    out = run(["merge-base", "--end-of-options", commit, "HEAD"], repo.cwd, ok_codes=(0, 1, 128))
    return out.strip().decode() == commit


def ref_count(repo: Repo) -> int:
    """How many refs the repository has (branches, tags, remote-tracking refs, the stash, ...)."""
    return len(run(["for-each-ref", "--format=%(refname)"], repo.cwd).splitlines())


@dataclass(frozen=True)
class CommitInfo:
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


def blobs_at(repo: Repo, places: Sequence[tuple[str, str]], max_size: int) -> dict[tuple[str, str], bytes]:
    """Contents of ``path`` at ``commit`` for each ``(path, commit)`` (no larger than
    ``max_size``); missing, oversized and unnameable ones are left out."""
    named = [(path, commit) for path, commit in places if "\n" not in path]
    if not named:
        return {}
    request = "".join(f"{commit}:{path}\n" for path, commit in named).encode("utf-8", "surrogateescape")
    out = run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], repo.cwd, stdin=request)
    oids = {place: line.split(b" ")[0].decode() for place, line in zip(named, out.splitlines(), strict=False)}
    blobs = read_blobs(repo, sorted({oid for oid in oids.values() if len(oid) >= 40}), max_size)
    return {place: blobs[oid] for place, oid in oids.items() if oid in blobs}


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
