"""fal-proxy-open: every @fal-ai/server-proxy adapter (fal-ai/fal-js libs/proxy/src/) with its
defaults is high, each safe shape is clean, a half-closed one is medium, options from another
file are low; routes are written the way fal-js's apps/ and READMEs write them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from falguard.detection.detect import detect
from falguard.detection.facts import Finding
from falguard.models import Origin, Severity
from falguard.report.guidance import steps
from tests.helpers import commit_all, git, write

RULE = "fal-proxy-open"
NEXT = 'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";\n\n'
#: What a safe route passes: the endpoints the app calls, its own session check, strangers refused.
SAFE = (
    '{\n  allowedEndpoints: ["fal-ai/flux/dev", "fal-ai/flux/schnell"],\n  allowUnauthorizedRequests: false,\n'
    "  isAuthenticated: async () => Boolean(await auth()),\n}"
)
BYOK = (
    "{\n  resolveFalAuth: async (behavior) => {\n"
    '    const key = behavior.getHeader("x-fal-user-key");\n'
    '    return typeof key === "string" ? `Key ${key}` : undefined;\n  },\n}'
)


def judged(content: str, path: str = "app/api/fal/proxy/route.ts") -> list[Finding]:
    return [f for f in detect(content.encode(), Origin(path)) if f.rule == RULE]


def severity_of(content: str, path: str = "app/api/fal/proxy/route.ts") -> Severity | None:
    found = judged(content, path)
    assert len(found) <= 1, found
    return found[0].severity if found else None


# --- every adapter with its defaults: high ----------------------------------------------------

DEFAULTS = {
    # apps/demo-nextjs-app-router/app/api/fal/proxy/route.ts
    "nextjs app router": NEXT + "export const { GET, POST, PUT } = createRouteHandler();\n",
    # libs/proxy/README.md (releases before createRouteHandler)
    "nextjs app router, route": 'import { route } from "@fal-ai/server-proxy/nextjs";\n\n'
    "export const { GET, POST, PUT } = route;\n",
    # apps/demo-nextjs-page-router/pages/api/fal/proxy.ts and the root README
    "nextjs pages router, handler": '// @snippet:start("client.proxy.nextjs")\n'
    'export { handler as default } from "@fal-ai/server-proxy/nextjs";\n// @snippet:end\n',
    "nextjs pages router, factory": 'import { createPageRouterHandler } from "@fal-ai/server-proxy/nextjs";\n'
    "export default createPageRouterHandler();\n",
    # apps/demo-express-app/src/main.ts
    "express, handler": 'import * as falProxy from "@fal-ai/server-proxy/express";\nimport cors from "cors";\n'
    "const app = express();\napp.use(express.json());\napp.all(falProxy.route, cors(), falProxy.handler);\n",
    "express, createHandler": 'import { createHandler, route } from "@fal-ai/server-proxy/express";\n'
    "app.all(route, createHandler());\n",
    "express, require": 'const falProxy = require("@fal-ai/server-proxy/express");\n'
    "app.all(falProxy.route, falProxy.handler);\n",
    "pages router, CommonJS": 'module.exports = require("@fal-ai/server-proxy/nextjs").handler;\n',
    "hono": 'import { Hono } from "hono";\nimport { createRouteHandler } from "@fal-ai/server-proxy/hono";\n'
    'const app = new Hono();\napp.all("/api/fal/proxy", createRouteHandler());\n',
    "svelte": 'import { FAL_KEY } from "$env/static/private";\n'
    'import { createRequestHandler } from "@fal-ai/server-proxy/svelte";\n\n'
    "export const { GET, POST, PUT } = createRequestHandler({ credentials: FAL_KEY });\n",
    "remix": 'import { json } from "@remix-run/node";\nimport { createProxy } from "@fal-ai/server-proxy/remix";\n\n'
    "export const { action, loader } = createProxy({ json });\n",
    "handleRequest": 'import { handleRequest } from "@fal-ai/server-proxy";\n'
    "export const ALL = ({ request }) => handleRequest({ id: 'astro', method: request.method });\n",
    "older package name": 'export { handler as default } from "@fal-ai/serverless-proxy/nextjs";\n',
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_every_adapter_with_its_defaults_is_high(name: str) -> None:
    assert severity_of(DEFAULTS[name]) == Severity.HIGH


def test_the_finding_points_at_the_handler_creation_and_its_fix_is_that_adapters() -> None:
    (express,) = judged(DEFAULTS["express, handler"], "server/main.ts")
    assert (express.line, express.column) == (5, 33)  # falProxy.handler in app.all(...)
    assert "falProxy.createHandler({ allowedEndpoints:" in express.remediation
    assert "allowUnauthorizedRequests: false" in express.remediation
    shown = steps(express)
    assert shown[0] == express.remediation and any("x-fal-user-key" in step for step in shown)
    (pages,) = judged(DEFAULTS["nextjs pages router, handler"], "pages/api/fal/proxy.ts")
    assert pages.line == 2 and "export default createPageRouterHandler({ allowedEndpoints:" in pages.remediation
    (svelte,) = judged(DEFAULTS["svelte"])
    assert svelte.line == 4 and "createRequestHandler({ allowedEndpoints:" in svelte.remediation
    (remix,) = judged(DEFAULTS["remix"])
    assert "createProxy({ json, allowedEndpoints:" in remix.remediation
    (route,) = judged(DEFAULTS["nextjs app router"])
    assert "any visitor can run any fal endpoint on your key" in route.message
    assert "allowUnauthorizedRequests: true" in route.message


# --- the safe shapes: clean -------------------------------------------------------------------

SAFE_ROUTES = {
    "nextjs inline": NEXT + f"export const {{ GET, POST, PUT }} = createRouteHandler({SAFE});\n",
    "nextjs config variable, typed": NEXT + 'import type { ProxyConfig } from "@fal-ai/server-proxy";\n'
    f"const config: Partial<ProxyConfig> = {SAFE};\nexport const {{ GET, POST, PUT }} = createRouteHandler(config);\n",
    "satisfies, spread of a local base, method shorthand": NEXT
    + 'const base = { allowedEndpoints: ["fal-ai/flux/**"] as string[] };\n'
    "const options = {\n  ...base,\n  allowUnauthorizedRequests: false,\n"
    "  async isAuthenticated(behavior) {\n    return (await session(behavior)) !== null;\n  },\n"
    "} satisfies Partial<ProxyConfig>;\nexport const { GET, POST, PUT } = createRouteHandler(options);\n",
    "endpoints from a local constant": NEXT + 'const MODELS = ["fal-ai/flux/dev"] as const;\n'
    "export const { GET, POST, PUT } = createRouteHandler({ allowedEndpoints: [...MODELS], "
    "allowUnauthorizedRequests: false, isAuthenticated: checkSession });\n"
    'function checkSession(behavior) { return sessions.has(behavior.getHeader("cookie")); }\n',
    "pages router": 'import { createPageRouterHandler } from "@fal-ai/server-proxy/nextjs";\n'
    f"export default createPageRouterHandler({SAFE});\n",
    "express": 'import * as falProxy from "@fal-ai/server-proxy/express";\n'
    f"app.all(falProxy.route, cors(), falProxy.createHandler({SAFE}));\n",
    "hono": f'import {{ createRouteHandler }} from "@fal-ai/server-proxy/hono";\napp.all("/api/fal/proxy", createRouteHandler({SAFE}));\n',
    "svelte": 'import { createRequestHandler } from "@fal-ai/server-proxy/svelte";\n'
    f"export const {{ GET, POST, PUT }} = createRequestHandler({SAFE});\n",
    "remix": 'import { json } from "@remix-run/node";\nimport { createProxy } from "@fal-ai/server-proxy/remix";\n'
    "export const { action, loader } = createProxy({ json, ..." + SAFE + " });\n",
    "BYOK playground": NEXT + f"export const {{ GET, POST, PUT }} = createRouteHandler({BYOK});\n",
    "BYOK, a named function": NEXT + "async function visitorKey(behavior) {\n"
    '  const key = behavior.getHeader("x-fal-user-key");\n  return key ? `Key ${key}` : undefined;\n}\n'
    "export const { GET, POST, PUT } = createRouteHandler({ resolveFalAuth: visitorKey });\n",
    "strangers must bring their own Authorization": NEXT
    + "export const { GET, POST, PUT } = createRouteHandler({ allowUnauthorizedRequests: false });\n",
    "a type import only": 'import type { ProxyConfig } from "@fal-ai/server-proxy";\nexport const c: ProxyConfig = {};\n',
}


@pytest.mark.parametrize("name", SAFE_ROUTES)
def test_the_safe_shapes_are_clean(name: str) -> None:
    assert judged(SAFE_ROUTES[name]) == []


def test_the_librarys_own_sources_are_not_a_route() -> None:
    """fal-js libs/proxy/src/express.ts creates its deprecated default handler from ./config, not the package."""
    library = (
        'import { ProxyConfig, resolveProxyConfig } from "./config";\nimport { handleRequest } from "./index";\n'
        "export const createHandler = (config: Partial<ProxyConfig> = {}) => {\n"
        "  const resolved = resolveProxyConfig(config);\n  return async (req, res) => handleRequest(req, resolved);\n};\n"
        "export const handler = createHandler();\n"
    )
    assert judged(library, "libs/proxy/src/express.ts") == []


# --- one half closed: medium, saying which half is missing -----------------------------------

HALF_OPEN = {
    "endpoints, no authentication": (
        NEXT + 'export const { GET, POST, PUT } = createRouteHandler({ allowedEndpoints: ["fal-ai/flux/dev"] });\n',
        "authentication is missing",
    ),
    "isAuthenticated ignored": (
        NEXT + "export const { GET, POST, PUT } = createRouteHandler({ allowedEndpoints: ['fal-ai/flux/dev'], "
        "isAuthenticated: async () => Boolean(await auth()) });\n",
        "ignores its answer",
    ),
    "authentication, no endpoints": (
        'import { createRequestHandler } from "@fal-ai/server-proxy/svelte";\n'
        "export const { GET, POST, PUT } = createRequestHandler({\n  allowUnauthorizedRequests: false,\n"
        "  isAuthenticated: async (behavior) => hasSession(behavior),\n});\n",
        "allowedEndpoints is missing",
    ),
    "every endpoint by wildcard": (
        NEXT + "export const { GET, POST, PUT } = createRouteHandler({ allowedEndpoints: ['**'], "
        "allowUnauthorizedRequests: false, isAuthenticated: check });\n",
        "allowedEndpoints is missing",
    ),
    "every fal-ai model": (
        NEXT + "export const { GET, POST, PUT } = createRouteHandler({ allowedEndpoints: ['fal-ai/**'], "
        "allowUnauthorizedRequests: false, isAuthenticated: check });\n",
        "allowedEndpoints is missing",
    ),
    "an isAuthenticated that accepts everyone": (
        NEXT + "export const { GET, POST, PUT } = createRouteHandler({ allowedEndpoints: ['fal-ai/flux/dev'], "
        "allowUnauthorizedRequests: false, isAuthenticated: async () => true });\n",
        "accepts every request",
    ),
}


@pytest.mark.parametrize("name", HALF_OPEN)
def test_one_half_closed_is_medium_and_says_which_half_is_missing(name: str) -> None:
    content, missing = HALF_OPEN[name]
    (finding,) = judged(content)
    assert finding.severity == Severity.MEDIUM
    assert missing in finding.message


# --- options from elsewhere: low, not failing --------------------------------------------------

ELSEWHERE = {
    "imported config": NEXT + 'import { proxyConfig } from "@/lib/proxy-config";\n'
    "export const { GET, POST, PUT } = createRouteHandler(proxyConfig);\n",
    "spread of an import": NEXT + 'import { shared } from "./shared";\n'
    "export const { GET, POST, PUT } = createRouteHandler({ ...shared, allowedEndpoints: ['fal-ai/flux/dev'] });\n",
    "endpoints from the environment": NEXT + "export const { GET, POST, PUT } = createRouteHandler({ "
    'allowedEndpoints: process.env.FAL_ENDPOINTS?.split(","), allowUnauthorizedRequests: false, isAuthenticated: check });\n',
    "an imported resolveFalAuth": NEXT + 'import { resolveFalAuth } from "./auth";\n'
    "export const { GET, POST, PUT } = createRouteHandler({ resolveFalAuth });\n",
}


@pytest.mark.parametrize("name", ELSEWHERE)
def test_options_from_elsewhere_are_low(name: str) -> None:
    (finding,) = judged(ELSEWHERE[name])
    assert finding.severity == Severity.LOW
    assert "cannot be judged here" in finding.message


def test_without_tree_sitter_a_route_is_reported_unjudged_not_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    from falguard.rules import proxy_options

    monkeypatch.setattr(proxy_options, "_parsers", lambda: None)
    proxy_options.sites.cache_clear()
    (finding,) = judged(DEFAULTS["express, handler"] + "// no parser\n")
    assert finding.severity == Severity.LOW and "tree-sitter is not installed" in finding.message
    proxy_options.sites.cache_clear()


def test_a_route_in_documentation_is_low() -> None:
    assert severity_of(DEFAULTS["nextjs pages router, handler"], "docs/setup.md") == Severity.LOW


def test_the_identity_follows_the_state_not_the_line() -> None:
    """A baseline keeps a half-open route's finding; closing or opening a half is a new finding."""
    moved = judged("// a comment\n\n" + DEFAULTS["nextjs app router"])[0]
    assert moved.fingerprint == judged(DEFAULTS["nextjs app router"])[0].fingerprint
    half = judged(HALF_OPEN["endpoints, no authentication"][0])[0]
    assert half.fingerprint != moved.fingerprint
    # each route is its own faucet: the same open handler in another app is another finding
    other_app = judged(DEFAULTS["nextjs app router"], "apps/admin/app/api/fal/proxy/route.ts")[0]
    assert other_app.fingerprint != moved.fingerprint
    assert str(other_app.secret) == "apps/admin/app/api/fal/proxy/route.ts: nextjs.createRouteHandler: open"


# --- the three scans ---------------------------------------------------------------------------


def _found(falguard, repo: Path, *args: str) -> list[dict[str, object]]:
    run = falguard("scan", *args, "--format", "json", cwd=repo)
    assert run.code in (0, 1), run.err
    return [f for f in json.loads(run.out)["findings"] if f["rule"] == RULE]


def test_working_tree_staged_and_history_scans_find_an_open_route(repo: Path, falguard) -> None:
    write(repo, "package.json", '{"dependencies": {"next": "15", "@fal-ai/server-proxy": "1"}}\n')
    write(repo, "app/api/fal/proxy/route.ts", DEFAULTS["nextjs app router"])
    commit_all(repo, "proxy route")
    (tree,) = _found(falguard, repo)
    assert (tree["path"], tree["line"], tree["severity"]) == ("app/api/fal/proxy/route.ts", 3, "high")
    (history,) = _found(falguard, repo, "--history")
    assert history["path"] == "app/api/fal/proxy/route.ts" and history["severity"] == "high"
    write(repo, "server/main.ts", DEFAULTS["express, handler"])
    git(repo, "add", "server/main.ts")
    (staged,) = _found(falguard, repo, "--staged")
    assert (staged["path"], staged["line"]) == ("server/main.ts", 5)
    write(repo, "app/api/fal/proxy/route.ts", SAFE_ROUTES["nextjs inline"])
    git(repo, "rm", "-q", "--cached", "server/main.ts")
    assert {f["path"] for f in _found(falguard, repo)} == {"server/main.ts"}  # the route is safe now


# --- fal-ai/fal-js's own demo apps -------------------------------------------------------------

FAL_JS = Path("/work/.mirror/fal-ai+fal-js/repo")


def test_fal_js_demo_apps_are_found_open(tmp_path: Path, falguard) -> None:
    if not FAL_JS.is_dir() or shutil.which("git") is None:
        pytest.skip("no mirror of fal-ai/fal-js on this machine (/work/.mirror/fal-ai+fal-js/repo)")
    clone = tmp_path / "fal-js"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(FAL_JS), str(clone)], check=True)
    found = _found(falguard, clone)
    high = sorted((f["path"], f["line"]) for f in found if f["severity"] == "high")
    assert high == [
        ("apps/demo-express-app/src/main.ts", 22),
        ("apps/demo-nextjs-app-router/app/api/fal/proxy/route.ts", 3),
        ("apps/demo-nextjs-page-router/pages/api/fal/proxy.ts", 2),
    ]
    assert not any(str(f["path"]).startswith("libs/proxy/src/") for f in found)  # the library itself
    assert {f["severity"] for f in found if str(f["path"]).endswith(".md")} <= {"low"}  # README snippets
    # its history holds a sample that lists its endpoints and says it is "intentionally open for localhost"
    history = {(f["path"], f["severity"]) for f in _found(falguard, clone, "--history")}
    assert ("apps/world-models-nextjs/app/api/fal/proxy/route.ts", "medium") in history
    assert ("apps/demo-nextjs-app-router/app/api/fal/proxy/route.ts", "high") in history
