"""A baseline hides what was reviewed, never that it exists: accepted keys are listed in
every audit format, with who accepted them and why when that is recorded."""

from __future__ import annotations

import json
import random
from pathlib import Path

from falguard.baseline import load
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def review(repo: Path, path: str, note: str, by: str) -> None:
    """What a reviewer does by hand: a note and a name on one path's entries."""
    baseline = repo / ".falguard-baseline.json"
    document = json.loads(baseline.read_text())
    for entry in document["findings"]:
        if entry["path"] == path:
            entry.update(note=note, accepted_by=by)
    baseline.write_text(json.dumps(document, indent=2))


def test_after_a_baseline_scan_and_audit_say_keys_are_accepted(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(21)}'\n")
    commit_all(repo)
    assert falguard("baseline", "create", "--history", cwd=repo).code == 0
    scan = falguard("scan", cwd=repo)
    assert scan.code == 0
    assert "falguard: no new findings (1 baselined)" in scan.out and "no fal credentials found" not in scan.out
    audit = falguard("audit", cwd=repo)
    assert audit.code == 0
    assert "Action: none for credentials." not in audit.out
    assert "Action: none for new credentials; confirm the 1 accepted key above" in audit.out
    assert "No new fal credentials found" in audit.out and "No fal credentials found" not in audit.out


def test_accepted_keys_are_listed_with_who_and_why(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(22)}'\n")
    write(repo, "b.py", f"K = '{key(22)}'\n")
    commit_all(repo)
    assert falguard("baseline", "create", "--history", cwd=repo).code == 0
    review(repo, "a.py", "revoked on 2026-11-30 (SEC-12)", "Dana Dev")
    masked = key(22).split(":")[0] + ":****" + key(22)[-4:]

    text = falguard("audit", cwd=repo).out
    accepted = text[text.index("Accepted credentials") : text.index("----- summary")]
    assert masked in accepted
    assert 'accepted: in the baseline by Dana Dev: "revoked on 2026-11-30 (SEC-12)" (a.py)' in accepted
    assert "in the baseline, no reason recorded (b.py)" in accepted
    assert "a) Confirm the key (key id" in accepted  # revoke-or-confirm first, never "none"
    assert "Accepted fal credentials (baseline or allow entries; not new): 1" in text
    assert key(22).split(":")[1][:-4] not in text  # masked throughout

    document = falguard("audit", "--format", "json", cwd=repo).json
    (story,) = document["audit"]["accepted"]
    assert document["audit"]["stories"] == []
    assert story["secret"] == masked and story["paths"] == ["a.py", "b.py"]
    assert story["acceptance"][0] == {
        "kind": "baseline", "reason": "revoked on 2026-11-30 (SEC-12)", "by": "Dana Dev", "paths": ["a.py"],
    }  # fmt: skip
    assert {f["path"] for f in document["baselined"]} == {"a.py", "b.py"}
    assert {f["suppression"].get("by") for f in document["baselined"] if f["path"] == "a.py"} == {"Dana Dev"}

    saved = repo.parent / "audit.json"
    saved.write_text(json.dumps(document))
    again = falguard("report", str(saved), cwd=repo)
    assert again.out == text  # a saved report tells the same story
    page = falguard("report", str(saved), "--format", "html", cwd=repo).out
    assert '<section id="accepted">' in page and "Dana Dev" in page and "No new fal credentials found." in page
    merged = falguard("report", "--merge", str(saved), "--format", "text", cwd=repo).out
    assert "Accepted credentials" in merged and "Dana Dev" in merged
    assert "Action: none for credentials." not in merged and "no new findings" in merged


def test_an_allowed_key_is_accepted_with_the_config_reason(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(23)}'\n")
    commit_all(repo)
    fingerprint = falguard("scan", "--format", "json", cwd=repo).json["findings"][0]["fingerprint"]
    write(repo, ".falguard.toml", f'allow = [{{ fingerprint = "{fingerprint[:16]}", reason = "test fixture" }}]\n')
    audit = falguard("audit", cwd=repo)
    assert audit.code == 0
    assert 'accepted: by an allow entry: "test fixture"' in audit.out
    assert "Action: none for new credentials; confirm the 1 accepted key above" in audit.out


def test_a_key_new_in_one_place_and_accepted_in_another_is_in_both_lists(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(24)}'\n")
    commit_all(repo)
    assert falguard("baseline", "create", cwd=repo).code == 0
    write(repo, "c.py", f"K = '{key(24)}'\n")  # the same key, somewhere new
    audit = falguard("audit", cwd=repo)
    assert audit.code == 1
    open_part = audit.out[: audit.out.index("Accepted credentials")]
    assert "c.py" in open_part and "Revoke the key" in open_part
    assert "also new elsewhere: see its story above" in audit.out
    assert "Confirm each accepted key is revoked too." in audit.out


def test_reviewed_fields_survive_create_and_update_and_old_baselines_load(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(25)}'\n")
    commit_all(repo)
    assert falguard("baseline", "create", cwd=repo).code == 0
    baseline = repo / ".falguard-baseline.json"
    assert "accepted_by" not in baseline.read_text()  # nothing recorded: the file is as before
    review(repo, "a.py", "revoked", "Dana Dev")
    assert falguard("baseline", "create", cwd=repo).code == 0
    assert falguard("baseline", "update", cwd=repo).code == 0
    (entry,) = load(baseline).values()
    assert (entry.note, entry.accepted_by) == ("revoked", "Dana Dev")
    old = json.loads(baseline.read_text())
    del old["findings"][0]["accepted_by"], old["findings"][0]["note"]
    baseline.write_text(json.dumps(old))
    (entry,) = load(baseline).values()
    assert (entry.note, entry.accepted_by) == ("", "")


def test_an_incomplete_audit_with_accepted_keys_says_both(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(26)}'\n")
    commit_all(repo)
    assert falguard("baseline", "create", "--history", cwd=repo).code == 0
    commit_all(repo, "baseline")
    write(repo, "b.py", "print(1)\n")
    commit_all(repo, "more")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    audit = falguard("audit", cwd=shallow)
    assert audit.code == 0  # outside CI an incomplete scan warns
    (action,) = [line for line in audit.out.splitlines() if line.startswith("Action:")]
    assert (
        action.startswith("Action: coverage is INCOMPLETE") and "Confirm each accepted key above is revoked." in action
    )
    assert "Accepted credentials" in audit.out
