"""Counts that say what happened: secrets, not lines; one file, not '1 files'."""

from __future__ import annotations

import random
from pathlib import Path

from tests.helpers import ignoring_env, write
from tests.keys import fake_key_id_secret


def test_replacements_count_secrets_not_expressions(repo: Path, tmp_path: Path, falguard) -> None:
    ignoring_env(repo)
    first, second = (fake_key_id_secret(random.Random(n)) for n in (1, 2))
    write(repo, "a.py", f"A = '{first}'\nB = '{second}'\nC = '{first}'\n")
    target = tmp_path / "replacements.txt"
    run = falguard("scan", "--write-replacements", str(target), cwd=repo)
    assert f"wrote 2 secrets to {target} (4 expressions, with URL-encoded forms)" in run.err
    assert len(target.read_text().splitlines()) == 4


def test_one_excluded_file_is_one_file(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "vendor/x.py", "x = 1\n")
    write(repo, ".falguard.toml", 'exclude = ["vendor/"]\n')
    assert "1 file excluded by configuration" in falguard("scan", cwd=repo).out
