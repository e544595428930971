"""The detection engine: positions, hostile bytes, linear time, and a property test."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from falguard.detection.detect import detect
from falguard.models import Origin
from falguard.sources import text_content
from tests.keys import fake_fal_key, fake_key_id_secret


def test_line_and_column_are_exact_and_counted_in_characters() -> None:
    key = fake_key_id_secret(random.Random(1))
    content = f"# first\n# ünïcödé → ok\nx = 'ü'; FAL_KEY = \"{key}\"\n".encode()
    (finding,) = detect(content, Origin("a.py"))
    assert (finding.line, finding.column) == (3, 21)
    assert finding.end_column == 21 + len(key)


def test_invalid_utf8_does_not_crash_and_keys_after_it_are_found() -> None:
    key = fake_fal_key(random.Random(2))
    content = b"\xff\xfe\xc3(\x80garbage\n\xed\xa0\x80" + f"FAL_KEY={key}\n".encode()
    (finding,) = detect(content, Origin("blob"))
    assert finding.rule == "fal-key"
    assert finding.line == 2


def test_utf16_text_is_decoded_not_dismissed_as_binary() -> None:
    key = fake_key_id_secret(random.Random(3))
    data = f"\ufeffFAL_KEY={key}\r\n".encode("utf-16-le")
    content = text_content(data)
    assert content is not None
    assert [f.rule for f in detect(content, Origin(".env"))] == ["fal-key-id-secret"]


def test_nul_in_the_first_8k_is_binary() -> None:
    assert text_content(b"abc\0def") is None
    assert text_content(b"a" * 9000 + b"\0") is not None


def test_key_at_the_end_of_a_50mb_single_line_bundle() -> None:
    key = fake_key_id_secret(random.Random(4))
    unit = b'function(e,t,n){"use strict";var r=n(12),o=n(-1);e.exports={a:r,b:o,c:"x-y-z:0"}},'
    filler = unit * (50_000_000 // len(unit))
    content = filler + f'k="{key}"'.encode()
    (finding,) = detect(content, Origin(".next/static/chunks/main.js"))
    assert finding.line == 1
    assert finding.column == len(filler) + 4


def test_adversarial_near_misses_scan_without_backtracking() -> None:
    # each block is a near miss for one rule, repeated; a backtracking pattern would take
    # minutes on this, a linear one takes well under a second per megabyte
    blocks = [
        b"fal_" * 250_000,
        b"FAL_KEY=" * 125_000,
        b"-aaaaaaaaaaaa:" * 70_000,
        b"NEXT_PUBLIC_FAL_KEY" * 50_000,
        b"a_" * 500_000 + b"fal_key",
        b"id: '" * 200_000,
        b"keySecret: '0" * 80_000,
        (b"0" * 8 + b"-") * 100_000,
        b"Authorization: Key " * 50_000,
    ]
    for block in blocks:
        assert [f for f in detect(block, Origin("x")) if f.severity.label != "high"] == []


_LINE_BREAKS = str.maketrans({c: " " for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), min_size=1, max_size=12),
    row=st.integers(min_value=0, max_value=11),
    offset=st.integers(min_value=0, max_value=60),
    seed=st.integers(min_value=0, max_value=10_000),
    shape=st.sampled_from(["id-secret", "fal"]),
)
# the fake keys of these seeds once spelled "your" and "todo" (tests/keys.py draws such again)
@example(lines=["a"], row=0, offset=0, seed=9159, shape="fal")
@example(lines=["a"], row=0, offset=0, seed=951, shape="fal")
def test_a_key_inserted_anywhere_is_found_exactly_there(
    lines: list[str], row: int, offset: int, seed: int, shape: str
) -> None:
    rng = random.Random(seed)
    key = fake_key_id_secret(rng) if shape == "id-secret" else fake_fal_key(rng)
    lines = [line.translate(_LINE_BREAKS) for line in lines]
    row = min(row, len(lines) - 1)
    column = min(offset, len(lines[row]))
    clean = "\n".join(lines)
    lines[row] = lines[row][:column] + f' "{key}" ' + lines[row][column:]
    text = "\n".join(lines)
    baseline = {(f.line, f.column) for f in detect(clean.encode(), Origin("x.txt")) if f.severity.label == "critical"}
    found = [
        (f.line, f.column)
        for f in detect(text.encode(), Origin("x.txt"))
        if f.rule in ("fal-key-id-secret", "fal-key") and f.severity.label == "critical"
    ]
    assert found == [(row + 1, column + 3)]
    assert baseline == set()  # removing the key leaves no finding


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=4096))
def test_scanning_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    detect(data, Origin("x"))
    content = text_content(data)
    if content is not None:
        detect(content, Origin("x"))


def test_many_findings_on_one_line_and_across_lines_keep_exact_positions() -> None:
    # detection walks the content once (a hostile bundle of thousands of keys on one line
    # must stay linear: bench/hostile.py); positions and allow comments stay exact
    rng = random.Random(9)
    keys = [fake_key_id_secret(rng) for _ in range(60)]
    allowed = fake_key_id_secret(rng)
    line_one = "é".join(f"k='{key}'," for key in keys[:30])
    lines = [line_one, *(f"  v = '{key}'" for key in keys[30:]), f"x = '{allowed}'  # falguard:allow"]
    findings = detect("\n".join(lines).encode(), Origin("bundle.js"))
    expected = [(1, line_one.index(key) + 1) for key in keys[:30]] + [(n, 8) for n in range(2, 32)]
    assert [(f.line, f.column) for f in findings if f.suppression is None] == expected
    assert [(f.line, f.suppression is not None) for f in findings][-1] == (32, True)


def test_the_finders_of_rule_sets_are_not_kept_for_ever() -> None:
    """Each scan builds its own rule list; a long-lived caller must not keep every one alive."""
    from falguard.detection import detect as detection
    from falguard.rules import build_rules

    key = fake_key_id_secret(random.Random(77))
    content = f'FAL_KEY = "{key}"\n'.encode() * 2000  # over 16 KiB: the one-pass scanner's path
    for _ in range(3 * detection._FINDERS_KEPT):
        found = detect(content, Origin("app.py"), list(build_rules()))  # a new list, as each scan has
        assert len(found) == 2000
    assert len(detection._FINDERS) <= detection._FINDERS_KEPT
