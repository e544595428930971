"""OCR's confusions undone only where a fal key's shape forces the characters (expand/ocrtext.py)."""

from __future__ import annotations

import random

import pytest

from falguard.expand.ocrtext import agreed, corrected, damaged_key, page_rows, page_text
from tests.keys import fake_hex32, fake_token, fake_uuid

RNG = random.Random(2727)


def confused(value: str) -> str:
    """``value`` as OCR misreads it: 0 as O, 1 as l, 5 as S, 8 as B, some hex letters upper case."""
    return value.translate(str.maketrans("0158ad", "OlSBAD"))


def key_with_every_confusion() -> tuple[str, str]:
    while True:
        key_id, secret = fake_uuid(RNG), fake_hex32(RNG)
        if all(c in key_id + secret for c in "0158"):
            return key_id, secret


def test_a_key_read_with_confusions_is_whole_again() -> None:
    key_id, secret = key_with_every_confusion()
    read = f"FAL_KEY='{confused(key_id)}:{confused(secret)}'"
    assert confused(key_id) != key_id
    assert corrected(read) == f"FAL_KEY='{key_id}:{secret}'"


def test_spaces_ocr_adds_inside_a_key_and_a_line_break_in_its_secret_are_dropped() -> None:
    key_id, secret = key_with_every_confusion()
    spaced_id = f"{key_id[:6]} {key_id[6:18]} - {key_id[19:]}"  # a space in a group, and around a dash
    read = f"key: {spaced_id} :{secret[:20]}\n{confused(secret[20:])} ok\nnext row"
    fixed = corrected(read)
    assert fixed.splitlines()[0] == f"key: {key_id}:{secret}"
    assert fixed.count("\n") == read.count("\n"), "rows keep their count, so line numbers hold"


def test_a_slashed_zero_and_look_alike_letters_are_digits() -> None:
    key_id, secret = key_with_every_confusion()
    read = (
        key_id.replace("0", "\u00f8") + ":" + secret.replace("0", "@", 1).replace("0", "\u03b8").replace("1", "\u0406")
    )
    assert corrected(f'"{read}"') == f'"{key_id}:{secret}"'


def test_the_version_digit_is_forced_and_a_lone_key_id_is_corrected() -> None:
    key_id = fake_uuid(RNG)
    read = key_id[:14] + "A" + key_id[15:]  # the version digit read as a letter
    assert corrected(f"key id: {confused(read)}") == f"key id: {key_id}"


def test_a_split_pair_in_a_table_reads_as_names_and_values() -> None:
    key_id, secret = fake_uuid(RNG), fake_hex32(RNG)
    secret = "015" + secret[3:]
    misread = "OlS" + secret[3:]  # a few confusions (a run of 32 far from hex is no secret)
    read = f"Name  Value\nFAL KEY ID  {key_id}\nFAL_KEY_SECRET  {misread}"
    assert corrected(read).splitlines()[1:] == [f"FAL_KEY_ID: {key_id}", f"FAL_KEY_SECRET: {secret}"]


def test_fal_prefix_misreads() -> None:
    body = fake_token(RNG, 24)  # assembled at run time: falguard's own tree scans clean
    assert corrected(f"the new one is faI-{body} btw") == f"the new one is fal_{body} btw"
    assert corrected("see fal-ai/flux/dev") == "see fal-ai/flux/dev"


@pytest.mark.parametrize(
    "decoy",
    [
        "FAL_KEY_ID:FAL_KEY_SECRET",
        "YOUR_FAL_KEY",
        "{uuid}:****************************{tail}",  # a masked key
        "x-fal-request-id:  {uuid}\nx-commit-sha:  {sha}",  # a request id near a commit sha
        "{uuid} {sha}",  # an id and a 40-character sha: no colon, and not 32
        "SENTRY_DSN  https://{hex}@o123456.ingest.sentry.io/789",
        "Is it Gossip Sabbaths: IllIllIlSSSSOOOOBBBBggggqqqqZZZZ?",  # words of confusable letters
    ],
)
def test_decoys_do_not_become_keys(decoy: str) -> None:
    text = decoy.format(
        uuid=fake_uuid(RNG), sha=fake_hex32(RNG) + fake_hex32(RNG)[:8], tail="4ef3", hex=fake_hex32(RNG)
    )
    fixed = corrected(text)
    import re

    assert not re.search(r"[0-9a-f-]{36}:[0-9a-f]{32}", fixed)
    assert fixed.replace("SENTRY_DSN: ", "SENTRY_DSN  ") == text


def test_rows_are_read_top_to_bottom_and_left_to_right() -> None:
    boxes = [
        ("value two", [(200, 52), (300, 52), (300, 68), (200, 68)]),
        ("label one", [(10, 10), (100, 10), (100, 26), (10, 26)]),
        ("label two", [(10, 50), (100, 50), (100, 66), (10, 66)]),
        ("value one", [(200, 11), (300, 11), (300, 27), (200, 27)]),
        ("one:", [(10, 90), (50, 90), (50, 106), (10, 106)]),
        ("glued", [(52, 90), (102, 90), (102, 106), (52, 106)]),
    ]
    assert page_text(boxes) == "label one  value one\nlabel two  value two\none: glued"
    assert page_rows(boxes)[0].region() == "x 10-300, y 10-27"


def test_a_key_read_with_a_character_lost_is_damaged_and_a_whole_one_is_not() -> None:
    key_id, secret = fake_uuid(RNG), fake_hex32(RNG)
    assert not damaged_key(f"FAL_KEY={key_id}:{secret}")
    assert damaged_key(f"FAL_KEY={key_id[:7]}{key_id[8:]}:{secret}")  # "d0-" read as "d-"
    assert damaged_key(f"FAL_KEY={key_id}:{secret[:-1]}")
    assert not damaged_key(f"request {key_id} commit {secret}")


def test_a_damaged_row_is_read_again_larger_and_the_whole_key_kept() -> None:
    """The engine's second reading (of the row's crop at twice the size) replaces the row."""
    from PIL import Image

    from falguard.expand.ocrengine import rows_read

    key_id, secret = fake_uuid(RNG), fake_hex32(RNG)
    corners = [(10.0, 10.0), (600.0, 10.0), (600.0, 30.0), (10.0, 30.0)]

    class Reader:  # what an engine answers: the damaged row first, then the crop read whole
        sizes: list[tuple[int, int]] = []

        def read(self, image: Image.Image) -> list[tuple[str, list[tuple[float, float]]]]:
            self.sizes.append(image.size)
            text = f"FAL_KEY={key_id}:{secret}" if len(self.sizes) > 1 else f"FAL_KEY={key_id[:7]}{key_id[8:]}:{secret}"
            other = [("other row", [(10.0, 50.0), (90.0, 50.0), (90.0, 66.0), (10.0, 66.0)])]
            return [(text, corners)] + (other if len(self.sizes) == 1 else [])

    reader = Reader()
    rows = rows_read(reader, Image.new("RGB", (800, 100), "white"))  # type: ignore[arg-type]
    assert [row.text for row in rows] == [f"FAL_KEY={key_id}:{secret}", "other row"]
    assert reader.sizes[1] == (2 * (600 - 10 + 20), 2 * (30 - 10 + 20))  # the row with a margin, twice the size
    assert len(reader.sizes) == 4  # then, as the row holds a key, twice more (1.5 and 2 times) to vote


def test_a_key_s_characters_are_taken_by_majority_of_three_readings() -> None:
    key_id, secret = fake_uuid(RNG), fake_hex32(RNG)
    misread_id = key_id[:9] + ("1" if key_id[9] != "1" else "f") + key_id[10:]  # one hex digit read as another
    readings = [f"FAL_KEY='{misread_id}:{secret}'", f"FAL_KEY='{key_id}:{secret}'", f"FAL KEY='{key_id}:{secret}'"]
    assert agreed(readings) == f"FAL_KEY='{key_id}:{secret}'"
    assert agreed([readings[0], "nothing read", "FAL"]) == readings[0], "readings without the key have no vote"
