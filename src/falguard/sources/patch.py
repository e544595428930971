"""Reading git patches: which files a change writes, and which of their lines it adds.

Pure: bytes in, values out. Understands the patches :mod:`falguard.git` asks for
(``-U0 --full-index``, prefixes ``a/`` and ``b/``, renames named by ``rename to``), both two-way sections
(``diff --git``) and dense combined sections for merges (``diff --cc``), in which a line is
added only when it is new relative to every parent. ``git log`` output is split into commits
on the lines that start with a NUL (``--format=%x00%H``): a content line never can, since
every one starts with ``+``, ``-`` or a space.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from falguard.models import Value, _set

_C_ESCAPES = {
    ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13,
    ord('"'): ord('"'), ord("\\"): ord("\\"),
}  # fmt: skip

REGULAR_MODES = frozenset({"100644", "100755", "100664"})
GITLINK_MODE = "160000"
SYMLINK_MODE = "120000"


class AddedLines(Value):
    """Line numbers (from 1) a change adds to a file; ``everything`` when git gave no line
    detail (a file git calls binary: falguard may still read it as text, UTF-16 for one)."""

    __slots__ = ("lines", "everything")
    lines: frozenset[int]
    everything: bool

    def __init__(self, lines: frozenset[int] = frozenset(), everything: bool = False) -> None:
        _set(self, "lines", lines)
        _set(self, "everything", everything)

    def __contains__(self, line: object) -> bool:
        return self.everything or line in self.lines

    def __bool__(self) -> bool:
        return self.everything or bool(self.lines)

    def __and__(self, other: AddedLines) -> AddedLines:
        if self.everything:
            return other
        if other.everything:
            return self
        return AddedLines(self.lines & other.lines)


class FileChange(Value):
    """One file as a change leaves it."""

    __slots__ = ("path", "new_oid", "new_mode", "added", "created")
    path: bytes
    new_oid: str | None  # None when the change deletes the file
    new_mode: str | None
    added: AddedLines
    created: bool

    def __init__(
        self, path: bytes, new_oid: str | None, new_mode: str | None, added: AddedLines, created: bool = False
    ) -> None:
        _set(self, "path", path)
        _set(self, "new_oid", new_oid)
        _set(self, "new_mode", new_mode)
        _set(self, "added", added)
        _set(self, "created", created)

    @property
    def deleted(self) -> bool:
        return self.new_oid is None


class _Section:
    """One file's part of a patch, filled in while it is read (a builder, not a value: a
    plain class, which costs the hook's start-up nothing to define)."""

    __slots__ = ("path", "parents", "new_oid", "new_mode", "deleted", "created", "binary", "lines")

    def __init__(self, path: bytes, parents: int) -> None:
        self.path, self.parents = path, parents
        self.new_oid: str | None = None
        self.new_mode: str | None = None
        self.deleted = self.created = self.binary = False
        self.lines: set[int] = set()

    def finish(self) -> FileChange:
        gone = self.deleted or self.new_oid is None or set(self.new_oid) == {"0"}
        return FileChange(
            path=self.path,
            new_oid=None if gone else self.new_oid,
            new_mode=None if gone else self.new_mode,
            added=AddedLines(everything=True) if self.binary else AddedLines(frozenset(self.lines)),
            created=self.created,
        )


def unquote_c(text: bytes) -> bytes:
    """Undo git's C-style quoting of a path (``"a\\tb\\303\\251"``); unquoted text is returned as is."""
    if len(text) < 2 or not (text.startswith(b'"') and text.endswith(b'"')):
        return text
    body, out, i = text[1:-1], bytearray(), 0
    while i < len(body):
        byte = body[i]
        if byte != ord("\\") or i + 1 >= len(body):
            out.append(byte)
            i += 1
            continue
        escape = body[i + 1]
        if escape in _C_ESCAPES:
            out.append(_C_ESCAPES[escape])
            i += 2
        elif body[i + 1 : i + 4].isdigit():
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(escape)
            i += 2
    return bytes(out)


def _quoted_prefix(text: bytes) -> tuple[bytes, bytes]:
    """Split a leading C-quoted token from the rest."""
    i = 1
    while i < len(text):
        if text[i] == ord("\\"):
            i += 2
            continue
        if text[i] == ord('"'):
            return text[: i + 1], text[i + 1 :]
        i += 1
    return text, b""


def header_path(line: bytes) -> tuple[bytes, int] | None:
    """The path and parent count of a section header, or None if ``line`` is not one."""
    if line.startswith(b"diff --cc "):
        return unquote_c(line[len(b"diff --cc ") :]), 2
    if not line.startswith(b"diff --git "):
        return None
    rest = line[len(b"diff --git ") :]
    if rest.startswith(b'"'):
        first, _ = _quoted_prefix(rest)
        name = unquote_c(first)
    else:
        # both names are the same unless renamed (then "rename to" names it): "a/<path> b/<path>"
        name = rest[: (len(rest) - 1) // 2]
    return (name[2:] if name.startswith(b"a/") else name), 1


def _hunk_start(line: bytes) -> tuple[int, int] | None:
    """(first line in the result, parent count) from ``@@ -a,b +c,d @@`` or ``@@@ ... @@@``."""
    marks = len(line) - len(line.lstrip(b"@"))
    if marks < 2:
        return None
    for token in line[marks:].split():
        if token.startswith(b"+"):
            number = token[1:].split(b",")[0]
            return (int(number), marks - 1) if number.isdigit() else None
        if token.startswith(b"@"):
            break
    return None


def _read_extended_header(section: _Section, line: bytes) -> None:
    if line.startswith(b"new file mode "):
        section.created = True
        section.new_mode = line.split()[-1].decode("ascii", "replace")
    elif line.startswith(b"deleted file mode "):
        section.deleted = True
    elif line.startswith(b"new mode "):
        section.new_mode = line.split()[-1].decode("ascii", "replace")
    elif line.startswith(b"mode ") and b".." in line:  # combined: "mode a,b..c"
        section.new_mode = line.split(b"..")[-1].strip().decode("ascii", "replace")
    elif line.startswith(b"index ") and b".." in line:
        after = line[len(b"index ") :].split(b"..", 1)[1].split()
        section.new_oid = after[0].decode("ascii", "replace")
        if len(after) > 1:
            section.new_mode = after[1].decode("ascii", "replace")
    elif line.startswith((b"rename to ", b"copy to ")):
        section.path = unquote_c(line.split(b" to ", 1)[1])
    elif line.startswith((b"Binary files ", b"GIT binary patch")):
        section.binary = True


def parse_patch(patch: bytes) -> list[FileChange]:
    """Every file section of one change's patch, in order."""
    return [change for _, change in _sections(patch.split(b"\n"))]


def parse_log(output: bytes) -> Iterator[tuple[str, list[FileChange]]]:
    """(commit, its file changes) for each commit of ``git log --format=%x00%H -p`` output."""
    commit: str | None = None
    lines: list[bytes] = []
    for line in output.split(b"\n"):
        if line.startswith(b"\0"):
            if commit is not None:
                yield commit, parse_patch(b"\n".join(lines))
            commit, lines = line[1:].decode("ascii", "replace").strip(), []
        else:
            lines.append(line)
    if commit is not None:
        yield commit, parse_patch(b"\n".join(lines))


def _sections(lines: Iterable[bytes]) -> Iterator[tuple[int, FileChange]]:
    section: _Section | None = None
    in_hunk = False
    result_line = 0
    index = 0
    for line in lines:
        header = header_path(line)
        if header is not None:
            if section is not None:
                yield index, section.finish()
                index += 1
            section = _Section(path=header[0], parents=header[1])
            in_hunk = False
            continue
        if section is None:
            continue
        if line.startswith(b"@@"):
            start = _hunk_start(line)
            if start is not None:
                result_line, section.parents = start
                in_hunk = True
                continue
        if in_hunk and line[:1] in (b"+", b"-", b" "):
            columns = line[: section.parents]
            if b"-" in columns:
                continue  # a line only a parent had
            if columns == b"+" * section.parents:
                section.lines.add(result_line)
            result_line += 1
            continue
        if in_hunk and line.startswith(b"\\"):
            continue  # "\ No newline at end of file"
        in_hunk = False
        _read_extended_header(section, line)
    if section is not None:
        yield index, section.finish()


def intersect(per_parent: list[list[FileChange]]) -> list[FileChange]:
    """Changes a merge makes relative to every parent: files changed against each parent,
    lines added against each parent. A file only one parent lacks came from the other."""
    if not per_parent:
        return []
    first, *others = per_parent
    by_path = [{change.path: change for change in changes} for changes in others]
    merged: list[FileChange] = []
    for change in first:
        matches = [paths.get(change.path) for paths in by_path]
        if any(match is None for match in matches):
            continue
        added = change.added
        for match in matches:
            assert match is not None
            added = added & match.added
        merged.append(FileChange(change.path, change.new_oid, change.new_mode, added, change.created))
    return merged
