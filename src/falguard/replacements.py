"""The one file falguard writes plaintext secrets into, on request: git filter-repo's
``--replace-text`` expressions, to purge keys from history after they were rotated."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from falguard.errors import InputError
from falguard.models import Finding
from falguard.output import write_atomic
from falguard.rules import written_forms

REPLACEMENT = "***FAL-KEY-REMOVED***"
WARNING = (
    "falguard: {path} holds the plaintext keys (mode 0600). Rotate them first, run "
    "`git filter-repo --replace-text {path}`, then delete the file."
)


def distinct_secrets(findings: Iterable[Finding]) -> set[str]:
    return {finding.secret.reveal() for finding in findings if finding.secret.sensitive}


def replacement_lines(findings: Iterable[Finding]) -> list[str]:
    """One ``literal:<secret>==>replacement`` line per distinct secret and form, sorted."""
    # a key may also sit in another spelling (an id:secret key URL-encoded in a query string)
    secrets = {form for secret in distinct_secrets(findings) for form in written_forms(secret)}
    return [f"literal:{secret}==>{REPLACEMENT}" for secret in sorted(secrets) if "\n" not in secret]


def protected_paths(paths: Iterable[str]) -> list[Path]:
    """The repositories (work tree and git directories) of the scanned paths: never written into."""
    from falguard import git

    protected: list[Path] = []
    for given in paths or (".",):
        repo = git.repo_of_path(given)
        if repo is not None:
            protected.extend(p for p in (repo.toplevel, repo.git_dir, repo.common_dir) if p is not None)
    return protected


def check_outside(target: Path, protected: Iterable[Path]) -> None:
    """Refuse a target inside a scanned repository, where it could be committed."""
    resolved = target.resolve()
    for root in protected:
        root = root.resolve()
        if resolved == root or root in resolved.parents:
            raise InputError(
                f"refusing to write plaintext keys inside the repository ({root}): "
                f"choose a path outside it, for example ../{target.name}"
            )


def write_replacements(target: str, findings: Iterable[Finding], protected: Iterable[Path]) -> tuple[int, int]:
    """Write the expressions file with mode 0600; return how many distinct secrets it covers
    and how many expressions (a key's URL-encoded form is one more) it holds."""
    check_outside(Path(target), protected)
    findings = list(findings)
    lines = replacement_lines(findings)
    write_atomic(target, "".join(line + "\n" for line in lines), mode=0o600)
    os.chmod(target, 0o600)
    return len({secret for secret in distinct_secrets(findings) if "\n" not in secret}), len(lines)
