"""The filter-repo replacements file lists what the blobs hold: a key joined from pieces by
its secret half (or the pieces of it), a base64-encoded key by the encoded value exactly as
written. The tests do not run git filter-repo (it is no dependency): they apply the file as
``--replace-text`` does (each literal replaced everywhere, line after line) to every blob of
a real repository and scan what is left."""

from __future__ import annotations

import base64
import random
import stat
from pathlib import Path
from typing import Any

import pytest

from falguard.detection.detect import detect
from falguard.models import Origin, Secret
from falguard.report.replacements import REPLACEMENT
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def keys(repo: Path) -> dict[str, str]:
    """Keys written every way the scanner reads them, in two commits: one key plain in the
    first and base64-encoded in the second (history reports it once, at the plain one)."""
    rng = random.Random(1234)
    names = ("plain", "joined", "split", "encoded", "url")
    keys = {name: fake_key_id_secret(rng) for name in names}
    ignoring_env(repo)
    write(repo, "settings.py", f'FAL_KEY = "{keys["plain"]}"\n')
    commit_all(repo, "settings")
    key_id, secret = keys["joined"].split(":")
    write(repo, "web/client.js", f'const falKey = "{key_id}" + ":" + "{secret}";\n')
    key_id, secret = keys["split"].split(":")
    write(repo, "web/other.js", f'const falKey = "{key_id}:" + "{secret[:16]}" + "{secret[16:]}";\n')
    write(
        repo,
        "deploy/secret.yaml",
        f"kind: Secret\ndata:\n  FAL_KEY: {_b64(keys['encoded'])}\n  ENV: {_b64('FAL_KEY=' + keys['plain'] + chr(10))}\n",
    )
    write(repo, "run.sh", f"curl 'https://example.com/run?fal_key={keys['url'].replace(':', '%3A')}'\n")
    commit_all(repo, "everywhere")
    return keys


def _blobs(repo: Path) -> dict[str, str]:
    """Every blob of the repository's history, by id."""
    listed = git(repo, "rev-list", "--objects", "--all").split()
    blobs = {}
    for oid in listed:
        if len(oid) == 40 and git(repo, "cat-file", "-t", oid).strip() == "blob":
            blobs[oid] = git(repo, "cat-file", "blob", oid)
    return blobs


def _literals(target: Path) -> list[str]:
    lines = target.read_text().splitlines()
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    assert all(line.startswith("literal:") and line.endswith(f"==>{REPLACEMENT}") for line in lines)
    return [line[len("literal:") : -len(f"==>{REPLACEMENT}")] for line in lines]


def _purged(text: str, literals: list[str]) -> str:
    for literal in literals:  # what git filter-repo --replace-text does with literal: lines
        text = text.replace(literal, REPLACEMENT)
    return text


@pytest.mark.parametrize("command", [("scan",), ("scan", "--history"), ("audit",)])
def test_the_file_purges_every_way_a_key_is_written(
    repo: Path, tmp_path: Path, falguard: Any, keys: dict[str, str], command: tuple[str, ...]
) -> None:
    target = tmp_path / "replacements.txt"
    run = falguard(*command, "--write-replacements", str(target), cwd=repo)
    assert run.code == 1, run.err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    literals = _literals(target)
    blobs = _blobs(repo)
    # every key is listed as found and URL-encoded, as before, whether a blob holds that or
    # not; each other line is text a blob holds, which filter-repo finds
    whole = {form for key in keys.values() for form in (key, key.replace(":", "%3A"))}
    assert whole <= set(literals)
    assert all(any(literal in blob for blob in blobs.values()) for literal in set(literals) - whole)
    halves = {name: key.split(":")[1] for name, key in keys.items()}
    assert halves["joined"] in literals  # the secret half of "<id>" + ":" + "<hex>" alone
    assert {halves["split"][:16], halves["split"][16:]} <= set(literals)  # its pieces, when it is split too
    assert _b64(keys["encoded"]) in literals  # the base64 value exactly as written
    # the plain key's base64 form is listed although history reports the key once, at settings.py
    assert _b64("FAL_KEY=" + keys["plain"] + "\n") in literals
    for oid, blob in blobs.items():
        left = _purged(blob, literals)
        assert not any(half in left for half in halves.values()), oid
        assert [
            f.rule for f in detect(left.encode(), Origin("x")) if f.severity.label in ("critical", "high")
        ] == []  # not even the key id
    assert (
        f"falguard: wrote 5 secrets to {target} ({len(literals)} expressions, with URL-encoded forms, "
        "secret halves of keys written in pieces and base64 values as written)"
    ) in run.err
    # the spellings are as secret as the keys: no report shows them
    for fmt in ("json", "sarif", "text"):
        shown = falguard(*command, "--format", fmt, cwd=repo).out
        assert not any(literal in shown for literal in literals), fmt


def test_a_key_both_plain_and_encoded_in_one_file_keeps_both_forms(repo: Path, tmp_path: Path, falguard: Any) -> None:
    key = fake_key_id_secret(random.Random(99))
    ignoring_env(repo)
    write(repo, "config.yaml", f"fal_key: {key}\nencoded: {_b64('FAL_KEY=' + key)}\n")
    commit_all(repo)
    target = tmp_path / "replacements.txt"
    assert falguard("scan", "--history", "--write-replacements", str(target), cwd=repo).code == 1
    assert _b64("FAL_KEY=" + key) in _literals(target)


def test_a_key_split_into_short_pieces_is_said_not_covered(repo: Path, tmp_path: Path, falguard: Any) -> None:
    key = fake_key_id_secret(random.Random(77))
    key_id, secret = key.split(":")
    ignoring_env(repo)
    write(repo, "a.js", f'const falKey = "{key_id}:" + "{secret[:4]}" + "{secret[4:]}";\n')
    commit_all(repo)
    target = tmp_path / "replacements.txt"
    run = falguard("scan", "--write-replacements", str(target), cwd=repo)
    assert _literals(target) == sorted([key, f"{key_id}%3A{secret}", secret[4:]])  # no 4-character literal
    assert (
        "; 1 key is split into pieces shorter than 8 characters, which it does not list: rewrite the commits "
        "that hold them by hand"
    ) in run.err


def test_a_plain_key_adds_no_form() -> None:
    """Only what the content wrote otherwise is a spelling: the joined key's whole text, not
    a key found as such (nor a URL-encoded one, which its rule already spells)."""
    key = fake_key_id_secret(random.Random(5))
    key_id, secret = key.split(":")
    for content in (f'FAL_KEY = "{key}"\n', f"https://example.com/?fal_key={key_id}%3A{secret}\n"):
        (finding,) = detect(content.encode(), Origin("a.py"))
        assert finding.secret.spellings == ()
    (joined,) = detect(f'const falKey = "{key_id}" + ":" + "{secret}";\n'.encode(), Origin("a.js"))
    ((kind, text),) = joined.secret.spellings
    assert kind == "pieces" and text.reveal() == f'{key_id}" + ":" + "{secret}'


def test_spellings_are_not_part_of_a_secrets_identity_and_mask_themselves() -> None:
    key = fake_key_id_secret(random.Random(6))
    plain = Secret(key, key.split(":")[0])
    spelled = plain.spelled([("base64", Secret(_b64(key)))])
    assert spelled == plain and hash(spelled) == hash(plain) and spelled.masked == plain.masked
    assert plain.spellings == () and spelled.spelled(spelled.spellings) is spelled
    assert _b64(key) not in repr(spelled.spellings) and key not in repr(spelled)
