"""Recall and false positives over the detection corpus (tests/corpus): every case through a
real working-tree scan of a real repository, as a user runs it."""

from __future__ import annotations

import gzip
import io
import random
import sqlite3
import tarfile
import zipfile
from pathlib import Path

import pytest

from falguard.detection.detect import detect
from falguard.models import Origin
from tests.corpus import Case, Figures, contained, fill, measure
from tests.corpus.cases import CASES

#: Measured 2026-12-01 on branch corpus: 73 of 89 cases with a key, in the working tree and in
#: history (the 16 missed: split literals, base64, archives); after those merged on main the
#: same day: 89 of 89 in the working tree, 88 of 89 in history (the one marked known_missing).
#: A floor: raise it, never lower it.
RECALL_FLOOR = 0.98


@pytest.fixture(scope="module", params=[(0, False), (1, True)], ids=["worktree", "history"])
def figures(request: pytest.FixtureRequest) -> Figures:
    seed, history = request.param
    result = measure(seed=seed, history=history)
    print(f"\n[seed {seed}, {'history' if history else 'working tree'}]\n{result.summary()}")
    return result


def test_no_decoy_raises_a_high_or_critical_finding(figures: Figures) -> None:
    assert [o.case.name for o in figures.false_positives] == [], figures.summary()


def test_every_case_not_marked_known_missing_is_found(figures: Figures) -> None:
    assert [o.case.name for o in figures.missed] == [], figures.summary()


def test_recall_stays_above_its_floor(figures: Figures) -> None:
    assert figures.recall >= RECALL_FLOOR, figures.summary()


def test_the_corpus_has_both_kinds_and_every_kind_of_file() -> None:
    positives = [case for case in CASES if case.positive]
    assert len(positives) >= 60 and len(CASES) - len(positives) >= 30
    assert len({case.name for case in CASES}) == len(CASES)
    suffixes = {case.path.rsplit(".", 1)[-1] for case in CASES}
    assert {"py", "ts", "js", "go", "ipynb", "yml", "yaml", "tf", "toml", "md", "json", "zip"} <= suffixes


def test_no_template_holds_a_key_shaped_literal() -> None:
    for case in CASES:
        assert not [f for f in detect(case.template.encode(), Origin(case.path)) if f.secret.sensitive], case.name


def test_containers_hold_the_filled_content(tmp_path: Path) -> None:
    content = fill("FAL_KEY={uuid}:{hex32}\n", random.Random(1)).encode()
    assert b"{" not in content
    zipped = contained(Case("z", "a.zip", "", container="zip", member="x/.env"), content)
    assert zipfile.ZipFile(io.BytesIO(zipped)).read("x/.env") == content
    tarred = contained(Case("t", "a.tgz", "", container="tgz", member="x/.env"), content)
    with tarfile.open(fileobj=io.BytesIO(tarred)) as archive:
        member = archive.extractfile("x/.env")
        assert member is not None and member.read() == content
    assert gzip.decompress(contained(Case("g", "a.gz", "", container="gz"), content)) == content
    path = tmp_path / "db.sqlite"
    path.write_bytes(contained(Case("s", "db.sqlite", "", container="sqlite"), content))
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM settings").fetchone() == (content.decode(),)
    db.close()
