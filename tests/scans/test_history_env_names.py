"""A history scan names every env file falguard recognises, not only those called ``.env*``."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import commit_all, write
from tests.keys import fake_key_id_secret


@pytest.mark.parametrize("path", ["worker/.dev.vars", "app/.streamlit/secrets.toml", ".dev.vars.staging"])
def test_history_reports_a_committed_env_file_of_another_name_with_its_key(
    repo: Path, falguard: Any, path: str
) -> None:
    key = fake_key_id_secret(random.Random(7))
    write(repo, path, f'FAL_KEY="{key}"\n')
    first = commit_all(repo, "add settings")
    (repo / path).unlink()
    commit_all(repo, "remove settings")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    tracked = [f for f in run.json["findings"] if f["rule"] == "env-tracked"]
    assert [(f["path"], f["severity"], f["commit"]) for f in tracked] == [(path, "critical", first)]
