"""``fal-proxy-open``: a fal server-proxy route that spends the site's key for strangers.

``@fal-ai/server-proxy`` with its defaults (fal-ai/fal-js ``libs/proxy/src/config.ts``:
``allowedEndpoints: []``, ``allowUnauthorizedRequests: true``) forwards any visitor's request to
any fal endpoint with the site's ``FAL_KEY``: a credit faucet. High when both defaults are in
force; medium when one half is closed (say which is missing); low when the options come
from elsewhere and cannot be judged; nothing for the safe shapes (an endpoint list and a
session check, or bring-your-own-key). The finding sits on the line that creates the handler,
and its fix is that adapter's route with options (:mod:`falguard.rules.proxy_routes`).

The pattern finds the proxy package's module name in a string (an import, a re-export, a
``require``); the judge reads the whole file (:mod:`falguard.rules.proxy_options`) and
reports the worst handler made from that import.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from falguard.models import Severity
from falguard.rules.common import Anchor, Rule, Verdict, pattern
from falguard.rules.proxy_routes import BYOK, safe_route

if TYPE_CHECKING:
    from falguard.rules.proxy_options import Site

RULE_ID = "fal-proxy-open"

#: The adapter a handler's fix is written for (see :data:`falguard.rules.proxy_routes.ADAPTER_ROUTES`).
_FIX_FOR = {
    ("nextjs", "createRouteHandler"): "nextjs-app",
    ("nextjs", "route"): "nextjs-app",
    ("nextjs", "createPageRouterHandler"): "nextjs-pages",
    ("nextjs", "handler"): "nextjs-pages",
    ("express", "createHandler"): "express",
    ("express", "handler"): "express",
    ("hono", "createRouteHandler"): "hono",
    ("svelte", "createRequestHandler"): "svelte",
    ("remix", "createProxy"): "remix",
    ("", "handleRequest"): "handle-request",
}
_OPEN = "any visitor can run any fal endpoint on your key"


def severity_of(any_visitor: bool | None, any_endpoint: bool | None) -> Severity | None:
    """How bad a proxy is: high when it serves anyone on every endpoint, medium when one half
    is closed, low when a half is unknown, None when both are closed. (``falguard probe``
    judges a deployed proxy's answers with the same scale.)"""
    if any_visitor is None or any_endpoint is None:
        return Severity.LOW
    if any_visitor and any_endpoint:
        return Severity.HIGH
    return Severity.MEDIUM if any_visitor or any_endpoint else None


def describe(site: Site) -> tuple[str, str]:
    """What the finding says (detail) and its identity (what a baseline keeps)."""
    name = f"{site.adapter or 'server-proxy'}.{site.factory}"
    if site.any_visitor is None or site.any_endpoint is None:
        known = "" if site.any_endpoint is None else ("; it sets no allowedEndpoints" if site.any_endpoint else "")
        return (
            f"{site.factory}'s options cannot be judged here ({site.why}){known}: make sure they set allowedEndpoints "
            "and isAuthenticated with allowUnauthorizedRequests: false",
            f"{name}: unjudged",
        )
    if site.any_visitor and site.any_endpoint:
        if site.why != "the defaults":
            return f"{site.factory} with these options: {_OPEN} (no allowedEndpoints, and {site.why})", f"{name}: open"
        made = (
            f"the default {site.factory}" if site.factory in ("handler", "route") else f"{site.factory} with no options"
        )
        return (
            f"{made}: {_OPEN} (the defaults: allowedEndpoints: [] allows every endpoint, "
            "allowUnauthorizedRequests: true lets anyone in)",
            f"{name}: open",
        )
    if site.any_visitor:
        return (
            f"allowedEndpoints limits what {site.factory} forwards, but any visitor can call those endpoints on your key: "
            f"authentication is missing ({site.why})",
            f"{name}: no authentication",
        )
    return (
        f"{site.factory} checks who calls it, but a signed-in user can run any fal endpoint on your key: "
        "allowedEndpoints is missing (not set, empty, or a wildcard such as ** or fal-ai/**)",
        f"{name}: no endpoint list",
    )


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    # the reader (its regexes, and tree-sitter on its first route) loads with the first file
    # that names the proxy package, not with the rules
    from falguard.rules.proxy_options import sites

    made = [site for site in sites(content) if site.specifier == match.start() and not site.byok]
    judged = [(severity, site) for site in made if (severity := severity_of(site.any_visitor, site.any_endpoint))]
    if not judged:
        return None
    severity, site = max(judged, key=lambda item: (item[0], -item[1].start))
    detail, identity = describe(site)
    others = len(judged) - 1
    if others:
        detail += f" (and {others} more handler{'s' if others > 1 else ''} in this file)"
    fix = safe_route(_FIX_FOR.get((site.adapter, site.factory), "handle-request"))
    return Verdict(
        severity,
        identity,
        site.start,
        site.end,
        sensitive=False,
        detail=detail,
        remediation=f"Give the handler options: {fix}",
    )


_NEXT = 'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";\n'
_SAFE_OPTIONS = (
    'allowedEndpoints: ["fal-ai/flux/dev"], allowUnauthorizedRequests: false, '
    "isAuthenticated: async () => Boolean(await auth())"
)

RULE = Rule(
    id=RULE_ID,
    severity=Severity.HIGH,
    title="fal proxy route open to strangers",
    description=(
        "A @fal-ai/server-proxy handler (Next.js createRouteHandler, createPageRouterHandler or the default "
        "handler; Express createHandler or handler; Hono createRouteHandler; SvelteKit createRequestHandler; "
        "Remix createProxy; handleRequest) whose options leave allowedEndpoints empty (every endpoint) and "
        "allowUnauthorizedRequests true (any visitor): it runs any fal model for anyone on the site's key. "
        "Medium when one half is closed, low when the options come from elsewhere."
    ),
    remediation=(
        "Give the handler options: allowedEndpoints listing the endpoints your app calls, isAuthenticated checking "
        "your own session, and allowUnauthorizedRequests: false; or, for a public playground, bring-your-own-key."
    ),
    steps=(
        "{remediation}",
        'List only the endpoints your app calls in allowedEndpoints (not "**" or "fal-ai/**"), and make '
        "isAuthenticated check your app's own session: with allowUnauthorizedRequests: false the proxy answers "
        "everyone else 401.",
        BYOK,
        "Check usage and billing on the fal dashboard ({dashboard}) for requests you did not make; if strangers "
        "used the route, revoke the key there and create a new one.",
    ),
    patterns=(
        pattern(
            rb"@fal-ai/server(?:less)?-proxy(?:/[a-z]{1,16})?(?=[\"'`])",
            head=Anchor(b"@fal-ai/server"),
            # found by the one-pass engine with the other finders: on fal-dense history the
            # regex's own search of every candidate was a tenth of the pipeline thread's time
            finder=rb"@fal-ai/server(?=(?:less)?-proxy)",
            one_pass_only=True,
        ),
    ),
    judge=judge,
    per_file=True,  # each route is its own faucet
    true_examples=(
        _NEXT + "export const { GET, POST, PUT } = createRouteHandler();",
        'export { handler as default } from "@fal-ai/server-proxy/nextjs";',
        'import * as falProxy from "@fal-ai/server-proxy/express";\napp.all(falProxy.route, cors(), falProxy.handler);',
        'import { createRequestHandler } from "@fal-ai/server-proxy/svelte";\n'
        "export const { GET, POST, PUT } = createRequestHandler({ allowedEndpoints: ['fal-ai/flux/dev'] });",
        _NEXT + 'import { proxyConfig } from "./proxy-config";\n'
        "export const { GET, POST, PUT } = createRouteHandler(proxyConfig);",
    ),
    false_examples=(
        _NEXT + 'import { auth } from "@/auth";\n'
        "export const { GET, POST, PUT } = createRouteHandler({ " + _SAFE_OPTIONS + " });",
        _NEXT + "export const { GET, POST, PUT } = createRouteHandler({\n"
        '  resolveFalAuth: async (behavior) => { const key = behavior.getHeader("x-fal-user-key"); '
        "return key ? `Key ${key}` : undefined; },\n});",
        'import type { ProxyConfig } from "@fal-ai/server-proxy";\nexport const config: Partial<ProxyConfig> = {};',
        'npm install --save @fal-ai/server-proxy\nfal.config({ proxyUrl: "/api/fal/proxy" });',
    ),
)
