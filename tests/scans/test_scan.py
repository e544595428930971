"""`falguard scan` on real repositories and plain directories, end to end through the CLI."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, ignoring_env, run_cli, write
from tests.keys import fake_fal_key, fake_key_id_secret

PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"


def keys(seed: int = 0) -> tuple[str, str]:
    rng = random.Random(seed)
    return fake_key_id_secret(rng), fake_fal_key(rng)


def test_repository_scan_covers_tracked_untracked_and_ignored_env_files(repo: Path, falguard) -> None:
    kis, fal = keys()
    write(repo, ".gitignore", "ignored/\n.env*\n")
    write(repo, "src/config.ts", f'export const key = "{kis}";\n')
    commit_all(repo)
    write(repo, "notes/untracked.py", f"FAL_KEY = '{fal}'\n")
    write(repo, "ignored/cache.txt", f"FAL_KEY={kis}\n")  # ignored: git would never commit it
    write(repo, ".env.local", f"FAL_KEY={kis}\n{PUBLIC}={fal}\n")  # the right place, but public
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1
    found = {(f["path"], f["rule"], f["line"]) for f in run.json["findings"]}
    assert found == {
        ("src/config.ts", "fal-key-id-secret", 1),
        ("notes/untracked.py", "fal-key", 1),
        (".env.local", "public-fal-key", 2),
    }
    assert run.json["summary"]["files_scanned"] == 4


def test_json_contract(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis, _ = keys(1)
    write(repo, "app.py", f"\n\nFAL_KEY = '{kis}'\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    document = run.json
    assert document["tool"] == "falguard"
    assert isinstance(document["version"], str)
    (finding,) = document["findings"]
    assert set(finding) >= {
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "secret",
        "fingerprint",
        "commit",
        "message",
        "remediation",
    }
    assert finding["rule"] == "fal-key-id-secret"
    assert finding["severity"] == "critical"
    assert (finding["path"], finding["line"], finding["column"]) == ("app.py", 3, 12)
    assert finding["commit"] is None
    assert finding["fingerprint"] == hashlib.sha256(f"fal-key-id-secret:{kis}".encode()).hexdigest()
    key_id, secret = kis.split(":")
    assert finding["secret"] == f"{key_id}:****{secret[-4:]}"
    assert "dashboard" in finding["remediation"]
    assert document["summary"]["findings"] == 1
    assert document["summary"]["by_severity"]["critical"] == 1


def test_fingerprint_survives_moving_the_secret(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis, _ = keys(2)
    write(repo, "a.py", f"FAL_KEY = '{kis}'\n")
    before = falguard("scan", "--format", "json", cwd=repo).json["findings"][0]
    write(repo, "a.py", f'import os\n\n\ndef f():\n    key = "{kis}"\n')
    after = falguard("scan", "--format", "json", cwd=repo).json["findings"][0]
    assert before["line"] != after["line"]
    assert before["fingerprint"] == after["fingerprint"]


def test_masking_of_fal_prefixed_keys(repo: Path, falguard) -> None:
    ignoring_env(repo)
    _, fal = keys(3)
    write(repo, "a.sh", f"export FAL_KEY={fal}\n")
    (finding,) = falguard("scan", "--format", "json", cwd=repo).json["findings"]
    assert finding["secret"] == f"{fal[:4]}****{fal[-4:]}"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_output_ever_holds_a_full_secret(repo: Path, falguard, tmp_path: Path, fmt: str) -> None:
    kis, fal = keys(4)
    secret_half = kis.split(":")[1]
    write(repo, ".env", f"FAL_KEY={kis}\nOTHER={fal}\n{PUBLIC}={fal}\n")
    write(repo, "x.js", f'const FAL_KEY_SECRET = "{secret_half}";\n')
    out_file = tmp_path / f"report.{fmt}"
    for args in (("scan", "--format", fmt), ("scan", "--format", fmt, "-o", str(out_file))):
        run = falguard(*args, cwd=repo)
        assert run.code == 1
        for text in (run.out, run.err, out_file.read_text() if out_file.exists() else ""):
            for secret in (kis, fal, secret_half, fal[4:]):
                assert secret not in text


def test_exit_codes_follow_fail_on(repo: Path, falguard) -> None:
    write(repo, "a.ts", f"const k = process.env.{PUBLIC};\n")  # high, not critical
    assert falguard("scan", cwd=repo).code == 1
    assert falguard("scan", "--fail-on", "critical", cwd=repo).code == 0
    assert falguard("scan", "--fail-on", "high", cwd=repo).code == 1


def test_clean_repository_exits_zero_with_a_summary(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "README.md", "nothing to see\n")
    run = falguard("scan", cwd=repo)
    assert run.code == 0
    assert "no fal credentials found" in run.out
    assert "2 files scanned" in run.out  # README.md and .gitignore


def test_binary_and_large_files_are_skipped_and_counted(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis, _ = keys(5)
    write(repo, "image.png", b"\x89PNG\0\0" + kis.encode())
    write(repo, "big.txt", "x" * 5000 + kis)
    write(repo, "small.txt", "hello\n")
    run = falguard("scan", "--format", "json", "--max-file-size", "4k", cwd=repo)
    summary = run.json["summary"]
    assert run.json["findings"] == []
    assert summary["skipped"] == {"binary": 1, "too_large": 1, "other": 0}
    assert any("big.txt" in entry for entry in summary["skipped_paths"])
    assert "skipped 1 binary, 1 too large" in run.err
    assert run.code == 0


def test_plain_directory_is_walked_but_never_into_dot_git(tmp_path: Path, falguard) -> None:
    kis, fal = keys(6)
    root = tmp_path / "plain"
    write(root, "deep/er/config.yaml", f"FAL_KEY: {kis}\n")
    write(root, ".git/leftover", f"FAL_KEY={fal}\n")  # not a repository, and never scanned
    run = falguard("scan", "plain", "--format", "json", cwd=tmp_path)
    assert [(f["path"], f["rule"]) for f in run.json["findings"]] == [
        ("plain/deep/er/config.yaml", "fal-key-id-secret")
    ]


def test_paths_limit_the_scan_inside_a_repository(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis, fal = keys(7)
    write(repo, "a/one.py", f"k = '{kis}'\n")
    write(repo, "b/two.py", f"k = '{fal}'\n")
    run = falguard("scan", "b", "--format", "json", cwd=repo)
    assert [f["path"] for f in run.json["findings"]] == ["b/two.py"]
    run = falguard("scan", str(repo / "a" / "one.py"), "--format", "json", cwd=repo / "b")
    assert [f["path"] for f in run.json["findings"]] == ["a/one.py"]


def test_odd_file_names(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis, _ = keys(8)
    write(repo, "dir with space/ünï cödé.env.ts", f"k = '{kis}'\n")
    write(repo, "new\nline.txt", f"k = '{kis}'\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert sorted(f["path"] for f in run.json["findings"]) == ["dir with space/ünï cödé.env.ts", "new\nline.txt"]


def test_symlinks_are_not_followed_and_fifos_do_not_block(repo: Path, tmp_path: Path, falguard) -> None:
    ignoring_env(repo)
    kis, _ = keys(9)
    outside = write(tmp_path, "outside/secret.txt", f"FAL_KEY={kis}\n")
    os.symlink(outside, repo / "link.txt")
    os.symlink(repo / "loop", repo / "loop")
    os.mkfifo(repo / "pipe")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.json["findings"] == []
    assert run.code == 0


def test_missing_path_is_a_one_line_error(repo: Path, falguard) -> None:
    run = falguard("scan", "does-not-exist", cwd=repo)
    assert run.code == 2
    assert run.err.strip() == "falguard: error: no such file or directory: does-not-exist"


@pytest.mark.parametrize(
    "args",
    [("scan", "--format", "yaml"), ("scan", "--fail-on", "urgent"), ("scan", "--max-file-size", "lots"), ("nope",)],
)
def test_bad_usage_is_exit_2_without_traceback(repo: Path, falguard, args: tuple[str, ...]) -> None:
    run = falguard(*args, cwd=repo)
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1
    assert "Traceback" not in run.err


def test_output_file_and_console_entry_point(repo: Path, tmp_path: Path) -> None:
    ignoring_env(repo)
    kis, _ = keys(10)
    write(repo, "a.py", f"k = '{kis}'\n")
    report = tmp_path / "out.json"
    run = run_cli("scan", "--format", "json", "-o", str(report), cwd=repo)
    assert run.code == 1
    assert run.out == ""
    assert "1 finding (1 critical)" in run.err
    assert '"fal-key-id-secret"' in report.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".falguard-")]
    assert run_cli("--version", cwd=repo).out.startswith("falguard, version")


def test_output_into_missing_directory_is_exit_2(repo: Path, falguard) -> None:
    run = falguard("scan", "-o", "/nonexistent/dir/report.json", cwd=repo)
    assert run.code == 2
    assert "does not exist" in run.err


def test_color_only_on_a_terminal_and_never_with_no_color(repo: Path, falguard, monkeypatch) -> None:
    kis, _ = keys(11)
    write(repo, "a.py", f"k = '{kis}'\n")
    assert "\033[" not in falguard("scan", cwd=repo).out  # captured output is not a terminal
    from falguard.cli import options

    monkeypatch.setattr(options, "use_color", lambda stream: True)
    assert "\033[" in falguard("scan", cwd=repo).out
    monkeypatch.undo()
    monkeypatch.setenv("NO_COLOR", "1")
    with open(os.devnull) as devnull:
        assert not options.use_color(devnull)


def test_key_in_committed_history_only_is_not_a_worktree_finding(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis, _ = keys(12)
    write(repo, "a.py", f"k = '{kis}'\n")
    commit_all(repo)
    write(repo, "a.py", "k = os.environ['FAL_KEY']\n")
    commit_all(repo)
    assert git(repo, "log", "--oneline").count("\n") == 2
    assert falguard("scan", cwd=repo).code == 0


def test_bare_falguard_prints_help(repo: Path, falguard) -> None:
    run = falguard(cwd=repo)
    assert run.code == 0 and "Usage: falguard" in run.out and "audit" in run.out
