"""Hostile input and untrusted repositories: falguard reads, never runs, never leaks."""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from falguard.report import FORMATS
from tests.falapi_standin import StandIn
from tests.helpers import commit_all, git, ignoring_env, run_cli, write
from tests.keys import fake_fal_key, fake_hex32, fake_key_id_secret

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


ZERO = "0" * 40


def _evil_script(directory: Path, marker: Path) -> Path:
    script = directory / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    script.chmod(0o755)
    return script


def _signed_commit(repo: Path, message: str) -> str:
    """A commit carrying a (fake) signature on top of HEAD, made HEAD: git verifies it when
    ``log.showSignature`` is set, by running ``gpg.program``."""
    tree = git(repo, "write-tree").strip()
    parent = git(repo, "rev-parse", "HEAD").strip()
    body = (
        f"tree {tree}\nparent {parent}\n"
        "author Mallory <m@example.com> 1700000000 +0000\ncommitter Mallory <m@example.com> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n"
        f"\n{message}\n"
    )
    oid = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=body.encode()).strip()
    git(repo, "update-ref", "HEAD", oid)
    return oid


def _hostile_repository(repo: Path, marker: Path) -> None:
    """Make ``repo``'s own configuration run a program at every opportunity git has."""
    script = _evil_script(repo.parent, marker)
    hooks_path = repo.parent / "evil-hooks"
    hooks_path.mkdir(exist_ok=True)
    settings = {
        "core.fsmonitor": str(script),
        "core.pager": str(script),
        "core.editor": str(script),
        "sequence.editor": str(script),
        "core.sshCommand": str(script),
        "core.gitProxy": str(script),
        "core.askPass": str(script),
        "core.alternateRefsCommand": str(script),
        "core.hooksPath": str(hooks_path),
        "diff.external": str(script),
        "diff.evil.textconv": str(script),
        "diff.evil.command": str(script),
        "merge.evil.driver": str(script),
        "filter.evil.clean": str(script),
        "filter.evil.smudge": str(script),
        "filter.evil.process": str(script),
        "filter.evil.required": "true",
        "credential.helper": f"!{script}",
        "log.showSignature": "true",
        "gpg.program": str(script),
        "gpg.ssh.program": str(script),
        "gpg.x509.program": str(script),
        "trailer.evil.command": str(script),
        "pager.ls-files": str(script),
        "pager.log": str(script),
        "alias.ls-files": f"!{script}",
        "remote.origin.uploadpack": str(script),
        "remote.origin.receivepack": str(script),
        "protocol.allow": "always",
        "protocol.file.allow": "always",
        "protocol.ext.allow": "always",
        "uploadpack.packObjectsHook": str(script),
        "gc.auto": "1",
        "maintenance.auto": "true",
    }
    for key, value in settings.items():
        git(repo, "config", key, value)
    for hooks in (repo / ".git" / "hooks", hooks_path):
        for hook in ("pre-commit", "post-checkout", "reference-transaction", "post-index-change", "pre-auto-gc"):
            (hooks / hook).write_text(f"#!/bin/sh\necho hook {hook} >> {marker}\n")
            (hooks / hook).chmod(0o755)


def _untrusted_clone(tmp_path: Path, marker: Path) -> tuple[Path, str, str]:
    """A clone with every kind of state a command could look at, then made hostile: commits
    (one signed), a remote-tracking ref, an annotated tag, a stash, a staged change, a
    modified file, a tracked env file made racily clean. Returns (clone, HEAD, origin/main)."""
    rng = random.Random(5)
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    write(origin, "a.py", f"K = '{fake_key_id_secret(rng)}'\n")
    write(origin, "b.py", "clean\n")
    write(origin, ".gitattributes", "* diff=evil merge=evil filter=evil\n")
    commit_all(origin, "init")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    published = git(clone, "rev-parse", "HEAD").strip()
    write(clone, ".env.local", f"FAL_KEY={fake_fal_key(rng)}\n")
    write(clone, "c.py", f"K = '{fake_key_id_secret(rng)}'\n")
    commit_all(clone, f"local work {fake_key_id_secret(rng)}")
    git(clone, "tag", "-a", "v1", "-m", "release")
    write(clone, "b.py", f"stashed = '{fake_key_id_secret(rng)}'\n")
    git(clone, "stash", "-q")
    head = _signed_commit(clone, "signed")
    git(clone, "reset", "-q", "--hard")
    write(clone, "d.py", f"K = '{fake_key_id_secret(rng)}'\n")
    git(clone, "add", "d.py")  # staged
    write(clone, "b.py", "changed\n")  # modified: invites diff and clean filters
    index_time = (clone / ".git" / "index").stat().st_mtime
    os.utime(clone / ".env.local", (index_time, index_time))  # racily clean: git would re-hash it
    _hostile_repository(clone, marker)
    return clone, head, published


def test_no_command_runs_anything_from_an_untrusted_repository(
    tmp_path: Path, falguard, monkeypatch, standin: StandIn
) -> None:
    marker = tmp_path / "ran"
    clone, head, published = _untrusted_clone(tmp_path, marker)
    outside = tmp_path / "out"
    outside.mkdir()
    push_lines = f"refs/heads/main {head} refs/heads/main {published}\n"
    commands: list[tuple[tuple[str, ...], tuple[int, ...]]] = [
        *((("scan", "--format", fmt), (1,)) for fmt in FORMATS),
        *((("scan", "--staged", "--format", fmt), (1,)) for fmt in FORMATS),
        *((("scan", "--history", "--format", fmt), (1,)) for fmt in FORMATS),
        (("scan", "--history", "--since", "origin/main"), (1,)),
        (("scan", "--history", "origin/main..main"), (1,)),
        (("scan", "-o", str(outside / "report.sarif"), "--format", "sarif"), (1,)),
        (("scan", "--write-replacements", str(outside / "r1.txt")), (1,)),
        (("scan", "--staged", "--write-replacements", str(outside / "r2.txt")), (1,)),
        (("scan", "--history", "--write-replacements", str(outside / "r3.txt")), (1,)),
        *((("audit", "--format", fmt), (1,)) for fmt in FORMATS),
        (("audit", "-o", str(outside / "audit.txt"), "--write-replacements", str(outside / "r4.txt")), (1,)),
        (("scan", "--history", "--verify"), (0, 1)),
        (("audit", "--verify"), (0, 1)),
        (("rotate",), (0, 1)),
        (("revoke", standin.add_key().key_id), (0,)),
        (("hook", "pre-commit"), (1,)),
        (("hook", "pre-push", "origin", str(tmp_path / "origin")), (1,)),
        (("install", "--hook", "pre-commit", "--hook", "pre-push"), (0,)),
        (("uninstall",), (0,)),
        (("config", "show"), (0,)),
        (("baseline", "create", "-o", str(outside / "b.json")), (0,)),
        (("baseline", "update", "-f", str(outside / "b.json")), (0,)),
        (("fix",), (0,)),
        (("fix", "--untrack"), (0,)),
    ]
    for args, codes in commands:
        monkeypatch.setattr(sys, "stdin", io.StringIO(push_lines))
        run = falguard(*args, cwd=clone)
        assert run.code in codes, (args, run.code, run.err)
        ran = marker.read_text() if marker.exists() else ""
        assert not ran, f"falguard {' '.join(args)} ran a program from the repository: {ran}"
    assert ".env.local" not in git(clone, "ls-files")  # fix --untrack did its job, quietly


def _planted_repository(root: Path) -> tuple[Path, list[str]]:
    """A repository with fal keys everywhere a command looks: the working tree, an env file
    (tracked, and one only on disk), the index only, history only, a commit message, a
    stash. Returns it and every string that must never be printed or written: each key,
    the secret half of each ``id:secret`` key, each ``fal_`` key's body."""
    rng = random.Random(6)
    keys = {name: fake_key_id_secret(rng) for name in ("tree", "env", "index", "history", "message", "stash")}
    fal, hex32, uuid_half = fake_fal_key(rng), fake_hex32(rng), fake_key_id_secret(rng).split(":")[0]
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, "old.py", f"OLD = '{keys['history']}'\n")
    write(repo, ".env.production", f"FAL_KEY={keys['env']}\n")
    commit_all(repo, f"add the key {keys['message']} for now")
    (repo / "old.py").unlink()
    write(repo, "stashme.py", "x = 1\n")
    commit_all(repo, "remove it")
    write(repo, "stashme.py", f"S = '{keys['stash']}'\n")
    git(repo, "stash", "-q")
    write(repo, ".env", f"FAL_KEY={keys['env']}\n{PUBLIC}={fal}\n")
    write(
        repo,
        "creds.js",
        f"// fal.ai\nconst FAL_KEY_ID = '{uuid_half}';\nconst FAL_KEY_SECRET = '{hex32}';\nK = '{keys['tree']}'\n",
    )
    write(repo, "staged.py", f"K = '{keys['index']}'\n")
    git(repo, "add", "staged.py")
    write(repo, "staged.py", "K = None\n")  # the key is only in the index now
    secrets = [*keys.values(), *(key.split(":")[1] for key in keys.values()), fal, fal[4:], hex32]
    return repo, secrets


def _files(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file() and "objects" not in path.parts}


def test_no_command_leaks_a_secret_even_with_debug(tmp_path: Path, falguard, monkeypatch, standin: StandIn) -> None:
    repo, secrets = _planted_repository(tmp_path)
    live = [standin.add_key("API", credential=secrets[0]), standin.add_key("ADMIN", credential=secrets[1])]
    secrets = [*secrets, os.environ["FAL_ADMIN_KEY"], os.environ["FAL_ADMIN_KEY"].split(":")[1]]
    out = tmp_path / "out"
    out.mkdir()
    replacements = out / "replacements.txt"
    head = git(repo, "rev-parse", "HEAD").strip()
    key = secrets[0]
    commands = [
        *(
            ("scan", *mode, "--format", fmt, *target)
            for index, mode in enumerate(
                ((), ("--staged",), ("--history",), ("--history", "--since", "HEAD~1"), ("--history", "HEAD~1..HEAD"))
            )
            for fmt in FORMATS
            for target in ((), ("-o", str(out / f"report-{index}.{fmt}")))
        ),
        ("scan", "--write-replacements", str(replacements)),
        ("scan", "--staged", "--write-replacements", str(replacements)),
        ("scan", "--history", "--write-replacements", str(replacements)),
        ("scan", "--fail-on", "low", "--no-baseline", ".", ".env", "creds.js"),
        *(("audit", "--format", fmt, *target) for fmt in FORMATS for target in ((), ("-o", str(out / f"audit.{fmt}")))),
        ("audit", "--write-replacements", str(replacements)),
        *(("scan", *mode, "--verify", "--format", fmt) for mode in ((), ("--history",)) for fmt in FORMATS),
        *(("audit", "--verify", "--format", fmt) for fmt in ("text", "json")),
        *(("rotate", "--format", fmt) for fmt in ("text", "json")),
        ("revoke", live[0].key_id),
        ("hook", "pre-commit"),
        ("hook", "pre-push", "origin", "url"),
        ("baseline", "create", "-o", str(out / "baseline.json")),
        ("baseline", "update", "-f", str(out / "baseline.json")),
        ("config", "show"),
        ("install", "--hook", "pre-commit", "--hook", "pre-push"),
        ("uninstall",),
        ("fix",),
        # errors that could quote a key back: as a path, a revision, a range base, a push line
        ("scan", key),
        ("scan", "--history", key),
        ("scan", "--history", f"{key}..HEAD"),
        ("scan", "--history", "--since", key),
        ("scan", "--baseline", str(out / f"{key}.json")),
        ("scan", "-o", str(tmp_path / "nowhere" / f"{key}.json")),
        ("hook", "pre-push", "origin", key),
        ("fix", "--untrack"),
    ]
    before = _files(tmp_path)
    codes: list[int] = []
    push = f"refs/heads/main {head} refs/heads/main {ZERO}\n"
    for args in commands:
        quoted = key in " ".join(args)
        for debug in (("--debug",), ()) if quoted else (("--debug",),):  # --debug changes only errors
            monkeypatch.setattr(sys, "stdin", io.StringIO(push + (f"{key} x\n" if quoted else "")))
            run = falguard(*args, *debug, cwd=repo)
            codes.append(run.code)
            for secret in secrets:
                assert secret not in run.out and secret not in run.err, (args, debug)
    assert codes.count(2) == 14 and {0, 1} < set(codes)
    written = {path: data for path, data in _files(tmp_path).items() if before.get(path) != data}
    assert replacements in written and (repo / ".gitignore") in written and len(written) >= 27
    for path, data in written.items():
        if path == replacements:
            continue  # plaintext by design (mode 0600, outside the repository)
        for secret in secrets:
            assert secret.encode() not in data, path


def test_error_messages_mask_keys_where_they_are_made(repo: Path) -> None:
    from falguard.errors import GitError
    from falguard.scans.historyscan import scan_history

    key = fake_key_id_secret(random.Random(9))
    commit_all(repo, "first")
    with pytest.raises(GitError) as raised:
        scan_history(str(repo), [key])  # git quotes the bad revision back
    assert key not in str(raised.value) and key not in repr(raised.value)
    assert key.split(":")[0] in str(raised.value)  # the key id stays: it names the key


def test_internal_errors_are_one_masked_line_and_a_traceback_only_with_debug(repo: Path, falguard, monkeypatch) -> None:
    key = fake_key_id_secret(random.Random(7))
    from falguard.scans import scan as scan_module

    def broken(*args, **kwargs):
        raise RuntimeError(f"boom while reading {key}")

    monkeypatch.setattr("falguard.scans.scan.scan_worktree", broken)
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
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60  # a loaded machine may take long to start the scan's git
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


@pytest.mark.parametrize("stall_on", ["cat-file", "--objects"])  # reading commits; reading blobs with 4 readers
def test_ctrl_c_during_a_history_scan_leaves_no_file_and_no_process(repo: Path, tmp_path: Path, stall_on: str) -> None:
    write(repo, "a.py", f"K = '{fake_key_id_secret(random.Random(15))}'\n")
    commit_all(repo, "a")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "started"
    real_git = shutil.which("git")
    stand_in = bin_dir / "git"  # real git, except the history stream's process, which stalls
    stand_in.write_text(
        f'#!/bin/sh\nfor arg in "$@"; do\n  if [ "$arg" = "{stall_on}" ]; then echo $$ > {started}.tmp; mv {started}.tmp {started}; exec sleep 30; fi\ndone\n'
        f'exec {real_git} "$@"\n'
    )
    stand_in.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    command = [
        "scan",
        "--history",
        "--format",
        "json",
        "-o",
        str(out / "r.json"),
        "--write-replacements",
        str(out / "k.txt"),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "falguard", *command], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60  # a loaded machine may take long to start the scan's git
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert started.exists()
    time.sleep(0.1)  # let falguard settle into reading git's output
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert stderr.decode().strip().splitlines() == ["falguard: interrupted"]
    assert stdout == b"" and list(out.iterdir()) == []
    assert _gone(int(started.read_text()))  # the stalled git was stopped, not left behind


def _gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a killed orphan may take a moment to be reaped by init)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if _zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def test_missing_git_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, "plain/a.txt", "hello\n")
    assert run_cli("scan", "plain", cwd=tmp_path).code == 0
    run = run_cli("scan", "plain", cwd=tmp_path, env={"PATH": "/nonexistent"})
    assert (run.code, run.err.strip()) == (2, "falguard: error: git is not installed or not on PATH")


def test_a_partial_clone_never_fetches_what_it_lacks(tmp_path: Path, falguard) -> None:
    marker = tmp_path / "ran"
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    git(origin, "config", "uploadpack.allowFilter", "true")
    git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
    write(origin, ".env.old", f"FAL_KEY={fake_fal_key(random.Random(8))}\n")
    commit_all(origin, "old")
    absent = git(origin, "rev-parse", "HEAD:.env.old").strip()
    git(origin, "rm", "-q", "--cached", ".env.old")
    write(origin, ".gitignore", ".env*\n")
    commit_all(origin, "untrack")
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{origin}", str(clone))
    # the index names a blob only the promisor remote has (as in a sparse checkout); fetching
    # it would run the remote's upload-pack, which this repository's configuration chooses
    git(clone, "update-index", "--add", "--cacheinfo", f"100644,{absent},.env.old")
    git(clone, "config", "remote.origin.uploadpack", str(_evil_script(tmp_path, marker)))
    missing = git(clone, "rev-list", "--objects", "--all", "--missing=print").count("?")
    expected = {("scan",): 1, ("scan", "--staged"): 2, ("hook", "pre-commit"): 2, ("scan", "--history"): 1, ("fix",): 0}
    for args, code in expected.items():
        run = falguard(*args, cwd=clone)
        assert not marker.exists(), f"falguard {' '.join(args)} fetched from the promisor remote"
        assert run.code == code, (args, run.err)
        if code == 2:  # the staged patch needs the blob's content: say so, and what to do
            (line,) = run.err.splitlines()
            assert "could not fetch" in line and "falguard never fetches missing objects" in line
    assert git(clone, "rev-list", "--objects", "--all", "--missing=print").count("?") == missing


def _corrupt(repo: Path, oid: str) -> None:
    path = repo / ".git" / "objects" / oid[:2] / oid[2:]
    path.chmod(0o644)
    path.write_bytes(b"not zlib")


def test_a_corrupt_object_is_one_clear_error_for_every_source(repo: Path, falguard, monkeypatch) -> None:
    ignoring_env(repo)
    commit_all(repo, "first")
    write(repo, "b.py", "y = 2\n")
    head = commit_all(repo, "second")
    write(repo, "a.py", "x = 1\n")
    git(repo, "add", "a.py")
    _corrupt(repo, git(repo, "rev-parse", ":a.py").strip())
    _corrupt(repo, git(repo, "rev-parse", "HEAD:b.py").strip())
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"refs/heads/main {head} refs/heads/main {ZERO}\n"))
    for args in (("scan", "--staged"), ("hook", "pre-commit"), ("scan", "--history"), ("hook", "pre-push", "o", "u")):
        run = falguard(*args, cwd=repo)
        assert run.code == 2, (args, run.err)
        lines = run.err.splitlines()
        if args == ("scan", "--history"):
            # what could be read is still reported (its gap said), then the one error line
            assert "coverage is incomplete" in run.out and len(lines) == 1
        else:
            assert len(lines) == 1
        line = lines[-1]
        assert line.startswith("falguard: error: ") and "corrupt" in line and "git fsck" in line, line


def test_odd_paths_in_staged_pushed_and_history_scans(repo: Path, falguard, monkeypatch) -> None:
    ignoring_env(repo)
    commit_all(repo, "first")
    rng = random.Random(10)
    names = [
        b"dir with space/a b.py",
        b"new\nline.py",
        b"caf\xe9\xff.py",
        b" lead and trail .py ",
        b'"quoted"\\.py',
        b"x\n+++ b/y.py",
    ]
    for name in names:
        path = os.path.join(os.fsencode(repo), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(f"K = '{fake_key_id_secret(rng)}'\n".encode())
    git(repo, "add", "-A")
    shown = {name.decode("utf-8", "backslashreplace") for name in names}

    def paths(*args: str) -> set[str]:
        run = falguard(*args, "--format", "json", cwd=repo)
        assert run.code == 1, run.err
        return {finding["path"] for finding in run.json["findings"]}

    assert paths("scan", "--staged") == shown
    head = commit_all(repo, "odd names")
    assert paths("scan") == shown
    assert paths("scan", "--history") == shown
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"refs/heads/main {head} refs/heads/main {ZERO}\n"))
    run = falguard("hook", "pre-push", "origin", "url", cwd=repo)
    assert run.code == 1 and all(name.split("\n")[-1] in run.err for name in shown)


def test_index_lock_held_does_not_stop_the_staged_scan_or_the_hook(repo: Path, falguard) -> None:
    write(repo, ".env.production", "MODE=prod\n")
    commit_all(repo, "first")  # a tracked env file: fix --untrack has something to do
    key = fake_key_id_secret(random.Random(11))
    write(repo, "a.py", f"K = '{key}'\n")
    git(repo, "add", "a.py")
    write(repo, "a.py", f"K = '{key}'\nB = 1\n")  # stat information git would like to refresh
    lock = repo / ".git" / "index.lock"
    lock.write_text("held")
    index = (repo / ".git" / "index").read_bytes()
    for args in (("scan", "--staged"), ("hook", "pre-commit"), ("scan",), ("scan", "--history"), ("fix",)):
        run = falguard(*args, cwd=repo)
        assert run.code in (0, 1) and "index.lock" not in run.err, (args, run.err)
    assert lock.read_text() == "held"  # not taken, not removed
    assert (repo / ".git" / "index").read_bytes() == index  # and the index was not rewritten
    run = falguard("fix", "--untrack", cwd=repo)  # the one writer: fails, says why and what to do
    assert run.code == 2 and lock.read_text() == "held"
    (line,) = run.err.splitlines()
    assert line.endswith("(another git process holds the index lock; retry when it has finished)")


def test_nul_and_utf16_content_gets_the_same_verdict_from_every_source(repo: Path, falguard) -> None:
    ignoring_env(repo)
    commit_all(repo, "first")
    rng = random.Random(12)
    keys = {name: fake_key_id_secret(rng) for name in ("le", "be", "early", "late", "bare")}
    write(repo, "utf16le.txt", ("\ufeff" + f"FAL_KEY={keys['le']}\r\n").encode("utf-16-le"))
    write(repo, "utf16be.txt", ("\ufeff" + f"FAL_KEY={keys['be']}\n").encode("utf-16-be"))
    write(repo, "early-nul.bin", b"\x89PNG\0\0" + f"FAL_KEY={keys['early']}".encode())  # binary: skipped
    write(repo, "late-nul.txt", b"x" * 9000 + b"\0\n" + f"FAL_KEY={keys['late']}\n".encode())  # text, as git decides
    write(repo, "no-bom.txt", f"FAL_KEY={keys['bare']}\n".encode("utf-16-le"))  # NULs, no BOM: binary
    git(repo, "add", "-A")
    expected = {("utf16le.txt", 1), ("utf16be.txt", 1), ("late-nul.txt", 2)}

    def verdict(*args: str) -> tuple[set[tuple[str, int]], int]:
        run = falguard(*args, "--format", "json", cwd=repo)
        assert run.code == 1, run.err
        return {(f["path"], f["line"]) for f in run.json["findings"]}, run.json["summary"]["skipped"]["binary"]

    assert verdict("scan", "--staged") == (expected, 2)
    commit_all(repo, "encodings")
    assert verdict("scan") == (expected, 2)
    assert verdict("scan", "--history") == (expected, 2)


def test_a_blob_over_the_size_limit_in_history_is_skipped_and_counted(repo: Path, falguard) -> None:
    # 101 MiB of text with a key at the end: found only if falguard read past the limit
    key = fake_key_id_secret(random.Random(13))
    content = b"abcdefgh" * (101 * 1024 * 1024 // 8) + f"\nFAL_KEY={key}\n".encode()
    oid = git(repo, "hash-object", "-w", "--stdin", input=content).strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{oid},huge.log")
    write(repo, "small.py", f"K = '{fake_key_id_secret(random.Random(14))}'\n")
    git(repo, "add", "small.py")
    git(repo, "commit", "-q", "-m", "huge")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert run.code == 1
    assert [f["path"] for f in run.json["findings"]] == ["small.py"]
    assert run.json["summary"]["skipped"]["too_large"] == 1
    assert any(path.startswith("huge.log (blob") for path in run.json["summary"]["skipped_paths"])


def test_every_command_fails_with_one_line_and_a_traceback_only_with_debug(
    repo: Path, tmp_path: Path, falguard, monkeypatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    commit_all(repo, "first")
    write(tmp_path, "broken/.falguard.toml", "fail-on = [\n")
    in_repo = [
        ("scan", "--history", "no-such-branch"),
        ("scan", "--history", "--since", "no-such-branch"),
        ("scan", "-o", str(tmp_path / "missing-dir" / "r.json")),
        ("scan", "--baseline", str(tmp_path / "missing.json")),
        ("scan", "--write-replacements", str(repo / "keys.txt")),  # inside the repository: refused
        ("scan", "no-such-path"),
        ("hook", "pre-push", "origin", "url"),  # stdin below is not a ref line
        ("baseline", "update", "-f", str(tmp_path / "missing.json")),
        ("config", "show", str(tmp_path / "broken")),
        ("fix", "no-such-dir"),
        ("audit", "no-such-dir"),
        ("audit", "-o", str(tmp_path / "missing-dir" / "audit.txt")),
    ]
    outside = [("scan", "--staged"), ("scan", "--history"), ("hook", "pre-commit"), ("install",), ("uninstall",)]
    for cwd, commands in ((repo, in_repo), (plain, outside)):
        for args in commands:
            monkeypatch.setattr(sys, "stdin", io.StringIO("not a ref line\n"))
            run = falguard(*args, cwd=cwd)
            assert run.code == 2, (args, run.err)
            (line,) = run.err.splitlines()
            assert line.startswith("falguard: error: ") and "Traceback" not in run.err, (args, line)
            monkeypatch.setattr(sys, "stdin", io.StringIO("not a ref line\n"))
            debug = falguard(*args, "--debug", cwd=cwd)
            assert debug.code == 2 and debug.err.splitlines()[-1] == line
            assert "Traceback" in debug.err or line.startswith("falguard: error: Invalid value"), (args, debug.err)


def test_file_names_cannot_inject_into_terminals_or_ci_logs(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(77))
    hostile = "evil\x1b[2J\n::error file=x::forged.py"
    write(repo, hostile, f"K = '{key}'\n")
    write(repo, "big\r\n::warning::x.txt", "x" * 5000)
    for fmt in ("text", "github"):
        run = falguard("scan", "--format", fmt, "--max-file-size", "4k", cwd=repo)
        assert run.code == 1
        for stream in (run.out, run.err):
            assert "\x1b" not in stream and "\r" not in stream
            assert not any(line.startswith(("::error file=x", "::warning::x")) for line in stream.splitlines())
        if fmt == "text":
            assert "evil\\x1b[2J\\n::error file=x::forged.py" in run.out
    git(repo, "add", "-A")
    from falguard.report.hook import shell_quote

    assert shell_quote(hostile) == "$'evil\\x1b[2J\\n::error file=x::forged.py'"


def test_non_utf8_names_outside_a_repository_reach_every_writer(tmp_path: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(78))
    plain = tmp_path / "plain"
    plain.mkdir()
    with open(os.path.join(os.fsencode(plain), b"conf\xe9.py"), "wb") as handle:
        handle.write(f"K = '{key}'\n".encode())
    with open(os.path.join(os.fsencode(plain), b".env.\xff"), "wb") as handle:
        handle.write(b"A=1\n")
    out = tmp_path / "out"
    out.mkdir()
    for args in (
        ("scan", "plain", "--format", "json", "-o", str(out / "r.json")),
        ("scan", "plain", "--format", "sarif", "-o", str(out / "r.sarif")),
        ("scan", "plain"),
        ("baseline", "create", "plain", "-o", str(out / "b.json")),
    ):
        run = falguard(*args, cwd=tmp_path)
        assert run.code in (0, 1), (args, run.err)
        assert "internal error" not in run.err
    assert "conf\\\\xe9.py" in (out / "r.json").read_text()
