"""Every rule against its own true and false examples, and real-world shapes."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from falguard.detection.detect import detect
from falguard.models import Origin, Severity
from falguard.report.guidance import steps_for_rule
from falguard.rules import ALL_RULES, RULES, RULES_BY_ID, Rule, credential_in, registered, written_forms
from falguard.sources.history import may_match
from tests import toy_rule
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import expand_example, fake_fal_key, fake_hex32, fake_key_id_secret, fake_token, fake_uuid


def rules_found(text: str, path: str = "sample.txt") -> set[str]:
    return {finding.rule for finding in detect(text.encode(), Origin(path))}


TRUE_CASES = [(rule.id, example) for rule in RULES for example in rule.true_examples]
FALSE_CASES = [(rule.id, example) for rule in RULES for example in rule.false_examples]


@pytest.mark.parametrize("rule_id,template", TRUE_CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rule_flags_its_true_examples(rule_id: str, template: str, seed: int) -> None:
    assert rule_id in rules_found(expand_example(template, seed))


@pytest.mark.parametrize("rule_id,template", FALSE_CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rule_ignores_its_false_examples(rule_id: str, template: str, seed: int) -> None:
    assert rule_id not in rules_found(expand_example(template, seed))


def test_every_rule_has_examples_both_ways() -> None:
    for rule in RULES:
        assert len(rule.true_examples) >= 3, rule.id
        assert len(rule.false_examples) >= 3, rule.id


def test_rule_ids_are_the_public_contract() -> None:
    assert set(RULES_BY_ID) >= {"fal-key", "fal-key-id-secret", "fal-key-pair", "fal-key-assignment", "public-fal-key"}


# Identifiers and placeholders from fal's own repositories and docs: no rule may flag them.
NEVER_FLAGGED = [
    "import fal_client",
    "fal_key = os.environ['FAL_KEY']",
    "fal_key_id = os.environ['FAL_KEY_ID']",
    "fal_key_secret = os.environ['FAL_KEY_SECRET']",
    "fal_api_key = settings.FAL_API_KEY",
    "fal_host = 'rest.alpha.fal.ai'",
    "token = fal_jwt_token(user)",
    "headers = fal_file_repository_v3_auth_headers()",
    "model = 'fal_ai_sdxl_1690489104504'",
    'FAL_KEY="FAL_KEY_ID:FAL_KEY_SECRET"',
    "FAL_KEY=your-api-key",
    "FAL_KEY=your-api-key-here",
    "FAL_KEY=YOUR_FAL_KEY",
    "FAL_KEY=PASTE_YOUR_FAL_KEY_HERE",
    "FAL_KEY=fal_...",
    "FAL_KEY=fal_xxxxxxxxxxxxxxxxxxxxxxxx",
    "FAL_KEY=fal_****",
    "FAL_KEY_ID=your-key-id\nFAL_KEY_SECRET=your-key-secret",
    "FAL_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "FAL_KEY=$FAL_KEY",
    "FAL_KEY=${FAL_KEY}",
    "fal.config({ credentials: process.env.FAL_KEY });",
    "const falKey = process.env.FAL_KEY;",
    "is_fal = false; default_fal = None",
    "fal_client.subscribe('fal-ai/flux/dev', arguments={'prompt': 'a cat'})",
]


@pytest.mark.parametrize("text", NEVER_FLAGGED)
def test_identifiers_and_placeholders_are_never_flagged(text: str) -> None:
    assert rules_found(text, "app.py") == set()


def _shapes(rng: random.Random) -> list[tuple[str, str, str]]:
    """(file name, content, the rule that must fire) in the shapes keys take in real projects."""
    kis = fake_key_id_secret(rng)
    fal = fake_fal_key(rng)
    uid, hex32, token = fake_uuid(rng), fake_hex32(rng), fake_token(rng)
    return [
        (".env", f"FAL_KEY={kis}\n", "fal-key-id-secret"),
        (".env", f'FAL_KEY="{fal}"\n', "fal-key"),
        ("main.py", f'import fal_client\nos.environ["FAL_KEY"] = "{kis}"\n', "fal-key-id-secret"),
        (
            "app.ts",
            f'import {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: "{kis}" }});\n',
            "fal-key-id-secret",
        ),
        (
            "app.ts",
            f'fal.config({{ credentials: {{ keyId: "{uid}", keySecret: "{hex32}" }} }});\n',
            "fal-key-pair",
        ),
        ("config.json", f'{{"fal": {{"FAL_KEY": "{token}"}}}}\n', "fal-key-assignment"),
        ("deploy.yaml", f"env:\n  - name: FAL_KEY\n    FAL_KEY: {kis}\n", "fal-key-id-secret"),
        ("Dockerfile", f"FROM python:3.12\nENV FAL_KEY {token}\n", "fal-key-assignment"),
        ("run.sh", f"#!/bin/sh\nexport FAL_KEY={fal}\n", "fal-key"),
        ("call.sh", f'curl -H "Authorization: Key {kis}" https://queue.fal.run/fal-ai/flux\n', "fal-key-id-secret"),
        ("call.sh", f'curl -H "Authorization: Key {token}" https://fal.run/fal-ai/flux\n', "fal-key-assignment"),
        ("bundle.min.js", "!function(e){" + "var a=1;" * 500 + f'e.k="{kis}"' + "}();", "fal-key-id-secret"),
        (".env.production", f"NEXT_PUBLIC_{'FAL'}_KEY={kis}\n", "public-fal-key"),
        ("secrets.js", f"const FAL_KEY_ID = '{uid}';\nconst FAL_KEY_SECRET = '{hex32}';\n", "fal-key-pair"),
    ]


@pytest.mark.parametrize("index", range(14))
def test_real_world_shapes(index: int) -> None:
    name, content, rule = _shapes(random.Random(index))[index]
    assert rule in rules_found(content, name)


def test_public_variable_with_a_real_key_is_critical_and_without_is_high() -> None:
    rng = random.Random(5)
    with_key = detect(f"NEXT_PUBLIC_{'FAL'}_KEY={fake_key_id_secret(rng)}\n".encode(), Origin(".env"))
    public = [f for f in with_key if f.rule == "public-fal-key"]
    assert [f.severity for f in public] == [Severity.CRITICAL]
    use = detect(f"fetch(url, {{key: process.env.NEXT_PUBLIC_{'FAL'}_KEY}})".encode(), Origin("a.ts"))
    assert [(f.rule, f.severity) for f in use] == [("public-fal-key", Severity.HIGH)]


def test_public_variable_named_in_documentation_is_low() -> None:
    found = detect(f"Set `NEXT_PUBLIC_{'FAL'}_KEY=` only for prototypes.".encode(), Origin("README.md"))
    assert [(f.rule, f.severity) for f in found] == [("public-fal-key", Severity.LOW)]


def test_sequential_test_values_are_not_critical() -> None:
    rng = random.Random(3)
    uid = fake_uuid(rng)
    found = detect(f"FAL_KEY_ID={uid}\nFAL_KEY_SECRET={'0123456789abcdef' * 2}\n".encode(), Origin(".env"))
    assert [(f.rule, f.severity) for f in found] == [("fal-key-pair", Severity.LOW)]
    found = detect(f"FAL_KEY={uid}:{'0123456789abcdef' * 2}\n".encode(), Origin(".env"))
    assert [(f.rule, f.severity) for f in found] == [("fal-key-id-secret", Severity.LOW)]


def test_pair_reports_the_key_id_that_finds_the_key_on_the_dashboard() -> None:
    rng = random.Random(4)
    uid, hex32 = fake_uuid(rng), fake_hex32(rng)
    (finding,) = detect(f"FAL_KEY_ID={uid}\nFAL_KEY_SECRET={hex32}\n".encode(), Origin(".env"))
    assert finding.secret.key_id == uid
    assert finding.line == 2
    assert hex32 not in finding.secret.masked


def test_one_secret_is_reported_once_by_the_most_specific_rule() -> None:
    rng = random.Random(6)
    found = detect(f"FAL_KEY={fake_fal_key(rng)}\nFAL_API_KEY='{fake_key_id_secret(rng)}'\n".encode(), Origin(".env"))
    assert [f.rule for f in found] == ["fal-key", "fal-key-id-secret"]


def test_ignored_env_file_reports_only_browser_exposure() -> None:
    rng = random.Random(7)
    content = f"FAL_KEY={fake_key_id_secret(rng)}\nNEXT_PUBLIC_{'FAL'}_KEY={fake_fal_key(rng)}\n".encode()
    found = detect(content, Origin(".env.local", ignored_env=True))
    assert [(f.rule, f.line) for f in found] == [("public-fal-key", 2)]


# --- every rule is guided and documented ---------------------------------------------------

USER_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"
_UNFILLED = re.compile(r"\{(?:dashboard|which|path|route|remediation)\}")


def documented_rule_ids() -> set[str]:
    """The ids in the first column of the user guide's rules table."""
    section = USER_GUIDE.read_text(encoding="utf-8").split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.MULTILINE))


@pytest.mark.parametrize("rule_id", sorted(ALL_RULES))
def test_every_rule_has_steps(rule_id: str) -> None:
    steps = steps_for_rule(rule_id)
    assert steps and all(step.strip() and not _UNFILLED.search(step) for step in steps)


@pytest.mark.parametrize("rule_id", sorted(ALL_RULES))
def test_every_rule_has_a_row_in_the_user_guide_rules_table(rule_id: str) -> None:
    assert rule_id in documented_rule_ids()


# --- one judge of a whole value ------------------------------------------------------------


def test_credential_in_asks_the_rules_in_priority_order() -> None:
    rng = random.Random(8)
    kis, fal, token = fake_key_id_secret(rng), fake_fal_key(rng), fake_token(rng)
    verdict = credential_in(kis)
    assert verdict is not None and verdict.key_id == kis.split(":")[0]
    assert verdict.mask(kis, verdict.key_id) == f"{verdict.key_id}:****{kis[-4:]}"
    found = credential_in(fal)
    assert found is not None and found.mask(fal, None) == f"{fal[:4]}****{fal[-4:]}"
    assert credential_in(token) is not None
    for value in (fake_uuid(rng), "your-api-key", "${FAL_KEY}", "process.env.FAL_KEY", "fal_xxxxxxxxxxxxxxxxxxxxxxxx"):
        assert credential_in(value) is None, value


def test_an_id_secret_key_is_purged_in_its_url_encoded_spelling_too() -> None:
    kis, token = fake_key_id_secret(random.Random(9)), fake_token(random.Random(9))
    assert written_forms(kis) == (kis, kis.replace(":", "%3A"))
    assert written_forms(token) == (token,)


# --- a new key shape is one module: the toy shape, found end to end -------------------------


@pytest.fixture
def toy() -> Iterator[Rule]:
    with registered(toy_rule.RULE):
        yield toy_rule.RULE


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_toy_shape_flags_its_true_examples_and_ignores_its_false_ones(toy: Rule, seed: int) -> None:
    for template in toy.true_examples:
        assert toy.id in rules_found(toy_rule.expand(template, seed)), template
    for template in toy.false_examples:
        assert toy.id not in rules_found(toy_rule.expand(template, seed)), template


def test_toy_shape_is_registered_only_inside_the_block() -> None:
    key = toy_rule.fake_toy_key(random.Random(10))
    catch_all = credential_in(key)  # a random token: fal-key-assignment's catch-all takes it
    assert "toy-key" not in ALL_RULES and catch_all is not None and catch_all.mask is not toy_rule.mask_toy
    assert not may_match(f"TOKEN = '{key}'".encode())
    with registered(toy_rule.RULE):
        verdict = credential_in(key)  # the new shape comes before the catch-all
        assert RULES_BY_ID["toy-key"] is toy_rule.RULE and verdict is not None and verdict.mask is toy_rule.mask_toy
        assert may_match(f"TOKEN = '{key}'".encode())  # the prefilter is built from the rules' anchors
        assert steps_for_rule("toy-key")[:2] == ["Revoke the toy key on the toy dashboard.", toy_rule.STEPS[1]]
    assert "toy-key" not in ALL_RULES and [rule.id for rule in RULES] == list(RULES_BY_ID)


def test_toy_shape_is_found_masked_and_guided_by_a_worktree_scan(repo: Path, falguard, toy: Rule) -> None:
    key = toy_rule.fake_toy_key(random.Random(11))
    ignoring_env(repo)
    write(repo, "app/settings.py", f'TOKEN = "{key}"\n')
    write(repo, ".env.production", f"NEXT_PUBLIC_{'FAL'}_KEY={key}\n")
    commit_all(repo, "settings")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1 and key not in run.out
    found = {finding["rule"]: finding for finding in run.json["findings"]}
    shown = "toy_****" + key[-4:]
    assert (found["toy-key"]["path"], found["toy-key"]["line"], found["toy-key"]["secret"]) == (
        "app/settings.py",
        1,
        shown,
    )
    # the same key sits in a public variable: one group, whose steps cover both places
    todo = found["toy-key"]["steps"]
    assert todo == found["public-fal-key"]["steps"]
    assert todo[0].startswith("Revoke the key now") and todo[1].startswith("Rename the variable to FAL_KEY")
    # a public variable holding a toy key holds a key: credential_in knows the new shape
    public = found["public-fal-key"]
    assert (public["severity"], public["secret"]) == ("critical", shown)
    text = falguard("scan", cwd=repo)
    assert shown in text.out and key not in text.out


def test_toy_shape_is_found_by_a_history_scan(repo: Path, falguard, toy: Rule) -> None:
    key = toy_rule.fake_toy_key(random.Random(12))
    ignoring_env(repo)
    write(repo, "README.md", "hello\n")
    commit_all(repo, "base")
    write(repo, "notes/old.txt", f"the token was {key}\n")  # no fal word, no id:secret head
    introduced = commit_all(repo, "notes")
    git(repo, "rm", "-q", "notes/old.txt")
    commit_all(repo, "remove notes")
    assert falguard("scan", "--format", "json", cwd=repo).code == 0
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert run.code == 1 and key not in run.out
    (finding,) = [f for f in run.json["findings"] if f["rule"] == "toy-key"]
    assert (finding["path"], finding["commit"], finding["secret"]) == (
        "notes/old.txt",
        introduced,
        "toy_****" + key[-4:],
    )
    assert finding["steps"][0] == "Revoke the toy key on the toy dashboard." and "git history" in finding["steps"][1]


def test_a_value_character_is_any_byte_but_whitespace_quotes_and_delimiters() -> None:
    from falguard.rules.common import VALUE_CHAR

    spelled = re.compile(VALUE_CHAR)
    for byte in range(256):
        expected = byte not in b" \t\n\r\f\v\"'`,;)}]<>"  # what [^\s"'`,;)}\]<>] leaves
        assert bool(spelled.fullmatch(bytes([byte]))) == expected, hex(byte)


def test_an_over_long_assigned_value_is_judged_by_its_first_256_characters() -> None:
    rng = random.Random(12)
    token = "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789") for _ in range(300))
    content = f"FAL_KEY={token}\nFAL_KEY={'x' * 300}\nFAL_KEY={token}\n".encode()
    found = detect(content, Origin("app.env"))
    assert [(f.rule, f.line, f.column, f.end_column) for f in found] == [
        ("fal-key-assignment", 1, 9, 265),
        ("fal-key-assignment", 3, 9, 265),
    ]
