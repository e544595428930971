"""Objects, the index and configuration: cat-file readers, index entries and listings, config values, rm --cached."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from falguard.errors import GitError
from falguard.git import (  # the core: every command line's safety settings
    _LS_IGNORED,
    Repo,
    Started,
    _first_line,
    is_object_name,
    popen,
    run,
    split_z,
)
from falguard.models import Value, _set


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
        self._ask(name)
        self._send()
        return self._answer()

    def read_each(self, names: Iterable[str], ahead: int = 32) -> Iterator[bytes | None]:
        """What :meth:`read` gives for each of ``names``, in order. Up to ``ahead`` requests
        go out before their answers are read, so git looks up the next objects while the
        caller works on this one instead of waiting for every request in turn (a few
        kilobytes of requests at most: no pipe fills up and blocks either side)."""
        pending = iter(names)
        asked = 0
        while True:
            while asked < ahead and (name := next(pending, None)) is not None:
                self._ask(name)
                asked += 1
            if not asked:
                return
            self._send()
            asked -= 1
            yield self._answer()

    def _ask(self, name: str) -> None:
        assert self._proc.stdin is not None
        if not is_object_name(name):
            raise GitError(f"not an object name: {name!r}")
        try:
            self._proc.stdin.write(name.encode("ascii") + b"\n")
        except BrokenPipeError:
            raise GitError(f"git cat-file: {self._stderr()}") from None

    def _send(self) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise GitError(f"git cat-file: {self._stderr()}") from None

    def _answer(self) -> bytes | None:
        assert self._proc.stdout is not None
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
    return _last_value(run(["config", "-z", kind, "--get", name], repo.cwd, ok_codes=(0, 1)))


def config_values(repo: Repo, *wanted: tuple[str, str]) -> list[str | None]:
    """Several values as :func:`_config` reads each one (``(kind, name)``, ``kind`` --bool or
    --path), with one git command in the common case (see :class:`StartedValues`)."""
    return StartedValues(repo, *wanted).output()


#: How git spells a boolean in words (any letter case); a number, or a value with no ``=``, is
#: left to git itself.
_TRUE, _FALSE = frozenset({"true", "yes", "on"}), frozenset({"false", "no", "off", ""})
#: Path values git rewrites in ways left to git itself (``~user``, ``%(prefix)/``,
#: ``:(optional)``); ``~`` and ``~/...`` are the home directory, as git expands them.
_REWRITTEN_PATHS = ("~", "%(prefix)/", ":(optional)")


class StartedValues:
    """:func:`config_values`' answer, from one ``git config --get-regexp`` for every name,
    started now and read later. Each name's last value is typed here when its text leaves no
    doubt (a boolean word, a path git does not rewrite); any other value, or a failure, is
    asked of git again the way :func:`_config` asks, so every answer and error is git's own."""

    def __init__(self, repo: Repo, *wanted: tuple[str, str]) -> None:
        self._repo, self._wanted = repo, wanted
        names = "|".join(name.lower().replace(".", r"\.") for _, name in wanted)
        self._started = Started(["config", "-z", "--get-regexp", f"^({names})$"], repo.cwd, ok_codes=(0, 1))

    def output(self) -> list[str | None]:
        try:
            out = self._started.output()
        except GitError:
            out = None
        last: dict[str, bytes | None] = {}
        for record in split_z(out or b""):
            key, newline, value = record.partition(b"\n")
            last[key.decode("utf-8", "surrogateescape")] = value if newline else None
        values = []
        for kind, name in self._wanted:
            if out is None or name.lower() not in last:
                values.append(None if out is not None else _config(self._repo, kind, name))
                continue
            raw = last[name.lower()]
            text = None if raw is None else raw.decode("utf-8", "surrogateescape")
            values.append(_typed(kind, text) or _config(self._repo, kind, name))
        return values


def _typed(kind: str, text: str | None) -> str | None:
    """What ``git config <kind>`` prints for ``text``, when that is certain without git; else None."""
    if text is None:
        return None
    if kind == "--bool":
        return "true" if text.lower() in _TRUE else "false" if text.lower() in _FALSE else None
    if kind == "--path":
        home = os.environ.get("HOME")  # git's own environment keeps HOME
        if home is not None and (text == "~" or text.startswith("~/")):
            return home + text[1:] or None
        return None if text.startswith(_REWRITTEN_PATHS) or not text else text
    return None


def _last_value(out: bytes) -> str | None:
    values = split_z(out)
    return values[-1].decode("utf-8", "surrogateescape") if values else None


def config_bool(repo: Repo, name: str) -> bool | None:
    value = _config(repo, "--bool", name)
    return None if value is None else value == "true"


def config_path(repo: Repo, name: str) -> str | None:
    """A pathname setting with ``~`` expanded by git (``core.excludesFile``)."""
    return _config(repo, "--path", name)


def listed_files(repo: Repo, pathspecs: Sequence[str] = ()) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Everything :func:`ls_files` lists, with and without ``ignored``, from two git commands
    running at the same time: the tracked files (or staged to be), the untracked files git
    does not ignore, and the untracked files it ignores."""
    return StartedListing(repo, pathspecs).output()


class StartedListing:
    """:func:`listed_files`' two git commands, started now and read later."""

    def __init__(self, repo: Repo, pathspecs: Sequence[str] = ()) -> None:
        self._ignored = Started([*_LS_IGNORED, "--", *pathspecs], repo.cwd)
        args = ["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard", "--deduplicate"]
        self._listed = Started([*args, "--", *pathspecs], repo.cwd)

    def output(self) -> tuple[list[bytes], list[bytes], list[bytes]]:
        tracked: list[bytes] = []
        untracked: list[bytes] = []
        for record in split_z(self._listed.output()):
            tag, path = record[:2], record[2:]  # "H ", "S ", "M " (unmerged) for the index, "? " for the rest
            (untracked if tag == b"? " else tracked).append(path)
        return tracked, untracked, split_z(self._ignored.output())


class IndexEntry(Value):
    __slots__ = ("mode", "oid", "stage", "path")
    mode: str
    oid: str
    stage: int
    path: bytes

    def __init__(self, mode: str, oid: str, stage: int, path: bytes) -> None:
        _set(self, "mode", mode)
        _set(self, "oid", oid)
        _set(self, "stage", stage)
        _set(self, "path", path)


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
        from falguard.git.history import is_partial_clone

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
