"""A baseline hides what was reviewed, never that it exists."""

from __future__ import annotations

import random
from pathlib import Path

from tests.helpers import commit_all, ignoring_env, write
from tests.keys import fake_key_id_secret


def test_after_a_baseline_scan_and_audit_say_keys_are_accepted(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{fake_key_id_secret(random.Random(21))}'\n")
    commit_all(repo)
    assert falguard("baseline", "create", "--history", cwd=repo).code == 0
    scan = falguard("scan", cwd=repo)
    assert scan.code == 0
    assert "falguard: no new findings (1 baselined)" in scan.out and "no fal credentials found" not in scan.out
    audit = falguard("audit", cwd=repo)
    assert audit.code == 0
    assert "Action: none for credentials." not in audit.out
    assert "Action: none for new credentials; 1 accepted key (baseline or allow entries) not shown" in audit.out
