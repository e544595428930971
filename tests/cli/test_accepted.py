"""A baseline hides what was reviewed, never that it exists: accepted keys are listed in
every audit format, with who accepted them and why when that is recorded."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from falguard.detection.baseline import load
from tests.falapi_standin import StandIn
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
    assert 'accepted: in the configuration\'s allow list: "test fixture"' in audit.out
    assert "b) Say who accepted it: add `by` to its allow entry in the configuration, beside `reason`." in audit.out
    assert "Action: none for new credentials; confirm the 1 accepted key above" in audit.out


def test_an_allow_entry_records_who_accepted_it(repo: Path, falguard, tmp_path: Path) -> None:
    """`by` beside `reason`, as a baseline entry's `accepted_by`: in every audit format."""
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(27)}'\n")
    commit_all(repo)
    fingerprint = falguard("scan", "--format", "json", cwd=repo).json["findings"][0]["fingerprint"]
    entry = f'{{ fingerprint = "{fingerprint[:16]}", reason = "revoked (SEC-14)", by = "Dana Dev" }}'
    write(repo, ".falguard.toml", f"allow = [{entry}]\n")
    text = falguard("audit", cwd=repo)
    assert text.code == 0
    assert 'accepted: in the configuration\'s allow list by Dana Dev: "revoked (SEC-14)"' in text.out
    assert 'accepted in the configuration\'s allow list by Dana Dev: "revoked (SEC-14)"' in text.out  # the ticket
    assert "Say who accepted it" not in text.out  # it says who
    document = falguard("audit", "--format", "json", cwd=repo).json
    assert {f["suppression"]["by"] for f in document["suppressed"]} == {"Dana Dev"}
    (story,) = document["audit"]["accepted"]
    assert story["acceptance"] == [
        {"kind": "config", "reason": "revoked (SEC-14)", "by": "Dana Dev", "paths": ["a.py"]}
    ]
    scan = falguard("scan", "--format", "json", cwd=repo).json
    assert scan["suppressed"][0]["suppression"] == {"kind": "config", "reason": "revoked (SEC-14)", "by": "Dana Dev"}
    saved = tmp_path / "audit.json"
    saved.write_text(json.dumps(document))
    assert falguard("report", str(saved), cwd=repo).out == text.out  # a saved report says the same
    page = falguard("audit", "--format", "html", cwd=repo).out
    assert "allow list by Dana Dev" in page
    shown = falguard("config", "show", cwd=repo)
    assert shown.code == 0 and "(revoked (SEC-14); by Dana Dev)" in shown.out


def test_a_wrong_by_in_an_allow_entry_is_one_error_and_config_show_still_works(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.py", "print(1)\n")
    write(
        repo,
        ".falguard.toml",
        'fail-on = "high"\nallow = [{ fingerprint = "' + "ab" * 8 + '", reason = "x", by = 7 }]\n',
    )
    scan = falguard("scan", cwd=repo)
    assert scan.code == 2 and "Traceback" not in scan.err
    (line,) = scan.err.strip().splitlines()
    assert (
        line
        == "falguard: error: .falguard.toml: allow: entry 1: by must be a non-empty string (who accepted it), got 7"
    )
    shown = falguard("config", "show", cwd=repo)
    assert shown.code == 2 and "Traceback" not in shown.err
    assert "fail-on = high    # .falguard.toml" in shown.out  # the rest is still shown
    (allow,) = [row for row in shown.out.splitlines() if row.startswith("allow = ")]
    assert allow.endswith(
        "ERROR: .falguard.toml: allow: entry 1: by must be a non-empty string (who accepted it), got 7 (the default applies)"
    )


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


def test_baseline_create_and_update_record_who_accepts_only_when_asked(repo: Path, falguard) -> None:
    """`--accepted-by NAME` fills `accepted_by` of the entries that name nobody; a name a
    reviewer wrote is kept; without the option nothing is recorded (no default name)."""
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(28)}'\n")
    write(repo, "b.py", f"K = '{key(29)}'\n")
    commit_all(repo)
    baseline = repo / ".falguard-baseline.json"
    assert falguard("baseline", "create", cwd=repo).code == 0
    assert "accepted_by" not in baseline.read_text()
    review(repo, "a.py", "revoked", "Dana Dev")
    assert falguard("baseline", "create", "--accepted-by", "Sam Lee <sam@example.com>", cwd=repo).code == 0
    by = {entry.path: entry.accepted_by for entry in load(baseline).values()}
    assert by == {"a.py": "Dana Dev", "b.py": "Sam Lee <sam@example.com>"}
    audit = falguard("audit", cwd=repo).out
    assert "accepted: in the baseline by Sam Lee <sam@example.com>, no reason recorded\n" in audit
    review(repo, "b.py", "", "")
    assert falguard("baseline", "update", "--baseline", str(baseline), "--accepted-by", "Kim", cwd=repo).code == 0
    assert {entry.path: entry.accepted_by for entry in load(baseline).values()} == {"a.py": "Dana Dev", "b.py": "Kim"}
    blank = falguard("baseline", "update", "--accepted-by", "  ", cwd=repo)
    assert blank.code == 2 and blank.err.strip().splitlines() == [
        'falguard: error: --accepted-by: expected a name (such as "Dana Dev <dana@example.com>"), got only spaces'
    ]


def is_live(standin: StandIn, credential: str) -> bool:
    return credential in standin.keys


def commands(step: str) -> list[list[str]]:
    """The falguard commands a step names, as arguments (without the leading `falguard`)."""
    return [found.split()[1:] for found in re.findall(r"`(falguard [^`]+)`", step)]


def test_the_confirm_step_names_commands_that_prove_a_baselined_key_dead_and_revoke_it(
    repo: Path, falguard, standin: StandIn, tmp_path: Path
) -> None:
    live = standin.add_key("API")
    ignoring_env(repo)
    write(repo, "a.py", f'FAL_KEY = "{live.credential}"\n')
    commit_all(repo)
    assert falguard("baseline", "create", "--history", cwd=repo).code == 0
    (story,) = falguard("audit", "--format", "json", cwd=repo).json["audit"]["accepted"]
    verify, rotate = commands(story["steps"][0])
    assert (verify, rotate) == (["audit", "--verify", "--no-baseline"], ["rotate"])
    assert "   verified: LIVE" in falguard(*verify, cwd=repo).out
    assert falguard(*rotate, "--yes", "--write-env", str(tmp_path / "app.env"), cwd=repo).code == 0
    assert not is_live(standin, live.credential)
    assert "verified 1 key with fal: 0 live, 1 rejected" in falguard(*verify, cwd=repo).out


def test_the_confirm_step_of_an_allowed_key_names_revoke_by_its_id(repo: Path, falguard, standin: StandIn) -> None:
    live = standin.add_key("API", "laptop")
    ignoring_env(repo)
    write(repo, "a.py", f'FAL_KEY = "{live.credential}"  # falguard:allow reason="fixture"\n')
    commit_all(repo)
    (story,) = falguard("audit", "--format", "json", cwd=repo).json["audit"]["accepted"]
    (revoke,) = commands(story["steps"][0])
    assert revoke == ["revoke", live.key_id]
    assert f'falguard: would delete {live.key_id} ("laptop"' in falguard(*revoke, cwd=repo).out
    assert falguard(*revoke, "--yes", cwd=repo).code == 0 and not is_live(standin, live.credential)
    assert "already deleted" in falguard(*revoke, cwd=repo).out
