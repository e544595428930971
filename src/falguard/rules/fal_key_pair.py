"""fal-key-pair: the secret half of a key given apart from its id (``FAL_KEY_SECRET``,
``keySecret`` in ``fal.config({ credentials })``, an ``{ id, key }`` credentials object).

The secret half alone is 32 hex characters, which many things are: it is a fal key only by
the name it is given, so this rule has no judgement of a bare value. Shown as a key's secret
half, with the key id when the file gives it.
"""

from __future__ import annotations

import re

from falguard.models import Severity, mask_key_secret
from falguard.rules.common import (
    ASSIGN,
    HEX32,
    KEY_STEPS,
    NOT_WORD_AFTER,
    UUID,
    Anchor,
    Rule,
    Verdict,
    graded,
    pattern,
    text,
)
from falguard.rules.fal_key_assignment import AUTH_FINDER

_KEY_ID_NEAR = re.compile(
    rb"(?:(?i:fal_key_id|falKeyId|key_id|keyId|\bid)[\"'\]]{0,2}\s{0,8}(?::=|=>|[:=])"
    rb"|auth-key-id[\"']\s{0,8},)\s{0,8}[\"'`]?(?P<keyid>" + UUID + rb")(?![0-9A-Za-z])"
)

#: The last group of a quoted key id (lowercased content): where an { id, key } object is found.
#: One alternative per quote: hyperscan then anchors each on its quote, and hex-dense text
#: (a dash before every run of 12 hex digits) costs its pass a quarter of what one class did.
_KEY_ID_END = rb"-(?=[0-9a-f]{12}\"|[0-9a-f]{12}')"

#: What a fal key's secret half is called, from "fal" on, separators dropped: FAL_KEY_SECRET,
#: falSecret, FAL_AI_KEY_SECRET, FAL_API_SECRET, FAL_AI_API_SECRET, FAL_SECRET_KEY...
_PAIR_SECRET_TAILS = frozenset(
    b"fal" + ai + api + key + b"secret" + suffix
    for ai in (b"", b"ai")
    for api in (b"", b"api")
    for key in (b"", b"key")
    for suffix in (b"", b"key")
)


def is_pair_secret_name(name: bytes) -> bool:
    """A name for a fal key's secret half: ``key_secret``/``keySecret``, or a fal secret name
    (:data:`_PAIR_SECRET_TAILS`) after any prefix that ends at a word boundary
    (``PROD_FAL_KEY_SECRET``, ``myFalSecret``), not inside a word (``nofalsecret``)."""
    lowered = name.lower()
    if lowered.replace(b"_", b"").replace(b"-", b"") == b"keysecret":
        return True
    at = lowered.rfind(b"fal")
    if at < 0 or lowered[at:].replace(b"_", b"").replace(b"-", b"") not in _PAIR_SECRET_TAILS:
        return False
    before = name[at - 1 : at]
    camel = (before.islower() or before.isdigit()) and name[at : at + 1] == b"F"
    return at == 0 or before in (b"_", b"-") or camel


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _identifier_ending_at(content: bytes, end: int, limit: int = 64) -> bytes:
    start = end
    while start > 0 and end - start < limit and content[start - 1] in _WORD_BYTES:
        start -= 1
    return content[start:end]


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    if "name" in match.re.groupindex and match.group("name") is not None:
        if not is_pair_secret_name(_identifier_ending_at(content, match.end("name"))):
            return None  # some other secret (a webhook's, a session's), not a fal key's
    secret = text(match, "secret")
    key_id: str | None = None
    if "keyid" in match.re.groupindex and match.group("keyid"):
        key_id = text(match, "keyid")
    else:
        # the id half, if the file gives it, is how the user finds the key to revoke
        lo = max(0, match.start() - 2048)
        hi = min(len(content), match.end() + 2048)
        near = _KEY_ID_NEAR.search(content, lo, hi)
        if near:
            key_id = near.group("keyid").decode()
    return Verdict(
        graded(Severity.CRITICAL, secret),
        secret,
        match.start("secret"),
        match.end("secret"),
        key_id=key_id,
        detail=f"key id {key_id}" if key_id else "",
        mask=mask_key_secret,
    )


RULE = Rule(
    id="fal-key-pair",
    severity=Severity.CRITICAL,
    title="fal key secret (split id/secret pair)",
    description=(
        "The secret half of a fal key given separately from its id (FAL_KEY_SECRET, keySecret in "
        "fal.config credentials, or an { id, key } credentials object)."
    ),
    remediation=(
        "Revoke the key on the fal dashboard (fal.ai/dashboard/keys; the key id is its handle there), "
        "create a new one and pass it server-side as FAL_KEY=<key_id>:<key_secret>."
    ),
    steps=KEY_STEPS,
    credential=True,
    patterns=(
        # matched from the "secret" every name ends with (the engine skips ahead to it);
        # the judge checks the whole identifier is one of the names
        pattern(
            rb"(?P<name>(?i:secret)(?:[_-]?(?i:key))?)"
            + NOT_WORD_AFTER
            + ASSIGN
            + rb"[\"'`]?(?P<secret>"
            + HEX32
            + rb")(?![0-9A-Za-z])",
            b"secret",
            fal_context=True,
            finder=rb"secret(?=(?:[_-]?key)?[\"'\]]{0,2}[ \t]{0,8}(?::=|=>|\?\?=|=|:)[ \t]{0,8}[\"'`]?[0-9a-f]{32})",
        ),
        # gRPC metadata, as fal's older isolate clients sent it: ("auth-key", "<32 hex>") in
        # md.add(...) or metadata.Pairs(...); its "auth-key-id" sits next to it
        pattern(
            rb"auth-key[\"']\s{0,8},\s{0,8}[\"'`](?P<secret>" + HEX32 + rb")[\"'`]",
            head=Anchor(b"auth-key"),
            finder=AUTH_FINDER,
        ),
        # { id: "<uuid>", key: "<32 hex>" } in either order; each starts at a literal
        pattern(
            rb"id(?<![A-Za-z0-9_]id)[\"']?\s{0,8}:\s{0,8}[\"'](?P<keyid>"
            + UUID
            + rb")[\"']\s{0,8},\s{0,8}[\"']?key[\"']?\s{0,8}:\s{0,8}[\"'](?P<secret>"
            + HEX32
            + rb")[\"']",
            fal_context=True,
            finder=_KEY_ID_END,
            reach=44,  # from "id" to the key id's last dash
            needs=b"id",
        ),
        pattern(
            rb"key(?<![A-Za-z0-9_]key)[\"']?\s{0,8}:\s{0,8}[\"'](?P<secret>"
            + HEX32
            + rb")[\"']\s{0,8},\s{0,8}[\"']?id[\"']?\s{0,8}:\s{0,8}[\"'](?P<keyid>"
            + UUID
            + rb")[\"']",
            fal_context=True,
            finder=_KEY_ID_END,
            reach=117,  # from "key" to the key id's last dash
            needs=b"key",
        ),
    ),
    judge=judge,
    true_examples=(
        'const md = new grpc.Metadata();\nmd.add("auth-key-id", "{uuid}");\nmd.add("auth-key", "{hex32}");',
        'md := metadata.Pairs("auth-key-id", "{uuid}", "auth-key", "{hex32}")',
        "FAL_AI_KEY_ID={uuid}\nFAL_AI_KEY_SECRET={hex32}",
        "FAL_API_KEY_ID={uuid}\nFAL_API_SECRET={hex32}",
        "FAL_KEY_ID={uuid}\nFAL_AI_SECRET={hex32}",
        "FAL_KEY_ID={uuid}\nPROD_FAL_KEY_SECRET={hex32}",
        "FAL_KEY_ID={uuid}\nFAL_SECRET_KEY={hex32}",
        'const falAiKeyId = "{uuid}";\nconst falAiSecret = "{hex32}";',
        'const falKeyId = "{uuid}";\nconst falSecret = "{hex32}";',
        "FAL_KEY_ID={uuid}\nFAL_KEY_SECRET={hex32}",
        "FAL_KEY_SECRET={hex32}",
        'const FAL_KEY_ID = "{uuid}";\nconst FAL_KEY_SECRET = "{hex32}";',
        'import { fal } from "@fal-ai/client";\nfal.config({ credentials: { keyId: "{uuid}", keySecret: "{hex32}" } });',
        "fal.config({credentials: {id: '{uuid}', key: '{hex32}'}})",
        'fal_creds = {"key": "{hex32}", "id": "{uuid}"}',
    ),
    false_examples=(
        'md.add("auth-key-id", "{uuid}");\nmd.add("auth-key", process.env.FAL_KEY_SECRET);',
        'md.add("x-request-id", "{uuid}");\nmd.add("auth-token", "{hex32}");',
        "FAL_KEY_ID={uuid}",
        "FAL_KEY_SECRET=your-key-secret",
        "FAL_KEY_SECRET=${FAL_KEY_SECRET}",
        "keySecret: process.env.FAL_KEY_SECRET",
        'stripe.config({ keySecret: "{hex32}" })',
        "{id: '{uuid}', key: 'your-key-secret'}",
        'import fal_client\nwebhook_secret = "{hex32}"',
        'import fal_client\nMY_KEY_SECRET = "{hex32}"',
        'import fal_client\nNOFAL_SECRET = "{hex32}"',
        'import fal_client\nFALLBACK_SECRET = "{hex32}"',
        'import fal_client\nSTRIPE_SECRET_KEY = "{hex32}"',
    ),
)
