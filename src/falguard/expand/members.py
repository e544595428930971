"""Reading the members of a container (see :mod:`falguard.expand.archives`, which imports
this module only when an item is one, so a scan of plain text never loads zipfile or tarfile).

Documents are containers too: an office document's XML parts are read as the text a reader
sees (:mod:`falguard.expand.documents`), a PDF's pages as their text layer, ``doc.pdf!/page/3``
(:mod:`falguard.expand.pdf`), and a page with no text but images goes to the OCR step when
it is installed (:mod:`falguard.expand.pictures`)."""

from __future__ import annotations

import gzip
import io
import posixpath
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from falguard.expand import MEMBER_SEP, pdf
from falguard.expand.documents import document_kind, is_text_part, xml_text
from falguard.expand.imagekind import image_kind
from falguard.expand.magic import GZIP, PDF, SQLITE, TAR, ZIP, container_kind
from falguard.expand.pictures import read_or_count
from falguard.models import Summary
from falguard.sources import text_content

if TYPE_CHECKING:
    from falguard.expand.archives import Limits

#: What reading an archive may raise when it is corrupt, truncated or of a kind not supported.
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, zlib.error, gzip.BadGzipFile,
               EOFError, OSError, ValueError, NotImplementedError, RuntimeError)  # fmt: skip

#: Bytes that end a text run in a database: anything but printable ASCII and tabs.
_NOT_TEXT = re.compile(rb"[^\t\x20-\x7e]+")
_GZIP_SUFFIXES = (".tgz", ".gz", ".gzip")


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class _Budget:
    members: int
    bytes: int
    notes: int = 10  # skipped members named in the summary


@dataclass(frozen=True)
class Context:
    """One top-level item's expansion: where to count, the limits, what is left of them."""

    summary: Summary
    limits: Limits
    budget: _Budget = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", _Budget(self.limits.members, self.limits.total_bytes))


def expand(data: bytes, label: str, context: Context) -> Iterator[tuple[str, bytes]]:
    """(label, text) of every text member of the container ``data`` is, at every depth."""
    return _expand(data, label, 1, context)


def _expand(data: bytes, label: str, depth: int, context: Context) -> Iterator[tuple[str, bytes]]:
    """(label, text) of ``data`` when it is text, or of every text member of the container it is."""
    summary = context.summary
    kind = container_kind(data)
    if kind is None:
        text = text_content(data) if image_kind(data) is None else data  # an image: read by the image step
        if text is None:
            summary.skipped_binary += 1
            return
        summary.members_scanned += depth > 1
        yield label, text
        return
    if depth > context.limits.depth:
        summary.members_too_deep += 1
        _note(context, f"{label} (archive nested deeper than {context.limits.depth})")
        return
    summary.containers_opened += 1
    if kind == SQLITE:
        summary.members_scanned += 1
        yield label, database_text(data)
        return
    if kind == PDF:  # its own text runs (title, link targets, form values), then its pages
        yield label, database_text(data)
        yield from _pdf_pages(data, label, depth, context)
        return
    try:
        for name, member in _members(kind, data, label, context):
            yield from _expand(member, name, depth + 1, context)
    except _UNREADABLE as error:
        summary.members_unreadable += 1
        summary.unreadable.append(f"{label}: {kind} archive could not be read ({_reason(error)})")


def database_text(data: bytes) -> bytes:
    """The text runs of a binary database or a PDF, one per line (line N of a finding is its Nth run)."""
    return _NOT_TEXT.sub(b"\n", data)


def _members(kind: str, data: bytes, label: str, context: Context) -> Iterator[tuple[str, bytes]]:
    if kind == ZIP:
        return _zip_members(data, label, context)
    if kind == TAR:
        return _tar_members(data, label, context)
    assert kind == GZIP
    return _gzip_member(data, label, context)


def _zip_members(data: bytes, label: str, context: Context) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        document = document_kind({info.filename for info in entries})
        for index, info in enumerate(entries):
            name = _member_label(label, info.filename)
            if not _admit(name, info.file_size, len(entries) - index, context):
                if context.budget.members <= 0:
                    return
                continue
            if info.flag_bits & 0x1:
                context.summary.members_unreadable += 1
                context.summary.unreadable.append(f"{name}: encrypted archive member")
                continue
            try:
                with archive.open(info) as stream:
                    member = _capped(stream, name, context)
            except _UNREADABLE as error:
                context.summary.members_unreadable += 1
                context.summary.unreadable.append(f"{name}: could not be read ({_reason(error)})")
                continue
            if member is not None:
                yield name, _document_text(member) if document and is_text_part(info.filename) else member


def _document_text(part: bytes) -> bytes:
    """An office document's XML part as its text, or as it is when it is no well-formed XML."""
    text = xml_text(part)
    return part if text is None else text


def _pdf_pages(data: bytes, label: str, depth: int, context: Context) -> Iterator[tuple[str, bytes]]:
    """(label, text) of each page of a PDF: its text layer, or what OCR reads from a page that
    has none but images (counted as not read without OCR)."""
    summary = context.summary
    try:
        for page in pdf.pages(data):
            name = f"{label}{MEMBER_SEP}page/{page.number}"
            if not _admit(name, len(page.text), page.count - page.number + 1, context):
                if context.budget.members <= 0:
                    return
                continue
            context.budget.bytes -= len(page.text)
            text = page.text if page.picture is None else read_or_count(page.picture, name, summary)
            if text and text.strip():
                yield from _expand(text, name, depth + 1, context)
    except pdf.PdfUnavailable as error:
        summary.members_unreadable += 1
        summary.unreadable.append(f"{label}: PDF not read (its reader, pypdfium2, is not installed: {error})")
    except pdf.UNREADABLE as error:
        summary.members_unreadable += 1
        summary.unreadable.append(f"{label}: PDF could not be read ({_reason(error)})")


def _tar_members(data: bytes, label: str, context: Context) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for info in archive:
            if not info.isfile():
                continue  # directories, links, devices: nothing to read
            name = _member_label(label, info.name)
            if not _admit(name, info.size, 1, context):
                if context.budget.members <= 0:
                    return
                continue
            stream = archive.extractfile(info)
            member = _capped(stream, name, context) if stream is not None else None
            if member is not None:
                yield name, member


def _gzip_member(data: bytes, label: str, context: Context) -> Iterator[tuple[str, bytes]]:
    """A gzip stream's content; a gzipped tar (``.tar.gz``, ``.tgz``) stands for its members."""
    inner = _inner_name(label)
    if not _admit(inner, 0, 1, context):
        return
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        member = _capped(stream, inner, context)
    if member is None:
        return
    if container_kind(member) == TAR:
        context.budget.members += 1  # the tar is not a member of its own: its files are
        yield from _tar_members(member, label, context)
        return
    yield inner, member


def _admit(name: str, size: int, remaining: int, context: Context) -> bool:
    """Whether one more member, of declared ``size``, fits the limits (counted when it does not)."""
    summary, budget, limits = context.summary, context.budget, context.limits
    if budget.members <= 0:
        summary.members_too_many += remaining
        _note(context, f"{name} (and what follows: more than {limits.members} archive members)")
        return False
    budget.members -= 1
    if size > min(limits.member_bytes, budget.bytes):
        _too_large(name, context)
        return False
    return True


def _capped(stream: _Readable, name: str, context: Context) -> bytes | None:
    """A member's bytes, decompressed up to its cap and never further (None past the cap)."""
    cap = min(context.limits.member_bytes, context.budget.bytes)
    data = stream.read(cap + 1)
    context.budget.bytes -= min(len(data), cap)
    if len(data) > cap:
        _too_large(name, context)
        return None
    return data


def _too_large(name: str, context: Context) -> None:
    context.summary.members_too_large += 1
    limits = context.limits
    if context.budget.bytes < limits.member_bytes:
        _note(context, f"{name} (past the {limits.total_bytes} bytes one archive may decompress)")
    else:
        _note(context, f"{name} (archive member larger than {limits.member_bytes} bytes decompressed)")


def _note(context: Context, note: str) -> None:
    """A skipped member in ``skipped_paths``: the first few of each top-level item (the
    counts say how many in all), so a hostile archive cannot fill the report."""
    context.budget.notes -= 1
    if context.budget.notes >= 0:
        context.summary.skipped_paths.append(note)


def _member_label(label: str, name: str) -> str:
    """``archive!/name``, the name shown as text (never a path anything is written to)."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)
    return f"{label}{MEMBER_SEP}{shown}"


def _inner_name(label: str) -> str:
    base = posixpath.basename(label.rpartition(MEMBER_SEP)[2])
    for suffix in _GZIP_SUFFIXES:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
            break
    return f"{label}{MEMBER_SEP}{base}"


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__
