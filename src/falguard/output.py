"""Writing reports: atomically, so a killed run never leaves half a file for CI to upload."""

from __future__ import annotations

import contextlib
import os
import tempfile

from falguard.errors import InputError


def write_atomic(path: str, text: str, *, mode: int = 0o644) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"cannot write {path}: directory {directory} does not exist")
    try:
        fd, temporary = tempfile.mkstemp(prefix=".falguard-", suffix=".tmp", dir=directory)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror}") from None
    try:
        # a stray undecodable name must never lose the report: it is written escaped
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise InputError(f"cannot write {path}: {error.strerror}") from None
        raise


def stdout_failed(error: OSError) -> InputError:
    """The error for a report standard output did not take; after a broken pipe, standard
    output is pointed at the null device, or the interpreter's last flush fails again."""
    import sys

    if isinstance(error, BrokenPipeError) and sys.stdout is not None:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return InputError(f"cannot write the report to standard output: {error.strerror or error}")
