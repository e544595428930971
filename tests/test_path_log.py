"""The path-limited log behind history attribution and the env-file pass."""

from __future__ import annotations

import random
from pathlib import Path

from falguard.models import mask
from falguard.sources.path_log import raw_path, refs_reaching
from tests.helpers import commit_all, git, write
from tests.keys import fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def history_findings(falguard, cwd: Path) -> list[dict]:
    run = falguard("scan", "--history", "--format", "json", cwd=cwd)
    assert run.code in (0, 1), run.err
    return run.json["findings"]


def test_a_copy_that_kept_its_source_lists_both_paths(repo: Path, falguard) -> None:
    """The blob listing names the copy (it sorts first); the source is in the copy's parent."""
    secret = key(70)
    write(repo, "x.py", f"FAL_KEY = '{secret}'\n")
    introduced = commit_all(repo, "x")
    write(repo, "x copy.py", f"FAL_KEY = '{secret}'\n")
    commit_all(repo, "copy")
    (finding,) = [f for f in history_findings(falguard, repo) if f["secret"] == mask(secret, secret.split(":")[0])]
    assert finding["commit"] == introduced
    assert finding["paths"] == ["x.py", "x copy.py"]


def test_env_file_in_a_renamed_directory_is_reported_at_both_paths(repo: Path, falguard) -> None:
    """A renamed directory is the same tree object: the listing names only its newer path."""
    write(repo, "config/.env", f"FAL_KEY={key(71)}\n")
    write(repo, "config/app.py", "x = 1\n")
    git(repo, "add", "-f", "config")
    added = commit_all(repo, "config")
    git(repo, "mv", "config", "settings")
    moved = commit_all(repo, "rename")
    found = {
        (f["path"], f["severity"], f["commit"]) for f in history_findings(falguard, repo) if f["rule"] == "env-tracked"
    }
    assert found == {("config/.env", "critical", added), ("settings/.env", "critical", moved)}


def test_refs_reaching_passes_ref_bits_from_children_to_parents() -> None:
    # a <- b <- d (main), a <- c (topic, tag v1 at c); d is a merge of b and c
    listing = [b"d b c", b"c a", b"b a", b"a"]
    tips = [("refs/heads/main", "d"), ("refs/heads/topic", "c"), ("refs/tags/v1", "c")]
    reached = refs_reaching(tips, listing, {"a", "b", "c"})
    assert reached == {
        "a": ["refs/heads/main", "refs/heads/topic", "refs/tags/v1"],
        "b": ["refs/heads/main"],
        "c": ["refs/heads/main", "refs/heads/topic", "refs/tags/v1"],
    }


def test_raw_path_reads_back_escaped_bytes() -> None:
    assert raw_path("plain/path.py") == [b"plain/path.py"]
    assert raw_path("odd\\xff.env") == [b"odd\\xff.env", b"odd\xff.env"]
