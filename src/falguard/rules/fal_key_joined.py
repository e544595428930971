"""fal-key-id-secret written in pieces: ``"<key_id>" + ":" + "<key_secret>"`` and its kin.

Real code splits a key the ways its language joins strings: ``+`` (JavaScript, TypeScript,
Python, Java, Go), adjacent literals (Python and C, across lines too), template literals and
f-strings (``${"<key_id>"}:<secret>``, ``<key_id>:${secret}`` with ``secret`` a literal
defined nearby), a backslash-continued string, a YAML block (``|``) or folded (``>``) scalar
holding the key over several lines. Each is one key: reported by the rule of the whole key
(fal-key-id-secret, same fingerprint, same severity), joined, at the position of its key id,
with the number of pieces in the message.

Scope: the key id is one piece (a UUID is never split in real code); the colon and the 32 hex
characters of the secret may be spread over up to :data:`MAX_PIECES` pieces within
:data:`MAX_SPAN` bytes. A name in an interpolation or after ``+`` is resolved only to a
literal assigned to that very name within :data:`RESOLVE_BEFORE` bytes before the key id or
:data:`RESOLVE_AFTER` after it (one level: no name assigned from another name).

Every step is a bounded regex matched at one position (no nested unbounded repetition) and
the walk is bounded by pieces and bytes, so each candidate key id costs a bounded amount of
work whatever the input: linear overall.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from falguard.models import Severity, Value, _set, mask_key_secret
from falguard.rules.common import FAL_CONTEXT, HEX, Anchor, Verdict, graded

#: At most this many pieces make one key (the key id's piece included).
MAX_PIECES = 16
#: The pieces of one key lie within this many bytes of its key id.
MAX_SPAN = 2048
#: How far from the key id a name's literal value is looked for.
RESOLVE_BEFORE = 2048
RESOLVE_AFTER = 512
#: How far around a joined key fal is looked for (credential context).
CONTEXT_AROUND = 2048

#: The judge's patterns, compiled on first use (re's cache): most content never reaches them.
_UUID_HEAD = HEX + rb"{8}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{4}"
_KEY_CHARS = rb"[:0-9a-fA-F]{1,40}"
_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_IDENT = rb"[A-Za-z_$][A-Za-z0-9_$]{0,63}"

# --- junctions: what joins one piece to the next ---------------------------------------------

_SPACE = rb"(?:[ \t\r\n]|\\\r?\n)"  # between literals: blanks, newlines, Python's line continuation
_OPEN = rb"[rRuUbBfF]{0,2}[\"'`]"  # a literal's opening quote, with Python's string prefixes
#: close quote, [operator], open quote: ``" + "``, ``"\n    "`` (adjacent), ``' . '`` (PHP)
_CONCAT = rb"[\"'`]" + _SPACE + rb"{0,40}+(?:(?:\+|\.\.?|&)" + _SPACE + rb"{0,40}+)?" + _OPEN
#: close quote, ``+``, a name: ``"<key_id>:" + secret``
_CONCAT_NAME = rb"[\"'`]" + _SPACE + rb"{0,40}+\+" + _SPACE + rb"{0,40}+(?P<name>" + _IDENT + rb")(?![A-Za-z0-9_$(.\[])"
#: after a name: ``+ "..."``
_NAME_CONCAT = _SPACE + rb"{0,40}+\+" + _SPACE + rb"{0,40}+" + _OPEN
#: a literal inside an interpolation closes it: ``${"<key_id>"}`` then template text
_CLOSE_INTERPOLATION = rb"[\"'`][ \t]{0,8}\}"
#: an interpolation of a literal or of a name: ``${secret}``, ``{secret}``, ``#{secret}``, ``${"..."}``
_INTERPOLATION = rb"[$#]?\{[ \t]{0,8}(?:[\"'](?P<literal>[^\"'\r\n]{1,80})[\"']|(?P<name>" + _IDENT + rb"))[ \t]{0,8}\}"
#: a backslash-continued string: the next line's indentation is not part of the key
_BACKSLASH = rb"\\\r?\n[ \t]{0,64}"


class Step(Value):
    """One junction crossed: where the next piece starts, and a value it brings (an
    interpolated literal, or the literal a name resolves to)."""

    __slots__ = ("end", "value")
    end: int
    value: bytes

    def __init__(self, end: int, value: bytes = b"") -> None:
        _set(self, "end", end)
        _set(self, "value", value)


Junction = Callable[[bytes, int, int, int], "Step | None"]


def code_junction(content: bytes, at: int, limit: int, key_start: int) -> Step | None:
    """The junction of code at ``at``: concatenation, interpolation or a continued line."""
    found = re.compile(_CONCAT).match(content, at, limit)
    if found:
        return Step(found.end())
    found = re.compile(_CONCAT_NAME).match(content, at, limit) or re.compile(_NAME_CONCAT).match(content, at, limit)
    if found and "name" in found.re.groupindex:
        value = resolve(content, found.group("name"), key_start)
        return None if value is None else Step(found.end(), value)
    if found:
        return Step(found.end())
    found = re.compile(_CLOSE_INTERPOLATION).match(content, at, limit)
    if found:
        return Step(found.end())
    found = re.compile(_INTERPOLATION).match(content, at, limit)
    if found:
        if found.group("literal") is not None:
            return Step(found.end(), found.group("literal"))
        value = resolve(content, found.group("name"), key_start)
        return None if value is None else Step(found.end(), value)
    found = re.compile(_BACKSLASH).match(content, at, limit)
    return Step(found.end()) if found else None


def block_junction(indent: bytes) -> Junction:
    """A YAML block scalar's line break: the next line holds more of the key at ``indent``."""

    def junction(content: bytes, at: int, limit: int, key_start: int) -> Step | None:
        start = at + 2 if content.startswith(b"\r\n", at) else at + 1
        if content[at : at + 1] not in (b"\n", b"\r") or not content.startswith(indent, start):
            return None
        start += len(indent)
        deeper = min(limit, start + 32)  # a more indented line: its extra blanks are not the key's
        while start < deeper and content[start] in b" \t":
            start += 1
        return Step(start) if start < limit else None

    return junction


# --- names resolved to literals --------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _assignment(name: bytes) -> re.Pattern[bytes]:
    """``name = "<value>"`` (``:=``, ``:``, a type annotation allowed), the value a key piece.
    The look-behind follows the literal name, so the search skips ahead on it."""
    escaped = re.escape(name)
    return re.compile(
        escaped
        + rb"(?<![A-Za-z0-9_$.]"
        + escaped
        + rb")[\"'\]]{0,2}[ \t]{0,8}(?::[ \t]{0,8}[A-Za-z_][A-Za-z0-9_.\[\]]{0,40}[ \t]{0,8})?"
        rb"(?::=|=(?![=>])|:)[ \t]{0,8}[rRbBuU]?[\"'`](?P<value>:?" + HEX + rb"{1,32})[\"'`]"
    )


def resolve(content: bytes, name: bytes, key_start: int) -> bytes | None:
    """The literal ``name`` is assigned nearby: the last assignment before the key, else the
    first after it; ``None`` when there is none."""
    assignment = _assignment(name)
    before = None
    for before in assignment.finditer(content, max(0, key_start - RESOLVE_BEFORE), key_start):  # noqa: B007
        pass
    found = before or assignment.search(content, key_start, min(len(content), key_start + RESOLVE_AFTER))
    return found.group("value") if found else None


# --- the walk from the key id to the end of its secret ---------------------------------------


class Joined(Value):
    """A key put back together: its secret half, where its last piece ends, how many pieces."""

    __slots__ = ("secret", "end", "pieces")
    secret: str
    end: int
    pieces: int

    def __init__(self, secret: str, end: int, pieces: int) -> None:
        _set(self, "secret", secret)
        _set(self, "end", end)
        _set(self, "pieces", pieces)


class _Key:
    """The secret being collected: the colon must come first, then 32 hex."""

    __slots__ = ("colon", "secret")

    def __init__(self) -> None:
        self.colon = False
        self.secret = b""

    def take(self, chars: bytes) -> bool:
        """Add ``chars`` (colon and hex only); ``False`` when the key cannot be this shape."""
        if not self.colon:
            if not chars.startswith(b":"):
                return False  # hex straight after the key id: not <key_id>:<key_secret>
            self.colon, chars = True, chars[1:]
        self.secret += chars
        return b":" not in chars and len(self.secret) <= 32 and all(c in _HEX_BYTES for c in chars)

    @property
    def whole(self) -> bool:
        return len(self.secret) == 32


_HEX_BYTES = frozenset(b"0123456789abcdefABCDEF")


def walk(content: bytes, at: int, key_start: int, junction: Junction) -> Joined | None:
    """Collect ``:<32 hex>`` from ``at`` (just after the key id) across junctions."""
    limit = min(len(content), key_start + MAX_SPAN)
    key, pieces = _Key(), 1
    while at < limit:
        if key.whole:
            return (
                None if _goes_on(content, at, limit, key_start, junction) else Joined(key.secret.decode(), at, pieces)
            )
        chars = re.compile(_KEY_CHARS).match(content, at, limit)
        if chars:
            if not key.take(chars.group()):
                return None
            at = chars.end()
            continue
        step = junction(content, at, limit, key_start)
        pieces += 1
        if step is None or pieces > MAX_PIECES or (step.value and not key.take(step.value)):
            return None
        at = step.end
    if key.whole and at >= len(content):
        return Joined(key.secret.decode(), at, pieces)
    return None


def _goes_on(content: bytes, at: int, limit: int, key_start: int, junction: Junction) -> bool:
    """Whether the joined value goes on after 32 hex: a longer token, not a key."""
    if at < len(content) and content[at] in _ALNUM:
        return True
    if content[at + 1 : at + 2] == b"[" and content[at : at + 1] in (b'"', b"'", b"`"):
        return True  # a literal subscripted: "..."[:-1] is some other value
    step = junction(content, at, limit, key_start)
    if step is None:
        return False
    return bool(step.value) or (step.end < len(content) and content[step.end] in _ALNUM)


# --- how sure: the words around the key ------------------------------------------------------

_FAL = rb"(?i)" + FAL_CONTEXT.regex
#: Words that make a credential of whatever they name.
_STRONG_WORDS = rb"(?i)authoriz|bearer|secret|credential|passw|api[_-]?key"
_WEAK_WORDS = rb"(?i)key|token|auth"
#: Names of things that are a UUID and a hex digest side by side without being a key.
_OTHER_WORDS = (
    rb"(?i)request|trace|span|session|cache|etag|digest|checksum|hash|sha1|sha256|md5|commit|nonce|correlation|"
    rb"revision|fingerprint"
)


class Context(Value):
    """Where the words about a key are: its statement (from the line above it, or a YAML
    block's header) and its own line."""

    __slots__ = ("statement", "line")
    statement: int
    line: int

    def __init__(self, statement: int, line: int) -> None:
        _set(self, "statement", statement)
        _set(self, "line", line)


def severity(content: bytes, context: Context, key_start: int, joined: Joined) -> Severity | None:
    """The whole key's severity where the words say credential: fal or a credential word
    (``Authorization``, ``secret``...) in the statement; ``None`` where the key's line names
    something else (a request id and a digest, a cache key); the whole key's again for a
    weaker word (``key``, ``token``) or fal mentioned within :data:`CONTEXT_AROUND` bytes;
    medium where no word says either."""
    statement = content[context.statement : joined.end]
    if re.compile(_FAL).search(statement) or re.compile(_STRONG_WORDS).search(statement):
        return graded(Severity.CRITICAL, joined.secret)
    if re.compile(_OTHER_WORDS).search(content, context.line, joined.end):
        return None
    lo, hi = max(0, key_start - CONTEXT_AROUND), min(len(content), joined.end + CONTEXT_AROUND)
    if re.compile(_WEAK_WORDS).search(statement) or re.compile(_FAL).search(content, lo, hi):
        return graded(Severity.CRITICAL, joined.secret)
    return graded(Severity.MEDIUM, joined.secret)


def _line_start(content: bytes, at: int, floor: int) -> int:
    return max(content.rfind(b"\n", floor, at) + 1, floor)


def code_context(content: bytes, key_start: int) -> Context:
    """The key id's line, and the line before it (a name often sits on the line above:
    ``FAL_KEY = (`` then the pieces), at most 512 bytes back."""
    floor = max(0, key_start - 512)
    line = _line_start(content, key_start, floor)
    return Context(_line_start(content, line - 1, floor) if line > floor else line, line)


def verdict(content: bytes, key_start: int, joined: Joined, context: Context) -> Verdict | None:
    level = severity(content, context, key_start, joined)
    if level is None:
        return None
    key_id = content[key_start : key_start + 36].decode()
    detail = f"joined from {joined.pieces} pieces" + (
        "" if level != Severity.MEDIUM else "; no credential word near it"
    )
    return Verdict(
        level, f"{key_id}:{joined.secret}", key_start, joined.end, key_id=key_id, detail=detail, mask=mask_key_secret
    )


# --- where a key in pieces starts: a key id in code, or in a YAML block scalar --------------


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    """A key id (its last group matched) ending a piece: the rest of its key id is checked
    before it, the rest of the key walked after it."""
    start = match.start() - 23
    if start < 0 or not re.compile(_UUID_HEAD).fullmatch(content, start, match.start()):
        return None
    if start > 0 and content[start - 1] in _ALNUM:
        return None
    if content[match.end() : match.end() + 1] in (b"\r", b"\n"):
        return judge_block(content, start, match.start() + 13)
    joined = walk(content, match.start() + 13, start, code_junction)
    return None if joined is None else verdict(content, start, joined, code_context(content, start))


_BLOCK_HEADER = rb"(?:[:\-][ \t]{1,8}|^[ \t]{0,32})[|>][-+1-9]{0,2}[ \t]{0,8}(?:#[^\r\n]{0,200})?\r?\Z"


def block_header(content: bytes, line_start: int, indent: int) -> int | None:
    """The start of the ``key: |`` / ``key: >`` line whose block scalar holds the line at
    ``line_start`` (indented by ``indent``), looking back at most 32 lines and 4 KB."""
    floor = max(0, line_start - 4096)
    end = line_start - 1
    for _ in range(32):
        if end < floor:
            return None
        start = _line_start(content, end, floor)
        line = content[start:end]
        stripped = line.lstrip(b" \t")
        if stripped.strip() and len(line) - len(stripped) < indent:
            return start if len(line) <= 512 and re.compile(_BLOCK_HEADER).search(line) else None
        end = start - 1
    return None


def judge_block(content: bytes, start: int, after_key_id: int) -> Verdict | None:
    """A key id alone at the start of a YAML block scalar's line, the rest of the key below."""
    line = _line_start(content, start, max(0, start - 33))
    indent = content[line:start]
    if not indent or indent.strip(b" \t") or line == 0 or content[line - 1] != ord("\n"):
        return None
    header = block_header(content, line, len(indent))
    if header is None:
        return None
    joined = walk(content, after_key_id, start, block_junction(indent))
    return None if joined is None else verdict(content, start, joined, Context(header, header))


# --- the pattern, with its prefilter anchor --------------------------------------------------

#: After the key id: the colon and the start of the secret, possessive (a near miss is
#: rejected at once, not after 31 steps back).
_TAIL = rb":?+" + HEX + rb"{0,31}+"
#: The first junction, as far as a bounded look ahead sees it: a quote then an operator or
#: another quote (with Python's string prefixes: a line after the key id's starting with
#: ``FAL_KEY=`` is no junction), a quote closing an interpolation, an interpolation, a continued line, or
#: (a YAML block scalar) a line break then an indented line going on with the key.
_FIRST_JUNCTION = (
    rb"(?=[\"'`](?:[\s\\]{0,128}+(?:[+.&\"'`]|[rRuUbBfF]{1,2}+[\"'`])|[ \t]{0,8}+\})|[$#]?\{|\\\r?\n"
    rb"|\r?\n[ \t]{1,64}+[:0-9a-fA-F])"
)
#: What lowercased content holds wherever the key id's pattern can report, whole or in pieces:
#: the key id's last group, then a colon (or ``%3a``) or the first byte of a junction (a
#: quote, ``$``, ``#``, ``{``, a backslash, a line break), or more hex digits then one of
#: those. A looser test than the two alternatives' own (the prefilter admits a little more,
#: detection decides), with no nested repetition: hyperscan's one pass over a batch of
#: history (fastfind.batch_admitter) runs about twice as fast as with the exact two.
ANCHOR = Anchor(b"-", rb"[0-9a-f]{12}(?:[:%\"'`$#{\\\r\n]|[0-9a-f]{1,31}[\"'`$#{\\\r\n])")

#: The pattern's part after the key id's last group: an alternative of the whole key's pattern
#: (fal-key-id-secret), so one pass over the dashes finds a key whole or in pieces.
ALTERNATIVE = rb"(?P<joint>" + _TAIL + rb")" + _FIRST_JUNCTION

TRUE_EXAMPLES: tuple[str, ...] = (
    'const FAL_KEY = "{uuid}" + ":" + "{hex32}";',
    'FAL_KEY = "{uuid}:" + "{hex32}"',
    'key := "{uuid}" + ":{hex32}"',
    'String falKey = "{uuid}"\n    + ":"\n    + "{hex32}";',
    'FAL_KEY = (\n    "{uuid}:"\n    "{hex32}"\n)',
    'static const char *fal_key = "{uuid}"\n    ":" "{hex32}";',
    'fal.config({ credentials: `${"{uuid}"}:{hex32}` });',
    'const falSecret = "{hex32}";\nfal.config({ credentials: `{uuid}:${falSecret}` });',
    'secret = "{hex32}"\nos.environ["FAL_KEY"] = f"{uuid}:{secret}"',
    'FAL_KEY = "{uuid}:\\\n{hex32}"',
    "fal:\n  key: >-\n    {uuid}:\n    {hex32}\n",
    "env:\n  FAL_KEY: |\n    {uuid}:\n    {hex32}\n",
    'headers = {"Authorization": "Key " + "{uuid}:" + "{hex32}"}',
)

FALSE_EXAMPLES: tuple[str, ...] = (
    'trace = "{uuid}" + ":" + "{hex32}"',
    'cache_key = "{uuid}:" + "{hex32}"',
    'log.info(request_id + ":" + "{hex32}")',
    'FAL_KEY = "{uuid}" + ":" + digest',
    'FAL_KEY = "{uuid}" + "{hex32}"',
    'FAL_KEY = "{uuid}:" + "{hex32}" + "ff"',
    'FAL_KEY = "{uuid}" + ":" + "your-key-secret"',
    'FAL_KEY = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + ":" + "{hex32}"',
    '{"{uuid}": "{hex32}"}',
    "{uuid}: {hex32}",
    "fal_key:\n  {uuid}:\n    {hex32}\n",
    'md.add("auth-key-id", "{uuid}");\nmd.add("x-trace", "{hex32}");',
)
