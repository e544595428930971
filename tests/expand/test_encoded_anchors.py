"""Base64 of the prefilter's anchors: every encoding of text an anchor matches, at every
alignment, in both alphabets and up to three levels deep, holds a match of one of the
searches; the content they turn away gives the same findings as before, none."""

from __future__ import annotations

import base64
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from falguard.detection import fastfind
from falguard.detection.detect import detect
from falguard.detection.prefilter import prefilter_for
from falguard.expand import encoded
from falguard.expand.encoded import MAX_DEPTH, Decoder, encoded_findings, one_pass
from falguard.expand.encoded_anchors import encode, encoded_searches, leading_classes
from falguard.expand.step import Expansion
from falguard.models import Origin, Summary
from falguard.rules import build_rules
from falguard.sources import Item
from tests.keys import fake_fal_key, fake_hex32, fake_key_id_secret, fake_token, fake_uuid

NAMES = ("IMAGE_GEN_SECRET", "MY_FAL_TOKEN")
PREFILTER = prefilter_for(NAMES)
RULES = build_rules(extra_key_names=NAMES)
ENCODED = {search.pattern for search in PREFILTER.encoded}
SOURCES = tuple(source for source in PREFILTER.sources if source not in ENCODED)
SEARCHES = encoded_searches(SOURCES, MAX_DEPTH)

_RNG = random.Random(21)
FRAGMENTS = [
    fake_key_id_secret(_RNG),
    fake_key_id_secret(_RNG).upper(),
    fake_fal_key(_RNG),
    fake_uuid(_RNG) + '"',
    fake_hex32(_RNG),
    fake_token(_RNG),
    "FAL_KEY=",
    "fal_key: ",
    "Fal",
    "falAI",
    "IMAGE_GEN_SECRET=",
    "my_fal_token",
    "Auth-Key",
    "auth-key",
    "-0123456789ab\n",
    "-0123456789AB:",
    "{id: '",
    "', key: '",
    "x",
    " ",
    "\n",
    "=",
    ":",
    "-",
]


def b64(data: bytes, urlsafe: bool, padded: bool) -> bytes:
    text = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    return text if padded else text.rstrip(b"=")


def test_the_leading_classes_stop_where_a_match_may_go_more_than_one_way() -> None:
    def lengths(source: bytes) -> int:
        return len(leading_classes(source))

    assert lengths(rb"fal(?:[^a-z0-9]|key)") == 3
    assert lengths(rb"\-[0-9a-f]{12}(?:[:%]|[0-9a-f]{1,31}\n)") == 13
    assert lengths(rb"ab?c") == 1 and lengths(rb"a{2,3}b") == 2 and lengths(rb"a{,3}b") == 0
    assert lengths(rb"x{}") == 3  # two literal braces
    assert lengths(rb"fal|xyz") == 0 and lengths(rb"a(b)|c") == 0  # an alternation: no byte is certain
    assert lengths(rb"^fal") == 0 and lengths(rb"\x66al") == 0 and lengths(rb"(?i)fal") == 0
    assert leading_classes(rb"[0-9a-f]\-")[0] == frozenset(b"0123456789abcdef")


def test_fal_at_the_start_of_a_group_is_four_known_characters() -> None:
    fal = tuple(frozenset({byte, byte - 32}) for byte in b"fal")
    assert encode(fal, 0) == (frozenset(b"RZ"), frozenset(b"km"), frozenset(b"F"), frozenset(b"sM"))
    assert all(len(encode(fal, alignment)) == 5 for alignment in (1, 2))  # and partial ones on each side


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
    before=st.binary(max_size=5),
    levels=st.lists(st.tuples(st.binary(max_size=4), st.booleans(), st.booleans()), min_size=1, max_size=MAX_DEPTH),
)
def test_every_encoding_of_an_anchor_holds_a_match_of_a_search(
    parts: list[str], before: bytes, levels: list[tuple[bytes, bool, bool]]
) -> None:
    text = before + "".join(parts).encode()
    if not any(re.search(source, text.lower()) for source in SOURCES):
        return
    assert SEARCHES is not None
    for prefix, urlsafe, padded in levels:
        text = b64(prefix + text, urlsafe, padded)
        assert any(re.search(search, text, re.DOTALL) for search in SEARCHES)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(FRAGMENTS), max_size=10))
def test_text_a_rule_flags_holds_an_anchor_the_searches_are_built_from(parts: list[str]) -> None:
    """The prefilter's own searches for base64 of fal_ are left out: decoded text needs a plain anchor."""
    content = "".join(parts).encode()
    if detect(content, Origin("a.txt"), RULES):
        assert any(re.search(source, content.lower()) for source in SOURCES)


def _encoded_keys(rng: random.Random) -> str:
    """Text with keys base64-encoded one to three times, among decoys and plain text."""
    lines = []
    for _ in range(rng.randint(1, 6)):
        value = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 4))).encode()
        for _ in range(rng.randint(0, MAX_DEPTH + 1)):
            value = b64(rng.choice([b"", b"a", b"xy"]) + value, rng.random() < 0.3, rng.random() < 0.5)
        lines.append(f"{rng.choice(['token', 'data', 'FAL_KEY'])}: {value.decode('ascii')}")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(fastfind.holder([b"x"]) is None, reason="without hyperscan nothing is searched in one pass")
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_content_searched_in_one_pass_gives_the_same_findings(seed: int) -> None:
    content = _encoded_keys(random.Random(seed)).encode()
    found = [
        encoded_findings(content, Origin("k8s/secret.yaml"), Decoder(RULES, PREFILTER, after), Summary())
        for after in (0, 1 << 62)
    ]
    assert found[0] == found[1]


@pytest.mark.skipif(fastfind.holder([b"x"]) is None, reason="without hyperscan nothing is searched in one pass")
@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), kind=st.sampled_from(["blob", "file"]))
def test_detection_given_its_finders_hits_by_the_shared_pass_finds_the_same(seed: int, kind: str) -> None:
    rng = random.Random(seed)
    plain = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 12)))
    item = Item(Origin("app/settings.py"), (plain + "\n" + _encoded_keys(rng)).encode(), kind=kind)
    decoders = [Decoder(RULES, PREFILTER, after) for after in (0, 1 << 62)]
    assert one_pass(item.content, decoders[0]) is not None
    found = [Expansion(decoder).findings(item, Summary()) for decoder in decoders]
    assert found[0] == found[1]


@pytest.mark.skipif(fastfind.holder([b"x"]) is None, reason="without hyperscan nothing is searched in one pass")
def test_content_with_no_encoded_anchor_is_turned_away_without_looking_for_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoder = Decoder(RULES, PREFILTER, one_pass_after=1000)
    source = b"def GetFalAiRequestsByRequestIdStatusResponse(request_id: str) -> None:\n    pass\n" * 20
    key = b64(fake_key_id_secret(random.Random(3)).encode(), False, True)
    assert encoded_findings(source, Origin("a.py"), decoder, Summary()) == []  # the scan's first 1000 bytes
    monkeypatch.setattr(encoded, "_runs", lambda content: pytest.fail("looked for runs"))
    assert encoded_findings(source, Origin("a.py"), decoder, Summary()) == []
    with pytest.raises(pytest.fail.Exception):
        encoded_findings(b"token: " + key + b"\n", Origin("a.yaml"), decoder, Summary())


def test_content_that_could_reach_the_budget_is_always_looked_through() -> None:
    decoder = Decoder(RULES, PREFILTER, one_pass_after=0)
    assert not encoded._turned_away(b" " * (encoded.WITHIN_BUDGET + 1), decoder)
    # the worst case: every level decodes 3/4 of the one above it, at every depth
    total = sum(encoded.WITHIN_BUDGET * 3**level // 4**level for level in range(1, MAX_DEPTH + 1))
    assert total < encoded.MAX_DECODED
