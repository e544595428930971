"""Exit 0 and 1 always come with the whole report; anything that keeps falguard from writing
it (a reader thread failing, the renderer failing, standard output closed, full or gone) is
exit 2 with one line, never an exit code that stands for a report nobody got."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_fal_key, fake_key_id_secret


def _repository(root: Path, *, allowed: bool) -> Path:
    """Keys in three files, committed (history and working tree both find them); with
    ``allowed``, each carries an allow comment, so the scan reports them and exits 0."""
    root.mkdir()
    git(root, "init", "-q")
    ignoring_env(root)
    rng = random.Random(41 if allowed else 42)
    note = '  # falguard:allow reason="a revoked key kept for the docs"' if allowed else ""
    write(root, "app.py", f'FAL_KEY = "{fake_key_id_secret(rng)}"{note}\n')
    write(root, "worker/settings.py", f'FAL_KEY = "{fake_fal_key(rng)}"{note}\n')
    write(root, "deploy/run.sh", f'export FAL_KEY="{fake_key_id_secret(rng)}"{note}\n')
    commit_all(root, "keys")
    return root


@pytest.fixture
def repos(tmp_path: Path) -> dict[int, Path]:
    return {1: _repository(tmp_path / "leaky", allowed=False), 0: _repository(tmp_path / "allowed", allowed=True)}


def _complete(text: str) -> dict[str, Any]:
    """The report parses, and its summary counts what it lists."""
    document: dict[str, Any] = json.loads(text)
    summary = document["summary"]
    assert summary["findings"] == len(document["findings"])
    assert sum(summary["by_severity"].values()) == len(document["findings"])
    assert summary["suppressed"] == len(document["suppressed"])
    assert summary["failed"] == bool(document["findings"])
    assert summary["complete"] is True
    return document


@pytest.mark.parametrize("engine", ["hyperscan", "re"])
@pytest.mark.parametrize("mode", ["history", "worktree"])
@pytest.mark.parametrize("code", [0, 1])
def test_exit_0_and_1_come_with_the_whole_json_report(
    repos: dict[int, Path],
    tmp_path: Path,
    falguard: Any,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    mode: str,
    code: int,
) -> None:
    if engine == "re":
        monkeypatch.setenv("FALGUARD_NO_HYPERSCAN", "1")
    args = ["scan", *(["--history"] if mode == "history" else []), "--format", "json"]
    to_stdout = falguard(*args, cwd=repos[code])
    report = tmp_path / "report.json"
    to_file = falguard(*args, "-o", str(report), cwd=repos[code])
    assert (to_stdout.code, to_file.code) == (code, code), to_stdout.err + to_file.err
    assert to_file.out == ""
    printed, written = _complete(to_stdout.out), _complete(report.read_text())
    assert printed == written
    assert len(printed["findings"] if code else printed["suppressed"]) == 3


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("falguard: "), err
    assert "Traceback" not in err
    return lines[0]


def test_a_reader_thread_that_fails_is_exit_2_and_no_report(
    repos: dict[int, Path], tmp_path: Path, falguard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from falguard.sources import history

    scan = history._BatchReader._scan

    def failing(self: Any, entries: Any) -> Any:
        if any(entry.kind == b"blob" for entry in entries):
            raise RuntimeError("a reader failed")
        return scan(self, entries)

    monkeypatch.setattr(history._BatchReader, "_scan", failing)
    report = tmp_path / "report.json"
    for run in (
        falguard("scan", "--history", "--format", "json", cwd=repos[1]),
        falguard("scan", "--history", "--format", "json", "-o", str(report), cwd=repos[1]),
    ):
        assert run.code == 2 and run.out == ""
        assert "a reader failed" in _one_error_line(run.err)
    assert not report.exists()


def test_a_listing_relay_that_fails_is_exit_2_not_a_short_scan(
    repos: dict[int, Path], falguard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread that hands rev-list's list to the readers: a scan of part of the list
    must not pass for the scan of all of it."""
    from falguard.git import history

    def failing(*args: Any) -> None:
        raise RuntimeError("the relay failed")

    monkeypatch.setattr(history, "_route", failing)
    run = falguard("scan", "--history", "--format", "json", cwd=repos[1])
    assert run.code == 2 and run.out == ""
    assert "the relay failed" in _one_error_line(run.err)


def test_a_renderer_that_fails_is_exit_2_and_no_file(
    repos: dict[int, Path], tmp_path: Path, falguard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from falguard.report import json as json_report

    def failing(*args: Any) -> str:
        raise ValueError("the renderer failed")

    monkeypatch.setattr(json_report, "render", failing)
    report = tmp_path / "report.json"
    run = falguard("scan", "--format", "json", "-o", str(report), cwd=repos[1])
    assert run.code == 2 and not report.exists()
    assert "the renderer failed" in _one_error_line(run.err)


def _run(repo: Path, stdout: Any, *, preexec: Any = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "falguard", "scan", "--format", "json"],
        cwd=repo,
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
        check=False,
    )


def test_standard_output_gone_is_exit_2_with_one_line(repos: dict[int, Path]) -> None:
    """click turns a broken pipe into a silent exit 1 and drops output to a closed standard
    output without a word: either would be exit 1 with no report."""
    read, write_end = os.pipe()
    os.close(read)  # the reader is gone before falguard writes
    try:
        broken = _run(repos[1], write_end)
    finally:
        os.close(write_end)
    assert broken.returncode == 2
    assert _one_error_line(broken.stderr.decode()) == (
        "falguard: error: cannot write the report to standard output: Broken pipe"
    )
    closed = _run(repos[1], None, preexec=lambda: os.close(1))
    assert closed.returncode == 2
    assert "standard output is closed" in _one_error_line(closed.stderr.decode())


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_standard_output_full_is_exit_2_with_one_line(repos: dict[int, Path]) -> None:
    with open("/dev/full", "wb") as full:
        run = _run(repos[1], full)
    assert run.returncode == 2
    assert _one_error_line(run.stderr.decode()) == (
        "falguard: error: cannot write the report to standard output: No space left on device"
    )
