"""Mirrors: cloned and fetched with every program-running setting off, whatever the served
repository configures; a cache someone tampered with is refused, never used."""

from __future__ import annotations

import random
from pathlib import Path

from falguard.org.mirror import default_cache_dir, mirror_path
from tests.helpers import git
from tests.keys import fake_key_id_secret
from tests.org.fleet import bare_repository

EVIL_SETTINGS = (
    "core.fsmonitor", "core.sshCommand", "core.askPass", "core.alternateRefsCommand", "core.pager",
    "uploadpack.packObjectsHook", "credential.helper", "diff.external", "gpg.program",
)  # fmt: skip


def _script(tmp_path: Path, marker: Path) -> Path:
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    script.chmod(0o755)
    return script


def test_a_hostile_served_repository_runs_nothing_on_clone_or_fetch(tmp_path: Path, falguard) -> None:
    marker = tmp_path / "ran"
    script = _script(tmp_path, marker)
    key = fake_key_id_secret(random.Random(4))
    url, work = bare_repository(tmp_path, "hostile", [{"app.py": f"K = '{key}'\n"}])
    served = tmp_path / "hostile.git"
    for name in EVIL_SETTINGS:
        git(served, "config", name, str(script))
    git(served, "config", "core.hooksPath", str(tmp_path / "hooks"))
    (tmp_path / "hooks").mkdir()
    for hook in ("pre-upload-pack", "post-upload-pack", "reference-transaction", "update"):
        for hooks in (tmp_path / "hooks", served / "hooks"):
            (hooks / hook).write_text(f"#!/bin/sh\necho hook {hook} >> {marker}\n")
            (hooks / hook).chmod(0o755)
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{url}\n{served}\n")  # as a URL and as a path: both go through the file transport
    cache = tmp_path / "cache"
    for _ in range(2):  # a clone, then a fetch
        run = falguard("audit", "--repos", str(listing), "--cache-dir", str(cache), "--format", "json")
        assert run.code == 1, run.err
        assert {f["repository"] for f in run.json["findings"]} == {url, str(served)}
        assert not marker.exists(), marker.read_text()
    mirror = mirror_path(cache, url)
    assert not (mirror / "hooks").exists()  # cloned with no template: not even sample hooks
    assert git(mirror, "config", "--file", "config", "--get", "core.bare").strip() == "true"


def test_a_tampered_mirror_is_refused_and_not_fetched(tmp_path: Path, falguard) -> None:
    marker = tmp_path / "ran"
    script = _script(tmp_path, marker)
    url, _ = bare_repository(tmp_path, "plain", [{"a.txt": "a\n"}])
    listing, cache = tmp_path / "repos.txt", tmp_path / "cache"
    listing.write_text(f"{url}\n")
    args = ("audit", "--repos", str(listing), "--cache-dir", str(cache), "--format", "json")
    assert falguard(*args).code == 0
    mirror = mirror_path(cache, url)
    git(mirror, "config", "--file", "config", "core.fsmonitor", str(script))
    run = falguard(*args)
    assert run.code == 2
    (entry,) = run.json["summary"]["repositories"]
    assert entry["status"] == "failed" and "settings falguard did not write (core.fsmonitor)" in entry["reason"]
    assert not marker.exists()


def test_the_default_cache_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "falguard"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "falguard"
