"""A fal key written in pieces (rules/fal_key_joined.py): each shape real code takes, in real
repositories (working tree and history), its decoys, and its bounds on hostile input."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from falguard.detection.detect import detect
from falguard.models import Origin, Severity, mask_key_secret
from falguard.rules import fal_key_joined
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_hex32, fake_key_id_secret, fake_uuid

Build = Callable[[str, str], str]


@dataclass(frozen=True)
class Shape:
    """A file holding a key in pieces: ``build(key_id, secret)``, the line of its key id and
    the line of its last piece (``end``; 0: the key id's line)."""

    name: str
    path: str
    build: Build
    line: int
    end: int = 0


def _split(secret: str, *at: int) -> list[str]:
    cuts = [0, *at, len(secret)]
    return [secret[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


SHAPES = [
    Shape("js-plus-three", "src/fal.js", lambda u, h: f'const FAL_KEY = "{u}" + ":" + "{h}";\n', 1),
    Shape("ts-plus-two", "src/fal.ts", lambda u, h: f'export const falKey: string = "{u}:" + "{h}";\n', 1),
    Shape("python-plus", "app/settings.py", lambda u, h: f'import os\nos.environ["FAL_KEY"] = "{u}:" + "{h}"\n', 2),
    Shape(
        "java-plus-lines",
        "src/main/java/Fal.java",
        lambda u, h: f'class Fal {{\n  static String KEY = "{u}"\n      + ":"\n      + "{h}";\n}}\n',
        2,
        4,
    ),
    Shape("go-plus", "main.go", lambda u, h: f'package main\n\nvar falKey = "{u}" + ":{h}"\n', 3),
    Shape(
        "secret-split-three-ways",
        "src/client.js",
        lambda u, h: 'const key = "{}:{}" +\n  "{}" +\n  "{}";\nfal.config({{ credentials: key }});\n'.format(
            u, *_split(h, 10, 20)
        ),
        1,
        3,
    ),
    Shape(
        "template-literal-with-literal-parts",
        "src/fal.ts",
        lambda u, h: f'fal.config({{ credentials: `${{"{u}"}}:{h}` }});\n',
        1,
    ),
    Shape(
        "template-literal-with-a-name-defined-nearby",
        "src/fal.ts",
        lambda u, h: f'const secret = "{h}";\nfal.config({{ credentials: `{u}:${{secret}}` }});\n',
        2,
    ),
    Shape(
        "python-f-string-with-a-name",
        "run.py",
        lambda u, h: f'import fal_client\nSECRET = "{h}"\nos.environ["FAL_KEY"] = f"{u}:{{SECRET}}"\n',
        3,
    ),
    Shape(
        "python-adjacent-literals",
        "settings.py",
        lambda u, h: f'FAL_KEY = (\n    "{u}:"\n    "{h}"\n)\n',
        2,
        3,
    ),
    Shape(
        "c-adjacent-literals",
        "fal.c",
        lambda u, h: 'static const char *fal_key = "{}"\n    ":" "{}" "{}";\n'.format(u, *_split(h, 16)),
        1,
        2,
    ),
    Shape("python-backslash", "settings.py", lambda u, h: f'FAL_KEY = "{u}:{h[:7]}\\\n{h[7:]}"\n', 1, 2),
    Shape("shell-backslash", "deploy.sh", lambda u, h: f'#!/bin/sh\nexport FAL_KEY="{u}:\\\n  {h}"\n', 2, 3),
    Shape("yaml-folded", "values.yaml", lambda u, h: f"fal:\n  key: >-\n    {u}:\n    {h}\n", 3, 4),
    Shape(
        "yaml-block-split-in-the-secret",
        "k8s/secret.yaml",
        lambda u, h: f"stringData:\n  FAL_KEY: |\n    {u}:{h[:16]}\n    {h[16:]}\n",
        3,
        4,
    ),
]


def _key(seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    return fake_uuid(rng), fake_hex32(rng)


def _joined(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["rule"] == "fal-key-id-secret"]


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_a_key_in_pieces_in_the_working_tree_is_the_whole_key(repo: Path, falguard, shape: Shape) -> None:
    key_id, secret = _key(len(shape.name))
    ignoring_env(repo)
    write(repo, shape.path, shape.build(key_id, secret))
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    (finding,) = _joined(run.json["findings"])
    assert finding["severity"] == "critical"
    assert finding["path"] == shape.path and finding["line"] == shape.line
    assert finding["key_id"] == key_id
    assert finding["secret"] == mask_key_secret(f"{key_id}:{secret}", key_id)
    assert secret not in run.out and secret[:16] not in run.out and secret[16:] not in run.out
    assert "pieces" in finding["message"]
    lines = shape.build(key_id, secret).splitlines()
    assert lines[shape.line - 1][finding["column"] - 1 :].startswith(key_id)  # the position of the first piece
    # its end: the last piece's line (the key id's line for a key on one line), just past the secret
    assert finding["end_line"] == (shape.end or shape.line)
    assert lines[finding["end_line"] - 1][: finding["end_column"] - 1].endswith((secret[-4:], "}"))


@pytest.mark.parametrize("shape", SHAPES[::3], ids=[s.name for s in SHAPES[::3]])
def test_a_key_in_pieces_in_history_is_attributed_to_its_commit(repo: Path, falguard, shape: Shape) -> None:
    key_id, secret = _key(len(shape.name) + 1)
    ignoring_env(repo)
    write(repo, "README.md", "hello\n")
    commit_all(repo, "base")
    write(repo, shape.path, shape.build(key_id, secret))
    introduced = commit_all(repo, "add the key in pieces")
    git(repo, "rm", "-q", shape.path)
    commit_all(repo, "remove it")
    assert falguard("scan", "--format", "json", cwd=repo).code == 0
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    (finding,) = _joined(run.json["findings"])
    assert (finding["commit"], finding["path"], finding["key_id"]) == (introduced, shape.path, key_id)
    assert finding["severity"] == "critical"


def test_the_same_key_whole_and_in_pieces_has_one_fingerprint(repo: Path, falguard) -> None:
    key_id, secret = _key(7)
    ignoring_env(repo)
    write(repo, "a.py", f'FAL_KEY = "{key_id}:{secret}"\n')
    write(repo, "b.js", f'const FAL_KEY = "{key_id}:" + "{secret}";\n')
    findings = _joined(falguard("scan", "--format", "json", cwd=repo).json["findings"])
    assert sorted(f["path"] for f in findings) == ["a.py", "b.js"]
    assert len({f["fingerprint"] for f in findings}) == 1


def test_the_staged_index_sees_a_key_in_pieces(repo: Path, falguard) -> None:
    key_id, secret = _key(8)
    ignoring_env(repo)
    write(repo, "fal.py", f'FAL_KEY = ("{key_id}:"\n           "{secret}")\n')
    git(repo, "add", "fal.py")
    run = falguard("scan", "--staged", "--format", "json", cwd=repo)
    assert run.code == 1 and [f["line"] for f in _joined(run.json["findings"])] == [1]


# --- severity: the whole key's, where the words say credential -----------------------------


def _found(text: str, path: str = "app.js") -> list[tuple[str, Severity]]:
    return [(f.rule, f.severity) for f in detect(text.encode(), Origin(path))]


def test_a_test_key_in_pieces_stays_low() -> None:
    key_id, _ = _key(9)
    assert _found(f'const FAL_KEY = "{key_id}:" + "{"0123456789abcdef" * 2}";\n') == [
        ("fal-key-id-secret", Severity.LOW)
    ]


def test_no_word_either_way_is_medium_and_a_fal_word_nearby_is_critical() -> None:
    key_id, secret = _key(10)
    line = f'const x = "{key_id}:" + "{secret}";\n'
    assert _found(line) == [("fal-key-id-secret", Severity.MEDIUM)]
    assert _found('import { fal } from "@fal-ai/client";\n\n' + line) == [("fal-key-id-secret", Severity.CRITICAL)]


@pytest.mark.parametrize(
    "template",
    [
        'trace = "{u}" + ":" + "{h}"',  # a request id and a trace id
        'span_key = "{u}:" + "{h}"',
        'cache_key = ("{u}:"\n    "{h}")',
        'etag = `${{"{u}"}}:{h}`',
        'log.info(request_id + ":" + "{h}")',
        'FAL_KEY = "{u}" + ":" + digest',  # a name never assigned a literal
        'FAL_KEY = "{u}" + ":" + "your-key-secret"',
        'FAL_KEY = "{u}" + "{h}"',  # no colon
        'FAL_KEY = "{u}:" + "{h}" + "0a"',  # a longer hex value
        'FAL_KEY = "{u}:" + "{h}"[:-1]',
        '{{"{u}": "{h}"}}',
        "{u}: {h}",
        "{u}:\n  {h}\n",  # a mapping, not a block scalar
        'md.add("auth-key-id", "{u}");\nmd.add("x-request-id", "{h}");',
    ],
)
def test_decoys_are_not_reported_as_a_key(template: str) -> None:
    key_id, secret = _key(11)
    text = template.format(u=key_id, h=secret)
    assert "fal-key-id-secret" not in {rule for rule, _ in _found(text, "app.py")}, text


def test_a_name_resolves_only_to_its_own_literal_nearby() -> None:
    key_id, secret = _key(12)
    far = (
        f'secret = "{secret}"\n' + "# filler\n" * (fal_key_joined.RESOLVE_BEFORE // 8) + f'k = f"{key_id}:{{secret}}"\n'
    )
    assert _found(far, "a.py") == []
    near = f'other_secret = "{secret}"\nFAL_KEY = f"{key_id}:{{secret}}"\n'
    assert _found(near, "a.py") == []


def test_a_yaml_block_needs_its_header() -> None:
    key_id, secret = _key(13)
    assert _found(f"fal_key: |\n  {key_id}:\n  {secret}\n", "a.yaml") == [("fal-key-id-secret", Severity.CRITICAL)]
    assert _found(f"fal_key:\n  {key_id}:\n  {secret}\n", "a.yaml") == []
    assert _found(f"fal_key: |\n  {key_id}:\n  {secret}\n  more\n", "a.yaml") == []  # the value goes on


def test_the_whole_key_is_still_found_once() -> None:
    key = fake_key_id_secret(random.Random(14))
    assert _found(f'FAL_KEY = "{key}" + "\\n"\n', "a.py") == [("fal-key-id-secret", Severity.CRITICAL)]


# --- bounded: pieces, bytes, hostile input -------------------------------------------------


def test_at_most_max_pieces_are_joined() -> None:
    key_id, secret = _key(15)
    within = " + ".join(f'"{c}"' for c in _split(secret, *range(3, 32, 3)))  # 11 pieces
    assert _found(f'FAL_KEY = "{key_id}:" + {within};\n') == [("fal-key-id-secret", Severity.CRITICAL)]
    beyond = " + ".join(f'"{c}"' for c in secret)  # 33 pieces in all
    assert ("fal-key-id-secret", Severity.CRITICAL) not in _found(f'FAL_KEY = "{key_id}:" + {beyond};\n')


def test_hostile_chains_end_without_a_finding() -> None:
    key_id, _ = _key(16)
    pieces = '"a" + "b" + ' * 20_000
    chain = f'("{key_id}:"\n' + ' "ab"\n' * 20_000 + ")\n"
    nested = "(" * 5_000 + f'"{key_id}:"' + ")" * 5_000 + ' + "00"\n'
    for text in (pieces, chain, nested):
        assert _found(text) == []


def test_falsecret_and_fal_api_secret_are_paired_with_the_key_id_next_to_them() -> None:
    """The secret half under names outside the old fixed list (fal_key_pair.py)."""
    key_id, secret = _key(17)
    for text, path in (
        (f'const falKeyId = "{key_id}";\nconst falSecret = "{secret}";\n', "a.js"),
        (f"FAL_KEY_ID={key_id}\nFAL_API_SECRET={secret}\n", ".env"),
        (f"FAL_AI_KEY_ID={key_id}\nFAL_AI_KEY_SECRET={secret}\n", ".env"),
        (f'import fal_client\nkey_id = "{key_id}"\nkey_secret = "{secret}"\n', "a.py"),
        (f"FAL_KEY_ID={key_id}\nFAL_AI_SECRET={secret}\n", ".env"),
        (f"FAL_KEY_ID={key_id}\nPROD_FAL_KEY_SECRET={secret}\n", ".env"),
        (f"FAL_KEY_ID={key_id}\nFAL_SECRET_KEY={secret}\n", ".env"),
        (f'const falAiKeyId = "{key_id}";\nconst myFalAiSecret = "{secret}";\n', "a.js"),
    ):
        (finding,) = detect(text.encode(), Origin(path))
        assert (finding.rule, finding.severity, finding.secret.key_id) == (
            "fal-key-pair",
            Severity.CRITICAL,
            key_id,
        ), text


def test_secret_names_that_only_contain_fal_are_not_a_fal_key() -> None:
    key_id, secret = _key(18)
    for name in ("NOFAL_SECRET", "FALLBACK_SECRET", "nofalSecret", "STRIPE_SECRET_KEY"):
        text = f'import fal_client\nkey_id = "{key_id}"\n{name} = "{secret}"\n'
        assert "fal-key-pair" not in {rule for rule, _ in _found(text, "a.py")}, name
