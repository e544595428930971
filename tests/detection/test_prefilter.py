"""The prefilter built from the rules' anchors: it never hides content a rule flags."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from falguard.detection import fastfind
from falguard.detection.detect import detect
from falguard.detection.prefilter import build, built_in, prefilter_for
from falguard.models import Origin
from falguard.rules import RULES, Anchor, Rule, build_rules, fal_key_joined, pattern
from tests.keys import expand_example, fake_fal_key, fake_hex32, fake_key_id_secret, fake_token, fake_uuid

NAMES = ("IMAGE_GEN_SECRET", "IMAGE_KEY", "MY_FAL_TOKEN")


def test_default_rules_need_two_searches_each_from_a_literal() -> None:
    searches = [search.pattern for search in prefilter_for().searches]
    assert searches == [
        # a whole key, a key in pieces (fal_key_joined) and gRPC metadata pairs (no fal word
        # needed nearby): all from a dash, the key id's or the one in "auth-key"
        rb"\-(?:" + fal_key_joined.ANCHOR.then + rb"|(?<=auth\-)key)",
        rb"fal(?:[^a-z0-9]|key|api|ai|secret|token|cred)",
    ]


def test_an_anchor_searched_for_at_another_groups_byte_still_needs_all_of_itself() -> None:
    prefilter = prefilter_for()
    assert prefilter.may_match(b'md.add("Auth-Key", x)')
    assert not prefilter.may_match(b"author-key, auth-kid")
    assert not prefilter.may_match(b"-key = auth_key")


def test_configured_names_share_a_search_by_their_common_literal() -> None:
    searches = [search.pattern for search in prefilter_for(NAMES).searches]
    # MY_FAL_TOKEN holds "fal_", which the fal-context search finds anyway
    assert searches[2:] == [rb"image_(?:gen_secret|key)"]


def test_a_pattern_must_say_what_content_it_needs() -> None:
    with pytest.raises(ValueError):
        pattern(rb"[a-z]+")
    with pytest.raises(ValueError):
        Anchor(b"Upper")


def test_prefilter_admits_every_example_of_every_rule_with_configured_names() -> None:
    prefilter = prefilter_for(NAMES)
    for rule in build_rules(extra_key_names=NAMES):
        for example in rule.true_examples:
            assert prefilter.may_match(expand_example(example).encode()), (rule.id, example)
    for name in NAMES:
        assert prefilter.may_match(f"{name} = 'x'".encode())
    assert not prefilter_for().may_match(b"IMAGE_GEN_SECRET = 'x'")  # only a configured name needs no fal context


def test_a_rule_with_its_own_anchor_is_admitted_by_it() -> None:
    toy = Rule(
        id="toy",
        severity=RULES[0].severity,
        title="toy",
        description="",
        remediation="",
        patterns=(pattern(rb"zork_[0-9]{4}", head=Anchor(b"zork_")),),
    )
    assert build((*RULES, toy)).may_match(b"x = ZORK_1234") and not build(RULES).may_match(b"x = zork_1234")


_RNG = random.Random(13)
FRAGMENTS = [
    fake_key_id_secret(_RNG),
    fake_key_id_secret(_RNG).replace(":", "%3A").upper(),
    fake_fal_key(_RNG),
    fake_uuid(_RNG),
    fake_hex32(_RNG),
    fake_token(_RNG),
    "FAL_KEY=",
    "NEXT_PUBLIC_",
    "VITE_",
    "FAL_KEY",
    "_SECRET",
    "Fal",
    "fal",
    "-",
    ":",
    "=",
    " ",
    "\n",
    "'",
    '"',
    "{id: '",
    "', key: '",
    "Authorization: Key ",
    "ENV ",
    "process.env.",
    "IMAGE_GEN_SECRET",
    "keySecret: ",
]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_content_a_rule_flags_always_passes_the_prefilter(parts: list[str]) -> None:
    content = "".join(parts).encode()
    rules = build_rules(extra_key_names=NAMES)
    if detect(content, Origin("a.txt"), rules):
        assert prefilter_for(NAMES).may_match(content)


MORE_FRAGMENTS = [*FRAGMENTS, "auth-key", "AUTH-KEY", "zmfsx", "ZhBf", "rkfmx", "false", "FALX", "-0123456789ab", "%3A"]


@settings(max_examples=300, deadline=None)
@pytest.mark.parametrize("admitter_of", [fastfind.batch_admitter, fastfind.object_admitter])
@given(
    objects=st.lists(st.lists(st.sampled_from(MORE_FRAGMENTS), max_size=8), min_size=1, max_size=8), gap=st.booleans()
)
def test_the_hyperscan_prefilters_admit_exactly_what_the_per_object_searches_admit(
    admitter_of: Callable[[Sequence[bytes]], Any], objects: list[list[str]], gap: bool
) -> None:
    """Objects side by side in one buffer (with or without a header between them, as the
    history reader holds them): hyperscan's one pass over the batch, and what fal-dense
    batches get (one scan per object, stopped at its first hit), admit the same ones as
    ``admits``."""
    prefilter = prefilter_for(NAMES)
    admitter = admitter_of(prefilter.sources)
    if admitter is None:
        pytest.skip("hyperscan is not installed")
    buffer, spans = bytearray(), []
    for parts in objects:
        if gap:
            buffer += b"\n0123456789abcdef blob 12\n"
        start = len(buffer)
        buffer += "".join(parts).encode()
        spans.append((start, len(buffer)))
    lowered = buffer.lower()
    expected = {i for i, (start, end) in enumerate(spans) if prefilter.admits(lowered, start, end)}
    assert admitter(buffer, spans) == expected


def test_a_fal_dense_batch_is_left_to_the_per_object_searches() -> None:
    prefilter = prefilter_for()
    admitter = fastfind.batch_admitter(prefilter.sources)
    if admitter is None:
        pytest.skip("hyperscan is not installed")
    buffer = b"fal.config()\n" * 5000
    assert admitter(buffer, [(0, len(buffer))]) is None
    assert admitter(buffer[:1300], [(0, 1300)]) == {0}


def test_the_written_out_built_in_prefilter_is_what_the_rules_give() -> None:
    """``prefilter.built_in`` lets a clean scan skip loading the rules; it must stay exactly
    ``build(RULES)`` (a rule whose anchors change updates BUILT_IN_SEARCHES/SOURCES from here)."""
    built, written = build(RULES), built_in()
    assert [s.pattern for s in written.searches] == [s.pattern for s in built.searches], [
        s.pattern for s in built.searches
    ]
    assert written.sources == built.sources, built.sources
    assert written.encoded == built.encoded


def test_without_hyperscan_there_is_no_per_object_admitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FALGUARD_NO_HYPERSCAN", "1")
    assert fastfind.object_admitter(prefilter_for().sources) is None
