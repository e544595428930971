"""The one template of a fal proxy route that falguard ever suggests: never a credit faucet.

``@fal-ai/server-proxy`` used with its defaults forwards any visitor's request to any fal
endpoint with the site's key (``allowedEndpoints: []`` allows every endpoint,
``allowUnauthorizedRequests: true`` lets anyone in). Every step that tells a user to add a
proxy route (the frameworks' suggested routes, the rules' steps, ``fal-proxy-open``'s fix)
takes its code from here, so the route always lists the endpoints the app calls and checks
the app's own session; a public playground is told to use bring-your-own-key instead.

A leaf: it imports nothing of falguard.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Shown when falguard could not read the endpoints the project calls: the user fills it in.
PLACEHOLDER_ENDPOINTS = ("fal-ai/<endpoint-your-app-calls>",)

#: The session check the route's ``isAuthenticated`` calls: the app's own (falguard cannot know it).
SESSION_CHECK = "isSignedIn(behavior) /* your app's own session check */"

#: How each adapter mounts the proxy with options (``{options}`` is filled in), after its import.
ADAPTER_ROUTES: dict[str, tuple[str, str]] = {
    "nextjs-app": (
        'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";',
        "export const { GET, POST, PUT } = createRouteHandler({options});",
    ),
    "nextjs-pages": (
        'import { createPageRouterHandler } from "@fal-ai/server-proxy/nextjs";',
        "export default createPageRouterHandler({options});",
    ),
    "express": (
        'import * as falProxy from "@fal-ai/server-proxy/express";',
        "app.all(falProxy.route, falProxy.createHandler({options}));",
    ),
    "hono": (
        'import { createRouteHandler } from "@fal-ai/server-proxy/hono";',
        'app.all("/api/fal/proxy", createRouteHandler({options}));',
    ),
    "svelte": (
        'import { createRequestHandler } from "@fal-ai/server-proxy/svelte";',
        "export const { GET, POST, PUT } = createRequestHandler({options});",
    ),
    "remix": (
        'import { json } from "@remix-run/node"; import { createProxy } from "@fal-ai/server-proxy/remix";',
        "export const { action, loader } = createProxy({ json, {options} });",
    ),
    "handle-request": (
        'import { handleRequest } from "@fal-ai/server-proxy";',
        "return handleRequest(behavior, {options});",
    ),
}

#: The other safe shape, for a public playground where visitors pay with their own key.
BYOK = (
    "For a public playground, bring-your-own-key instead: resolveFalAuth: async (behavior) => "
    '{ const key = behavior.getHeader("x-fal-user-key"); return typeof key === "string" ? `Key ${key}` : undefined; } '
    "and no FAL_KEY on that server, so each visitor's requests bill their own fal account."
)


def endpoints_list(endpoints: Sequence[str] = ()) -> str:
    """``["fal-ai/flux/dev", ...]``: the endpoints the app calls, or the placeholder."""
    chosen = tuple(dict.fromkeys(endpoints)) or PLACEHOLDER_ENDPOINTS
    return "[" + ", ".join(f'"{endpoint}"' for endpoint in chosen) + "]"


def safe_options(endpoints: Sequence[str] = ()) -> str:
    """The options every suggested route passes, on one line (without the braces)."""
    return (
        f"allowedEndpoints: {endpoints_list(endpoints)}, allowUnauthorizedRequests: false, "
        f"isAuthenticated: async (behavior) => {SESSION_CHECK}"
    )


def safe_route(adapter: str, endpoints: Sequence[str] = ()) -> str:
    """The route code for ``adapter`` (a key of :data:`ADAPTER_ROUTES`), on one line."""
    imports, mount = ADAPTER_ROUTES[adapter]
    options = safe_options(endpoints)
    if adapter != "remix":
        options = "{ " + options + " }"
    return f"{imports} {mount.replace('{options}', options)}"


def route_step(adapter: str, where: str, endpoints: Sequence[str] = ()) -> str:
    """A step that adds the route: where, the code, and the playground alternative."""
    return (
        f"Add the proxy route {where}: {safe_route(adapter, endpoints)} "
        "(list only the endpoints your app calls; isAuthenticated must check your own session). " + BYOK
    )
