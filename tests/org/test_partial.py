"""A repository that fails in a many-repository run is marked failed, never counted as
clean, and keeps what could be read (issue 25, part 4): one corrupt object made git clone
fail, and the whole repository came out as "credentials 0, findings 0"."""

from __future__ import annotations

import random
from pathlib import Path

from tests.keys import fake_key_id_secret
from tests.org.fleet import bare_repository, corrupt


def test_a_corrupt_repository_keeps_its_partial_result(tmp_path: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(254))
    broken, _ = bare_repository(
        tmp_path, "broken", [{"README.md": "# broken\n"}, {"app.py": f"FAL_KEY = '{key}'\n"}], loose=True
    )
    corrupt(tmp_path / "broken.git")  # README.md's blob: the key's blob is still readable
    clean, _ = bare_repository(tmp_path, "clean", [{"README.md": "# clean\n"}])
    gone = (tmp_path / "gone.git").as_uri()
    (tmp_path / "repos.txt").write_text(f"{broken}\n{clean}\n{gone}\n")
    cache = str(tmp_path / "cache")
    run = falguard("audit", "--repos", "repos.txt", "--cache-dir", cache, "--format", "json", cwd=tmp_path)
    assert run.code == 2
    entries = {entry["repository"]: entry for entry in run.json["summary"]["repositories"]}
    assert {name: entry["status"] for name, entry in entries.items()} == {broken: "failed", clean: "ok", gone: "failed"}
    assert "is corrupt" in entries[broken]["reason"] and entries[broken]["credentials"] == 1
    (story,) = run.json["audit"]["stories"]
    assert story["repository"] == broken and story["key_id"] == key.split(":")[0]
    text = falguard("audit", "--repos", "repos.txt", "--cache-dir", cache, cwd=tmp_path)
    rows = {line.split()[0]: line.split()[1:4] for line in text.out.splitlines() if line.startswith("file://")}
    assert rows[broken] == ["failed", "1", "1"] and rows[clean] == ["cached", "0", "0"]
    assert rows[gone] == ["failed", "-", "-"]  # nothing read: no counts, never "0 0"
    assert f"== {broken} (at " in text.out and key.split(":")[0] in text.out
    assert text.out.count("is corrupt") == 1  # its reason, once
    assert key not in text.out + text.err and key.split(":")[1] not in run.out
