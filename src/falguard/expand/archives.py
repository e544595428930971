"""Containers opened in memory: zip, tar (plain or gzipped), gzip streams, and the text runs
of SQLite databases, each member scanned as a file of its own.

Everything is bounded so that hostile input costs at most the bounds: how deep archives
nest, how many members one top-level item may hold, how large one member may be and how
many bytes one item may decompress in all. Decompression streams with a cap (a member is
read to one byte past its cap, never further), so a zip bomb or a gzip bomb costs at most
the cap. Nothing is written to disk and member names are never trusted: ``../x`` or
``/etc/passwd`` are only labels in a finding's path. What is skipped is counted in the
summary, with why: too large, too deep, too many, or unreadable (a corrupt or encrypted
archive is "could not read", never a crash).
"""

from __future__ import annotations

from collections.abc import Iterator

from falguard.config import DEFAULT_MAX_FILE_SIZE
from falguard.expand.magic import container_kind
from falguard.models import Summary, Value, _set
from falguard.sources import Item


class Limits(Value):
    """How far one top-level item may be expanded."""

    __slots__ = ("depth", "members", "member_bytes", "total_bytes")
    depth: int  # archives inside archives: the top-level one is depth 1
    members: int  # members one top-level item may hold, at every depth together
    member_bytes: int  # one member's decompressed size
    total_bytes: int  # everything one top-level item decompresses

    TOTAL_BYTES = 256 * 1024 * 1024

    def __init__(
        self,
        depth: int = 3,
        members: int = 10_000,
        member_bytes: int = DEFAULT_MAX_FILE_SIZE,
        total_bytes: int = TOTAL_BYTES,
    ) -> None:
        _set(self, "depth", depth)
        _set(self, "members", members)
        _set(self, "member_bytes", member_bytes)
        _set(self, "total_bytes", total_bytes)

    @classmethod
    def for_max_size(cls, max_size: int) -> Limits:
        """Members as large as the scan's largest file, and at least that much in all."""
        return cls(member_bytes=max_size, total_bytes=max(max_size, cls.TOTAL_BYTES))


def is_container(data: bytes | bytearray) -> bool:
    return container_kind(data) is not None


def expanded(item: Item, summary: Summary, limits: Limits = Limits()) -> Iterator[Item]:
    """``item`` itself when it is no container; else an item for each text member inside it
    (archives nested up to ``limits.depth``), labelled ``path!/member``, counted in ``summary``."""
    if container_kind(item.content) is None:
        yield item
        return
    from falguard.expand.members import Context, expand  # zipfile, tarfile, gzip: only when needed

    origin = item.origin.replace(ignored_env=False)
    for label, text in expand(item.content, item.origin.path, Context(summary, limits)):
        yield item.replace(origin=origin.replace(path=label), content=text, added=None, first_line=1)
