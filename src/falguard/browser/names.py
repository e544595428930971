"""Names and values: which variables hold fal credentials, which literals are keys."""

from __future__ import annotations

import re
from collections.abc import Sequence

from falguard.rules import FAL_NAME, is_key_id_secret, is_placeholder, looks_random

_FAL_NAME_RE = re.compile(rb"_{0,2}" + FAL_NAME + rb"_{0,2}")
_UUID_ONLY = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_fal_key_name(name: str) -> bool:
    """``FAL_KEY``, ``NEXT_PUBLIC_FAL_KEY_SECRET``, ``falApiKey``: names that hold fal credentials."""
    return bool(_FAL_NAME_RE.fullmatch(name.encode()))


def is_key_value(value: str) -> bool:
    """A literal that is a credential, not a placeholder, an identifier or a key id alone."""
    if not value or _UUID_ONLY.fullmatch(value) or is_placeholder(value):
        return False
    if is_key_id_secret(value):
        return True
    if value.startswith("fal_"):
        return looks_random(value[4:])
    return looks_random(value) and re.fullmatch(r"[A-Za-z0-9_\-.+/=:~]{16,256}", value) is not None


def is_public(name: str, prefixes: Sequence[str]) -> bool:
    return any(name.startswith(prefix) for prefix in prefixes)
