"""What every rule is made of: the shared vocabulary of fal credentials and of rules.

A rule is a set of byte patterns, the keywords that must occur near a match (the cheap
prefilter), and a ``judge`` that looks at a match and returns a verdict or ``None``. Every
quantifier in every pattern is bounded, so a match attempt does a bounded amount of work at
each position and a scan is linear in the input size whatever the input holds.

Examples are written with placeholders that the tests fill at run time (``{uuid}``,
``{hex32}``, ``{token}`` with fresh fake values, ``{FAL}`` with ``FAL``; see
``tests/keys.py``), so no key-shaped literal or public fal variable lives in the rule
modules and the project's own tree scans clean.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from falguard.models import Masker, Severity, Value, _set, mask
from falguard.rules.proxy_routes import safe_route

HEX = rb"[0-9a-fA-F]"
UUID = HEX + rb"{8}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{12}"
HEX32 = HEX + rb"{32}"
#: Between key id and secret: a colon, or its URL encoding (a key pasted into a query string).
KEY_SEPARATOR = rb"(?::|%3[Aa])"
UUID_RE = re.compile(UUID + rb"\Z")
HEX32_RE = re.compile(HEX32 + rb"\Z")

# --- is a value a template, a name, a random token? -----------------------------------------

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


#: The shortest value :func:`looks_random` takes for a credential.
MIN_TOKEN = 16


def looks_random(value: str, *, min_length: int = MIN_TOKEN) -> bool:
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


def graded(severity: Severity, secret: str) -> Severity:
    """``severity`` for a real-looking secret, low for an obvious test value."""
    return Severity.LOW if looks_like_test_value(secret) else severity


# --- verdicts, patterns, rules ---------------------------------------------------------------


class Verdict(Value):
    """What a rule's judge decided about one match (or about one whole value)."""

    __slots__ = ("severity", "secret", "start", "end", "key_id", "sensitive", "detail", "mask", "remediation")
    severity: Severity
    secret: str  # what the fingerprint is made of
    start: int  # byte offset of the reported position
    end: int
    key_id: str | None
    sensitive: bool
    detail: str
    mask: Masker  # how the secret is shown: the rule's choice
    remediation: str  # this match's own fix, when it differs from the rule's ("": the rule's)

    def __init__(
        self,
        severity: Severity,
        secret: str,
        start: int,
        end: int,
        key_id: str | None = None,
        sensitive: bool = True,
        detail: str = "",
        mask: Masker = mask,
        remediation: str = "",
    ) -> None:
        _set(self, "severity", severity)
        _set(self, "secret", secret)
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "key_id", key_id)
        _set(self, "sensitive", sensitive)
        _set(self, "detail", detail)
        _set(self, "mask", mask)
        _set(self, "remediation", remediation)


Judge = Callable[[re.Match[bytes], bytes], "Verdict | None"]
#: A rule's judgement of one whole literal (a string in code, an env value): is it this key?
ValueJudge = Callable[[str], "Verdict | None"]


class Anchor(Value):
    """What lowercased content must contain for a pattern to match: a lowercase literal,
    optionally followed by a short regex (over lowercased content). The history prefilter is
    built from the anchors of every pattern (see :mod:`falguard.detection.prefilter`)."""

    __slots__ = ("literal", "then")
    literal: bytes
    then: bytes

    def __init__(self, literal: bytes, then: bytes = b"") -> None:
        if not literal or literal != literal.lower():
            raise ValueError(f"an anchor starts with a non-empty lowercase literal, not {literal!r}")
        _set(self, "literal", literal)
        _set(self, "then", then)

    @property
    def regex(self) -> bytes:
        return re.escape(self.literal) + self.then


#: Lowercase pattern whose absence proves content cannot hold a fal name or fal context.
#: It starts with the literal "fal" so the search skips ahead; "false" fails on its next byte.
FAL_CONTEXT = Anchor(b"fal", rb"(?:[^a-z0-9]|key|api|ai|secret|token|cred)")
FAL_CONTEXT_RE = re.compile(FAL_CONTEXT.regex)


class Finder(Value):
    """Where a pattern's matches can start, so the pattern is tried only there (see
    :func:`falguard.detection.detect.found`): ``search``, over lowercased content, is a literal then at
    most 64 bytes of lookahead, and matches at most ``reach`` bytes after the start of every
    match of the pattern; ``needs``, if given, is a literal (as written) that every match
    holds at most ``reach`` bytes after its start. A windowed pattern given a finder must
    also hold one of its keywords in its first 240 bytes and read at most 1000 bytes from
    its start: its matches are then the same with or without the windows. A pattern whose
    own regex starts with a literal may have a finder for the one-pass search only
    (``one_pass_only``): without it, the regex alone is the quicker search."""

    __slots__ = ("expression", "reach", "needs", "one_pass_only", "_search")
    _CACHES = ("_search",)
    expression: bytes  # of ``search``
    reach: int
    needs: bytes
    one_pass_only: bool
    _search: re.Pattern[bytes] | None

    def __init__(self, expression: bytes, reach: int = 0, needs: bytes = b"", one_pass_only: bool = False) -> None:
        _set(self, "expression", expression)
        _set(self, "reach", reach)
        _set(self, "needs", needs)
        _set(self, "one_pass_only", one_pass_only)
        _set(self, "_search", None)

    @property
    def search(self) -> re.Pattern[bytes]:
        search = self._search
        if search is None:
            search = re.compile(self.expression)
            _set(self, "_search", search)
        return search


class Pattern(Value):
    """One regular expression of a rule.

    With ``near`` keywords (lowercase), the regex runs only in windows around their
    case-insensitive occurrences; without, it runs over the whole content and must start
    with a literal so the regex engine can skip ahead quickly; with a ``finder``, only where
    that finds it can start. ``anchors``: at least one of them is in any content the pattern
    matches (lowercased).

    Regex, keywords and finder are compiled on first use: most content never reaches most
    patterns, and a pre-commit hook on ordinary code should not pay for compiling them all.
    """

    __slots__ = ("expression", "keywords", "needs_fal_context", "anchors", "finder", "_regex", "_near")
    _CACHES = ("_regex", "_near")
    expression: bytes
    keywords: tuple[bytes, ...]  # the ``near`` keywords
    needs_fal_context: bool  # runs only on content that mentions fal at all
    anchors: tuple[Anchor, ...]
    finder: Finder | None
    _regex: re.Pattern[bytes] | None
    _near: re.Pattern[bytes] | None

    def __init__(
        self,
        expression: bytes,
        keywords: tuple[bytes, ...] = (),
        needs_fal_context: bool = False,
        anchors: tuple[Anchor, ...] = (),
        finder: Finder | None = None,
    ) -> None:
        _set(self, "expression", expression)
        _set(self, "keywords", keywords)
        _set(self, "needs_fal_context", needs_fal_context)
        _set(self, "anchors", anchors)
        _set(self, "finder", finder)
        _set(self, "_regex", None)
        _set(self, "_near", None)

    @property
    def regex(self) -> re.Pattern[bytes]:
        regex = self._regex
        if regex is None:
            regex = re.compile(self.expression)
            _set(self, "_regex", regex)
        return regex

    @property
    def near(self) -> re.Pattern[bytes] | None:
        if self._near is None and self.keywords:
            _set(self, "_near", re.compile(b"|".join(re.escape(k) for k in self.keywords)))
        return self._near


def pattern(
    regex: bytes,
    *near: bytes,
    fal_context: bool = False,
    head: Anchor | None = None,
    finder: bytes | None = None,
    reach: int = 0,
    needs: bytes = b"",
    one_pass_only: bool = False,
) -> Pattern:
    """A pattern and its anchors: fal context when it needs it, else its ``near`` keywords,
    else ``head``, the literal its regex starts with (required then); ``finder``, ``reach``
    and ``needs``: see :class:`Finder`."""
    if fal_context:
        anchors: tuple[Anchor, ...] = (FAL_CONTEXT,)
    elif near:
        anchors = tuple(Anchor(k) for k in near)
    elif head is not None:
        anchors = (head,)
    else:
        raise ValueError(f"pattern {regex[:40]!r} needs fal context, near keywords or a head anchor")
    found = Finder(finder, reach, needs, one_pass_only) if finder is not None else None
    return Pattern(regex, near, fal_context, anchors, found)


class Extensions(Value):
    """What a project's configuration adds to the rules."""

    __slots__ = ("public_prefixes", "key_names")
    public_prefixes: tuple[str, ...]
    key_names: tuple[str, ...]

    def __init__(self, public_prefixes: tuple[str, ...] = (), key_names: tuple[str, ...] = ()) -> None:
        _set(self, "public_prefixes", public_prefixes)
        _set(self, "key_names", key_names)


class RuleInfo(Value):
    """What every rule has, content rule or not: the public id, the words around it, and the
    steps that fix a finding (``{dashboard}``, ``{which}``, ``{path}``, ``{route}`` and
    ``{remediation}`` are filled per finding by :mod:`falguard.report.guidance`)."""

    __slots__ = ("id", "severity", "title", "description", "remediation", "steps", "credential")
    id: str
    severity: Severity  # the highest severity this rule reports
    title: str
    description: str
    remediation: str
    steps: tuple[str, ...]
    credential: bool  # it reports a fal key itself (not an exposure or a file)

    def __init__(
        self,
        id: str,
        severity: Severity,
        title: str,
        description: str,
        remediation: str,
        steps: tuple[str, ...] = (),
        credential: bool = False,
    ) -> None:
        _set(self, "id", id)
        _set(self, "severity", severity)
        _set(self, "title", title)
        _set(self, "description", description)
        _set(self, "remediation", remediation)
        _set(self, "steps", steps)
        _set(self, "credential", credential)


def _no_verdict(match: re.Match[bytes], content: bytes) -> Verdict | None:
    return None


def _as_found(secret: str) -> tuple[str, ...]:
    return (secret,)


class Rule(RuleInfo):
    """A content rule: patterns over bytes and a judge for each match.

    A credential rule's overlapping matches keep the first credential rule's (see
    :func:`falguard.detection.detect.verdicts`); ``judge_value`` is its judgement of one whole literal,
    which :func:`falguard.rules.credential_in` asks.
    """

    __slots__ = (
        "patterns", "judge", "judge_value", "written_as", "configured", "applies_to_ignored_env",
        "true_examples", "false_examples", "per_file",
    )  # fmt: skip
    patterns: tuple[Pattern, ...]
    judge: Judge
    judge_value: ValueJudge | None
    #: every way content may write a secret this rule found (what purging it must replace)
    written_as: Callable[[str], tuple[str, ...]]
    #: the patterns for a project's configuration, for rules it extends
    configured: Callable[[Extensions], tuple[Pattern, ...]] | None
    applies_to_ignored_env: bool  # a key in an ignored .env.local is in the right place
    true_examples: tuple[str, ...]
    false_examples: tuple[str, ...]
    #: a finding's identity includes its file: the same verdict in two files is two problems
    #: (two proxy routes), not one secret in two places
    per_file: bool

    def __init__(
        self,
        id: str,
        severity: Severity,
        title: str,
        description: str,
        remediation: str,
        steps: tuple[str, ...] = (),
        credential: bool = False,
        patterns: tuple[Pattern, ...] = (),
        judge: Judge = _no_verdict,
        judge_value: ValueJudge | None = None,
        written_as: Callable[[str], tuple[str, ...]] = _as_found,
        configured: Callable[[Extensions], tuple[Pattern, ...]] | None = None,
        applies_to_ignored_env: bool = False,
        true_examples: tuple[str, ...] = (),
        false_examples: tuple[str, ...] = (),
        per_file: bool = False,
    ) -> None:
        super().__init__(id, severity, title, description, remediation, steps, credential)
        _set(self, "patterns", patterns)
        _set(self, "judge", judge)
        _set(self, "judge_value", judge_value)
        _set(self, "written_as", written_as)
        _set(self, "configured", configured)
        _set(self, "applies_to_ignored_env", applies_to_ignored_env)
        _set(self, "true_examples", true_examples)
        _set(self, "false_examples", false_examples)
        _set(self, "per_file", per_file)


# --- pieces of patterns and judges -----------------------------------------------------------

NOT_WORD_BEFORE = rb"(?<![A-Za-z0-9_])"
NOT_WORD_AFTER = rb"(?![A-Za-z0-9_])"
ASSIGN = rb"[\"'\]]{0,2}[ \t]{0,8}(?::=|=>|\?\?=|=|:)[ \t]{0,8}"
#: A character of an assigned value: any byte but whitespace, quotes and the delimiters that
#: end a value (``[^\s"'`,;)}\]<>]``), written as the ranges it allows: ``re`` tests a class of
#: ranges about twice as fast as that negated class, and a value is read up to 256 of them.
VALUE_CHAR = rb"[\x00-\x08\x0e-\x1f!#-&(*-+\--:=?-\\^-_a-|~-\xff]"
VALUE = rb"(?P<secret>[\"'`]?" + VALUE_CHAR + rb"{1,256}[\"'`]?)"

#: A variable named like a fal key: ``FAL_KEY``, ``MY_APP_FAL_API_KEY``, ``falSecret``...
FAL_NAME = (
    rb"(?P<name>(?:[A-Za-z0-9]{1,32}_){0,4}(?i:fal)[_-]?(?i:ai[_-]?)?(?i:api[_-]?)?"
    rb"(?i:key|secret|token|credentials?)(?:[_-]?(?i:secret))?)"
)

_QUOTES = "\"'`"


def text(match: re.Match[bytes], group: str) -> str:
    return match.group(group).decode("utf-8", "replace")


def clean_value(raw: str) -> str:
    """An assigned value without its quotes and a ``Bearer`` prefix."""
    value = raw.strip().strip(_QUOTES).strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    return value


# --- steps every key rule shares -------------------------------------------------------------

#: fal's keys page, where keys are created and revoked: what ``{dashboard}`` in a step becomes.
DASHBOARD = "https://fal.ai/dashboard/keys"
#: Shown only where the repository has browser code (guidance drops it otherwise).
BROWSER_KEY_STEP = (
    "Call fal from browsers only through a server proxy at /api/fal/proxy that only your app can use (Next.js: {route} "
    "containing: " + safe_route("nextjs-app") + ') with fal.config({ proxyUrl: "/api/fal/proxy" }), '
    "never through a NEXT_PUBLIC_ or VITE_ variable."
)
REVOKE_STEP = (
    "Revoke the key now: `falguard rotate --yes` with an ADMIN key in FAL_ADMIN_KEY creates the replacement, "
    "revokes the key and checks that fal rejects it; or revoke it on the fal dashboard's keys page ({dashboard}){which}."
)
KEY_STEPS: tuple[str, ...] = (
    REVOKE_STEP,
    "Create a new key for each environment (development, staging, production), so each can be rotated on its own.",
    "Keep the new key server-side only, in the FAL_KEY environment variable (an ignored .env.local "
    "locally, your host's secret settings in deployment); never in code or in a committed file.",
    BROWSER_KEY_STEP,
    "Check usage and billing on the fal dashboard for requests you did not make.",
)
