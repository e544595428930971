"""fal-key-id-secret: ``<key_id>:<key_secret>``, the form fal's clients and `fal keys create` use,
whole or written in pieces (``"<key_id>" + ":" + "<key_secret>"``...: see
:mod:`falguard.rules.fal_key_joined`, whose patterns, judge and examples this rule carries).

Shown as the key id plus the secret's last 4 characters: the key id is not secret, and it is
how the key is found and revoked on the dashboard.
"""

from __future__ import annotations

import re

from falguard.models import Severity, mask_key_secret, replace
from falguard.rules import fal_key_joined
from falguard.rules.common import (
    HEX,
    HEX32,
    HEX32_RE,
    KEY_SEPARATOR,
    KEY_STEPS,
    UUID_RE,
    Anchor,
    Rule,
    Verdict,
    graded,
    pattern,
    text,
)

_UUID_HEAD = re.compile(HEX + rb"{8}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{4}")


def is_key_id_secret(value: str) -> bool:
    key_id, sep, secret = value.partition(":")
    return bool(sep) and bool(UUID_RE.match(key_id.encode())) and bool(HEX32_RE.match(secret.encode()))


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    if match.group("joint") is not None:  # the key in pieces
        return fal_key_joined.judge(match, content)
    start = match.start() - 23
    if start < 0 or not _UUID_HEAD.fullmatch(content, start, match.start()):
        return None
    if start > 0 and content[start - 1 : start].isalnum():
        return None
    key_id = content[start : match.start() + 13].decode()  # the dash and the 12 hex of the last UUID group
    secret = text(match, "secret")
    return Verdict(
        graded(Severity.CRITICAL, secret),
        f"{key_id}:{secret}",
        start,
        match.end("secret"),
        key_id=key_id,
        mask=mask_key_secret,
    )


def judge_value(value: str) -> Verdict | None:
    if len(value) != 69 or not is_key_id_secret(value):  # 36 + 1 + 32
        return None
    key_id, _, secret = value.partition(":")
    return Verdict(graded(Severity.CRITICAL, secret), value, 0, len(value), key_id=key_id, mask=mask_key_secret)


#: Where the pattern below can start (lowercased content): the key id's last group, then the
#: whole key's colon and secret, or the key in pieces' colon and hex up to its first junction,
#: looser than the pattern's own (a quote then at most 19 blanks or one of the bytes that go
#: on after it, a string prefix only before a quote; a line break then a blank). Near misses
#: (a secret one hex short, a run of hex that is no key, one before a line starting with f or
#: b) give no hit, so they cost no ``re`` match each.
_FINDER = (
    rb"-(?=[0-9a-f]{12}(?:(?::|%3a)[0-9a-f]{32}|:?[0-9a-f]{0,31}"
    rb"(?:[\"'`](?:[\t\n\x0b\x0c\r \\]{0,18}(?:[+.&\"'`}]|[rubf]{1,2}[\"'`])|[\t\n\x0b\x0c\r \\]{19})"
    rb"|[$#]?\{|\\\r?\n|\r?\n[ \t])))"
)

#: The whole key's pattern, with a second alternative after the key id's last group: the key
#: in pieces (fal_key_joined), found in the same pass; one prefilter anchor admits both.
_WHOLE_OR_IN_PIECES = replace(
    pattern(
        rb"-"
        + HEX
        + rb"{12}(?:"
        + KEY_SEPARATOR
        + rb"(?P<secret>"
        + HEX32
        + rb")(?![0-9A-Za-z])|"
        + fal_key_joined.ALTERNATIVE
        + rb")",
        head=Anchor(b"-", rb"[0-9a-f]{12}(?::|%3a)[0-9a-f]"),
        # where either alternative can start, as far as 64 bytes show it (hyperscan's one
        # pass only: the regex's own leading dash is the quicker search without it)
        finder=_FINDER,
        one_pass_only=True,
    ),
    anchors=(fal_key_joined.ANCHOR,),  # both alternatives
)


def written_as(secret: str) -> tuple[str, ...]:
    """The key as found, and URL-encoded in a query string (``key_id%3Asecret``)."""
    return (secret, secret.replace(":", "%3A", 1))


RULE = Rule(
    id="fal-key-id-secret",
    severity=Severity.CRITICAL,
    title="fal key (key_id:key_secret)",
    description="A fal API key in the <key_id>:<key_secret> form fal's clients and `fal keys create` use.",
    remediation=(
        "Revoke this key on the fal dashboard (fal.ai/dashboard/keys; find it by the key id shown), "
        "create a new key, and keep it server-side in the FAL_KEY environment variable."
    ),
    steps=KEY_STEPS,
    credential=True,
    # the pattern starts at a literal (the dash before the last UUID group), so the regex
    # engine skips ahead at memchr speed; the judge checks the rest of the key id before it
    patterns=(_WHOLE_OR_IN_PIECES,),
    judge=judge,
    judge_value=judge_value,
    written_as=written_as,
    true_examples=(
        'FAL_KEY="{uuid}:{hex32}"',
        "export FAL_KEY={uuid}:{hex32}",
        "curl -H 'Authorization: Key {uuid}:{hex32}' https://queue.fal.run/fal-ai/flux",
        "  FAL_KEY: {uuid}:{hex32}",
        "ENV FAL_KEY={uuid}:{hex32}",
        '{"FAL_KEY": "{uuid}:{hex32}"}',
        'fal.config({ credentials: "{uuid}:{hex32}" });',
        'os.environ["FAL_KEY"] = "{uuid}:{hex32}"',
        'var a="x",k="{uuid}:{hex32}";function f(){return k}',
        "https://example.com/run?fal_key={uuid}%3A{hex32}&prompt=cat",
        *fal_key_joined.TRUE_EXAMPLES,
    ),
    false_examples=(
        'FAL_KEY="FAL_KEY_ID:FAL_KEY_SECRET"',
        "FAL_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "FAL_KEY={uuid}",
        "sha={hex32}",
        "FAL_KEY={uuid}:{hex32}ff",
        "request_id: {uuid}",
        "FAL_KEY=${FAL_KEY}",
        *fal_key_joined.FALSE_EXAMPLES,
    ),
)
