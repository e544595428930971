"""fal-key: a ``fal_``-prefixed key, the format fal's documentation describes.

No public sample exists, so the body is judged as a random token: long enough, mixed,
high-entropy, one long random run rather than words joined by separators. Shown by its ends.
"""

from __future__ import annotations

import functools
import re

from falguard.models import Severity, mask_ends
from falguard.rules.common import (
    KEY_STEPS,
    Anchor,
    Rule,
    Verdict,
    graded,
    is_placeholder,
    looks_random,
    pattern,
    text,
)

_TOKEN = re.compile(r"fal_[A-Za-z0-9_-]{16,200}")
_SEPARATORS = re.compile(r"[_-]")


@functools.lru_cache(maxsize=1024)  # a bundle repeats its keys; judging one costs tens of microseconds
def _severity(token: str) -> Severity | None:
    body = token[4:]
    if is_placeholder(body) or not looks_random(body):
        return None
    # the token must be a random run, not words joined by separators with a number on the end
    if max(len(s) for s in _SEPARATORS.split(body)) < 12:
        return None
    return graded(Severity.CRITICAL, body)


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    token = text(match, "secret")
    severity = _severity(token)
    if severity is None:
        return None
    return Verdict(severity, token, match.start("secret"), match.end("secret"), mask=mask_ends)


def judge_value(value: str) -> Verdict | None:
    severity = _severity(value) if _TOKEN.fullmatch(value) else None
    return None if severity is None else Verdict(severity, value, 0, len(value), mask=mask_ends)


RULE = Rule(
    id="fal-key",
    severity=Severity.CRITICAL,
    title="fal key (fal_ prefix)",
    description="A fal API key in the fal_ format described by fal's documentation.",
    remediation=(
        "Revoke this key on the fal dashboard (fal.ai/dashboard/keys), create a new key, "
        "and keep it server-side in the FAL_KEY environment variable."
    ),
    steps=KEY_STEPS,
    credential=True,
    # the look-behind comes after the literal so the engine can still skip ahead to "fal_"; the
    # run is possessive (a shorter run is followed by a token character too, so it never
    # matches): an over-long run fails at once instead of backtracking 200 steps
    patterns=(
        pattern(
            rb"(?P<secret>fal_(?<![A-Za-z0-9_]fal_)[A-Za-z0-9_-]{16,200}+)(?![A-Za-z0-9_-])",
            head=Anchor(b"fal_"),
            finder=rb"fal(?=_[a-z0-9_-]{16})",
            one_pass_only=True,
        ),
    ),
    judge=judge,
    judge_value=judge_value,
    true_examples=(
        "FAL_KEY=fal_{token}",
        'const key = "fal_{token}";',
        "Authorization: Key fal_{token}",
        'fal_client.api_key = "fal_{token}"',
        "ENV FAL_KEY fal_{token}",
        "!function(){var e='fal_{token}';return e}();",
    ),
    false_examples=(
        "import fal_client",
        "fal_key_secret = os.environ['FAL_KEY_SECRET']",
        "fal_file_repository_v3_auth_headers",
        "fal_ai_sdxl_1690489104504",
        "fal_api_key = get_key()",
        "FAL_KEY=fal_...",
        "FAL_KEY=fal_xxxxxxxx",
        "FAL_KEY=fal_xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "FAL_KEY=fal_your_key_here",
        "FAL_KEY=fal_your_api_key_goes_here",
        "FAL_KEY=fal_****",
        "FAL_KEY=fal_test_key",
        "def fal_jwt_token_from_environment(): pass",
        "my_fal_{token}",
    ),
)
