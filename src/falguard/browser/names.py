"""Names and values: which variables hold fal credentials, which literals are keys."""

from __future__ import annotations

import re
from collections.abc import Sequence

from falguard.rules import FAL_NAME, credential_in

_FAL_NAME_RE = re.compile(rb"_{0,2}" + FAL_NAME + rb"_{0,2}")


def is_fal_key_name(name: str) -> bool:
    """``FAL_KEY``, ``NEXT_PUBLIC_FAL_KEY_SECRET``, ``falApiKey``: names that hold fal credentials."""
    return bool(_FAL_NAME_RE.fullmatch(name.encode()))


def is_key_value(value: str) -> bool:
    """A literal that is a credential, not a placeholder, an identifier or a key id alone
    (the rules' one judge of whole values)."""
    return credential_in(value) is not None


def is_public(name: str, prefixes: Sequence[str]) -> bool:
    return any(name.startswith(prefix) for prefix in prefixes)
