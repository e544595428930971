"""Fake fal keys assembled at run time, so no key-shaped literal is ever committed."""

from __future__ import annotations

import random
import string
import uuid

_HEX = "0123456789abcdef"
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def fake_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def fake_hex32(rng: random.Random) -> str:
    while True:
        value = "".join(rng.choice(_HEX) for _ in range(32))
        if not _is_sequential(value):
            return value


def fake_token(rng: random.Random, length: int = 40) -> str:
    while True:
        value = "".join(rng.choice(_TOKEN_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value) and not _looks_made_up(value):
            return value


def fake_key_id_secret(rng: random.Random) -> str:
    return f"{fake_uuid(rng)}:{fake_hex32(rng)}"


def fake_fal_key(rng: random.Random) -> str:
    return "fal" + "_" + fake_token(rng)


def _is_sequential(value: str) -> bool:
    from falguard.rules import looks_like_test_value

    return looks_like_test_value(value)


def _looks_made_up(value: str) -> bool:
    """What the scanner rightly takes for no real key: a test value, a template (a random
    token can spell ``your``, ``todo`` or ``here``: 3 of the first 10,000 seeds did), words. A fake key
    must be one the scanner has to report, so these are drawn again; hex (``fake_hex32``)
    cannot spell any of the template words."""
    from falguard.rules import is_placeholder, looks_random

    return _is_sequential(value) or is_placeholder(value) or not looks_random(value)


def expand_example(template: str, seed: int = 0) -> str:
    """Fill ``{uuid}``, ``{hex32}``, ``{token}`` and ``{FAL}`` in a rule example."""
    rng = random.Random(seed)
    return (
        template.replace("{FAL}", "FAL")
        .replace("{uuid}", fake_uuid(rng))
        .replace("{hex32}", fake_hex32(rng))
        .replace("{token}", fake_token(rng))
    )
