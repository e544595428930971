"""fal credential rules: one module per key shape, each owning its patterns, its judge, its
true and false examples, its guidance steps and how its secret is shown; the vocabulary they
share is in :mod:`falguard.rules.common`.

This module is the registry: the content rules in priority order (the most specific shape
first: a later credential rule's match that overlaps an earlier one's is the same secret
seen less precisely), the rules decided from a repository's or a project's state, and the
one judge of "is this value a fal key?" (:func:`credential_in`).

Adding a key shape: a module here with its ``RULE`` (patterns with their prefilter anchors,
judge, ``judge_value``, examples, steps, masking), one line in ``RULES``, one row in the
rules table of docs/user-guide.md. A rule about code rather than a key is a module here too:
``fal_proxy_open`` (a proxy route open to strangers, read by ``proxy_options``); the one proxy
route falguard ever suggests is written in ``proxy_routes``.

May import only the shared values (``falguard.models``); every other package may import it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from falguard.models import Severity
from falguard.rules import (
    fal_key,
    fal_key_assignment,
    fal_key_id_secret,
    fal_key_pair,
    fal_proxy_open,
    public_fal_key,
    registry,
)
from falguard.rules.common import (
    BROWSER_KEY_STEP,
    FAL_CONTEXT,
    FAL_CONTEXT_RE,
    FAL_NAME,
    HEX,
    HEX32,
    KEY_SEPARATOR,
    UUID,
    Anchor,
    Extensions,
    Finder,
    Judge,
    Pattern,
    Rule,
    RuleInfo,
    ValueJudge,
    Verdict,
    is_code_reference,
    is_identifier,
    is_placeholder,
    looks_like_test_value,
    looks_random,
    pattern,
    shannon_entropy,
)
from falguard.rules.fal_key_assignment import FAL_NAME_FROM_FAL, FAL_NAME_KEYWORDS, assignment_patterns
from falguard.rules.fal_key_id_secret import is_key_id_secret
from falguard.rules.proxy_routes import BYOK, safe_route
from falguard.rules.public_fal_key import PUBLIC_PREFIXES, public_patterns
from falguard.rules.registry import credential_in

__all__ = [
    "ALL_RULES",
    "BROWSER_KEY_STEP",
    "CHAIN_STEPS",
    "ENV_GONE_STEPS",
    "ENV_NO_SECRET_STEPS",
    "FAL_CONTEXT",
    "FAL_CONTEXT_RE",
    "FAL_NAME",
    "FAL_NAME_FROM_FAL",
    "FAL_NAME_KEYWORDS",
    "HEX",
    "HEX32",
    "KEY_SEPARATOR",
    "PROJECT_RULES",
    "PUBLIC_PREFIXES",
    "REPOSITORY_RULES",
    "RULES",
    "RULES_BY_ID",
    "UUID",
    "Anchor",
    "Extensions",
    "Finder",
    "Judge",
    "Pattern",
    "Rule",
    "RuleInfo",
    "ValueJudge",
    "Verdict",
    "assignment_patterns",
    "build_rules",
    "credential_in",
    "is_code_reference",
    "is_identifier",
    "is_key_id_secret",
    "is_placeholder",
    "looks_like_test_value",
    "looks_random",
    "pattern",
    "public_patterns",
    "registered",
    "shannon_entropy",
    "written_forms",
]

#: Content rules in priority order: key shapes, then the catch-alls (any random value under a
#: fal key name; any fal variable a bundler inlines), then fal-proxy-open (a proxy route, not a key).
RULES: tuple[Rule, ...] = (
    fal_key_id_secret.RULE,
    fal_key.RULE,
    fal_key_pair.RULE,
    fal_key_assignment.RULE,
    public_fal_key.RULE,
    fal_proxy_open.RULE,
)
_CATCH_ALLS = (fal_key_assignment.RULE.id, public_fal_key.RULE.id)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
registry.use(RULES)

#: One fix for a chain (a key or public variable from its definition to the served bundle).
CHAIN_STEPS = public_fal_key.STEPS


def build_rules(extra_public_prefixes: Sequence[str] = (), extra_key_names: Sequence[str] = ()) -> tuple[Rule, ...]:
    """The content rules, extended by a project's configuration."""
    if not extra_public_prefixes and not extra_key_names:
        return RULES
    extensions = Extensions(tuple(extra_public_prefixes), tuple(extra_key_names))
    return tuple(rule.replace(patterns=rule.configured(extensions)) if rule.configured else rule for rule in RULES)


def written_forms(secret: str) -> tuple[str, ...]:
    """Every way content may write ``secret`` (as found, URL-encoded...): what purging it replaces."""
    for rule in RULES:
        if rule.credential and rule.judge_value is not None and rule.judge_value(secret) is not None:
            return rule.written_as(secret)
    return (secret,)


_COVER_ENV_STEP = (
    "Make sure .gitignore covers it: `falguard fix` adds `.env*` with the template exceptions, and the rules "
    "other env file names on disk need (`*.env` for a name like prod.env, which `.env*` does not cover)."
)

#: env-tracked's steps for a file history holds but the checked-out branch no longer tracks
#: (a later commit deleted it, or only another branch has it): there is nothing to untrack.
ENV_GONE_STEPS = (
    "{path} is not tracked on the checked-out branch (a later commit deleted it, or only another branch has "
    "it), so there is nothing to untrack here; the commits that hold it still do: "
    "`git log --all --oneline -- {path}` lists them.",
    "If the file held a key, that key is in history: revoke it on the fal dashboard ({dashboard}), create a "
    "new one, and purge the file's contents from history (the key's own steps say how).",
    _COVER_ENV_STEP,
)

#: env-tracked's steps for a tracked env file that holds no secret (low): nothing leaked, and a
#: fixture or sample the project loads by name must stay tracked; untracking is for a file that
#: will hold secrets.
ENV_NO_SECRET_STEPS = (
    "{path} holds no secret, so nothing has leaked: a test fixture or sample the project loads by that name "
    "can stay tracked. If the file is meant to hold keys later, stop tracking it now: "
    "`git rm --cached -- {path}` (the file stays on disk) and commit.",
    _COVER_ENV_STEP,
)

_IGNORE_ENV_STEPS = (
    "Add `.env*` (with `!.env.example` for templates) to the root .gitignore: `falguard fix` does it.",
    "Commit the .gitignore so the rule protects the whole team, not one machine.",
)

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
        steps=(
            "Stop tracking the file: `git rm --cached -- {path}` (the file stays on disk) and commit.",
            _COVER_ENV_STEP,
            "If the file held a key and the commit was ever pushed, revoke that key on the fal dashboard "
            "({dashboard}) and create a new one: removing the file does not remove it from history.",
        ),
    ),
    RuleInfo(
        id="env-not-ignored",
        severity=Severity.HIGH,
        title="env file not ignored by git",
        description="An env file on disk that `git add .` would stage.",
        remediation="Add `.env*` (and `!.env.example` for templates) to the repository's .gitignore; `falguard fix` does it.",
        steps=_IGNORE_ENV_STEPS,
    ),
    RuleInfo(
        id="gitignore-missing-env",
        severity=Severity.MEDIUM,
        title="no .gitignore rule covers env files",
        description="No ignore rule shared with the team covers env files: the next .env.local is one `git add .` from a leak.",
        remediation="Add `.env*` and `!.env.example` to the root .gitignore and commit it; `falguard fix` does it.",
        steps=_IGNORE_ENV_STEPS,
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
        steps=(
            "Create a separate key for each environment on the fal dashboard ({dashboard}).",
            "Replace the shared key in every place listed, then revoke it.",
            "Keep each environment's key in that environment's server-side settings as FAL_KEY.",
        ),
    ),
)

#: Rules decided from a whole project (which code runs in the browser, what bundlers inline):
#: see browser/. Their findings are built by falguard.detection.findings.
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
        steps=(
            "Remove the credentials from browser code and bundler config: no fal.config({ credentials }) in a client "
            "component, page or SPA source, no fal key under next.config env, Vite define or webpack DefinePlugin.",
            "Keep the key server-side only, as FAL_KEY with no public prefix.",
            "Add the proxy route {route}. " + BYOK,
            'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }).',
            "Rebuild and redeploy, so no served bundle still holds the key.",
            "If the key was ever deployed this way, it is public: revoke it on the fal dashboard's keys page "
            "({dashboard}), create one key per environment, and check usage and billing for abuse.",
        ),
    ),
    RuleInfo(
        id="fal-proxy-missing",
        severity=Severity.LOW,  # advice: nothing leaked yet (docs/policy.md)
        title="browser code calls fal without a proxy",
        description=(
            "Browser code imports the fal client, no code sets a proxyUrl, and the project has no fal proxy route "
            "(app/api/fal/proxy/route.ts, pages/api/fal/proxy.ts, or another @fal-ai/server-proxy handler): the "
            "next step is usually a key in the bundle."
        ),
        remediation=(
            "Add the proxy route for your framework with @fal-ai/server-proxy, listing the endpoints your app calls "
            "and checking your own session (Next.js App Router: app/api/fal/proxy/route.ts containing: "
            + safe_route("nextjs-app")
            + '), keep FAL_KEY on the server, and call fal.config({ proxyUrl: "/api/fal/proxy" }) in browser code.'
        ),
        steps=(
            "{remediation}",
            "Never give browser code a key instead: anything it holds is served to every visitor. If one already "
            "was, revoke it on the fal dashboard's keys page ({dashboard}).",
        ),
    ),
)


def _every_rule() -> dict[str, RuleInfo]:
    return {rule.id: rule for rule in (*RULES, *REPOSITORY_RULES, *PROJECT_RULES)}


#: Every rule id falguard can report, content rules first.
ALL_RULES: dict[str, RuleInfo] = _every_rule()


@contextmanager
def registered(*shapes: Rule) -> Iterator[None]:
    """Scans inside the block also apply ``shapes``, more credential rules (tests, plugins).

    They go after the built-in key shapes and before the catch-alls, so a specific shape
    claims its secrets before fal-key-assignment does, and a public variable holding one is
    critical. Changes the registry for the whole process: not for concurrent use.
    """
    global RULES
    saved = RULES
    split = next(index for index, rule in enumerate(RULES) if rule.id in _CATCH_ALLS)
    RULES = (*RULES[:split], *shapes, *RULES[split:])
    try:
        _sync()
        yield
    finally:
        RULES = saved
        _sync()


def _sync() -> None:
    """Refill the lookups from RULES in place (modules hold references to them)."""
    registry.use(RULES)
    RULES_BY_ID.clear()
    RULES_BY_ID.update({rule.id: rule for rule in RULES})
    ALL_RULES.clear()
    ALL_RULES.update(_every_rule())
