"""`falguard scan --history` on real repositories: coverage, attribution, honesty about gaps."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from falguard.models import mask
from falguard.rules import RULES
from falguard.sources.history import extra_names_pattern, may_match
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import expand_example, fake_fal_key, fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def shown(value: str) -> str:
    """How a report shows a key: masked."""
    return mask(value, value.split(":")[0] if ":" in value else None)


def history(falguard, cwd: Path, *args: str):
    run = falguard("scan", "--history", "--format", "json", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    return run


def by_secret(run) -> dict[str, dict]:
    return {finding["secret"]: finding for finding in run.json["findings"]}


def test_prefilter_admits_every_rule_example() -> None:
    """The batch prefilter must never hide content a rule would flag."""
    for rule in RULES:
        for pattern in rule.patterns:
            assert pattern.anchors, rule.id  # what the prefilter is built from
        for example in rule.true_examples:
            assert may_match(expand_example(example).encode()), (rule.id, example)
    extra = extra_names_pattern(["IMAGE_GEN_SECRET"])
    assert not may_match(b"IMAGE_GEN_SECRET = 'x'") and may_match(b"IMAGE_GEN_SECRET = 'x'", extra)


def test_key_added_on_a_branch_and_deleted_later(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "README.md", "hello\n")
    base = commit_all(repo, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    secret = key(1)
    write(repo, "src/settings.py", f'FAL_KEY = "{secret}"\n')
    introduced = commit_all(repo, "add settings")
    git(repo, "rm", "-q", "src/settings.py")
    commit_all(repo, "oops, remove settings")
    git(repo, "checkout", "-q", "main")
    assert falguard("scan", "--format", "json", cwd=repo).code == 0  # the working tree is clean
    run = history(falguard, repo)
    assert run.code == 1
    finding = by_secret(run)[shown(secret)]
    assert finding["source"] == "history"
    assert finding["commit"] == introduced != base
    assert finding["path"] == "src/settings.py"
    assert finding["paths"] == ["src/settings.py"]
    assert finding["author"] == "Test User <test@example.com>"
    assert finding["date"]
    assert finding["in_head"] is False
    assert finding["refs"] == ["refs/heads/feature"]
    assert finding["ref_count"] == 1
    assert finding["pushed"] is False


def test_key_only_in_a_merge_commit(repo: Path, falguard) -> None:
    write(repo, "a.txt", "a\n")
    commit_all(repo, "a")
    git(repo, "checkout", "-q", "-b", "side")
    write(repo, "b.txt", "b\n")
    commit_all(repo, "b")
    git(repo, "checkout", "-q", "main")
    write(repo, "c.txt", "c\n")
    commit_all(repo, "c")
    git(repo, "merge", "-q", "--no-commit", "--no-ff", "side")
    secret = key(2)
    write(repo, "evil.py", f"FAL_KEY = '{secret}'\n")
    git(repo, "add", "evil.py")
    git(repo, "commit", "-q", "-m", "Merge side")
    merge = git(repo, "rev-parse", "HEAD").strip()
    finding = by_secret(history(falguard, repo))[shown(secret)]
    assert finding["commit"] == merge
    assert finding["in_head"] is True


def test_key_in_a_renamed_file_lists_every_path(repo: Path, falguard) -> None:
    secret = key(3)
    write(repo, "old/config.cfg", f"FAL_KEY={secret}\n")
    introduced = commit_all(repo, "add")
    (repo / "new").mkdir()
    git(repo, "mv", "old/config.cfg", "new/config.cfg")
    commit_all(repo, "rename")
    finding = by_secret(history(falguard, repo))[shown(secret)]
    assert finding["commit"] == introduced
    assert finding["path"] == "old/config.cfg"
    assert finding["paths"] == ["old/config.cfg", "new/config.cfg"]
    assert finding["in_head"] is True
    assert finding["blobs"] == 1


def test_same_key_in_many_versions_is_one_finding(repo: Path, falguard) -> None:
    secret = key(4)
    write(repo, "app.py", f"FAL_KEY = '{secret}'\n")
    first = commit_all(repo, "one")
    for number in range(3):
        write(repo, "app.py", f"FAL_KEY = '{secret}'\nVERSION = {number}\n")
        commit_all(repo, f"v{number}")
    run = history(falguard, repo)
    (finding,) = run.json["findings"]
    assert finding["commit"] == first
    assert finding["blobs"] == 4
    assert run.json["summary"]["files_scanned"] == 4


def test_key_reachable_only_from_a_tag(repo: Path, falguard) -> None:
    write(repo, "a.txt", "a\n")
    commit_all(repo, "a")
    git(repo, "checkout", "-q", "--detach")
    secret = fake_fal_key(random.Random(5))
    write(repo, "deploy.cfg", f"FAL_KEY={secret}\n")
    tagged = commit_all(repo, "release build")
    git(repo, "tag", "-a", "-m", "release", "v1.0")
    git(repo, "checkout", "-q", "main")
    finding = by_secret(history(falguard, repo))[shown(secret)]
    assert finding["commit"] == tagged
    assert finding["refs"] == ["refs/tags/v1.0"]


def test_keys_in_the_stash_including_older_entries(repo: Path, falguard) -> None:
    write(repo, "a.py", "x = 1\n")
    commit_all(repo, "a")
    older, newer = key(6), key(7)
    write(repo, "a.py", f"x = '{older}'\n")
    git(repo, "stash", "-q")
    write(repo, "a.py", f"x = '{newer}'\n")
    git(repo, "stash", "-q")
    found = by_secret(history(falguard, repo))
    assert shown(older) in found and shown(newer) in found
    assert found[shown(newer)]["refs"] == ["refs/stash"]


def test_key_in_a_commit_message(repo: Path, falguard) -> None:
    write(repo, "a.txt", "a\n")
    secret = key(8)
    commit = commit_all(repo, f"debugging\n\nworks with FAL_KEY={secret}")
    write(repo, "a.txt", "b\n")
    commit_all(repo, "later")
    finding = by_secret(history(falguard, repo))[shown(secret)]
    assert finding["path"] == "(commit message)"
    assert finding["commit"] == commit
    assert finding["author"] == "Test User <test@example.com>"
    assert finding["refs"] == ["refs/heads/main"]


def test_pushed_when_a_remote_tracking_ref_reaches_it(repo: Path, tmp_path: Path, falguard) -> None:
    secret = key(9)
    write(repo, "a.cfg", f"FAL_KEY={secret}\n")
    commit_all(repo, "a")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    local_only = key(10)
    write(clone, "b.cfg", f"FAL_KEY={local_only}\n")
    commit_all(clone, "local")
    found = by_secret(history(falguard, clone))
    assert found[shown(secret)]["pushed"] is True
    assert "refs/remotes/origin/main" in found[shown(secret)]["refs"]
    assert found[shown(local_only)]["pushed"] is False
    assert found[shown(local_only)]["refs"] == ["refs/heads/main"]


def test_ranges_and_since(repo: Path, falguard) -> None:
    old = key(11)
    write(repo, "a.cfg", f"FAL_KEY={old}\n")
    commit_all(repo, "old")
    git(repo, "branch", "base")
    new = key(12)
    write(repo, "b.cfg", f"FAL_KEY={new}\n")
    commit_all(repo, "new")
    for args in (("base..main",), ("--since", "base")):
        found = by_secret(history(falguard, repo, *args))
        assert set(found) == {shown(new)}, args
    assert falguard("scan", "--history", "--since", "no-such-rev", cwd=repo).code == 2
    run = falguard("scan", "--history", "--output=/tmp/x", "--", "--output=/tmp/y", cwd=repo)
    assert run.code == 2 and "not a revision" in run.err


def test_bare_repository(repo: Path, tmp_path: Path, falguard) -> None:
    secret = key(13)
    write(repo, "a.cfg", f"FAL_KEY={secret}\n")
    commit_all(repo, "a")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--mirror", str(repo), str(bare))
    finding = by_secret(history(falguard, bare))[shown(secret)]
    assert finding["in_head"] is True


def test_sha256_repository(tmp_path: Path, falguard) -> None:
    root = tmp_path / "sha256"
    root.mkdir()
    git(root, "init", "-q", "--object-format=sha256")
    secret = key(14)
    write(root, "a.cfg", f"FAL_KEY={secret}\n")
    commit = commit_all(root, "a")
    assert len(commit) == 64
    finding = by_secret(history(falguard, root))[shown(secret)]
    assert finding["commit"] == commit


def test_empty_repository_is_clean(repo: Path, falguard) -> None:
    run = history(falguard, repo)
    assert run.code == 0
    assert run.json["findings"] == []
    assert run.json["summary"]["complete"] is True


def test_binary_and_oversized_blobs_are_counted(repo: Path, falguard) -> None:
    write(repo, "image.png", b"\x89PNG\0\0" + key(15).encode())
    write(repo, "big.txt", "x" * 5000 + "\n")
    write(repo, "small.txt", "hello\n")
    commit_all(repo, "a")
    run = history(falguard, repo, "--max-file-size", "1000")
    skipped = run.json["summary"]["skipped"]
    assert (skipped["binary"], skipped["too_large"]) == (1, 1)
    assert any("big.txt" in path for path in run.json["summary"]["skipped_paths"])
    assert run.json["summary"]["files_scanned"] == 1


def test_partial_clone_counts_missing_blobs_and_never_fetches(repo: Path, tmp_path: Path, falguard) -> None:
    git(repo, "config", "uploadpack.allowFilter", "true")
    git(repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    secret = key(16)
    write(repo, "a.cfg", f"FAL_KEY={secret}\n")
    write(repo, "b.txt", "b\n")
    commit_all(repo, "a")
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{repo}", str(clone))
    missing_before = git(clone, "rev-list", "--objects", "--all", "--missing=print").count("?")
    assert missing_before == 2
    run = falguard("scan", "--history", cwd=clone)  # text report: its summary says it, once
    assert run.code == 0, run.err
    assert "incomplete" in run.out and "2 objects missing" in run.out and "missing" not in run.err
    json_run = history(falguard, clone)
    assert json_run.json["summary"]["complete"] is False
    assert git(clone, "rev-list", "--objects", "--all", "--missing=print").count("?") == missing_before


def test_shallow_clone_says_history_stops(repo: Path, tmp_path: Path, falguard) -> None:
    old = key(17)
    write(repo, "a.cfg", f"FAL_KEY={old}\n")
    commit_all(repo, "old")
    write(repo, "a.cfg", "FAL_KEY=\n")
    commit_all(repo, "removed")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))
    run = history(falguard, clone)
    assert run.json["findings"] == []
    assert any("shallow" in reason for reason in run.json["summary"]["incomplete"])
    assert run.json["summary"]["complete"] is False


def test_corrupt_object_is_an_error(repo: Path, falguard) -> None:
    write(repo, "a.txt", "some content\n")
    commit_all(repo, "a")
    blob = git(repo, "rev-parse", "HEAD:a.txt").strip()
    path = repo / ".git" / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(b"not zlib")
    run = falguard("scan", "--history", cwd=repo)
    assert run.code == 2
    assert "corrupt" in run.err and "git fsck" in run.err


def test_corrupt_tree_is_an_error(repo: Path, falguard) -> None:
    write(repo, "a.txt", "some content\n")
    commit_all(repo, "a")
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    path = repo / ".git" / "objects" / tree[:2] / tree[2:]
    path.chmod(0o644)
    path.write_bytes(b"not zlib")
    run = falguard("scan", "--history", cwd=repo)
    assert run.code == 2
    assert run.err.startswith("falguard: error: git rev-list:")


def test_text_report_shows_attribution(repo: Path, falguard) -> None:
    secret = key(18)
    write(repo, "a.cfg", f"FAL_KEY={secret}\n")
    commit = commit_all(repo, "a")
    run = falguard("scan", "--history", cwd=repo)
    assert run.code == 1
    assert f"introduced: {commit[:12]} by Test User" in run.out
    assert "still in HEAD" in run.out
    assert secret not in run.out + run.err


def test_since_needs_history(repo: Path, falguard) -> None:
    assert falguard("scan", "--since", "HEAD", cwd=repo).code == 2


@pytest.mark.parametrize("size", [1, 3 << 20, 9 << 20])
def test_objects_of_any_size_around_batch_boundaries(repo: Path, falguard, size: int) -> None:
    """Keys at the start and end of objects that span the reader's buffer and batch sizes."""
    first, last = key(19), key(20)
    filler = ("x = 1\n" * (size // 6 + 1)).encode()
    write(repo, "big.py", f"A = '{first}'\n".encode() + filler + f"B = '{last}'\n".encode())
    write(repo, "other.py", filler)
    commit_all(repo, "a")
    found = by_secret(history(falguard, repo))
    assert set(found) == {shown(first), shown(last)}


def test_every_env_file_ever_committed_is_reported(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "deploy/prod.env", f"FAL_KEY={key(60)}\n")
    write(repo, ".env.example", "FAL_KEY=\n")
    git(repo, "add", "-f", "deploy/prod.env", ".env.example", ".gitignore")
    added = commit_all(repo, "add env files")
    git(repo, "rm", "-q", "--cached", "deploy/prod.env")
    commit_all(repo, "untrack it")
    write(repo, ".envrc", "export A=1\n")
    git(repo, "add", "-f", ".envrc")
    commit_all(repo, "direnv")
    found = {
        (f["path"], f["severity"], f["commit"])
        for f in history(falguard, repo).json["findings"]
        if f["rule"] == "env-tracked"
    }
    envrc_commit = git(repo, "rev-parse", "HEAD").strip()
    assert found == {("deploy/prod.env", "critical", added), (".envrc", "low", envrc_commit)}  # no secret in it


def test_a_bundler_config_that_inlined_a_fal_key_is_found_in_history(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "package.json", '{"dependencies": {"next": "14.0.0", "@fal-ai/client": "1.0.0"}}\n')
    write(repo, "next.config.js", "module.exports = {\n  env: {\n    FAL_KEY: process.env.FAL_KEY,\n  },\n};\n")
    introduced = commit_all(repo, "expose the key to the client")
    write(repo, "next.config.js", "module.exports = {};\n")
    commit_all(repo, "stop")
    run = history(falguard, repo)
    (finding,) = [f for f in run.json["findings"] if f["rule"] == "client-credentials"]
    assert (finding["path"], finding["line"], finding["commit"]) == ("next.config.js", 3, introduced)
    assert finding["in_head"] is False and "next.config env" in finding["message"]


def test_paths_added_in_one_commit_come_in_path_order(repo: Path, falguard) -> None:
    """One commit bringing a key to several paths: their order (and the finding's `path`)
    must not depend on which cat-file reader returned its blob first."""
    from tests.keys import fake_key_id_secret

    key = fake_key_id_secret(random.Random(170))
    names = ["z.py", "m/settings.py", ".env.production", "a.txt", "b/c.cfg", "conf.toml"]
    for name in names:
        write(repo, name, f"{name} FAL_KEY={key}\n")
    commit_all(repo)
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    (finding,) = [f for f in run.json["findings"] if f["rule"].startswith("fal-key")]
    assert finding["paths"] == sorted(names) and finding["path"] == sorted(names)[0]


def test_bundler_config_names_agree_with_the_frameworks() -> None:
    """The history scan opens only blobs named like a framework's config (see BUNDLER_CONFIG_STEMS)."""
    from falguard.browser.frameworks import registry
    from falguard.scans.historyscan import BUNDLER_CONFIG_STEMS

    assert sorted(BUNDLER_CONFIG_STEMS) == sorted(registry().config_stems)
