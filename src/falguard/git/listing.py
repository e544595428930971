"""The working tree's file listing, with the directories git could not open.

``git ls-files --others`` skips a directory it cannot open with only a warning on stderr
("could not open directory 'x/': Permission denied") and exits 0; :func:`ls_files_and_unreadable`
returns those directories too, so a scan counts and names them as it does unreadable files.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

from falguard.errors import GitError
from falguard.git import Repo, popen, split_z

_UNOPENED = re.compile(rb"^warning: could not open directory '(.+)': (.+)$", re.MULTILINE)


def unopened_directories(stderr: bytes) -> list[tuple[bytes, str]]:
    """The directories git's warnings say it could not open, each with the reason."""
    return [(m.group(1), m.group(2).decode("utf-8", "replace").strip()) for m in _UNOPENED.finditer(stderr)]


def ls_files_and_unreadable(repo: Repo, pathspecs: Sequence[str] = ()) -> tuple[list[bytes], list[tuple[bytes, str]]]:
    """Tracked files plus untracked files git does not ignore (as :func:`falguard.git.ls_files`),
    and the directories it skipped because it could not open them."""
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate", "--", *pathspecs]
    proc = popen(args, repo.cwd, stdin=subprocess.DEVNULL)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        first = next((line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()), "failed")
        raise GitError(f"git ls-files: {first.strip()}")
    return split_z(stdout), unopened_directories(stderr)
