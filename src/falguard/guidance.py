"""What to do about a finding, written for fal: ordered steps, per rule.

The steps are data; ``{key_id}`` and ``{path}`` are filled from the finding. Every output
format shows the same steps.
"""

from __future__ import annotations

from falguard.models import Finding

DASHBOARD = "https://fal.ai/dashboard/keys"
PROXY_ROUTE = "app/api/fal/proxy/route.ts"

_REVOKE = "Revoke the key now on the fal dashboard's keys page ({dashboard}){which}."
_NEW_KEY_PER_ENV = (
    "Create a new key for each environment (development, staging, production), so each can be rotated on its own."
)
_SERVER_SIDE = (
    "Keep the new key server-side only, in the FAL_KEY environment variable (an ignored .env.local "
    "locally, your host's secret settings in deployment); never in code or in a committed file."
)
_PROXY = (
    "Call fal from browsers only through a server proxy: @fal-ai/server-proxy at /api/fal/proxy "
    '(Next.js: {route} exporting { GET, POST, PUT } = createRouteHandler()) with fal.config({ proxyUrl: "/api/fal/proxy" }), '
    "never through a NEXT_PUBLIC_ or VITE_ variable."
)
_USAGE = "Check usage and billing on the fal dashboard for requests you did not make."
_HISTORY = (
    "The key is in git history: rotate first, because rewriting history does not un-leak a pushed key "
    "(clones, forks and caches keep it). Then, optionally, purge it: "
    "`falguard scan --history --write-replacements ../fal-replacements.txt` and "
    "`git filter-repo --replace-text ../fal-replacements.txt`, and ask collaborators to re-clone."
)

_KEY_STEPS = (_REVOKE, _NEW_KEY_PER_ENV, _SERVER_SIDE, _PROXY, _USAGE)

STEPS: dict[str, tuple[str, ...]] = {
    "fal-key-id-secret": _KEY_STEPS,
    "fal-key": _KEY_STEPS,
    "fal-key-pair": _KEY_STEPS,
    "fal-key-assignment": (
        "Check whether the value is a real fal key; if it is, treat it as leaked: " + _REVOKE[0].lower() + _REVOKE[1:],
        *_KEY_STEPS[1:],
    ),
    "public-fal-key": (
        "Rename the variable to FAL_KEY (no public prefix) so the bundler keeps it on the server.",
        "Add the proxy route: " + PROXY_ROUTE + " exporting { GET, POST, PUT } = createRouteHandler() from "
        "@fal-ai/server-proxy/nextjs (Pages Router: pages/api/fal/proxy.ts).",
        'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }), with no credentials in browser code.',
        "Rebuild and redeploy, so no served bundle still holds the key.",
        "If a key was ever deployed this way, it is public: revoke it on the fal dashboard's keys page ("
        + DASHBOARD
        + "), create one key per environment, and check usage and billing for abuse.",
    ),
    "client-credentials": (
        "Remove the credentials from browser code and bundler config: no fal.config({ credentials }) in a client "
        "component, page or SPA source, no fal key under next.config env, Vite define or webpack DefinePlugin.",
        "Keep the key server-side only, as FAL_KEY with no public prefix.",
        "Add the proxy route: " + PROXY_ROUTE + " exporting { GET, POST, PUT } = createRouteHandler() from "
        "@fal-ai/server-proxy/nextjs (Pages Router: pages/api/fal/proxy.ts; SvelteKit: src/routes/api/fal/proxy/+server.ts "
        "with @fal-ai/server-proxy/svelte; an SPA: @fal-ai/server-proxy/express on your server).",
        'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }).',
        "Rebuild and redeploy, so no served bundle still holds the key.",
        "If the key was ever deployed this way, it is public: revoke it on the fal dashboard's keys page ("
        + DASHBOARD
        + "), create one key per environment, and check usage and billing for abuse.",
    ),
    "fal-proxy-missing": (
        "{remediation}",
        "Never give browser code a key instead: anything it holds is served to every visitor. If one already was, "
        "revoke it on the fal dashboard's keys page (" + DASHBOARD + ").",
    ),
    "env-tracked": (
        "Stop tracking the file: `git rm --cached -- {path}` (the file stays on disk) and commit.",
        "Make sure .gitignore covers it (`falguard fix` adds `.env*` with the template exceptions).",
        "If the file held a key and the commit was ever pushed, revoke that key on the fal dashboard ("
        + DASHBOARD
        + ") and create a new one: removing the file does not remove it from history.",
    ),
    "env-not-ignored": (
        "Add `.env*` (with `!.env.example` for templates) to the root .gitignore: `falguard fix` does it.",
        "Commit the .gitignore so the rule protects the whole team, not one machine.",
    ),
    "gitignore-missing-env": (
        "Add `.env*` (with `!.env.example` for templates) to the root .gitignore: `falguard fix` does it.",
        "Commit the .gitignore so the rule protects the whole team, not one machine.",
    ),
    "shared-key-across-envs": (
        "Create a separate key for each environment on the fal dashboard (" + DASHBOARD + ").",
        "Replace the shared key in every place listed, then revoke it.",
        "Keep each environment's key in that environment's server-side settings as FAL_KEY.",
    ),
}


def steps_for_rule(rule_id: str) -> list[str]:
    """The generic steps of a rule, for rule documentation (SARIF help, docs)."""
    from falguard.rules import ALL_RULES

    generic = ALL_RULES[rule_id].remediation if rule_id in ALL_RULES else ""
    return [_fill(step, None, "<file>", generic) for step in STEPS.get(rule_id, ())] + (
        [_HISTORY] if rule_id in ("fal-key-id-secret", "fal-key", "fal-key-pair", "fal-key-assignment") else []
    )


#: One fix for a chain (a key or public variable from its definition to the served bundle).
CHAIN_STEPS = STEPS["public-fal-key"]


def steps(finding: Finding) -> list[str]:
    """The ordered steps for one finding, with its key id, path and remediation filled in."""
    todo = _framework_steps(finding.framework) or (CHAIN_STEPS if finding.chain else STEPS.get(finding.rule, ()))
    filled = [_fill(step, finding.secret.key_id, finding.path, finding.remediation) for step in todo]
    if finding.commit and finding.secret.sensitive:
        filled.insert(1, _HISTORY)
    return filled


def _framework_steps(name: str | None) -> tuple[str, ...]:
    """A browser finding's framework's own fix, if it has one (the registry is loaded only then)."""
    if name is None:
        return ()
    from falguard.browser.frameworks import steps_for

    return steps_for(name)


def _fill(step: str, key_id: str | None, path: str, remediation: str = "") -> str:
    which = f"; it is the key with id {key_id}" if key_id else ""
    return (
        step.replace("{remediation}", remediation)
        .replace("{dashboard}", DASHBOARD)
        .replace("{which}", which)
        .replace("{path}", path)
        .replace("{route}", PROXY_ROUTE)
    )
