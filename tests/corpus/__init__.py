"""A detection corpus: the shapes real fal credentials take in public code, and the decoys
people write next to them, each a small case of our own in that shape.

A case is a file name, a content template and the expected result: the rule that must
report it at (at least) a severity, or ``None`` for a decoy (nothing high or critical may be
reported on it, by any rule). Templates hold placeholders only, filled at run time with
fresh fake values (``tests/keys.py``), so no key-shaped literal is committed:

- ``{uuid}``, ``{hex32}``, ``{token}``, ``{FAL}``: as in the rules' examples;
- ``{b64key}``: base64 of ``{uuid}:{hex32}`` (the same values);
- ``{zero_uuid}``, ``{zero_hex32}``, ``{seq_uuid}``, ``{seq_hex32}``: test keys people write.

A case may be put in a container (``zip``, ``tar``, ``tgz``, ``gz``) or a SQLite database
(``sqlite``), built at run time around the filled content.

``known_missing`` marks what falguard does not detect yet because the work is on another
branch (split literals, base64 decoding, archives): such a case is reported, never failed;
when it starts being found the summary says so, and the flag can be flipped.

Run ``python -m tests.corpus`` for the figures; tests/test_corpus.py checks them.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.keys import fake_hex32, fake_token, fake_uuid

SEVERITIES = ("low", "medium", "high", "critical")
CONTAINERS = ("zip", "tar", "tgz", "gz", "sqlite")
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


@dataclass(frozen=True)
class Case:
    """One file of the corpus and what falguard should say about it."""

    name: str  # unique, a short slug: the directory the file is written under
    path: str  # the file's name inside that directory (an archive's name when ``container``)
    template: str
    rule: str | None = None  # None: a decoy, nothing high or critical may be reported
    severity: str = "critical"
    container: str | None = None
    member: str = ""  # the file's name inside the container
    known_missing: str = ""  # why it is not found yet (the branch that adds it)
    shape: str = ""  # where the shape was seen (language, context), for the reader

    @property
    def positive(self) -> bool:
        return self.rule is not None


@dataclass(frozen=True)
class Outcome:
    case: Case
    findings: tuple[tuple[str, str, str], ...]  # (rule, severity, path) reported on the case's file

    @property
    def found(self) -> bool:
        case = self.case
        least = SEVERITIES.index(case.severity)
        return any(rule == case.rule and SEVERITIES.index(sev) >= least for rule, sev, _ in self.findings)

    @property
    def noisy(self) -> tuple[tuple[str, str, str], ...]:
        """High or critical findings on a decoy."""
        if self.case.positive:
            return ()
        return tuple(f for f in self.findings if SEVERITIES.index(f[1]) >= SEVERITIES.index("high"))


@dataclass(frozen=True)
class Figures:
    outcomes: tuple[Outcome, ...]

    @property
    def positives(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.positive]

    @property
    def decoys(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.positive]

    @property
    def found(self) -> list[Outcome]:
        return [o for o in self.positives if o.found]

    @property
    def missed(self) -> list[Outcome]:
        """Missed and expected to be found: regressions."""
        return [o for o in self.positives if not o.found and not o.case.known_missing]

    @property
    def missed_known(self) -> list[Outcome]:
        return [o for o in self.positives if not o.found and o.case.known_missing]

    @property
    def newly_found(self) -> list[Outcome]:
        """Marked known-missing, found now: flip the flag."""
        return [o for o in self.positives if o.found and o.case.known_missing]

    @property
    def false_positives(self) -> list[Outcome]:
        return [o for o in self.decoys if o.noisy]

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.positives) if self.positives else 1.0

    def summary(self) -> str:
        lines = [
            f"corpus: {len(self.outcomes)} cases ({len(self.positives)} with a key, {len(self.decoys)} decoys)",
            f"found: {len(self.found)}/{len(self.positives)} (recall {self.recall:.1%})",
            f"high/critical false positives: {len(self.false_positives)}/{len(self.decoys)}",
        ]
        for outcome in self.missed:
            lines.append(f"  MISSED {outcome.case.name}: expected {outcome.case.rule} {outcome.case.severity}")
        for outcome in self.missed_known:
            lines.append(f"  missed (known: {outcome.case.known_missing}) {outcome.case.name}")
        for outcome in self.newly_found:
            lines.append(f"  FOUND NOW {outcome.case.name}: clear its known_missing flag")
        for outcome in self.false_positives:
            noise = ", ".join(f"{rule} {sev} {path}" for rule, sev, path in outcome.noisy)
            lines.append(f"  FALSE POSITIVE {outcome.case.name}: {noise}")
        return "\n".join(lines)


# --- filling and writing ---------------------------------------------------------------------


def fill(template: str, rng: random.Random) -> str:
    """The template with fresh fake values (one of each per case, so halves pair up)."""
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    values = {
        "{FAL}": "FAL",
        "{b64key}": base64.b64encode(f"{key_id}:{secret}".encode()).decode(),
        "{zero_uuid}": "-".join("0" * n for n in (8, 4, 4, 4, 12)),
        "{zero_hex32}": "0" * 32,
        "{seq_uuid}": "12345678-1234-4234-8234-123456789abc",
        "{seq_hex32}": "0123456789abcdef" * 2,
        "{uuid}": key_id,
        "{hex32}": secret,
        "{token}": fake_token(rng),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


def contained(case: Case, content: bytes) -> bytes:
    """``content`` as the case's file holds it: plain, or inside its container."""
    if case.container is None:
        return content
    member = case.member or "file"
    buffer = io.BytesIO()
    if case.container == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, content)
    elif case.container in ("tar", "tgz"):
        with tarfile.open(fileobj=buffer, mode="w:gz" if case.container == "tgz" else "w") as archive:
            info = tarfile.TarInfo(member)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    elif case.container == "gz":
        buffer.write(gzip.compress(content, mtime=0))
    elif case.container == "sqlite":
        return _sqlite_with(content)
    else:
        raise ValueError(f"unknown container {case.container!r}")
    return buffer.getvalue()


def _sqlite_with(content: bytes) -> bytes:
    """A SQLite database (as Wrangler's local state commits them) with ``content`` in a row."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "state.sqlite"
        db = sqlite3.connect(path)
        try:
            db.execute("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT INTO settings VALUES (?, ?)", ("env", content.decode()))
            db.commit()
        finally:
            db.close()
        return path.read_bytes()


def write_corpus(root: Path, cases: Iterable[Case], seed: int = 0) -> None:
    """Every case under ``root/cases/<name>/``, committed to a fresh git repository."""
    rng = random.Random(seed)
    for case in cases:
        target = root / "cases" / case.name / case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(contained(case, fill(case.template, rng).encode()))
    env = {**os.environ, **GIT_ENV}
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=corpus", "-c", "user.email=corpus@example.com", "commit", "-q", "-m", "corpus"],
    ):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def scan(root: Path, history: bool = False) -> list[dict[str, str]]:
    """falguard's findings on the corpus, as a user runs it (JSON): a working-tree scan, or
    with ``history`` a scan of the corpus repository's history (its one commit)."""
    where = ["--history"] if history else ["."]
    proc = subprocess.run(
        [sys.executable, "-m", "falguard", "scan", "--format", "json", "--no-baseline", *where],
        cwd=root,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"falguard exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    findings: list[dict[str, str]] = json.loads(proc.stdout)["findings"]
    return findings


def outcomes(cases: Sequence[Case], findings: Iterable[dict[str, str]]) -> Figures:
    by_case: dict[str, list[tuple[str, str, str]]] = {case.name: [] for case in cases}
    for finding in findings:
        parts = finding["path"].split("/", 2)
        if len(parts) == 3 and parts[0] == "cases" and parts[1] in by_case:
            by_case[parts[1]].append((finding["rule"], finding["severity"], parts[2]))
    return Figures(tuple(Outcome(case, tuple(by_case[case.name])) for case in cases))


def measure(cases: Sequence[Case] | None = None, seed: int = 0, history: bool = False) -> Figures:
    from tests.corpus.cases import CASES

    chosen = CASES if cases is None else cases
    names = [case.name for case in chosen]
    if len(names) != len(set(names)):
        raise ValueError("case names must be unique")
    with tempfile.TemporaryDirectory(prefix="falguard-corpus-") as scratch:
        root = Path(scratch)
        write_corpus(root, chosen, seed)
        return outcomes(chosen, scan(root, history))
