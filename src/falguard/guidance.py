"""What to do about a finding, written for fal: ordered steps, per rule.

The steps are data, kept with each rule (``RuleInfo.steps``); this module orders them and
fills ``{which}`` (the key id), ``{path}``, ``{dashboard}``, ``{route}`` and
``{remediation}`` from the finding. Every output format shows the same steps.
"""

from __future__ import annotations

from falguard import rules
from falguard.models import Finding

DASHBOARD = "https://fal.ai/dashboard/keys"
PROXY_ROUTE = "app/api/fal/proxy/route.ts"

_HISTORY = (
    "The key is in git history: rotate first, because rewriting history does not un-leak a pushed key "
    "(clones, forks and caches keep it). Then, optionally, purge it: "
    "`falguard scan --history --write-replacements ../fal-replacements.txt` and "
    "`git filter-repo --replace-text ../fal-replacements.txt`, and ask collaborators to re-clone."
)


def steps_for_rule(rule_id: str) -> list[str]:
    """The generic steps of a rule, for rule documentation (SARIF help, docs)."""
    info = rules.ALL_RULES.get(rule_id)
    if info is None:
        return []
    return [_fill(step, None, "<file>", info.remediation) for step in info.steps] + (
        [_HISTORY] if info.credential else []
    )


def _rule_steps(rule_id: str) -> tuple[str, ...]:
    info = rules.ALL_RULES.get(rule_id)
    return info.steps if info is not None else ()


_ROTATE_IF_DEPLOYED = (
    "If the key was ever deployed this way, it is public: revoke it on the fal dashboard's keys page ("
    + DASHBOARD
    + "), create one key per environment, and check usage and billing for abuse."
)

#: The fix for browser exposure in frameworks whose server route is not Next.js's. Browser
#: findings in such a project carry ``framework_remediation(framework)`` as their remediation.
#: @fal-ai/server-proxy has no Nuxt (h3) or Astro adapter, so the route uses its handleRequest.
FRAMEWORK_STEPS: dict[str, tuple[str, ...]] = {
    "nuxt": (
        "Move the key out of runtimeConfig.public: declare it as private runtimeConfig.falKey in nuxt.config "
        "(server-only, set by NUXT_FAL_KEY in the server's environment) and drop NUXT_PUBLIC_FAL_KEY, so the page "
        "payload no longer carries it.",
        "Add the proxy route server/api/fal/proxy.ts: a defineEventHandler that passes the request to handleRequest "
        "from @fal-ai/server-proxy (it has no Nuxt/h3 adapter), with resolveApiKey returning "
        "useRuntimeConfig(event).falKey.",
        'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }), with no credentials and no '
        "useRuntimeConfig().public key in components, pages, composables or plugins.",
        "Rebuild and redeploy, so no served payload or bundle (.output/public) still holds the key.",
        _ROTATE_IF_DEPLOYED,
    ),
    "astro": (
        "Rename the variable to FAL_KEY (no PUBLIC_ prefix) and read it only in frontmatter or endpoints: Astro "
        "keeps import.meta.env.FAL_KEY on the server and inlines PUBLIC_ variables into <script> blocks and islands.",
        "Add the proxy endpoint src/pages/api/fal/proxy.ts (export const prerender = false; it needs an SSR "
        "adapter) exporting ALL that passes the request to handleRequest from @fal-ai/server-proxy (it has no "
        "Astro adapter), with resolveApiKey returning import.meta.env.FAL_KEY.",
        'Point <script> blocks and client:* islands at it: fal.config({ proxyUrl: "/api/fal/proxy" }), with no '
        "credentials.",
        "Rebuild and redeploy, so no served bundle (dist/) still holds the key.",
        _ROTATE_IF_DEPLOYED,
    ),
}


def framework_remediation(framework: str) -> str:
    """The one-paragraph remediation of a browser finding in a ``FRAMEWORK_STEPS`` project."""
    return " ".join(FRAMEWORK_STEPS[framework])


_FRAMEWORK_BY_REMEDIATION = {framework_remediation(name): name for name in FRAMEWORK_STEPS}


def steps(finding: Finding) -> list[str]:
    """The ordered steps for one finding, with its key id, path and remediation filled in."""
    framework = _FRAMEWORK_BY_REMEDIATION.get(finding.remediation)
    todo = (
        FRAMEWORK_STEPS[framework] if framework else rules.CHAIN_STEPS if finding.chain else _rule_steps(finding.rule)
    )
    filled = [_fill(step, finding.secret.key_id, finding.path, finding.remediation) for step in todo]
    if finding.commit and finding.secret.sensitive:
        filled.insert(1, _HISTORY)
    return filled


def _fill(step: str, key_id: str | None, path: str, remediation: str = "") -> str:
    which = f"; it is the key with id {key_id}" if key_id else ""
    return (
        step.replace("{remediation}", remediation)
        .replace("{dashboard}", DASHBOARD)
        .replace("{which}", which)
        .replace("{path}", path)
        .replace("{route}", PROXY_ROUTE)
    )
