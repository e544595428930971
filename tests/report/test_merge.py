"""merge_reports: one report of many repositories from per-repository JSON reports, the same
whatever their order or grouping; the combined text names every repository."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from falguard.errors import InputError
from falguard.report.combined import render_combined
from falguard.report.merge import failed_repositories, merge_reports
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


@pytest.fixture
def reports(tmp_path: Path, falguard) -> list[dict]:
    """Audit JSON of three repositories (one with a key) and a scan JSON of a fourth."""
    rng = random.Random(7)
    documents = []
    for name in ("alpha", "beta", "gamma", "delta"):
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q")
        ignoring_env(repo)
        write(repo, "app.py", f"K = '{fake_key_id_secret(rng)}'\n" if name == "beta" else "x = 1\n")
        commit_all(repo)
        documents.append(falguard("scan" if name == "delta" else "audit", "--format", "json", cwd=repo).json)
    return documents


def test_every_finding_and_story_names_its_repository(reports: list[dict], tmp_path: Path) -> None:
    merged = merge_reports(reports)
    names = [entry["repository"] for entry in merged["summary"]["repositories"]]
    assert names[:3] == [str(tmp_path / n) for n in ("alpha", "beta", "gamma")]
    assert names[3].startswith("unnamed report ")  # a scan report names no repository
    assert {f["repository"] for f in merged["findings"]} == {str(tmp_path / "beta")}
    assert [s["repository"] for s in merged["audit"]["stories"]] == [str(tmp_path / "beta")]
    assert merged["summary"]["findings"] == sum(r["summary"]["findings"] for r in reports)
    assert merged["summary"]["files_scanned"] == sum(r["summary"]["files_scanned"] for r in reports)
    assert merged["summary"]["repository_counts"] == {"total": 4, "ok": 4, "cached": 0, "failed": 0}
    assert merged["summary"]["failed"] and merged["summary"]["complete"]
    assert failed_repositories(merged) == []
    assert "repository" not in reports[1]["findings"][0]  # inputs are not changed


def test_merging_is_associative_and_order_free(reports: list[dict]) -> None:
    whole = merge_reports(reports)
    assert merge_reports(reports[::-1]) == whole
    assert merge_reports([merge_reports(reports[:2]), merge_reports(reports[2:])]) == whole
    assert merge_reports([whole]) == whole


def test_bad_inputs_are_refused(reports: list[dict]) -> None:
    with pytest.raises(InputError, match="is in more than one report"):
        merge_reports([reports[0], reports[0]])
    with pytest.raises(InputError, match="report 2 is not a falguard JSON report"):
        merge_reports([reports[0], {"runs": []}])


def test_text_and_json_of_a_merge(reports: list[dict], tmp_path: Path) -> None:
    merged = merge_reports(reports)
    text = render_combined(merged, "text")
    assert text.startswith("falguard audit of 4 repositories: 1 with fal credentials, 0 failed\n")
    assert f"== {tmp_path / 'beta'} (at " in text and "1. " in text
    assert json.loads(render_combined(merged, "json")) == merged
    with pytest.raises(InputError, match="for one repository"):
        render_combined(merged, "github")
    page = render_combined(merged, "html")  # report/html provides the many-repository page
    assert page.startswith("<!DOCTYPE html>") and "falguard audit of 4 repositories</h1>" in page


def test_control_characters_from_a_report_never_reach_the_terminal(reports: list[dict]) -> None:
    hostile = json.loads(json.dumps(reports[1]))
    hostile["audit"]["repository"] = "evil\x1b]0;owned\x07\n::error::forged"
    text = render_combined(merge_reports([hostile]), "text")
    assert "\x1b" not in text and "\n::error" not in text
