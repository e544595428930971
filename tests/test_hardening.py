"""Hostile input and untrusted repositories: falguard reads, never runs, never leaks."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import commit_all, git, ignoring_env, run_cli, write
from keys import fake_fal_key, fake_hex32, fake_key_id_secret

PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"


def test_a_200mb_file_is_skipped_and_counted_without_reading_it(repo: Path, falguard) -> None:
    ignoring_env(repo)
    big = repo / "huge.log"
    with open(big, "wb") as handle:  # sparse: costs no disk and no time
        handle.truncate(200 * 1024 * 1024)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.json["summary"]["skipped"]["too_large"] == 1
    assert "huge.log" in run.json["summary"]["skipped_paths"][0]
    assert run.code == 0


def test_a_50mb_single_line_file_is_scanned(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(1))
    unit = b"var a=function(b){return b*2},c=[1,2,3].map(a);"
    write(repo, "dist.min.js", unit * (50_000_000 // len(unit)) + f';k="{key}"'.encode())
    run = falguard("scan", "--format", "json", cwd=repo)
    (finding,) = run.json["findings"]
    assert finding["line"] == 1 and finding["column"] > 49_000_000


def test_non_utf8_file_names_and_contents(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_fal_key(random.Random(2))
    name = b"caf\xe9-\xff.env.txt"
    with open(os.path.join(os.fsencode(repo), name), "wb") as handle:
        handle.write(b"\xfa\xfb junk\n" + f"FAL_KEY={key}\n".encode())
    run = falguard("scan", "--format", "json", cwd=repo)
    (finding,) = run.json["findings"]
    assert finding["line"] == 2
    assert finding["path"].startswith("caf")


def test_unreadable_file_is_reported_and_the_scan_continues(repo: Path, falguard, monkeypatch) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(3))
    write(repo, "locked.txt", "x\n")
    write(repo, "open.py", f"K = '{key}'\n")
    real_open = os.open

    def refusing_open(path, flags, *args):  # root ignores chmod 000, so refuse like the kernel would
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.json["summary"]["unreadable"] == ["locked.txt: Permission denied"]
    assert run.json["summary"]["complete"] is False
    assert [f["path"] for f in run.json["findings"]] == ["open.py"]
    assert "falguard: could not read locked.txt: Permission denied" in run.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_mode(repo: Path, falguard) -> None:
    ignoring_env(repo)
    locked = write(repo, "locked.txt", "x\n")
    locked.chmod(0)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.json["summary"]["unreadable"] == ["locked.txt: Permission denied"]


def test_device_files_and_fifos_are_skipped_never_read(repo: Path, tmp_path: Path, falguard) -> None:
    ignoring_env(repo)
    plain = tmp_path / "plain"
    plain.mkdir()
    os.mkfifo(plain / "pipe")  # opening it for reading would block forever
    try:
        os.mknod(plain / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # reading it never ends
        os.mknod(repo / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))
        devices = 1
    except OSError:
        devices = 0  # this machine does not allow mknod; the FIFO still proves the point
    run = falguard("scan", "plain", "--format", "json", cwd=tmp_path)
    assert run.code == 0
    assert run.json["summary"]["skipped"]["other"] == 1 + devices
    assert falguard("scan", cwd=repo).code == 0  # git lists no special files; nothing blocks


def test_empty_repository_is_clean(repo: Path, falguard) -> None:
    ignoring_env(repo)
    run = falguard("scan", cwd=repo)
    assert run.code == 0
    assert "1 file scanned" in run.out  # the .gitignore


def test_index_lock_held_by_another_process_does_not_matter(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(4))
    write(repo, "a.py", f"K = '{key}'\n")
    commit_all(repo)
    write(repo, "a.py", f"K = '{key}'\nB = 1\n")  # a stat change git would like to refresh
    lock = repo / ".git" / "index.lock"
    lock.write_text("held")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1 and len(run.json["findings"]) == 1
    assert lock.read_text() == "held"  # not taken, not removed


def _hostile_repository(repo: Path, marker: Path) -> None:
    """A repository whose own configuration would run a program at every opportunity."""
    script = repo.parent / "evil.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\ncat\n")
    script.chmod(0o755)
    settings = {
        "core.fsmonitor": str(script),
        "core.pager": str(script),
        "core.sshCommand": str(script),
        "core.askPass": str(script),
        "diff.external": str(script),
        "diff.evil.textconv": str(script),
        "diff.evil.command": str(script),
        "filter.evil.clean": str(script),
        "filter.evil.smudge": str(script),
        "filter.evil.process": str(script),
        "credential.helper": f"!{script}",
        "pager.ls-files": str(script),
        "alias.ls-files": f"!{script}",
    }
    for key, value in settings.items():
        git(repo, "config", key, value)
    write(repo, ".gitattributes", "* diff=evil filter=evil\n")
    hooks = repo / ".git" / "hooks"
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "post-index-change"):
        (hooks / hook).write_text(f"#!/bin/sh\necho hook >> {marker}\n")
        (hooks / hook).chmod(0o755)


def test_scanning_an_untrusted_repository_runs_nothing_from_it(repo: Path, tmp_path: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(5))
    write(repo, "a.py", f"K = '{key}'\n")
    write(repo, "b.py", "clean\n")
    git(repo, "add", "a.py", "b.py")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "init")
    marker = tmp_path / "ran"
    _hostile_repository(repo, marker)
    write(repo, "b.py", "changed\n")  # a modified file invites diff and filter drivers
    outside = tmp_path / "out"
    outside.mkdir()
    commands = [
        ("scan",),
        ("scan", "--format", "json"),
        ("scan", "--format", "sarif"),
        ("scan", "--format", "github"),
        ("scan", "--write-replacements", str(outside / "r.txt")),
        ("config", "show"),
        ("baseline", "create", "-o", str(outside / "b.json")),
        ("baseline", "update", "-f", str(outside / "b.json")),
    ]
    for args in commands:
        falguard(*args, cwd=repo)
        assert not marker.exists(), f"falguard {' '.join(args)} ran a program from the repository"


def test_no_command_leaks_a_secret_even_with_debug(repo: Path, tmp_path: Path, falguard) -> None:
    rng = random.Random(6)
    kis, fal, hex32 = fake_key_id_secret(rng), fake_fal_key(rng), fake_hex32(rng)
    secrets = [kis, kis.split(":")[1], fal, fal[4:], hex32]
    write(repo, ".env", f"FAL_KEY={kis}\n{PUBLIC}={fal}\n")
    write(repo, "creds.js", f"// fal.ai\nconst FAL_KEY_SECRET = '{hex32}';\n")
    outside = tmp_path / "out"
    outside.mkdir()
    written = []
    for index, args in enumerate(
        [
            ("scan",),
            *(("scan", "--format", fmt, "-o", str(outside / f"report.{fmt}")) for fmt in ("text", "json", "sarif", "github")),
            *(("scan", "--format", fmt) for fmt in ("text", "json", "sarif", "github")),
            ("baseline", "create", "-o", str(outside / "baseline.json")),
            ("baseline", "update", "-f", str(outside / "baseline.json")),
            ("config", "show"),
            ("scan", "--baseline", str(outside / "missing.json")),
            ("scan", kis),  # a secret given as an argument comes back masked in the error
        ]
    ):
        for debug in ((), ("--debug",)):
            run = falguard(*args, *debug, cwd=repo)
            for secret in secrets:
                assert secret not in run.out and secret not in run.err, (args, debug)
        written = [p for p in outside.iterdir()]
    assert len(written) >= 5
    for path in written:
        text = path.read_text()
        for secret in secrets:
            assert secret not in text, path


def test_internal_errors_are_one_masked_line_and_a_traceback_only_with_debug(repo: Path, falguard, monkeypatch) -> None:
    key = fake_key_id_secret(random.Random(7))
    from falguard import scan as scan_module

    def broken(*args, **kwargs):
        raise RuntimeError(f"boom while reading {key}")

    monkeypatch.setattr("falguard.cli.scan_worktree", broken)
    assert scan_module  # the real module is untouched
    run = falguard("scan", cwd=repo)
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("falguard: internal error: RuntimeError: boom while reading")
    assert key not in run.err and key.split(":")[0] in run.err
    run = falguard("scan", "--debug", cwd=repo)
    assert "Traceback" in run.err and key not in run.err


def test_ctrl_c_exits_130_without_traceback_or_partial_report(repo: Path, tmp_path: Path) -> None:
    # git is the slow part of a real scan; a stand-in git that waits makes the timing certain
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "started"
    fake_git = bin_dir / "git"
    fake_git.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 30\n")
    fake_git.chmod(0o755)
    report = tmp_path / "report.sarif"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "falguard", "scan", "--format", "sarif", "-o", str(report)],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1] == "falguard: interrupted"
    assert not report.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".falguard-")]


def test_missing_git_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, "plain/a.txt", "hello\n")
    assert run_cli("scan", "plain", cwd=tmp_path).code == 0
    run = run_cli("scan", "plain", cwd=tmp_path, env={"PATH": "/nonexistent"})
    assert (run.code, run.err.strip()) == (2, "falguard: error: git is not installed or not on PATH")
