"""Counts that agree with each other: the history summary with its progress display, the
audit's summary line with its ticket, and singular nouns for one of a thing."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

from falguard.scans.historyscan import scan_history
from falguard.scans.progress import HistoryProgress
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def test_history_summary_counts_objects_read_as_progress_does(repo: Path, falguard) -> None:
    """Progress counts every object read (commits, trees, blobs); the summary said "N objects
    scanned" for the text blobs alone, so the two numbers disagreed."""
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(31)}'\n")
    write(repo, "data.bin", b"\x00\x01\0\0binary")  # binary, and no image (images are read: expand/images.py)
    commit_all(repo, "one")
    write(repo, "b.py", "print('hello')\n")
    commit_all(repo, "two")
    shown: list[int] = []
    line = HistoryProgress(io.StringIO())
    scan_history(str(repo), progress=lambda coverage: (shown.append(coverage.objects), line(coverage)))
    assert f"falguard: history: {shown[-1]}/{shown[-1]} git objects read, " in line.stream.getvalue()
    run = falguard("scan", "--history", cwd=repo)
    match = re.search(r"; (\d+) git objects read: (\d+) text blobs scanned \([\d,]+ bytes\), (\d+) other", run.out)
    assert match is not None, run.out
    read, blobs, other = map(int, match.groups())
    assert read == shown[-1]  # the progress display's last count
    assert blobs == 3  # .gitignore, a.py, b.py
    assert "skipped 1 binary" in run.out
    assert read == blobs + other + 1 and other >= 2  # two commits at least
    assert falguard("scan", "--history", "--format", "json", cwd=repo).json["summary"]["objects_read"] == read


def test_audit_summary_line_says_what_its_findings_are(repo: Path, falguard) -> None:
    """The last line counted findings (one per place and commit), the ticket credentials
    and hygiene findings: the line now says how the one is made of the other."""
    write(repo, "settings.py", f"FAL_KEY = '{key(32)}'\n")
    write(repo, ".env.production", f"FAL_KEY={key(32)}\n")
    commit_all(repo)
    run = falguard("audit", cwd=repo)
    assert "Distinct fal credentials found: 1 " in run.out
    hygiene = int(re.search(r"Hygiene findings: (\d+)", run.out).group(1))  # type: ignore[union-attr]
    line = next(line for line in run.out.splitlines() if line.startswith("falguard: ") and "findings (" in line)
    total = int(re.match(r"falguard: (\d+) findings", line).group(1))  # type: ignore[union-attr]
    told = re.search(
        r"shown above as 1 credential \((\d+) findings\) and (\d+) hygiene findings(?: \((\d+) findings\))?", line
    )
    assert told is not None, line
    in_credential, distinct, raw = int(told.group(1)), int(told.group(2)), int(told.group(3) or told.group(2))
    assert distinct == hygiene and in_credential + raw == total


def test_one_excluded_file_and_one_repository_are_singular(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    write(repo, ".falguard.toml", 'exclude = ["fixtures/"]\n')
    write(repo, "fixtures/a.py", f"K = '{key(33)}'\n")
    commit_all(repo)
    run = falguard("scan", cwd=repo)
    assert "1 file excluded by configuration" in run.out and "1 files" not in run.out
    saved = tmp_path / "audit.json"
    saved.write_text(falguard("audit", "--format", "json", cwd=repo).out)
    merged = falguard("report", "--merge", str(saved), "--format", "text", cwd=repo).out
    assert "audit of 1 repository" in merged and "1 repositories" not in merged


def test_each_kind_is_counted_as_itself_in_an_audit_and_a_many_repository_report(
    repo: Path, falguard, tmp_path: Path
) -> None:
    """An audit reads working-tree files and git objects; the ticket said "N files and
    objects scanned" for their sum. Each kind is now counted from the scans' own counts."""
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(34)}'\n")
    write(repo, "b.py", "print(2)\n")
    commit_all(repo)
    write(repo, "c.py", "print(3)\n")  # working tree only
    history = falguard("scan", "--history", "--format", "json", cwd=repo).json["summary"]
    worktree = falguard("scan", "--format", "json", cwd=repo).json["summary"]
    assert history["blobs_scanned"] == history["files_scanned"] == 3  # .gitignore, a.py, b.py
    audit = falguard("audit", "--format", "json", cwd=repo).json
    files, blobs, read = worktree["files_scanned"], history["blobs_scanned"], history["objects_read"]
    assert (audit["summary"]["files_scanned"], audit["summary"]["blobs_scanned"]) == (files + blobs, blobs)
    told = f"{files} working-tree files and {blobs} text blobs scanned"
    assert f"Coverage: {told} (" in falguard("audit", cwd=repo).out and f"; {read} git objects read;" in (
        falguard("audit", cwd=repo).out
    )
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    saved = tmp_path / "bare.json"
    saved.write_text(falguard("audit", "--format", "json", cwd=bare).out)
    again = tmp_path / "again.json"
    again.write_text(falguard("audit", "--format", "json", cwd=bare).out.replace(str(bare), str(bare) + "-2"))
    merged = falguard("report", "--merge", str(saved), str(again), "--format", "text", cwd=repo).out
    coverage = next(line for line in merged.splitlines() if line.startswith("Coverage: "))
    assert coverage.startswith(f"Coverage: {2 * read} git objects read: {2 * blobs} text blobs scanned (")
    assert "files and objects" not in merged


def test_a_saved_history_scan_report_renders_its_counts_as_the_scan_did(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    write(repo, "a.py", f"K = '{key(35)}'\n")
    commit_all(repo)
    text = falguard("scan", "--history", cwd=repo).out
    saved = tmp_path / "history.json"
    saved.write_text(falguard("scan", "--history", "--format", "json", cwd=repo).out)
    assert falguard("report", str(saved), cwd=repo).out == text  # said "1 files and blobs scanned" before


def test_the_page_of_a_plain_directory_counts_files(tmp_path: Path, falguard) -> None:
    """No history read: the page said "2 files and objects"; they are files. (An audit of a
    plain directory is now refused, as `scan --history` refuses it.)"""
    plain = tmp_path / "plain"
    write(plain, "a.py", "print(1)\n")
    write(plain, "b.py", "print(2)\n")
    page = falguard("scan", "--format", "html", cwd=plain).out
    assert "files and objects" not in page and "2 files (18 bytes)" in page
