"""Many repositories in one run: every leak attributed to its repository, a corrupt one
reported with git's reason (exit 2 after the report), unchanged ones never rescanned."""

from __future__ import annotations

import io
import json
from pathlib import Path

from falguard.org.progress import OrgProgress
from falguard.org.run import Outcome
from falguard.report.merge import merge_reports
from tests.helpers import git, write
from tests.org.conftest import FirstRun
from tests.org.fleet import Fleet


def statuses(document: dict) -> dict[str, str]:
    return {entry["repository"]: entry["status"] for entry in document["summary"]["repositories"]}


def test_ten_repositories_in_one_run_then_nothing_rescanned(fleet: Fleet, first_run: FirstRun, falguard) -> None:
    first = first_run.run
    assert first.code == 2, first.err
    document = first.json
    assert statuses(document) == {url: "failed" if url == fleet.broken else "ok" for url in fleet.urls}
    (broken,) = [e for e in document["summary"]["repositories"] if e["status"] == "failed"]
    assert "is corrupt" in broken["reason"] and "git fsck" in broken["reason"]
    assert f"falguard: error: 1 repository could not be audited: {fleet.broken} (the report says why)" in first.err

    keys = {story["repository"]: story["key_id"] for story in document["audit"]["stories"]}
    assert keys == fleet.leaky  # one story per leaky repository, each in the right one
    for finding in document["findings"]:
        assert finding["repository"] in fleet.leaky, finding
    assert {f["repository"] for f in document["findings"] if f["rule"] == "env-tracked"} == {fleet.url("acme-07")}
    counts = {e["repository"]: e["credentials"] for e in document["summary"]["repositories"]}
    assert counts == {url: int(url in fleet.leaky) for url in fleet.urls}
    assert document["summary"]["repository_counts"] == {"total": 10, "ok": 9, "cached": 0, "failed": 1}

    args = ("audit", "--repos", str(fleet.listing), "--jobs", "2", "--cache-dir", str(first_run.cache))
    second = falguard(*args, "--format", "json")
    assert second.code == 2
    assert statuses(second.json) == {url: "failed" if url == fleet.broken else "cached" for url in fleet.urls}
    assert second.json["findings"] == document["findings"]
    assert second.json["audit"] == document["audit"]


def test_only_repositories_whose_refs_moved_are_rescanned(fleet: Fleet, tmp_path: Path, falguard) -> None:
    clean = fleet.url("acme-03")
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{clean}\n{fleet.url('acme-02')}\n{fleet.url('acme-04')}\n")
    args = ("audit", "--repos", str(listing), "--cache-dir", str(tmp_path / "cache"), "--format", "json")
    assert falguard(*args).code == 1
    work = fleet.work[clean]
    git(work, "checkout", "-q", "-b", "feature")
    write(work, "later.py", "x = 1\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "a new branch")
    git(work, "push", "-q", "origin", "feature")
    try:
        again = falguard(*args)
        assert statuses(again.json) == {clean: "ok", fleet.url("acme-02"): "cached", fleet.url("acme-04"): "cached"}
        git(work, "push", "-q", "origin", "--delete", "feature")  # pruned: the refs are as in the first run
        assert statuses(falguard(*args).json)[clean] == "cached"
    finally:
        git(work, "checkout", "-q", "main")


def test_the_text_report_names_every_repository_and_why_one_failed(fleet: Fleet, first_run: FirstRun, falguard) -> None:
    run = falguard("audit", "--repos", str(fleet.listing), "--cache-dir", str(first_run.cache), "-j", "2")
    assert run.code == 2
    assert run.out.startswith("falguard audit of 10 repositories: 3 with fal credentials, 1 failed\n")
    for url in fleet.urls:
        assert url in run.out
    # read in place, as far as it can be: its partial result is there, its reason said once
    assert f"== {fleet.broken} (at " in run.out and "FAILED, a partial result (what could be read)" in run.out
    assert run.out.count("repository is corrupt") == 1 and "is corrupt" not in run.err
    assert "----- summary for the ticket -----" in run.out
    assert "Distinct fal credentials: 3 in 3 repositories" in run.out
    assert "\r" not in run.err  # no progress line on a pipe


def test_the_combined_report_is_the_merge_of_its_parts(
    fleet: Fleet, first_run: FirstRun, tmp_path: Path, falguard
) -> None:
    whole = first_run.run
    parts = []
    for chunk in (fleet.urls[:4], fleet.urls[4:7], fleet.urls[7:]):  # as the workflow's matrix jobs do
        listing = tmp_path / f"chunk-{len(parts)}.txt"
        listing.write_text("".join(f"{url}\n" for url in chunk))
        part = falguard(
            "audit", "--repos", str(listing), "--cache-dir", str(tmp_path / "fresh"), "-j", "1", "--format", "json"
        )
        parts.append(part.json)
    assert merge_reports(list(reversed(parts))) == whole.json  # artifacts come in any order
    assert merge_reports([whole.json]) == whole.json
    assert json.dumps(merge_reports(parts), indent=2, ensure_ascii=False) + "\n" == whole.out


def test_sarif_of_many_repositories_is_one_valid_run(
    fleet: Fleet, first_run: FirstRun, tmp_path: Path, falguard
) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "sarif-schema-2.1.0.json").read_text())
    report = tmp_path / "org.sarif"
    args = ("audit", "--repos", str(fleet.listing), "--cache-dir", str(first_run.cache), "--format", "sarif")
    run = falguard(*args, "-o", str(report))
    assert run.code == 2
    document = json.loads(report.read_text())
    jsonschema.validate(document, schema)
    (sarif_run,) = document["runs"]
    assert {r["properties"]["repository"] for r in sarif_run["results"]} == set(fleet.leaky)
    assert sarif_run["invocations"][0]["executionSuccessful"] is False
    assert len(sarif_run["properties"]["repositories"]) == 10
    assert "in 10 repositories; 1 failed" in run.err  # the summary goes to stderr with -o


def test_no_secret_in_any_report_or_cached_file(fleet: Fleet, first_run: FirstRun, tmp_path: Path, falguard) -> None:
    written = []
    for fmt in ("text", "json", "sarif"):
        run = falguard("audit", "--repos", str(fleet.listing), "--cache-dir", str(first_run.cache), "--format", fmt)
        written += [run.out, run.err]
    results = [path for path in (first_run.cache / "results").rglob("*") if path.is_file()]
    assert len(results) == 9  # one per audited repository; the failed one is never cached
    written += [path.read_text() for path in results]
    for secret in fleet.secrets:
        assert not any(secret in text for text in written)
    assert all(path.stat().st_mode & 0o077 == 0 for path in results)


def test_formats_for_one_repository_only_are_refused(fleet: Fleet, tmp_path: Path, falguard) -> None:
    base = ("audit", "--repos", str(fleet.listing), "--cache-dir", str(tmp_path / "c"))
    for extra in (("--format", "github"), ("--write-replacements", str(tmp_path / "r.txt"))):
        run = falguard(*base, *extra)
        assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert not (tmp_path / "c").exists()
    assert falguard("audit", "--jobs", "2").code == 2  # --jobs needs a list


def test_progress_on_a_terminal_only(tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = OrgProgress(screen, 2)
    progress("file:///a.git", "start")
    progress("file:///b.git", "start")
    progress("file:///a.git", Outcome("file:///a.git", "failed"))
    assert "repositories 1/2 done, 1 failed; now: file:///b.git" in screen.getvalue()
    progress.clear()
    assert screen.getvalue().endswith("\r\033[K")


def test_report_merge_of_chunks_equals_the_single_run(
    fleet: Fleet, first_run: FirstRun, tmp_path: Path, falguard
) -> None:
    """What the organisation workflow does: a matrix of chunk audits, then `falguard report --merge`."""
    chunks = [fleet.urls[:4], fleet.urls[4:]]
    saved = []
    for number, urls in enumerate(chunks):
        listing = tmp_path / f"chunk{number}.txt"
        listing.write_text("".join(f"{url}\n" for url in urls))
        report = tmp_path / f"chunk{number}.json"
        args = ("audit", "--repos", str(listing), "--cache-dir", str(tmp_path / f"cache{number}"))
        falguard(*args, "--format", "json", "-o", str(report))
        saved.append(str(report))
    merged = falguard("report", "--merge", *reversed(saved), "--format", "json")
    assert merged.code == 2  # the corrupt repository is in one chunk
    assert json.loads(merged.out) == first_run.run.json
    text = falguard("report", "--merge", *saved, "--format", "text")
    assert text.code == 2 and "falguard: error: some repositories could not be audited" in text.err
    page = falguard("report", "--merge", *saved, "--format", "html")
    assert page.code == 2 and "falguard audit of 10 repositories</h1>" in page.out and "INCOMPLETE" in page.out
    assert all(key_id in page.out for key_id in fleet.leaky.values())
