"""Base64 that hides a fal key: found by the rule that finds the plain key, at the encoded
value, with its key id; decoys (random bytes, placeholders) give nothing; bounded."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

from falguard.detection.prefilter import build, prefilter_for
from falguard.expand.encoded import MAX_DECODED, ONE_PASS_AFTER, Decoder, decode, encoded_findings
from falguard.models import Origin, Summary
from falguard.rules import RULES
from tests.helpers import commit_all, ignoring_env, write
from tests.keys import fake_fal_key, fake_key_id_secret, fake_uuid


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def findings_of(content: str, path: str = "k8s/secret.yaml") -> list:
    """The findings, the same whether the content is first searched for base64 of the anchors or not."""
    found = [
        encoded_findings(content.encode(), Origin(path), Decoder(RULES, build(RULES), after), Summary())
        for after in (0, ONE_PASS_AFTER)
    ]
    assert found[0] == found[1]
    return found[0]


def kubernetes_secret(values: dict[str, str]) -> str:
    lines = "".join(f"  {name}: {b64(value)}\n" for name, value in values.items())
    return f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n{lines}"


def test_a_kubernetes_secret_value_is_reported_with_the_key_id_at_the_encoded_value(repo: Path, falguard) -> None:
    ignoring_env(repo)
    secret = key(1)
    write(repo, "deploy/secret.yaml", kubernetes_secret({"API_TOKEN": secret, "FAL_KEY": secret}))
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    found = [(f["rule"], f["line"], f["column"], f["key_id"], f["severity"]) for f in run.json["findings"]]
    key_id = secret.split(":")[0]
    assert found == [
        ("fal-key-id-secret", 7, 14, key_id, "critical"),  # no fal word needed nearby
        ("fal-key-id-secret", 8, 12, key_id, "critical"),  # and not also "a random value under FAL_KEY"
    ]
    assert all("base64-encoded" in f["message"] for f in run.json["findings"])
    assert run.json["findings"][0]["end_column"] == 14 + len(b64(secret))
    assert secret not in run.out and b64(secret) not in run.out


def test_the_fingerprint_is_the_plain_keys(repo: Path, falguard) -> None:
    ignoring_env(repo)
    secret = key(2)
    write(repo, "plain.py", f"FAL_KEY = '{secret}'\n")
    write(repo, "encoded.json", json.dumps({"token": b64(secret)}) + "\n")
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert len({f["fingerprint"] for f in run.json["findings"]}) == 1


def test_a_dockerconfigjson_blob_is_decoded_two_levels_deep() -> None:
    secret = key(3)
    config = json.dumps({"auths": {"registry.example.com": {"auth": b64(f"fal:{secret}")}}})
    [finding] = findings_of(f"data:\n  .dockerconfigjson: {b64(config)}\n")
    assert (finding.rule, finding.line, finding.column) == ("fal-key-id-secret", 2, 22)
    assert finding.secret.key_id == secret.split(":")[0]
    assert "base64-encoded twice" in finding.message


def test_nested_base64_is_decoded_up_to_three_levels_and_no_further() -> None:
    value = fake_fal_key(random.Random(4))
    for depth, expected in ((1, 1), (2, 1), (3, 1), (4, 0)):
        encoded = value
        for _ in range(depth):
            encoded = b64(encoded)
        assert len(findings_of(f"SERVICE_TOKEN: {encoded}\n")) == expected, depth


def test_url_safe_and_unpadded_base64_is_decoded() -> None:
    secret = key(5)
    raw = f'{{"k":"{secret}"}}'.encode() + b"\xfb\xff"  # bytes whose base64 holds - and _
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert "-" in urlsafe or "_" in urlsafe
    assert [f.rule for f in findings_of(f"token={urlsafe}\n")] == ["fal-key-id-secret"]
    assert decode(b"not base64 at all") is None


def test_decoys_give_nothing() -> None:
    rng = random.Random(6)
    decoys = [
        b64(bytes(rng.getrandbits(8) for _ in range(96))),  # random bytes
        b64("FAL_KEY=your-api-key"),
        b64("FAL_KEY=FAL_KEY_ID:FAL_KEY_SECRET"),
        b64("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        b64("fal_xxxxxxxxxxxxxxxxxxxxxxxx"),
        b64(b64("FAL_KEY=${FAL_KEY}")),
        "src/falguard/sources/history/and/more/path",  # one letter case: never decoded
    ]
    for decoy in decoys:
        assert findings_of(f"FAL_TOKEN: {decoy}\n") == [], decoy


def test_an_allow_comment_on_the_encoded_line_suppresses_it(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "fixture.yaml", f'token: {b64(key(7))}  # falguard:allow reason="test fixture"\n')
    commit_all(repo)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0, run.out
    assert len(run.json["suppressed"]) == 1


def test_each_encoded_key_gets_its_own_lines_allow_comments() -> None:
    allowed = f"a = ['{b64(key(9))}', '{b64(key(10))}']  // falguard:allow reason=\"fixtures\"\n"
    content = allowed + f"b = '{b64(key(11))}'\n" + allowed
    found = findings_of(content, "src/keys.js")
    assert [(f.line, f.suppression.reason if f.suppression else None) for f in found] == [
        (1, "fixtures"),
        (1, "fixtures"),
        (2, None),
        (3, "fixtures"),
        (3, "fixtures"),
    ]


def test_history_finds_a_base64_key_in_a_blob_that_never_names_fal(repo: Path, falguard) -> None:
    ignoring_env(repo)
    value = fake_fal_key(random.Random(8))
    write(repo, "ci/settings.json", json.dumps({"service_token": b64(value)}) + "\n")
    added = commit_all(repo, "settings")
    write(repo, "ci/settings.json", "{}\n")
    commit_all(repo, "clean")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert [(f["rule"], f["commit"]) for f in run.json["findings"]] == [("fal-key", added)]


def test_staged_base64_is_checked_by_the_pre_commit_hook(repo: Path, falguard) -> None:
    ignoring_env(repo)
    commit_all(repo, "initial")
    write(repo, "chart/values.yaml", f"secrets:\n  falKey: {b64(key(9))}\n")
    from tests.helpers import git

    git(repo, "add", "-A")
    run = falguard("hook", "pre-commit", cwd=repo)
    assert run.code == 1
    assert "chart/values.yaml:2:11" in run.out + run.err


def test_the_history_prefilter_admits_base64_of_the_anchors() -> None:
    prefilter = prefilter_for()
    value = fake_fal_key(random.Random(10))
    for text in (value, f"x{value}", f"FAL_KEY={value}", f"AB FAL_KEY={value}"):
        assert prefilter.may_match(b64(text).encode()), text
    assert not prefilter.may_match(b64("nothing to see here, at all").encode())


def test_megabytes_of_base64_cost_at_most_the_budget() -> None:
    block = (b64(f"FAL_KEY={key(11)}:" + "a" * 700) + "\n").encode()
    content = block * (2 * MAX_DECODED // len(block))
    summary = Summary()
    found = encoded_findings(content, Origin("big.txt"), Decoder(RULES, build(RULES)), summary)
    assert summary.encoded_over_budget == 1
    assert 0 < len(found) < content.count(b"\n")
    assert encoded_findings(b"A" * (8 << 20), Origin("a.txt"), Decoder(RULES, build(RULES)), Summary()) == []


def _runs_looking_at_every_run(content: bytes) -> list[tuple[int, int]]:
    """The runs :func:`falguard.expand.encoded._runs` yields, found by looking at every run of
    the alphabet in turn (what it did before it learnt to skip runs in one letter case)."""
    import re

    found = []
    for match in re.finditer(rb"[A-Za-z0-9+/_-]{24,}", content):
        start, end = match.span()
        text = content[start:end]
        if end - start > 64 * 1024 or (end - start) % 4 == 1 or text.islower() or text.isupper():
            continue
        first = content[start:end:4].translate(None, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")
        second = content[start + 1 : end : 4].translate(None, b"ABCDEFGHQRSTUVWXghijklmnwxyz0123")
        if (len(first) + len(second)) * 8 <= (end - start) * 3 // 4:
            padding = 2 if content.startswith(b"==", end) else int(content.startswith(b"=", end))
            found.append((start, end + padding))
    return found


def test_runs_in_one_letter_case_are_skipped_and_no_other_run_is() -> None:
    """Hex, UUIDs and one-case words are turned away in bulk after the first many; every run
    that could be base64 of text is still found, in order (seeded shapes, mixed at random)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from falguard.expand import encoded

    rng = random.Random(14)
    shapes = [
        lambda: fake_uuid(rng),
        lambda: f"{rng.getrandbits(124):031x}",
        lambda: f"{rng.getrandbits(124):031X}",
        lambda: b64(key(rng.randrange(10**6))),
        lambda: b64(rng.randbytes(rng.randrange(10, 60))),
        lambda: b64("A" * rng.randrange(18, 40) + "zz"),  # capitals, then its first small letter at the end
        lambda: "x" * rng.randrange(20, 30) + "Y",
        lambda: "GetFalAiRequestsByRequestIdStatusResponse",
        lambda: "0123456789" * 3,
    ]
    separators = [":", "\n", " ", "=", "==\n", "\u00e9", '"']

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.integers(0, len(shapes) - 1), st.integers(0, len(separators) - 1)), max_size=400))
    def check(parts: list[tuple[int, int]]) -> None:
        content = "".join(shapes[shape]() + separators[sep] for shape, sep in parts).encode()
        assert list(encoded._runs(content)) == _runs_looking_at_every_run(content)

    check()
    one_case = ("".join(shapes[0]() + ":" + shapes[1]() + "\n" for _ in range(500)) + b64(key(3)) + "\n").encode()
    assert list(encoded._runs(one_case)) == _runs_looking_at_every_run(one_case) != []
    # the run's later letter case shows only at its end, after runs with none of it
    for skipped, last in ((shapes[2], b64("A" * 19 + "zz")), (shapes[1], b64("z" * 24 + "\0"))):
        content = ("".join(skipped() + "\n" for _ in range(100)) + last + "\n").encode()
        assert list(encoded._runs(content)) == _runs_looking_at_every_run(content) != []
