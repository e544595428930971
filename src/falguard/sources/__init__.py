"""Sources turn an input (working tree, index, pushed commits, history, stdin, a deployed
site) into content with its origin.

Each source is a :class:`Source`: it yields :class:`Item` values and records what it could
not read in the scan's :class:`~falguard.models.Summary`, so a scan is never silently
partial. Sources know nothing of detection, analysis or reporting (see pipeline.py).

May import the shared values, :mod:`falguard.git`, :mod:`falguard.detection` (the prefilter),
:mod:`falguard.expand` (content kinds), :mod:`falguard.envhygiene` (env file names) and the
browser registry (served directories); never the scans, reports or the CLI.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Container, Iterator
from typing import TYPE_CHECKING, Protocol

from falguard.config import DEFAULT_MAX_FILE_SIZE
from falguard.expand.imagekind import image_kind
from falguard.expand.magic import container_kind
from falguard.models import Origin, Summary, Value, _set

if TYPE_CHECKING:
    from falguard.expand.encoded import Scanned

__all__ = [
    "DEFAULT_MAX_FILE_SIZE", "Exclusion", "Item", "Source", "accept", "display_path", "read_regular_file", "text_content",
]  # fmt: skip

#: A file whose first 8 KiB hold a NUL byte is binary (as git decides it).
BINARY_SNIFF = 8192

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Item(Value):
    """One piece of content to scan, with where it came from."""

    __slots__ = ("origin", "content", "added", "oid", "kind", "first_line", "scanned")
    _CACHES = ("scanned",)
    origin: Origin
    content: bytes
    added: Container[int] | None  # a change: only findings on these lines are new
    oid: str | None  # the git object it was read from (history)
    kind: str  # file | blob | commit | tag
    first_line: int  # the line number of its first line (a block of a longer stream)
    #: Its finders' hits and whether it holds base64 of an anchor, when the source made that
    #: pass as it read the content (:class:`falguard.expand.encoded.Prescan`); not compared,
    #: and not carried by :meth:`replace` (a copy's content may differ).
    scanned: Scanned | None

    def __init__(
        self,
        origin: Origin,
        content: bytes,
        added: Container[int] | None = None,
        oid: str | None = None,
        kind: str = "file",
        first_line: int = 1,
    ) -> None:
        _set(self, "origin", origin)
        _set(self, "content", content)
        _set(self, "added", added)
        _set(self, "oid", oid)
        _set(self, "kind", kind)
        _set(self, "first_line", first_line)
        _set(self, "scanned", None)


#: Paths the configuration excludes (gitignore semantics): a source may skip them unread.
Exclusion = Callable[[str], bool]


class Source(Protocol):
    """An input: yields items, counting in ``summary`` what it skipped or could not read."""

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]: ...


def text_content(data: bytes) -> bytes | None:
    """The bytes to scan, or None for binary content.

    UTF-16 text (a BOM, then NULs everywhere) is re-encoded as UTF-8, so a Windows editor's
    ``.env`` is scanned rather than dismissed as binary.
    """
    if data.startswith(_UTF16_BOMS):
        encoding = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        return data[2:].decode(encoding, "replace").encode("utf-8")
    if b"\0" in data[:BINARY_SNIFF]:
        return None
    return data


def accept(data: bytes, origin: Origin, summary: Summary, max_size: int) -> Item | None:
    """Apply the size and binary checks every source shares, counting what is skipped
    (binary content is skipped unless it is a container the pipeline opens or an image it
    reads the text of)."""
    if len(data) > max_size:
        summary.skipped_large += 1
        summary.skipped_paths.append(f"{origin.path} (larger than {max_size} bytes)")
        return None
    content = text_content(data)
    if content is None:
        if container_kind(data) is None and image_kind(data) is None:
            summary.skipped_binary += 1
            return None
        content = data  # an archive, a database or an image: the pipeline looks inside (expand/)
    summary.files_scanned += 1
    summary.bytes_scanned += len(data)
    return Item(origin, content)


def display_path(raw: bytes) -> str:
    """A path git printed, as text: undecodable bytes survive as escapes, never crash."""
    return raw.decode("utf-8", "backslashreplace")


def read_regular_file(fs_path: str | bytes, display: str, summary: Summary, max_size: int) -> bytes | None:
    """Read a regular file without following symlinks or blocking on FIFOs and devices.

    Returns None for anything not scanned, after counting it in the summary: unreadable
    files are listed, special files counted; a file that vanished is simply gone.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(fs_path, flags)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None  # a submodule or a directory given by git: nothing to read here
    except OSError as error:
        if os.path.islink(fs_path):
            summary.skipped_other += 1  # a symlink: its target is scanned where it lives
            return None
        summary.unreadable.append(f"{display}: {error.strerror or error}")
        return None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return None
        if not stat.S_ISREG(info.st_mode):
            summary.skipped_other += 1
            summary.skipped_paths.append(f"{display} (not a regular file)")
            return None
        if info.st_size > max_size:
            summary.skipped_large += 1
            summary.skipped_paths.append(f"{display} (larger than {max_size} bytes)")
            return None
        chunks = []
        remaining = max_size + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as error:
        summary.unreadable.append(f"{display}: {error.strerror or error}")
        return None
    finally:
        os.close(fd)
