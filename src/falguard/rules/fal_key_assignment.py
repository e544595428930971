"""fal-key-assignment: a random-looking literal assigned to a variable named like a fal key,
in a shape no other rule knows (the catch-all for key formats fal may introduce).

A value of 32 hex characters is shown like a key's secret half (its last 4), anything else
by its ends.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Sequence

from falguard.models import Severity, mask_ends, mask_key_secret
from falguard.rules.common import (
    ASSIGN,
    FAL_NAME,
    HEX32_RE,
    KEY_STEPS,
    MIN_TOKEN,
    NOT_WORD_AFTER,
    NOT_WORD_BEFORE,
    REVOKE_STEP,
    UUID_RE,
    VALUE,
    VALUE_CHAR,
    Extensions,
    Pattern,
    Rule,
    Verdict,
    clean_value,
    graded,
    is_code_reference,
    is_placeholder,
    looks_random,
    pattern,
)

#: The same names as FAL_NAME, matched from their "fal" part: the regex then starts with a
#: character class the engine can skip ahead on, instead of trying the optional ``PREFIX_``
#: segments at every position (4.5x faster on ordinary code). Any ``MY_APP_`` before it is
#: allowed: only a letter or digit directly before "fal" rules a match out.
FAL_NAME_FROM_FAL = (
    rb"(?P<name>[Ff](?<![A-Za-z0-9][Ff])[Aa][Ll][_-]?(?i:ai[_-]?)?(?i:api[_-]?)?"
    rb"(?i:key|secret|token|credentials?)(?:[_-]?(?i:secret))?)"
)

#: Lowercase keywords near which a fal key name can occur (``FAL_KEY``, ``falApiKey``, ...).
FAL_NAME_KEYWORDS: tuple[bytes, ...] = (
    b"fal_",
    b"fal-",
    b"falkey",
    b"falapi",
    b"falai",
    b"falsecret",
    b"faltoken",
    b"falcred",
)

#: Where a fal key name is given a value long enough to be judged (MIN_TOKEN value
#: characters: a shorter one is never a finding, see ``_severity``), by an assignment or
#: after blanks (Dockerfile ``ENV NAME value``): the finder of both patterns, so a near miss
#: (``FAL_KEY=`` + 15 characters, on every line) gives the one-pass engine no hit at all
#: instead of a Python call each. ``ASSIGN`` and ``VALUE``, with the name's own end instead of
#: NOT_WORD_AFTER (ASSIGN's first byte and a blank are no word characters).
FAL_ASSIGNED_FINDER = (
    rb"fal(?=[_-]?(?:ai[_-]?)?(?:api[_-]?)?(?:key|secret|token|credentials?)(?:[_-]?secret)?(?:"
    + ASSIGN
    + rb"|[ \t]{1,8})[\"'`]?"
    + VALUE_CHAR
    + rb"{%d})" % MIN_TOKEN
)
#: Where an ``Authorization: Key ...`` header or gRPC ``auth-key`` metadata can start.
AUTH_FINDER = rb"auth(?=orization[\"']?[ \t]{0,8}[:=,][ \t]{0,8}[\"'`]?key[ \t]|-key[\"']\s{0,8},)"

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-.+/=:~]{1,256}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,256}={0,2}")


def assignment_patterns(extra_names: Sequence[str] = ()) -> tuple[Pattern, ...]:
    """Patterns of fal-key-assignment; ``extra_names`` are more variable names holding fal keys."""
    patterns = [
        pattern(
            FAL_NAME_FROM_FAL + NOT_WORD_AFTER + ASSIGN + VALUE,
            *FAL_NAME_KEYWORDS,
            fal_context=True,
            finder=FAL_ASSIGNED_FINDER,
        ),
        # Dockerfile `ENV NAME value`: only near "env " (rare outside Dockerfiles), not near every "fal"
        pattern(
            rb"(?m)^[ \t]{0,16}ENV[ \t]{1,8}" + FAL_NAME + rb"[ \t]{1,8}" + VALUE,
            b"env ",
            b"env\t",
            fal_context=True,
            finder=FAL_ASSIGNED_FINDER,
            reach=16 + 3 + 8 + 4 * 33,  # indentation, ENV, spaces, the name's PREFIX_ segments
            needs=b"ENV",
        ),
        pattern(
            rb"(?i:authorization)[\"']?[ \t]{0,8}[:=,][ \t]{0,8}[\"'`]?Key[ \t]{1,8}"
            + rb"(?P<secret>"
            + VALUE_CHAR
            + rb"{1,256})",
            b"authorization",
            fal_context=True,
            finder=AUTH_FINDER,
        ),
    ]
    if extra_names:
        names = b"|".join(re.escape(name.encode()) for name in extra_names)
        patterns.append(
            pattern(
                NOT_WORD_BEFORE + rb"(?P<name>" + names + rb")" + NOT_WORD_AFTER + ASSIGN + VALUE,
                *(name.lower().encode() for name in extra_names),
            )
        )
    return tuple(patterns)


def _mask(value: str, key_id: str | None = None) -> str:
    return mask_key_secret(value, key_id) if HEX32_RE.match(value.encode()) else mask_ends(value, key_id)


def _encodes_placeholder(value: str) -> bool:
    """A base64 value (a Kubernetes Secret's ``data:``) that decodes to a template value."""
    if len(value) % 4 or not _BASE64.fullmatch(value):
        return False
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except ValueError:  # not base64, or not text (UnicodeDecodeError is a ValueError)
        return False
    return decoded.isprintable() and is_placeholder(decoded)


@functools.lru_cache(maxsize=1024)  # a bundle or a generated file repeats its values
def _severity(value: str) -> Severity | None:
    if len(value) < MIN_TOKEN or is_placeholder(value) or is_code_reference(value):
        return None
    if UUID_RE.match(value.removesuffix(":").encode()):
        return None  # a key id alone is not secret (with its colon: the secret half is elsewhere, or purged)
    if not _TOKEN_CHARS.fullmatch(value):
        return None  # code (calls, operators), not a credential literal
    if not looks_random(value) or _encodes_placeholder(value):
        return None
    return graded(Severity.HIGH, value)


def judge_value(value: str) -> Verdict | None:
    """A literal that is a credential in no shape a more specific rule knows."""
    severity = _severity(value)
    return None if severity is None else Verdict(severity, value, 0, len(value.encode()), mask=_mask)


@functools.lru_cache(maxsize=1024)  # the same, for an assigned value as matched
def _judged(raw: bytes) -> tuple[str, Severity] | None:
    value = clean_value(raw.decode("utf-8", "replace"))
    severity = _severity(value)
    return None if severity is None else (value, severity)


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    raw = match.group("secret")
    judged = _judged(raw)
    if judged is None:
        return None
    value, severity = judged
    start = match.start("secret") + len(raw) - len(raw.lstrip(b"\"'` \t"))
    return Verdict(severity, value, start, start + len(value.encode()), mask=_mask)


def _configured(extensions: Extensions) -> tuple[Pattern, ...]:
    return assignment_patterns(extensions.key_names)


RULE = Rule(
    id="fal-key-assignment",
    severity=Severity.HIGH,
    title="random value assigned to a fal key name",
    description=(
        "A random-looking literal assigned to a variable named like a fal key (FAL_KEY, FAL_API_KEY, "
        "falKey, ...) whose shape matches no known fal key format."
    ),
    remediation=(
        "If this is a real fal key, revoke it on the fal dashboard (fal.ai/dashboard/keys) and load the "
        "new one from the FAL_KEY environment variable instead of a literal."
    ),
    steps=(
        "Check whether the value is a real fal key; if it is, treat it as leaked. " + REVOKE_STEP,
        *KEY_STEPS[1:],
    ),
    credential=True,
    patterns=assignment_patterns(),
    judge=judge,
    judge_value=judge_value,
    configured=_configured,
    true_examples=(
        "FAL_KEY={token}",
        'FAL_API_KEY = "{token}"',
        "const falKey = '{token}';",
        "fal_key: {token}",
        "ENV FAL_KEY {token}",
        "export FAL_AI_API_KEY={token}",
        'curl -H "Authorization: Key {token}" https://fal.run/fal-ai/flux/dev',
        '{"FAL_KEY":"{token}"}',
    ),
    false_examples=(
        "FAL_KEY=your-api-key",
        "FAL_KEY=your-api-key-here",
        "FAL_KEY=YOUR_FAL_KEY",
        "FAL_KEY=PASTE_YOUR_FAL_KEY_HERE",
        "FAL_KEY=$FAL_KEY",
        "FAL_KEY=${FAL_KEY}",
        "const falKey = process.env.FAL_KEY;",
        "fal_key = os.environ['FAL_KEY']",
        "FAL_KEY_ID={uuid}",
        'FAL_KEY="FAL_KEY_ID:FAL_KEY_SECRET"',
        "FAL_KEY=",
        "falKey: settings.falApiKey",
        "FAL_KEY=changeme",
        "fal_key = get_fal_key_from_vault()",
        "Authorization: Key $FAL_KEY",
        "headers = {'Authorization': f'Key {FAL_KEY}'}",
        '"public-fal-key": public_patterns((*PUBLIC_PREFIXES, *extra_public_prefixes)),',
        "kind: Secret\ndata:\n  FAL_KEY: eW91ci1mYWwta2V5",  # base64 of a placeholder
    ),
)
