"""Containers on every source: a key inside a committed zip, tar, gzip or SQLite database is
found at ``archive!/member:line``, bounded against bombs and nesting, counted in the summary."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

from falguard.expand.archives import Limits, expanded
from falguard.models import Origin, Summary
from falguard.sources import Item
from tests.expand.archives import MB, database, gzip_bomb, nested_zip, tar_of, zip_bomb, zip_of
from tests.helpers import commit_all, git, ignoring_env, run_cli, write
from tests.keys import fake_fal_key, fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def env_text(secret: str) -> str:
    return f"APP=demo\nDEBUG=1\nFAL_KEY={secret}\n"


def located(run_json: dict, path: str) -> list[tuple[int, int, str]]:
    return [(f["line"], f["column"], f["rule"]) for f in run_json["findings"] if f["path"] == path]


def test_a_key_in_a_committed_zip_is_reported_at_the_member_line(repo: Path, falguard) -> None:
    ignoring_env(repo)
    secret = key(1)
    write(repo, "backup/site.zip", zip_of({"inner/.env": env_text(secret), "README.md": "hello\n"}))
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    [finding] = [f for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"]
    assert (finding["path"], finding["line"], finding["column"]) == ("backup/site.zip!/inner/.env", 3, 9)
    assert finding["key_id"] == secret.split(":")[0]
    assert secret not in run.out
    containers = run.json["summary"]["containers"]
    assert (containers["opened"], containers["members_scanned"]) == (1, 2)
    assert run.json["summary"]["skipped"]["binary"] == 0


def test_tar_gzipped_tar_gzip_and_database_members_are_scanned(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "a.tar", tar_of({"conf/app.yaml": f"fal:\n  key: {key(1)}\n"}))
    write(repo, "b.tgz", tar_of({"deploy/.env": env_text(key(2))}, mode="w:gz"))
    write(repo, "c.env.gz", gzip.compress(env_text(key(3)).encode()))
    write(repo, ".wrangler/state/v3/d1/db.sqlite", database(repo / "scratch.sqlite", ["x", key(4)]))
    (repo / "scratch.sqlite").unlink()
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    paths = {f["path"] for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"}
    assert paths == {"a.tar!/conf/app.yaml", "b.tgz!/deploy/.env", "c.env.gz!/c.env", ".wrangler/state/v3/d1/db.sqlite"}
    assert run.json["summary"]["containers"]["opened"] == 4


def test_member_names_are_only_labels(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    secret = fake_fal_key(random.Random(5))
    write(repo, "evil.zip", zip_of({"../../outside.txt": f"k={secret}\n", "/etc/abs.txt": "nothing\n"}))
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert [f["path"] for f in run.json["findings"] if f["rule"] == "fal-key"] == ["evil.zip!/../../outside.txt"]
    assert not (repo.parent / "outside.txt").exists() and not (tmp_path / "outside.txt").exists()


def test_history_attributes_a_member_to_the_archive_blobs_commit_and_path(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    write(repo, "dist/bundle.zip", zip_of({"config/.env": env_text(key(6))}))
    added = commit_all(repo, "add bundle")
    git(repo, "rm", "-q", "dist/bundle.zip")
    commit_all(repo, "remove bundle")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    [finding] = [f for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"]
    assert (finding["path"], finding["line"], finding["commit"]) == ("dist/bundle.zip!/config/.env", 3, added)
    assert finding["paths"] == ["dist/bundle.zip"] and finding["in_head"] is False


def test_the_pre_commit_hook_refuses_a_staged_archive_with_a_key(repo: Path, falguard) -> None:
    ignoring_env(repo)
    commit_all(repo, "initial")
    write(repo, "assets/export.tar.gz", tar_of({"settings.json": f'{{"falKey": "{key(7)}"}}\n'}, mode="w:gz"))
    git(repo, "add", "-A")
    run = falguard("hook", "pre-commit", cwd=repo)
    assert run.code == 1
    assert "assets/export.tar.gz!/settings.json:1:" in run.err + run.out
    staged = falguard("scan", "--staged", "--format", "json", cwd=repo)
    assert [f["path"] for f in staged.json["findings"]] == ["assets/export.tar.gz!/settings.json"]


def test_a_pushed_commit_with_an_archive_is_scanned(repo: Path) -> None:
    ignoring_env(repo)
    base = commit_all(repo, "initial")
    write(repo, "release.zip", zip_of({"notes/.env.production": env_text(key(8))}))
    head = commit_all(repo, "release")
    pushed = f"refs/heads/main {head} refs/heads/main {base}\n".encode()
    run = run_cli("hook", "pre-push", "origin", "url", cwd=repo, input=pushed)
    assert run.code == 1, run.out + run.err
    assert "release.zip!/notes/.env.production" in run.err + run.out


def test_an_archive_piped_in_is_opened(tmp_path: Path) -> None:
    run = run_cli("scan", "-", "--format", "json", cwd=tmp_path, input=zip_of({"logs/run.log": f"FAL_KEY={key(9)}\n"}))
    assert run.code == 1, run.err
    assert [f["path"] for f in run.json["findings"]] == ["(stdin)!/logs/run.log"]


def test_a_zip_bomb_and_a_gzip_bomb_cost_at_most_the_cap(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "bomb.zip", zip_bomb(64))
    write(repo, "bomb.gz", gzip_bomb(512))  # half a gigabyte of zeros in half a megabyte
    write(repo, "ok.zip", zip_of({"big.bin": bytes(2 * MB), "app/.env": env_text(key(10))}))
    commit_all(repo)
    run = falguard("scan", "--max-file-size", "1MB", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    assert [f["path"] for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"] == ["ok.zip!/app/.env"]
    skipped = run.json["summary"]["containers"]["members_skipped"]
    assert skipped["too_large"] == 3  # the zip bomb's member, the gzip bomb's stream, big.bin
    assert any("bomb.gz!/bomb" in path for path in run.json["summary"]["skipped_paths"])


def test_archives_nested_too_deep_are_counted_not_opened(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "three.zip", nested_zip(3, "deep/.env", env_text(key(11))))
    write(repo, "four.zip", nested_zip(4, "deeper/.env", env_text(key(12))))
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    paths = [f["path"] for f in run.json["findings"] if f["rule"] == "fal-key-id-secret"]
    assert paths == ["three.zip!/level1.zip!/level2.zip!/deep/.env"]
    assert run.json["summary"]["containers"]["members_skipped"]["too_deep"] == 1


def test_members_past_the_limit_are_counted() -> None:
    archive = zip_of({f"f{i}.txt": f"FAL_KEY={key(i)}\n" for i in range(5)})
    summary = Summary()
    parts = list(expanded(Item(Origin("many.zip"), archive), summary, Limits(members=3)))
    assert [part.origin.path for part in parts] == ["many.zip!/f0.txt", "many.zip!/f1.txt", "many.zip!/f2.txt"]
    assert (summary.members_scanned, summary.members_too_many) == (3, 2)


def test_corrupt_archives_are_could_not_read_not_a_crash(repo: Path, falguard) -> None:
    ignoring_env(repo)
    whole = zip_of({"a/.env": env_text(key(13))})
    write(repo, "truncated.zip", whole[: len(whole) // 2])
    write(repo, "garbage.gz", b"\x1f\x8b\x08" + bytes(range(256)) * 4)
    write(repo, "broken.tar", b"x" * 257 + b"ustar" + b"\xff" * 700)
    write(repo, "clean.txt", "hello\n")
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0, run.out + run.err
    unreadable = run.json["summary"]["unreadable"]
    assert [entry.split(":")[0] for entry in unreadable] == ["broken.tar", "garbage.gz", "truncated.zip"]
    assert run.json["summary"]["containers"]["members_skipped"]["unreadable"] == 3
    assert run.json["summary"]["complete"] is False
    text = falguard("scan", cwd=repo)
    assert "falguard: could not read truncated.zip" in text.out
    assert "Traceback" not in text.out + text.err


def test_a_saved_report_re_renders_with_its_archive_counts(repo: Path, falguard, tmp_path: Path) -> None:
    ignoring_env(repo)
    write(repo, "site.zip", zip_of({"inner/.env": env_text(key(14))}))
    commit_all(repo)
    saved = tmp_path / "report.json"
    run = falguard("scan", "--format", "json", "--output", str(saved), cwd=repo)
    assert run.code == 1, run.err
    again = falguard("report", str(saved), "--format", "json", cwd=repo)
    assert again.json["summary"]["containers"] == {
        "opened": 1,
        "members_scanned": 1,
        "members_skipped": {"too_large": 0, "too_deep": 0, "too_many": 0, "unreadable": 0},
    }
    text = falguard("report", str(saved), cwd=repo)
    assert "1 archive opened (1 member scanned)" in text.out


def test_binary_files_that_are_no_containers_are_still_skipped(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(
        repo, "data.bin", b"\x7fELF\0\0" + f"FAL_KEY={key(15)}".encode()
    )  # no image either (tests/expand/test_images.py)
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.json["summary"]["skipped"]["binary"] == 1
    assert run.json["summary"]["containers"]["opened"] == 0


def test_member_content_is_never_written_to_disk(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "x.zip", zip_of({"inner/file.txt": "hello\n"}))
    commit_all(repo)
    before = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    falguard("scan", cwd=repo)
    assert sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts) == before


def test_a_gzip_stream_is_read_through_its_cap_only() -> None:
    summary = Summary()
    stream = io.BytesIO(gzip_bomb(64)).getvalue()
    assert list(expanded(Item(Origin("z.gz"), stream), summary, Limits(member_bytes=MB))) == []
    assert summary.members_too_large == 1


def test_a_hostile_archive_cannot_fill_the_report_with_skipped_names() -> None:
    archive = zip_of({f"f{i}.txt": "x" * 100 for i in range(30)})
    summary = Summary()
    assert list(expanded(Item(Origin("wide.zip"), archive), summary, Limits(member_bytes=10))) == []
    assert summary.members_too_large == 30
    assert len(summary.skipped_paths) == 10
