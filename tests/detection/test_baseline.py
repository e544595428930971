"""Baselines: identity without line numbers, byte-stable files, pruning that keeps notes."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.helpers import ignoring_env, write
from tests.keys import fake_fal_key, fake_key_id_secret

BASELINE = ".falguard-baseline.json"


def test_baseline_survives_inserted_lines_and_new_secrets_still_report(repo: Path, falguard) -> None:
    ignoring_env(repo)
    rng = random.Random(1)
    old, new = fake_key_id_secret(rng), fake_fal_key(rng)
    write(repo, "config.py", f"KEY = '{old}'\n")
    assert falguard("baseline", "create", cwd=repo).code == 0
    assert falguard("scan", cwd=repo).code == 0  # the default baseline is found by itself
    write(repo, "config.py", "import os\n\n# moved down\n" + f"KEY = '{old}'\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0 and run.json["summary"]["baselined"] == 1
    write(repo, "config.py", f"import os\nKEY = '{old}'\nOTHER = '{new}'\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1
    assert [f["rule"] for f in run.json["findings"]] == ["fal-key"]
    assert falguard("scan", "--no-baseline", cwd=repo).code == 1


def test_same_secret_in_a_new_file_is_new(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(2))
    write(repo, "a.py", f"K = '{key}'\n")
    falguard("baseline", "create", cwd=repo)
    write(repo, "b.py", f"K = '{key}'\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert [f["path"] for f in run.json["findings"]] == ["b.py"]


def test_baseline_file_is_stable_sorted_and_free_of_secrets(repo: Path, falguard) -> None:
    ignoring_env(repo)
    rng = random.Random(3)
    keys = [fake_key_id_secret(rng) for _ in range(3)] + [fake_fal_key(rng)]
    for index, key in enumerate(keys):
        write(repo, f"z{3 - index}/f.py", f"K = '{key}'\n")
    falguard("baseline", "create", cwd=repo)
    first = (repo / BASELINE).read_bytes()
    falguard("baseline", "create", cwd=repo)
    assert (repo / BASELINE).read_bytes() == first
    document = json.loads(first)
    paths = [entry["path"] for entry in document["findings"]]
    assert paths == sorted(paths)
    text = first.decode()
    for key in keys:
        assert key not in text and key.split(":")[-1] not in text
    for word in ("line", "date", "time"):
        assert f'"{word}' not in text


def test_update_prunes_and_keeps_notes(repo: Path, falguard) -> None:
    ignoring_env(repo)
    rng = random.Random(4)
    kept, gone = fake_key_id_secret(rng), fake_key_id_secret(rng)
    write(repo, "kept.py", f"K = '{kept}'\n")
    write(repo, "gone.py", f"K = '{gone}'\n")
    falguard("baseline", "create", cwd=repo)
    document = json.loads((repo / BASELINE).read_text())
    for entry in document["findings"]:
        entry["note"] = f"reviewed {entry['path']}"
    (repo / BASELINE).write_text(json.dumps(document))
    (repo / "gone.py").unlink()
    write(repo, "new.py", f"K = '{fake_fal_key(rng)}'\n")
    assert falguard("baseline", "update", cwd=repo).code == 0
    entries = json.loads((repo / BASELINE).read_text())["findings"]
    assert [(e["path"], e["note"]) for e in entries] == [("kept.py", "reviewed kept.py")]
    falguard("baseline", "create", cwd=repo)  # create keeps notes of entries it keeps
    entries = json.loads((repo / BASELINE).read_text())["findings"]
    assert {e["path"]: e["note"] for e in entries} == {"kept.py": "reviewed kept.py", "new.py": ""}


def test_explicit_baseline_and_its_errors(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{fake_key_id_secret(random.Random(5))}'\n")
    elsewhere = tmp_path / "team-baseline.json"
    assert falguard("baseline", "create", "-o", str(elsewhere), cwd=repo).code == 0
    assert falguard("scan", "--baseline", str(elsewhere), cwd=repo).code == 0
    missing = falguard("scan", "--baseline", str(tmp_path / "nope.json"), cwd=repo)
    assert (missing.code, missing.err.strip()) == (
        2,
        f"falguard: error: baseline file not found: {tmp_path / 'nope.json'}",
    )
    elsewhere.write_text("{not json")
    broken = falguard("scan", "--baseline", str(elsewhere), cwd=repo)
    assert broken.code == 2 and "team-baseline.json: not a falguard baseline" in broken.err
    assert falguard("baseline", "update", cwd=repo).code == 2


def test_history_baseline_lets_ci_history_scans_report_only_new_keys(repo: Path, falguard) -> None:
    from tests.helpers import commit_all, git

    ignoring_env(repo)
    rng = random.Random(9)
    old, new = fake_key_id_secret(rng), fake_fal_key(rng)
    write(repo, "legacy.py", f"K = '{old}'\n")
    commit_all(repo, "legacy key (rotated since)")
    git(repo, "rm", "-q", "legacy.py")
    commit_all(repo, "remove it")
    assert falguard("scan", "--history", cwd=repo).code == 1
    assert falguard("baseline", "create", cwd=repo).code == 0  # the working tree alone: nothing recorded
    assert falguard("scan", "--history", cwd=repo).code == 1
    assert falguard("baseline", "create", "--history", cwd=repo).code == 0
    assert falguard("scan", "--history", cwd=repo).code == 0
    write(repo, "fresh.py", f"K = '{new}'\n")
    commit_all(repo, "a new leak")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert run.code == 1 and [f["path"] for f in run.json["findings"]] == ["fresh.py"]
    assert falguard("baseline", "update", cwd=repo).code == 0  # without --history: history entries are kept
    assert falguard("scan", "--history", "--format", "json", cwd=repo).json["summary"]["baselined"] == 1
    git(repo, "rm", "-q", "fresh.py")
    commit_all(repo, "remove the new one too")
    falguard("baseline", "create", "--history", cwd=repo)
    entries = json.loads((repo / BASELINE).read_text())["findings"]
    assert sorted((e["path"], e.get("history", False)) for e in entries) == [("fresh.py", True), ("legacy.py", True)]


def test_the_baseline_file_option_has_one_spelling_everywhere(repo: Path, tmp_path: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{fake_key_id_secret(random.Random(5))}'\n")
    target = tmp_path / "reviewed.json"
    assert falguard("baseline", "create", "--baseline", str(target), cwd=repo).code == 0
    assert falguard("scan", "--baseline", str(target), cwd=repo).code == 0
    assert falguard("baseline", "update", "--baseline", str(target), cwd=repo).code == 0
    assert falguard("baseline", "update", "-f", str(target), cwd=repo).code == 0  # the old spelling still works
    assert falguard("audit", "--baseline", str(target), cwd=repo).code == 0
    again = tmp_path / "again.json"
    for old in ("-o", "--output"):  # create's old spellings still work too
        assert falguard("baseline", "create", old, str(again), cwd=repo).code == 0 and again.is_file()
        again.unlink()
    assert falguard("baseline", "update", "--file", str(target), cwd=repo).code == 0


def test_one_count_per_baseline_entry_in_every_report(repo: Path, falguard) -> None:
    """`baseline create` said "records 2 findings", then the audit said "3 baselined": its
    history and working tree match the same entries (issue 25, part 3)."""
    from tests.helpers import commit_all

    ignoring_env(repo)
    rng = random.Random(25)
    write(repo, "app.py", f"KEY = '{fake_key_id_secret(rng)}'\n")
    write(repo, "worker.py", f"KEY = '{fake_fal_key(rng)}'\n")
    commit_all(repo, "keys")
    created = falguard("baseline", "create", cwd=repo)
    assert "records 2 findings" in created.err
    for args in (("scan",), ("scan", "--history"), ("audit",)):
        run = falguard(*args, "--format", "json", cwd=repo)
        assert run.code == 0 and run.json["summary"]["baselined"] == 2, args
        text = falguard(*args, cwd=repo)
        assert "(2 baselined)" in text.out, (args, text.out)
