"""public-fal-key: a fal credential in a variable that bundlers inline into browser code.

Not a key shape of its own: it reports the variable (high) wherever it is defined or read,
and critical when its value is a key in any shape a credential rule knows (shown the way that
rule shows it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from falguard.models import Severity, mask_ends
from falguard.rules.common import (
    ASSIGN,
    NOT_WORD_AFTER,
    NOT_WORD_BEFORE,
    UUID_RE,
    Extensions,
    Pattern,
    Rule,
    Verdict,
    clean_value,
    looks_random,
    pattern,
    text,
)
from falguard.rules.proxy_routes import BYOK, safe_route
from falguard.rules.registry import credential_in

#: The longest prefix with which the patterns are run from their finder: the import pattern
#: then still holds its keyword in its first 240 bytes.
_FOUND_PREFIX = 24

#: Where a public fal key name can be (lowercased content): its ``_FAL_`` after the prefix.
#: Not the assignment rule's "fal" finder: ``FAL_KEY`` on every line (no prefix) gives this
#: one no hit.
PUBLIC_FINDER = rb"_fal_(?=(?:ai_)?(?:api_)?key)"

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


def public_patterns(prefixes: Sequence[str]) -> tuple[Pattern, ...]:
    """Patterns of public-fal-key for a set of bundler-inlined prefixes."""
    name = (
        rb"(?P<name>(?:"
        + b"|".join(re.escape(p.encode()) for p in sorted(prefixes, key=len, reverse=True))
        + rb")FAL_(?:AI_)?(?:API_)?KEY(?:_ID|_SECRET)?)"
    )
    near = tuple(dict.fromkeys([b"_fal_", *(p.lower().encode() + b"fal_" for p in prefixes if not p.endswith("_"))]))
    # found from the name's "_FAL_" (see Pattern.finder), which starts within the longest
    # prefix; unusual configured prefixes keep the keyword windows
    longest = max(len(p.encode()) for p in prefixes)
    finder = PUBLIC_FINDER if longest <= _FOUND_PREFIX and all(p.endswith("_") for p in prefixes) else None
    # with a finder, every prefix ends with "_": every match holds "_FAL_", which ordinary code
    # (and fal's own, FAL_KEY) seldom holds, so each pattern needs it (see Finder.needs)
    return (
        # definitions: .env, YAML, JSON, shell export, Dockerfile ENV/ARG NAME=value
        pattern(
            NOT_WORD_BEFORE + name + NOT_WORD_AFTER + ASSIGN + rb"(?P<secret>[^\s,;)}\]<>]{0,256})",
            *near,
            fal_context=True,
            finder=finder,
            reach=longest,
            needs=b"_FAL_",
        ),
        pattern(
            rb"(?m)^[ \t]{0,16}ENV[ \t]{1,8}" + name + rb"[ \t]{1,8}(?P<secret>[^\s]{1,256})",
            *near,
            fal_context=True,
            finder=finder,
            reach=16 + 3 + 8 + longest,
            needs=b"_FAL_",
        ),
        # uses: process.env.X, process.env["X"], import.meta.env.X, $env/static/public imports
        pattern(
            rb"env(?:\.|\[[\"'])" + name + NOT_WORD_AFTER,
            *near,
            fal_context=True,
            finder=finder,
            reach=5 + longest,
            needs=b"_FAL_",
        ),
        pattern(
            rb"import[ \t]{0,8}\{[^}]{0,200}?" + NOT_WORD_BEFORE + name + NOT_WORD_AFTER,
            *near,
            fal_context=True,
            finder=finder,
            reach=6 + 8 + 1 + 200 + longest,
            needs=b"_FAL_",
        ),
    )


def _held_key(value: str) -> Verdict | None:
    """The key a public variable holds: a shape some credential rule takes, or a key id alone
    (old apps expose NEXT_PUBLIC_FAL_KEY_ID beside NEXT_PUBLIC_FAL_KEY_SECRET)."""
    verdict = credential_in(value)
    if verdict is None and UUID_RE.match(value.encode()) and looks_random(value):
        return Verdict(Severity.CRITICAL, value, 0, len(value), mask=mask_ends)
    return verdict


#: ``<env>.FAL_KEY || <env>.`` (or ``??``) ending right before a read: the public variable
#: is only the fallback of the server-side one, as in fal's own proxy before 2024-01.
_SERVER_FIRST = re.compile(
    rb"env(?:\.|\[[\"'])(?P<server>[A-Z0-9_]{1,64})[\"'\]]{0,2}[ \t\r\n]{0,16}(?:\|\||\?\?)[ \t\r\n]{0,16}"
    rb"(?:process\.|import\.meta\.|Deno\.)?\Z"
)


def _falls_back_from_server(match: re.Match[bytes], content: bytes, name: str) -> str | None:
    """The server-side variable a read of ``name`` is the fallback of, if it is one.

    Code that prefers the server-side name and accepts the public one for compatibility
    exposes nothing by itself; when it runs in the browser, client-credentials reports it.
    """
    before = _SERVER_FIRST.search(content, max(0, match.start() - 120), match.start())
    if before is None:
        return None
    server = before.group("server").decode()
    return server if server.startswith("FAL_") and name.endswith("_" + server) else None


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    name = text(match, "name")
    raw_value = match.group("secret") if "secret" in match.re.groupindex else None
    value = clean_value(raw_value.decode("utf-8", "replace")) if raw_value else ""
    held = _held_key(value) if value else None
    if held is not None:
        return Verdict(
            Severity.CRITICAL,
            value,
            match.start("secret"),
            match.start("secret") + len(raw_value or b""),
            key_id=held.key_id,
            detail=f"{name} holds a key",
            mask=held.mask,
        )
    kind = "defines" if raw_value is not None else "reads"
    server = _falls_back_from_server(match, content, name) if raw_value is None else None
    return Verdict(
        Severity.HIGH if server is None else Severity.MEDIUM,
        name,
        match.start("name"),
        match.end("name"),
        sensitive=False,
        detail=f"{kind} {name}" + (f" as the fallback of {server}" if server else ""),
    )


def _configured(extensions: Extensions) -> tuple[Pattern, ...]:
    return public_patterns((*PUBLIC_PREFIXES, *extensions.public_prefixes))


#: The fix for a public variable, and for a chain from a definition to the served bundle.
STEPS: tuple[str, ...] = (
    "Rename the variable to FAL_KEY (no public prefix) so the bundler keeps it on the server.",
    "Add the proxy route {route} containing: " + safe_route("nextjs-app") + " (Pages Router: pages/api/fal/proxy.ts "
    "with createPageRouterHandler and the same options). " + BYOK,
    'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }), with no credentials in browser code.',
    "Rebuild and redeploy, so no served bundle still holds the key.",
    "If a key was ever deployed this way, it is public: revoke it on the fal dashboard's keys page ({dashboard}), "
    "create one key per environment, and check usage and billing for abuse.",
)

RULE = Rule(
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
    steps=STEPS,
    patterns=public_patterns(PUBLIC_PREFIXES),
    judge=judge,
    configured=_configured,
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
        "const key = process.env.{FAL}_KEY || process.env.NEXT_PUBLIC_{FAL}_KEY;",  # medium: a fallback
    ),
    false_examples=(
        "FAL_KEY={token}",
        "const key = process.env.FAL_KEY;",
        "NEXT_PUBLIC_SITE_URL=https://example.com",
        "MY_NEXT_PUBLIC_{FAL}_KEYS=1",
        "Never set NEXT_PUBLIC_{FAL}_KEY in production.",
    ),
)
