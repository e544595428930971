"""The one file falguard writes plaintext secrets into, on request: git filter-repo's
``--replace-text`` expressions, to purge keys from history after they were rotated.

``git filter-repo --replace-text`` replaces literal text, so the file lists every text a
key is written as in the content: the key as found, the other spellings its rule knows (a
key id and secret URL-encoded in a query string), and the ways detection saw it written
where the content does not hold it as such: the secret half of a key joined from pieces
(``"<key_id>" + ":" + "<secret>"``; each longer piece of it when the secret half is split
too), and a base64 value that decodes to a key, exactly as it is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from falguard.detection.facts import Finding
from falguard.errors import InputError
from falguard.models import Secret
from falguard.output import write_atomic
from falguard.rules import written_forms

REPLACEMENT = "***FAL-KEY-REMOVED***"
WARNING = (
    "falguard: {path} holds the plaintext keys (mode 0600). Rotate them first, run "
    "`git filter-repo --replace-text {path}`, then delete the file."
)
#: The shortest piece of a split secret half listed on its own: a shorter literal could be
#: anything else in the repository, and filter-repo replaces it everywhere.
MIN_PIECE = 8
_HEX_RUN = re.compile(rf"[0-9a-fA-F]{{{MIN_PIECE},}}")
#: What each kind of form is called in the message, in the order it names them.
_KINDS = {
    "url": "URL-encoded forms",
    "pieces": "secret halves of keys written in pieces",
    "base64": "base64 values as written",
}


def distinct_secrets(findings: Iterable[Finding]) -> set[str]:
    return {finding.secret.reveal() for finding in findings if finding.secret.sensitive}


def purge_forms(findings: Iterable[Finding]) -> tuple[dict[str, str], int]:
    """Every text a purge must replace, with its kind: ``found`` (the secret itself),
    ``url`` (another spelling its rule knows), ``pieces`` or ``base64`` (how the content
    was seen to write it); and how many keys it cannot cover whole (split into pieces too
    short to list). Texts with a line break cannot be a filter-repo literal."""
    forms: dict[str, str] = {}
    partial: set[Secret] = set()
    for finding in findings:
        if not finding.secret.sensitive:
            continue
        secret = finding.secret.reveal()
        for form in written_forms(secret):
            forms.setdefault(form, "found" if form == secret else "url")
        for kind, text in finding.secret.spellings:
            listed, whole = _spelled(secret, kind, text.reveal())
            forms.update((form, forms.get(form, kind)) for form in listed)
            if not whole:
                partial.add(finding.secret)
    usable = {form: kind for form, kind in forms.items() if "\n" not in form and "\r" not in form}
    return usable, len(partial)


def _spelled(secret: str, kind: str, text: str) -> tuple[list[str], bool]:
    """The literals that purge ``secret`` where the content wrote it as ``text``, and
    whether they cover all of it."""
    if kind == "base64":
        return [text], True
    half = secret.partition(":")[2] or secret
    if half in text:
        return [half], True
    pieces = [run for run in _HEX_RUN.findall(text) if run in half]
    if not pieces:  # no piece in the expression: a literal it names holds the half
        return [half], True
    return pieces, "".join(pieces) == half


def replacement_lines(forms: Iterable[str]) -> list[str]:
    """One ``literal:<form>==>replacement`` line per distinct form, sorted."""
    return [f"literal:{form}==>{REPLACEMENT}" for form in sorted(set(forms))]


@dataclass(frozen=True)
class Written:
    """What a replacements file covers: distinct secrets, expressions (one per form) and
    the kinds of forms beyond the secrets as found."""

    secrets: int
    expressions: int
    kinds: tuple[str, ...] = ()
    partial: int = 0  # keys split into pieces too short to list

    def message(self, target: str) -> str:
        """``wrote 2 secrets to FILE (5 expressions, with URL-encoded forms and ...)``."""
        said = f"wrote {self.secrets} secret{'s' if self.secrets != 1 else ''} to {target}"
        if self.expressions != self.secrets:
            names = [_KINDS[kind] for kind in _KINDS if kind in self.kinds]
            listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
            said += f" ({self.expressions} expressions" + (f", with {listed})" if listed else ")")
        if self.partial:
            keys = f"{self.partial} key{' is' if self.partial == 1 else 's are'}"
            said += (
                f"; {keys} split into pieces shorter than {MIN_PIECE} characters, which it does not "
                "list: rewrite the commits that hold them by hand"
            )
        return said


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


def write_replacements(target: str, findings: Iterable[Finding], protected: Iterable[Path]) -> Written:
    """Write the expressions file with mode 0600; say how many distinct secrets it covers,
    how many expressions it holds and which kinds of forms besides the secrets."""
    check_outside(Path(target), protected)
    findings = list(findings)
    forms, partial = purge_forms(findings)
    lines = replacement_lines(forms)
    write_atomic(target, "".join(line + "\n" for line in lines), mode=0o600)
    os.chmod(target, 0o600)
    secrets = len({secret for secret in distinct_secrets(findings) if "\n" not in secret})
    kinds = tuple(sorted({kind for kind in forms.values() if kind != "found"}))
    return Written(secrets, len(lines), kinds, partial)
