"""`falguard scan --staged`: the index, never the working tree, on real repositories."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, run_cli, write
from tests.keys import fake_fal_key, fake_key_id_secret

PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"


def key(seed: int = 0) -> str:
    return fake_key_id_secret(random.Random(seed))


def staged(falguard, repo: Path) -> tuple[int, set[tuple[str, str, int]], dict]:
    run = falguard("scan", "--staged", "--format", "json", cwd=repo)
    assert run.code in (0, 1), run.err
    found = {(f["path"], f["rule"], f["line"]) for f in run.json["findings"]}
    return run.code, found, run.json


def numbered(count: int) -> list[str]:
    return [f"line {number}\n" for number in range(1, count + 1)]


def test_reports_only_lines_the_staged_change_adds(repo: Path, falguard) -> None:
    old = key(1)
    write(repo, "config.py", f"FAL_KEY = '{old}'\nname = 'app'\n")  # already in HEAD: history's business
    commit_all(repo)
    new = fake_fal_key(random.Random(2))
    write(repo, "config.py", f"FAL_KEY = '{old}'\nname = 'app'\nOTHER = 1\nFAL_KEY_2 = '{new}'\n")
    git(repo, "add", "config.py")
    code, found, document = staged(falguard, repo)
    assert code == 1
    assert found == {("config.py", "fal-key", 4)}
    assert document["findings"][0]["source"] == "staged"


def test_untouched_key_in_head_is_not_reported_when_other_lines_change(repo: Path, falguard) -> None:
    write(repo, "config.py", f"FAL_KEY = '{key(3)}'\n")
    commit_all(repo)
    write(repo, "config.py", f"FAL_KEY = '{key(3)}'\nDEBUG = True\n")
    git(repo, "add", "config.py")
    code, found, document = staged(falguard, repo)
    assert (code, found) == (0, set())
    assert document["summary"]["files_scanned"] == 1


def test_partial_staging_with_add_p(repo: Path, falguard) -> None:
    lines = numbered(30)
    write(repo, "app.py", "".join(lines))
    commit_all(repo)
    lines[1] = f"FAL_KEY = '{key(4)}'\n"  # first hunk: left unstaged
    lines[27] = "clean = True\n"  # second hunk: staged
    write(repo, "app.py", "".join(lines))
    git(repo, "add", "-p", "app.py", input=b"n\ny\n")
    assert "clean = True" in git(repo, "diff", "--cached")
    assert "FAL_KEY" not in git(repo, "diff", "--cached")
    assert staged(falguard, repo)[:2] == (0, set())
    # and the other way round: the key staged, the clean hunk not
    git(repo, "reset", "-q")
    git(repo, "add", "-p", "app.py", input=b"y\nn\n")
    assert staged(falguard, repo)[:2] == (1, {("app.py", "fal-key-id-secret", 2)})


def test_key_staged_then_deleted_in_working_tree_is_still_reported(repo: Path, falguard) -> None:
    commit_all(repo)
    write(repo, "app.ts", f'const key = "{key(5)}";\n')
    git(repo, "add", "app.ts")
    write(repo, "app.ts", "const key = process.env.FAL_KEY;\n")
    assert staged(falguard, repo)[1] == {("app.ts", "fal-key-id-secret", 1)}
    (repo / "app.ts").unlink()
    assert staged(falguard, repo)[1] == {("app.ts", "fal-key-id-secret", 1)}


def test_git_index_file_is_honoured(repo: Path, tmp_path: Path) -> None:
    commit_all(repo)
    write(repo, "app.py", f"FAL_KEY = '{key(6)}'\n")
    # the key is staged only in another index, as `git commit -a` does with a temporary one
    env = {**os.environ, "GIT_INDEX_FILE": str(tmp_path / "other-index")}
    subprocess.run(["git", "read-tree", "HEAD"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "add", "app.py"], cwd=repo, env=env, check=True)
    assert run_cli("scan", "--staged", cwd=repo).code == 0  # the default index has nothing
    run = run_cli("scan", "--staged", "--format", "json", cwd=repo, env=env)
    assert run.code == 1
    assert [f["path"] for f in run.json["findings"]] == ["app.py"]


def test_relative_git_index_file_from_a_subdirectory(repo: Path) -> None:
    commit_all(repo)
    write(repo, "sub/app.py", f"FAL_KEY = '{key(7)}'\n")
    env = {**os.environ, "GIT_INDEX_FILE": ".git/alt-index"}  # git reads it from the top level
    subprocess.run(["git", "read-tree", "HEAD"], cwd=repo / "sub", env=env, check=True)
    subprocess.run(["git", "add", "app.py"], cwd=repo / "sub", env=env, check=True)
    run = run_cli("scan", "--staged", "--format", "json", cwd=repo / "sub", env=env)
    assert run.code == 1, run.err
    assert [f["path"] for f in run.json["findings"]] == ["sub/app.py"]


def test_relative_git_dir_from_a_subdirectory(repo: Path) -> None:
    commit_all(repo)
    write(repo, "sub/app.py", f"FAL_KEY = '{key(19)}'\n")
    git(repo, "add", "-A")
    run = run_cli(
        "scan", "--staged", "--format", "json", cwd=repo / "sub", env={"GIT_DIR": "../.git", "GIT_WORK_TREE": ".."}
    )
    assert run.code == 1, run.err
    assert [f["path"] for f in run.json["findings"]] == ["sub/app.py"]


def test_first_commit_without_head(repo: Path, falguard) -> None:
    write(repo, "main.py", f"FAL_KEY = '{key(8)}'\n")
    write(repo, "README.md", "hello\n")
    git(repo, "add", "-A")
    code, found, document = staged(falguard, repo)
    assert (code, found) == (1, {("main.py", "fal-key-id-secret", 1)})
    assert document["summary"]["files_scanned"] == 2


def test_empty_index_before_first_commit(repo: Path, falguard) -> None:
    write(repo, "main.py", f"FAL_KEY = '{key(9)}'\n")  # not staged
    assert staged(falguard, repo)[:2] == (0, set())


def test_rename_without_change_adds_nothing_and_rename_with_change_reports_new_path(repo: Path, falguard) -> None:
    write(repo, "old.py", f"FAL_KEY = '{key(10)}'\n" + "".join(numbered(20)))
    commit_all(repo)
    git(repo, "mv", "old.py", "new name.py")
    assert staged(falguard, repo)[:2] == (0, set())
    with open(repo / "new name.py", "a", encoding="utf-8") as handle:
        handle.write(f"SECOND = '{key(11)}'\n")
    git(repo, "add", "-A")
    assert staged(falguard, repo)[1] == {("new name.py", "fal-key-id-secret", 22)}


def test_deletion_scans_nothing(repo: Path, falguard) -> None:
    write(repo, "leak.py", f"FAL_KEY = '{key(12)}'\n")
    write(repo, ".env", f"FAL_KEY={key(12)}\n")
    commit_all(repo)
    git(repo, "rm", "-q", "leak.py", ".env")
    code, found, document = staged(falguard, repo)
    assert (code, found) == (0, set())
    assert document["summary"]["files_scanned"] == 0


def test_binary_files_are_skipped_and_utf16_text_is_scanned(repo: Path, falguard) -> None:
    commit_all(repo)
    write(repo, "image.bin", b"\x89PNG\0\0" + f"FAL_KEY={key(13)}".encode())
    write(repo, "windows.txt", ("\ufeff" + f"FAL_KEY={key(14)}\r\n").encode("utf-16-le"))
    git(repo, "add", "-A")
    code, found, document = staged(falguard, repo)
    assert found == {("windows.txt", "fal-key-id-secret", 1)}
    assert document["summary"]["skipped"]["binary"] == 1


def test_submodule_gitlinks_are_skipped(repo: Path, tmp_path: Path, falguard) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    git(inner, "init", "-q")
    write(inner, "secret.py", f"FAL_KEY = '{key(15)}'\n")  # the submodule's own business
    commit_all(inner)
    commit_all(repo)
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "vendor/inner")
    code, found, document = staged(falguard, repo)
    assert (code, found) == (0, set())
    assert document["summary"]["skipped"]["other"] == 1


def test_linked_worktree_scans_its_own_index(repo: Path, tmp_path: Path, falguard) -> None:
    write(repo, "a.py", "x = 1\n")
    commit_all(repo)
    linked = tmp_path / "linked tree"
    git(repo, "worktree", "add", "-q", "-b", "linked", str(linked))
    write(linked, "a.py", f"x = 1\nFAL_KEY = '{key(16)}'\n")
    git(linked, "add", "a.py")
    assert staged(falguard, linked)[1] == {("a.py", "fal-key-id-secret", 2)}
    assert staged(falguard, repo)[1] == set()


def test_merge_in_progress_reports_only_what_the_merge_adds(repo: Path, falguard) -> None:
    write(repo, "conf.py", "".join(numbered(10)))
    commit_all(repo)
    git(repo, "checkout", "-q", "-b", "side")
    write(repo, "side.py", f"FAL_KEY = '{key(17)}'\n")  # committed on the side branch: its history
    lines = numbered(10)
    lines[4] = "side = 1\n"
    write(repo, "conf.py", "".join(lines))
    commit_all(repo, "side")
    git(repo, "checkout", "-q", "main")
    lines = numbered(10)
    lines[4] = "main = 1\n"
    write(repo, "conf.py", "".join(lines))
    commit_all(repo, "main")
    proc = subprocess.run(["git", "merge", "-q", "side"], cwd=repo, capture_output=True)
    assert proc.returncode == 1  # conflict in conf.py
    assert (repo / ".git" / "MERGE_HEAD").exists()
    lines[4] = f"main = 1\nside = 1\nFAL_KEY = '{key(18)}'\n"  # the resolution adds a key
    write(repo, "conf.py", "".join(lines))
    git(repo, "add", "conf.py")
    code, found, _ = staged(falguard, repo)
    assert (code, found) == (1, {("conf.py", "fal-key-id-secret", 7)})


def test_unusual_paths(repo: Path, falguard) -> None:
    commit_all(repo)
    names = ["dir with space/a b.py", "ünïcødé/日本.py", "new\nline.py", 'quote"and\\back.py', "tab\there.py"]
    for seed, name in enumerate(names):
        write(repo, name, f"FAL_KEY = '{key(20 + seed)}'\n")
    git(repo, "add", "-A")
    code, found, _ = staged(falguard, repo)
    assert found == {(name, "fal-key-id-secret", 1) for name in names}


def test_staging_an_env_file_is_a_finding(repo: Path, falguard) -> None:
    commit_all(repo)
    write(repo, ".env.local", "DEBUG=1\n")
    write(repo, "web/.env.example", "FAL_KEY=your-api-key\n")  # a template: fine
    write(repo, ".env.production", f"FAL_KEY={key(30)}\n")
    git(repo, "add", "-A")
    code, found, document = staged(falguard, repo)
    assert code == 1
    assert found == {
        (".env.local", "env-tracked", 1),
        (".env.production", "env-tracked", 1),
        (".env.production", "fal-key-id-secret", 1),
    }
    severity = {(f["path"], f["rule"]): f["severity"] for f in document["findings"]}
    assert severity[(".env.local", "env-tracked")] == "medium"  # no secret in it: still blocks
    assert severity[(".env.production", "env-tracked")] == "critical"


def test_env_file_already_tracked_and_modified_is_still_a_finding(repo: Path, falguard) -> None:
    write(repo, ".env", f"FAL_KEY={key(31)}\n")
    commit_all(repo)
    write(repo, ".env", f"FAL_KEY={key(31)}\nDEBUG=1\n")
    git(repo, "add", ".env")
    code, found, document = staged(falguard, repo)
    assert found == {(".env", "env-tracked", 1)}  # the key itself is on an untouched line
    assert document["findings"][0]["severity"] == "critical"  # but the file holds it


def test_public_variable_added_is_reported(repo: Path, falguard) -> None:
    commit_all(repo)
    write(repo, "app.ts", f"const k = process.env.{PUBLIC};\n")
    git(repo, "add", "app.ts")
    assert staged(falguard, repo)[1] == {("app.ts", "public-fal-key", 1)}


def test_staged_takes_no_paths_and_needs_a_repository(tmp_path: Path, repo: Path, falguard) -> None:
    assert falguard("scan", "--staged", "x", cwd=repo).code == 2
    outside = tmp_path / "plain"
    outside.mkdir()
    run = falguard("scan", "--staged", cwd=outside)
    assert run.code == 2
    assert "git repository" in run.err


@pytest.mark.parametrize("mode", ["symlink"])
def test_symlinks_are_not_followed(repo: Path, falguard, mode: str) -> None:
    commit_all(repo)
    (repo / "link.py").symlink_to("/etc/passwd")
    git(repo, "add", "link.py")
    code, found, document = staged(falguard, repo)
    assert (code, found) == (0, set())
    assert document["summary"]["skipped"]["other"] == 1
