"""Archives and databases built at run time with the standard library, holding fake keys."""

from __future__ import annotations

import gzip
import io
import sqlite3
import tarfile
import zipfile
from pathlib import Path

MB = 1024 * 1024


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_of(members: dict[str, bytes | str], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def nested_zip(depth: int, name: str, data: str) -> bytes:
    """``depth`` zips one inside the other, the innermost holding ``name``."""
    archive = zip_of({name: data})
    for level in range(depth - 1, 0, -1):
        archive = zip_of({f"level{level}.zip": archive})
    return archive


def database(path: Path, values: list[str]) -> bytes:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE settings (id INTEGER PRIMARY KEY, value TEXT)")
        connection.executemany("INSERT INTO settings (value) VALUES (?)", [(value,) for value in values])
    connection.close()
    return path.read_bytes()


def zip_bomb(megabytes: int) -> bytes:
    """One member of ``megabytes`` of zeros, deflated (about a thousandth of the size)."""
    buffer = io.BytesIO()
    zeros = bytes(MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.bin", "w") as member:
        for _ in range(megabytes):
            member.write(zeros)
    return buffer.getvalue()


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of ``megabytes`` of zeros: one compressed megabyte, repeated (gzip members
    concatenated are one stream), so building it costs nothing."""
    return gzip.compress(bytes(MB)) * megabytes
