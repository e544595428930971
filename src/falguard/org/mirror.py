"""Bare mirrors of the audited repositories, kept in falguard's cache and only ever fetched.

A mirror lives at ``<cache>/mirrors/<hash of its URL>.git``. It is cloned into a temporary
directory and renamed into place, so an interrupted clone leaves nothing half-made; a lock
file keeps two falguard runs from fetching into the same mirror at once. Before a mirror
is fetched, its configuration is checked to hold only what ``git clone --mirror`` wrote for
that URL: a cache someone else tampered with is refused, never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from falguard.errors import GitError
from falguard.git import mirror as git_mirror

#: What ``git clone --mirror`` writes into a mirror's configuration (per platform), and nothing else.
_EXPECTED_SETTINGS = frozenset(
    {
        "core.repositoryformatversion", "core.filemode", "core.bare", "core.ignorecase",
        "core.precomposeunicode", "core.symlinks", "core.logallrefupdates", "extensions.objectformat",
        "remote.origin.url", "remote.origin.fetch", "remote.origin.mirror",
    }
)  # fmt: skip


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/falguard``, else ``~/.cache/falguard``."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "falguard"


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def mirror_path(cache: Path, url: str) -> Path:
    return cache / "mirrors" / f"{url_key(url)}.git"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (a lock file beside the mirror), held for the block."""
    import fcntl

    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def check_mirror(mirror: Path, url: str) -> None:
    """Refuse a mirror that is not a plain directory whose configuration is exactly what
    ``git clone --mirror`` of ``url`` wrote (no alternates, no setting that runs a program)."""
    if mirror.is_symlink() or not (mirror / "config").is_file() or (mirror / "config").is_symlink():
        raise GitError(f"the cached mirror {mirror} is not a mirror falguard made; delete it to clone again")
    if (mirror / "objects" / "info" / "alternates").exists():
        raise GitError(f"the cached mirror {mirror} borrows objects from elsewhere; delete it to clone again")
    settings = git_mirror.mirror_settings(mirror)
    unexpected = sorted({name for name, _ in settings} - _EXPECTED_SETTINGS)
    if unexpected:
        raise GitError(
            f"the cached mirror {mirror} has settings falguard did not write ({', '.join(unexpected)}); "
            "delete it to clone again"
        )
    if dict(settings).get("remote.origin.url") != url:
        raise GitError(f"the cached mirror {mirror} is a mirror of another URL; delete it to clone again")


def update_mirror(cache: Path, url: str, extra_env: dict[str, str] | None = None) -> tuple[Path, bool]:
    """The up-to-date mirror of ``url`` in ``cache`` and whether it was cloned just now."""
    mirror = mirror_path(cache, url)
    mirror.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(mirror.with_suffix(".lock")):
        if mirror.exists() or mirror.is_symlink():
            check_mirror(mirror, url)
            git_mirror.fetch_mirror(mirror, url, extra_env)
            return mirror, False
        staging = Path(tempfile.mkdtemp(prefix=f".{mirror.stem}-", dir=mirror.parent))
        try:
            git_mirror.clone_mirror(url, staging / "mirror.git", extra_env)
            os.replace(staging / "mirror.git", mirror)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return mirror, True
