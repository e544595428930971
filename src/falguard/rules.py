"""fal credential rules: data, each with the examples that prove it.

A rule is a set of byte patterns, the keywords that must occur near a match (the cheap
prefilter), and a ``judge`` that looks at a match and returns a verdict or ``None``. Every
quantifier in every pattern is bounded, so a match attempt does a bounded amount of work at
each position and a scan is linear in the input size whatever the input holds.

Examples are written with placeholders that the tests fill at run time (``{uuid}``,
``{hex32}``, ``{token}`` with fresh fake values, ``{FAL}`` with ``FAL``; see
``tests/keys.py``), so no key-shaped literal or public fal variable lives in this file and
the project's own tree scans clean.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from falguard.models import Finding, Secret, Severity

HEX = rb"[0-9a-fA-F]"
UUID = HEX + rb"{8}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{12}"
HEX32 = HEX + rb"{32}"
#: Between key id and secret: a colon, or its URL encoding (a key pasted into a query string).
KEY_SEPARATOR = rb"(?::|%3[Aa])"
_UUID_RE = re.compile(UUID + rb"\Z")
_HEX32_RE = re.compile(HEX32 + rb"\Z")

#: Prefixes under which bundlers inline an environment variable into browser code.
PUBLIC_PREFIXES: tuple[str, ...] = (
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "PUBLIC_",
    "GATSBY_",
    "VUE_APP_",
    "STORYBOOK_",
)

_PLACEHOLDER_WORDS = (
    "your",
    "xxxx",
    "****",
    "...",
    "…",
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "replace",
    "insert",
    "paste",
    "dummy",
    "redacted",
    "sample",
    "here",
    "todo",
    "fixme",
    "<",
    ">",
    "{",
    "}",
    "$",
    "%",
)

_WORDLIKE_SEGMENT = re.compile(r"[a-z]{1,24}[0-9]{0,2}|[A-Z]{1,24}[0-9]{0,2}|[A-Z][a-z]{1,23}|[0-9]{1,20}|v[0-9]{1,3}")
_IDENTIFIER_CHAIN = re.compile(
    r"[A-Za-z_$][A-Za-z0-9_$]{0,63}(?:(?:\.|\[|\]|\(\)|->|::)[A-Za-z_$\"'][A-Za-z0-9_$\"']{0,63}){1,8}\]?"
)
_SEQUENTIAL = "0123456789abcdefghijklmnopqrstuvwxyz"


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(value: str) -> bool:
    """True for template values: ``your-api-key``, ``fal_xxx``, ``${FAL_KEY}``, ``<key>``..."""
    lowered = value.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    if "test" in lowered and ("key" in lowered or "fake" in lowered or "secret" in lowered):
        return True
    if "fake" in lowered or "mock" in lowered:
        return True
    return len(set(lowered.replace("-", "").replace("_", ""))) <= 2


def is_identifier(value: str) -> bool:
    """True for names made of words (``fal_file_repository_v3_auth_headers``), not tokens."""
    segments = [s for s in re.split(r"[_\-.:/]", value) if s]
    if not segments:
        return True
    if all(_WORDLIKE_SEGMENT.fullmatch(s) for s in segments):
        return True
    # camelCase / PascalCase identifiers: split on case changes and try again
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", value)
    return (
        "".join(words) == re.sub(r"[_\-.:/]", "", value)
        and all(_WORDLIKE_SEGMENT.fullmatch(w) and (len(w) >= 2 or w.isdigit()) for w in words)
        and len(words) <= 8
    )


def is_code_reference(value: str) -> bool:
    """``process.env.FAL_KEY``, ``os.environ['FAL_KEY']``, ``settings.fal.key``: not literals."""
    return bool(_IDENTIFIER_CHAIN.fullmatch(value)) and not any(
        len(part) >= 16 and looks_random(part, min_length=16) for part in re.split(r"[.\[\]()'\"]", value)
    )


def looks_random(value: str, *, min_length: int = 16) -> bool:
    """A token that could be a credential: long enough, mixed, high-entropy, not words."""
    if len(value) < min_length:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    if classes < 2:
        return False
    if shannon_entropy(value) < 3.0:
        return False
    return not is_identifier(value)


def looks_like_test_value(secret: str) -> bool:
    """Obvious test values: sequential (``0123456789abcdef...``) or a short unit repeated."""
    lowered = secret.lower()
    if len(set(lowered)) <= 4:
        return True
    for size in (8,):
        for start in range(len(_SEQUENTIAL) - size + 1):
            run = _SEQUENTIAL[start : start + size]
            if run in lowered or run[::-1] in lowered:
                return True
    return False


def is_key_id_secret(value: str) -> bool:
    key_id, sep, secret = value.partition(":")
    return bool(sep) and bool(_UUID_RE.match(key_id.encode())) and bool(_HEX32_RE.match(secret.encode()))


@dataclass(frozen=True)
class Verdict:
    """What a rule's judge decided about one match."""

    severity: Severity
    secret: str  # what the fingerprint is made of
    start: int  # byte offset of the reported position
    end: int
    key_id: str | None = None
    sensitive: bool = True
    detail: str = ""


Judge = Callable[[re.Match[bytes], bytes], "Verdict | None"]


@dataclass(frozen=True)
class Pattern:
    """One regular expression of a rule.

    With ``near`` keywords (lowercase), the regex runs only in windows around their
    case-insensitive occurrences; without, it runs over the whole content and must start
    with a literal so the regex engine can skip ahead quickly.
    """

    regex: re.Pattern[bytes]
    near: re.Pattern[bytes] | None = None
    needs_fal_context: bool = False  # runs only on content that mentions fal at all


def _p(regex: bytes, *near: bytes, fal_context: bool = False) -> Pattern:
    keywords = re.compile(b"|".join(re.escape(k) for k in near)) if near else None
    return Pattern(re.compile(regex), keywords, fal_context)


@dataclass(frozen=True)
class RuleInfo:
    """What every rule has, content rule or not: the public id and the words around it."""

    id: str
    severity: Severity  # the highest severity this rule reports
    title: str
    description: str
    remediation: str


@dataclass(frozen=True)
class Rule(RuleInfo):
    """A content rule: patterns over bytes and a judge for each match."""

    patterns: tuple[Pattern, ...] = ()
    judge: Judge = lambda match, content: None
    exclusive: bool = True  # a credential rule: overlapping matches keep the first rule's
    applies_to_ignored_env: bool = False  # a key in an ignored .env.local is in the right place
    true_examples: tuple[str, ...] = ()
    false_examples: tuple[str, ...] = ()


# --- judges --------------------------------------------------------------------------------


def _text(match: re.Match[bytes], group: str) -> str:
    return match.group(group).decode("utf-8", "replace")


def _judge_fal_key(match: re.Match[bytes], content: bytes) -> Verdict | None:
    token = _text(match, "secret")
    body = token[4:]
    if is_placeholder(body) or not looks_random(body):
        return None
    # the token must be a random run, not words joined by separators with a number on the end
    if max(len(s) for s in re.split(r"[_-]", body)) < 12:
        return None
    severity = Severity.LOW if looks_like_test_value(body) else Severity.CRITICAL
    return Verdict(severity, token, match.start("secret"), match.end("secret"))


_UUID_HEAD = re.compile(HEX + rb"{8}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{4}")


def _judge_key_id_secret(match: re.Match[bytes], content: bytes) -> Verdict | None:
    start = match.start() - 23
    if start < 0 or not _UUID_HEAD.fullmatch(content, start, match.start()):
        return None
    if start > 0 and content[start - 1 : start].isalnum():
        return None
    key_id = content[start : match.start() + 13].decode()  # the dash and the 12 hex of the last UUID group
    secret = _text(match, "secret")
    severity = Severity.LOW if looks_like_test_value(secret) else Severity.CRITICAL
    return Verdict(severity, f"{key_id}:{secret}", start, match.end("secret"), key_id=key_id)


_KEY_ID_NEAR = re.compile(
    rb"(?i:fal_key_id|falKeyId|key_id|keyId|\bid)[\"'\]]{0,2}\s{0,8}(?::=|=>|[:=])\s{0,8}[\"'`]?(?P<keyid>"
    + UUID
    + rb")(?![0-9A-Za-z])"
)


_PAIR_SECRET_NAMES = frozenset({b"fal_key_secret", b"falkeysecret", b"fal_secret", b"key_secret", b"keysecret"})
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _identifier_ending_at(content: bytes, end: int, limit: int = 64) -> bytes:
    start = end
    while start > 0 and end - start < limit and content[start - 1] in _WORD_BYTES:
        start -= 1
    return content[start:end]


def _judge_pair(match: re.Match[bytes], content: bytes) -> Verdict | None:
    if "name" in match.re.groupindex and match.group("name") is not None:
        if _identifier_ending_at(content, match.end("name")).lower() not in _PAIR_SECRET_NAMES:
            return None  # some other secret (a webhook's, a session's), not a fal key's
    secret = _text(match, "secret")
    key_id: str | None = None
    if "keyid" in match.re.groupindex and match.group("keyid"):
        key_id = _text(match, "keyid")
    else:
        # the id half, if the file gives it, is how the user finds the key to revoke
        lo = max(0, match.start() - 2048)
        hi = min(len(content), match.end() + 2048)
        near = _KEY_ID_NEAR.search(content, lo, hi)
        if near:
            key_id = near.group("keyid").decode()
    severity = Severity.LOW if looks_like_test_value(secret) else Severity.CRITICAL
    return Verdict(
        severity,
        secret,
        match.start("secret"),
        match.end("secret"),
        key_id=key_id,
        detail=f"key id {key_id}" if key_id else "",
    )


_QUOTES = "\"'`"
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-.+/=:~]{1,256}")


def _clean_value(raw: str) -> str:
    value = raw.strip().strip(_QUOTES).strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    return value


def _judge_assignment(match: re.Match[bytes], content: bytes) -> Verdict | None:
    value = _clean_value(_text(match, "secret"))
    if not value or is_placeholder(value) or is_code_reference(value):
        return None
    if _UUID_RE.match(value.encode()):
        return None  # a key id alone is not secret
    if not _TOKEN_CHARS.fullmatch(value):
        return None  # code (calls, operators), not a credential literal
    if not looks_random(value):
        return None
    severity = Severity.LOW if looks_like_test_value(value) else Severity.HIGH
    start = match.start("secret")
    raw = match.group("secret")
    offset = len(raw) - len(raw.lstrip(b"\"'` \t"))
    return Verdict(severity, value, start + offset, start + offset + len(value.encode()))


_DOC_SUFFIXES = (b".md", b".markdown", b".rst", b".txt", b".adoc", b".mdx")


def _judge_public(match: re.Match[bytes], content: bytes) -> Verdict | None:
    name = _text(match, "name")
    raw_value = match.group("secret") if "secret" in match.re.groupindex else None
    value = _clean_value(raw_value.decode("utf-8", "replace")) if raw_value else ""
    is_key = bool(value) and (
        is_key_id_secret(value)
        or (value.startswith("fal_") and looks_random(value[4:]))
        or (looks_random(value) and not is_placeholder(value) and not is_code_reference(value))
    )
    if is_key:
        return Verdict(
            Severity.CRITICAL,
            value,
            match.start("secret"),
            match.start("secret") + len(raw_value or b""),
            key_id=value.partition(":")[0] if is_key_id_secret(value) else None,
            detail=f"{name} holds a key",
        )
    kind = "defines" if raw_value is not None else "reads"
    return Verdict(
        Severity.HIGH,
        name,
        match.start("name"),
        match.end("name"),
        sensitive=False,
        detail=f"{kind} {name}",
    )


# --- patterns ------------------------------------------------------------------------------

_NOT_WORD_BEFORE = rb"(?<![A-Za-z0-9_])"
_NOT_WORD_AFTER = rb"(?![A-Za-z0-9_])"
_ASSIGN = rb"[\"'\]]{0,2}[ \t]{0,8}(?::=|=>|\?\?=|=|:)[ \t]{0,8}"
_VALUE = rb"(?P<secret>[\"'`]?[^\s\"'`,;)}\]<>]{1,256}[\"'`]?)"

FAL_NAME = (
    rb"(?P<name>(?:[A-Za-z0-9]{1,32}_){0,4}(?i:fal)[_-]?(?i:ai[_-]?)?(?i:api[_-]?)?"
    rb"(?i:key|secret|token|credentials?)(?:[_-]?(?i:secret))?)"
)

#: The same names, matched from their "fal" part: the regex then starts with a character
#: class the engine can skip ahead on, instead of trying the optional ``PREFIX_`` segments at
#: every position (4.5x faster on ordinary code). Any ``MY_APP_`` before it is allowed: only a
#: letter or digit directly before "fal" rules a match out.
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

#: Lowercase pattern whose absence proves content cannot hold a fal name or fal context.
#: It starts with the literal "fal" so the search skips ahead; "false" fails on its next byte.
FAL_CONTEXT_RE = re.compile(rb"fal(?:[^a-z0-9]|key|api|ai|secret|token|cred)")


def assignment_patterns(extra_names: Sequence[str] = ()) -> tuple[Pattern, ...]:
    """Patterns of fal-key-assignment; ``extra_names`` are more variable names holding fal keys."""
    patterns = [
        _p(FAL_NAME_FROM_FAL + _NOT_WORD_AFTER + _ASSIGN + _VALUE, *FAL_NAME_KEYWORDS, fal_context=True),
        # Dockerfile `ENV NAME value`: only near "env " (rare outside Dockerfiles), not near every "fal"
        _p(rb"(?m)^[ \t]{0,16}ENV[ \t]{1,8}" + FAL_NAME + rb"[ \t]{1,8}" + _VALUE, b"env ", b"env\t", fal_context=True),
        _p(
            rb"(?i:authorization)[\"']?[ \t]{0,8}[:=,][ \t]{0,8}[\"'`]?Key[ \t]{1,8}"
            + rb"(?P<secret>[^\s\"'`,;)}\]<>]{1,256})",
            b"authorization",
            fal_context=True,
        ),
    ]
    if extra_names:
        names = b"|".join(re.escape(name.encode()) for name in extra_names)
        patterns.append(
            _p(
                _NOT_WORD_BEFORE + rb"(?P<name>" + names + rb")" + _NOT_WORD_AFTER + _ASSIGN + _VALUE,
                *(name.lower().encode() for name in extra_names),
            )
        )
    return tuple(patterns)


def public_patterns(prefixes: Sequence[str]) -> tuple[Pattern, ...]:
    """Patterns of public-fal-key for a set of bundler-inlined prefixes."""
    name = (
        rb"(?P<name>(?:"
        + b"|".join(re.escape(p.encode()) for p in sorted(prefixes, key=len, reverse=True))
        + rb")FAL_(?:AI_)?(?:API_)?KEY(?:_ID|_SECRET)?)"
    )
    near = tuple(dict.fromkeys([b"_fal_", *(p.lower().encode() + b"fal_" for p in prefixes if not p.endswith("_"))]))
    return (
        # definitions: .env, YAML, JSON, shell export, Dockerfile ENV/ARG NAME=value
        _p(
            _NOT_WORD_BEFORE + name + _NOT_WORD_AFTER + _ASSIGN + rb"(?P<secret>[^\s,;)}\]<>]{0,256})",
            *near,
            fal_context=True,
        ),
        _p(rb"(?m)^[ \t]{0,16}ENV[ \t]{1,8}" + name + rb"[ \t]{1,8}(?P<secret>[^\s]{1,256})", *near, fal_context=True),
        # uses: process.env.X, process.env["X"], import.meta.env.X, $env/static/public imports
        _p(rb"env(?:\.|\[[\"'])" + name + _NOT_WORD_AFTER, *near, fal_context=True),
        _p(rb"import[ \t]{0,8}\{[^}]{0,200}?" + _NOT_WORD_BEFORE + name + _NOT_WORD_AFTER, *near, fal_context=True),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="fal-key-id-secret",
        severity=Severity.CRITICAL,
        title="fal key (key_id:key_secret)",
        description="A fal API key in the <key_id>:<key_secret> form fal's clients and `fal keys create` use.",
        remediation=(
            "Revoke this key on the fal dashboard (fal.ai/dashboard/keys; find it by the key id shown), "
            "create a new key, and keep it server-side in the FAL_KEY environment variable."
        ),
        # the pattern starts at a literal (the dash before the last UUID group), so the regex
        # engine skips ahead at memchr speed; the judge checks the rest of the key id before it
        patterns=(_p(rb"-" + HEX + rb"{12}" + KEY_SEPARATOR + rb"(?P<secret>" + HEX32 + rb")(?![0-9A-Za-z])"),),
        judge=_judge_key_id_secret,
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
        ),
        false_examples=(
            'FAL_KEY="FAL_KEY_ID:FAL_KEY_SECRET"',
            "FAL_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "FAL_KEY={uuid}",
            "sha={hex32}",
            "FAL_KEY={uuid}:{hex32}ff",
            "request_id: {uuid}",
            "FAL_KEY=${FAL_KEY}",
        ),
    ),
    Rule(
        id="fal-key",
        severity=Severity.CRITICAL,
        title="fal key (fal_ prefix)",
        description="A fal API key in the fal_ format described by fal's documentation.",
        remediation=(
            "Revoke this key on the fal dashboard (fal.ai/dashboard/keys), create a new key, "
            "and keep it server-side in the FAL_KEY environment variable."
        ),
        # the look-behind comes after the literal so the engine can still skip ahead to "fal_"
        patterns=(_p(rb"(?P<secret>fal_(?<![A-Za-z0-9_]fal_)[A-Za-z0-9_-]{16,200})(?![A-Za-z0-9_-])"),),
        judge=_judge_fal_key,
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
    ),
    Rule(
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
        patterns=(
            # matched from the "secret" every name ends with (the engine skips ahead to it);
            # the judge checks the whole identifier is one of the names
            _p(
                rb"(?P<name>(?i:secret))"
                + _NOT_WORD_AFTER
                + _ASSIGN
                + rb"[\"'`]?(?P<secret>"
                + HEX32
                + rb")(?![0-9A-Za-z])",
                b"secret",
                fal_context=True,
            ),
            # { id: "<uuid>", key: "<32 hex>" } in either order; each starts at a literal
            _p(
                rb"id(?<![A-Za-z0-9_]id)[\"']?\s{0,8}:\s{0,8}[\"'](?P<keyid>"
                + UUID
                + rb")[\"']\s{0,8},\s{0,8}[\"']?key[\"']?\s{0,8}:\s{0,8}[\"'](?P<secret>"
                + HEX32
                + rb")[\"']",
                fal_context=True,
            ),
            _p(
                rb"key(?<![A-Za-z0-9_]key)[\"']?\s{0,8}:\s{0,8}[\"'](?P<secret>"
                + HEX32
                + rb")[\"']\s{0,8},\s{0,8}[\"']?id[\"']?\s{0,8}:\s{0,8}[\"'](?P<keyid>"
                + UUID
                + rb")[\"']",
                fal_context=True,
            ),
        ),
        judge=_judge_pair,
        true_examples=(
            "FAL_KEY_ID={uuid}\nFAL_KEY_SECRET={hex32}",
            "FAL_KEY_SECRET={hex32}",
            'const FAL_KEY_ID = "{uuid}";\nconst FAL_KEY_SECRET = "{hex32}";',
            'import { fal } from "@fal-ai/client";\nfal.config({ credentials: { keyId: "{uuid}", keySecret: "{hex32}" } });',
            "fal.config({credentials: {id: '{uuid}', key: '{hex32}'}})",
            'fal_creds = {"key": "{hex32}", "id": "{uuid}"}',
        ),
        false_examples=(
            "FAL_KEY_ID={uuid}",
            "FAL_KEY_SECRET=your-key-secret",
            "FAL_KEY_SECRET=${FAL_KEY_SECRET}",
            "keySecret: process.env.FAL_KEY_SECRET",
            'stripe.config({ keySecret: "{hex32}" })',
            "{id: '{uuid}', key: 'your-key-secret'}",
            'import fal_client\nwebhook_secret = "{hex32}"',
            'import fal_client\nMY_KEY_SECRET = "{hex32}"',
        ),
    ),
    Rule(
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
        patterns=assignment_patterns(),
        judge=_judge_assignment,
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
        ),
    ),
    Rule(
        id="public-fal-key",
        severity=Severity.CRITICAL,
        title="fal key exposed to the browser",
        description=(
            "A fal credential in a variable that bundlers inline into browser code (NEXT_PUBLIC_, VITE_, "
            "REACT_APP_, EXPO_PUBLIC_, PUBLIC_, NUXT_PUBLIC_, GATSBY_, VUE_APP_, STORYBOOK_): every "
            "visitor of the site can read it."
        ),
        remediation=(
            "Rename it to FAL_KEY (no public prefix) so it stays on the server, add the fal proxy route "
            "(@fal-ai/server-proxy at /api/fal/proxy), point the client at it with "
            'fal.config({ proxyUrl: "/api/fal/proxy" }), rebuild, and rotate the key if it was ever deployed.'
        ),
        patterns=public_patterns(PUBLIC_PREFIXES),
        judge=_judge_public,
        exclusive=False,
        applies_to_ignored_env=True,
        true_examples=(
            "NEXT_PUBLIC_{FAL}_KEY={uuid}:{hex32}",
            "NEXT_PUBLIC_{FAL}_KEY=",
            "VITE_{FAL}_KEY=fal_{token}",
            "REACT_APP_{FAL}_KEY: {token}",
            "EXPO_PUBLIC_{FAL}_KEY={token}",
            "fal.config({ credentials: process.env.NEXT_PUBLIC_{FAL}_KEY });",
            "const key = import.meta.env.VITE_{FAL}_KEY;",
            "import { PUBLIC_{FAL}_KEY } from '$env/static/public';",
            "NUXT_PUBLIC_{FAL}_KEY={token}",
            "GATSBY_{FAL}_KEY_SECRET={hex32}",
            "VUE_APP_{FAL}_KEY_ID={uuid}",
            "STORYBOOK_{FAL}_KEY=x",
            "ENV NEXT_PUBLIC_{FAL}_KEY {token}",
            'process.env["NEXT_PUBLIC_{FAL}_KEY"]',
        ),
        false_examples=(
            "FAL_KEY={token}",
            "const key = process.env.FAL_KEY;",
            "NEXT_PUBLIC_SITE_URL=https://example.com",
            "MY_NEXT_PUBLIC_{FAL}_KEYS=1",
            "Never set NEXT_PUBLIC_{FAL}_KEY in production.",
        ),
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def build_rules(extra_public_prefixes: Sequence[str] = (), extra_key_names: Sequence[str] = ()) -> tuple[Rule, ...]:
    """The content rules, extended by a project's configuration."""
    if not extra_public_prefixes and not extra_key_names:
        return RULES
    extended = {
        "fal-key-assignment": assignment_patterns(extra_key_names),
        "public-fal-key": public_patterns((*PUBLIC_PREFIXES, *extra_public_prefixes)),
    }
    return tuple(replace(rule, patterns=extended[rule.id]) if rule.id in extended else rule for rule in RULES)


#: Rules decided from a repository's state rather than from content (env hygiene, ...).
#: Their findings carry a non-sensitive subject (a path) instead of a secret.
REPOSITORY_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        id="env-tracked",
        severity=Severity.HIGH,  # critical when the file holds a key
        title="env file committed to the repository",
        description="An env file is tracked by git (or staged to be). Ignore rules do not apply to tracked files.",
        remediation=(
            "Stop tracking it with `git rm --cached <file>` (the file stays on disk), make sure .gitignore "
            "covers it, and rotate every key it held on the fal dashboard if the commit was ever pushed."
        ),
    ),
    RuleInfo(
        id="env-not-ignored",
        severity=Severity.HIGH,
        title="env file not ignored by git",
        description="An env file on disk that `git add .` would stage.",
        remediation="Add `.env*` (and `!.env.example` for templates) to the repository's .gitignore; `falguard fix` does it.",
    ),
    RuleInfo(
        id="gitignore-missing-env",
        severity=Severity.MEDIUM,
        title="no .gitignore rule covers env files",
        description="No ignore rule shared with the team covers env files: the next .env.local is one `git add .` from a leak.",
        remediation="Add `.env*` and `!.env.example` to the root .gitignore and commit it; `falguard fix` does it.",
    ),
    RuleInfo(
        id="shared-key-across-envs",
        severity=Severity.MEDIUM,
        title="one fal key shared by several environments",
        description="The same fal key appears in the settings of different environments (development, staging, production).",
        remediation=(
            "Create one key per environment on the fal dashboard (fal.ai/dashboard/keys), so each can be "
            "rotated independently, and replace the shared one everywhere."
        ),
    ),
)

#: Rules decided from a whole project (which code runs in the browser, what bundlers inline):
#: see browser.py. Their findings are built with ``repository_finding`` or carry a secret.
PROJECT_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        id="client-credentials",
        severity=Severity.CRITICAL,  # high for an env read a bundler config inlines
        title="fal credentials in browser code",
        description=(
            "fal.config({ credentials }) or createFalClient({ credentials }) in code that runs in the browser "
            "(a 'use client' component, a Pages Router page, Vite/CRA/SvelteKit browser source), with a literal "
            "key or a variable the bundler inlines; or a bundler config (next.config env, Vite define, webpack "
            "DefinePlugin/EnvironmentPlugin) that inlines a fal key into the client bundle."
        ),
        remediation=(
            "Remove the credentials from browser code and bundler config, keep the key server-side as FAL_KEY, "
            "add the fal proxy route (@fal-ai/server-proxy at /api/fal/proxy), call "
            'fal.config({ proxyUrl: "/api/fal/proxy" }) instead, rebuild, and rotate the key if it was ever deployed.'
        ),
    ),
    RuleInfo(
        id="fal-proxy-missing",
        severity=Severity.MEDIUM,
        title="browser code calls fal without a proxy",
        description=(
            "Browser code imports the fal client, no code sets a proxyUrl, and the project has no fal proxy route "
            "(app/api/fal/proxy/route.ts, pages/api/fal/proxy.ts, or another @fal-ai/server-proxy handler): the "
            "next step is usually a key in the bundle."
        ),
        remediation=(
            "Add the proxy route for your framework with @fal-ai/server-proxy (Next.js App Router: "
            "app/api/fal/proxy/route.ts exporting { GET, POST, PUT } = createRouteHandler()), keep FAL_KEY on the "
            'server, and call fal.config({ proxyUrl: "/api/fal/proxy" }) in browser code.'
        ),
    ),
)

#: Every rule id falguard can report, content rules first.
ALL_RULES: dict[str, RuleInfo] = {rule.id: rule for rule in (*RULES, *REPOSITORY_RULES, *PROJECT_RULES)}


def repository_finding(
    rule_id: str,
    path: str,
    detail: str,
    *,
    severity: Severity | None = None,
    line: int = 1,
    column: int = 1,
    subject: str | None = None,
    source: str = "worktree",
    commit: str | None = None,
) -> Finding:
    """A finding about a repository's state: ``subject`` (default the path) is its identity."""
    info = ALL_RULES[rule_id]
    return Finding(
        rule=rule_id,
        severity=severity or info.severity,
        path=path,
        line=line,
        column=column,
        secret=Secret(subject if subject is not None else path, sensitive=False),
        message=f"{info.title}: {detail}" if detail else info.title,
        remediation=info.remediation,
        commit=commit,
        source=source,
    )
