"""Browser exposure on small real project trees: Next.js (App and Pages Router), Vite React,
SvelteKit, Nuxt, Astro; build output; custom public prefixes; chains from env file to bundle.

Every tree is written by the test (no framework is installed). Public variable names and
keys are assembled at run time so this file scans clean.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from falguard.browser.clientcode import browser_context
from falguard.browser.frameworks.astro import astro_islands, astro_scripts
from falguard.browser.frameworks.nuxt import nuxt_env_name
from falguard.browser.js import object_entries, scan_to
from falguard.browser.names import is_key_value
from falguard.browser.projects import Project
from falguard.sources.buildoutput import is_served
from tests.helpers import git, write
from tests.keys import fake_fal_key, fake_key_id_secret

NEXT_PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"
VITE_PUBLIC = "VITE_" + "FAL_KEY"
SVELTE_PUBLIC = "PUBLIC_" + "FAL_KEY"
CUSTOM_PUBLIC = "APP_" + "FAL_KEY"
NUXT_PUBLIC = "NUXT_PUBLIC_" + "FAL_KEY"
#: A proxy route's options that are no credit faucet (fal-proxy-open): the endpoints the app
#: calls, and the app's own session check with unauthenticated requests refused.
SAFE_OPTIONS = (
    '{ allowedEndpoints: ["fal-ai/flux/dev"], allowUnauthorizedRequests: false, '
    "isAuthenticated: async () => Boolean(await auth()) }"
)
GITIGNORE = ".env*\n!.env.example\nnode_modules/\n.next/\ndist/\n.svelte-kit/\nbuild/\n.output/\n.nuxt/\n"


def kis(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def package(*dependencies: str) -> str:
    return json.dumps({"name": "app", "private": True, "dependencies": {name: "*" for name in dependencies}})


def findings(falguard: Any, repo: Path) -> list[dict[str, Any]]:
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code in (0, 1), run.err
    return run.json["findings"]


def by_rule(found: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in found if f["rule"] == rule]


def critical(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in found if f["severity"] == "critical"]


def minified_bundle(payload: str) -> tuple[str, int, int]:
    """A two-line minified chunk with ``payload`` on line 2; returns (text, line, column)."""
    banner = "/*! For license information please see page-3f2a9c.js.LICENSE.txt */"
    head = '(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[931],{4821:function(e,t,n){"use strict";n.r(t);var r=n(7313),o=n(1882);'
    tail = ';function i(){return(0,r.jsx)("main",{})}t.default=i}},function(e){e.O(0,[971,23],function(){return e(e.s=4821)}),_N_E=e.O()}]);'
    return f"{banner}\n{head}{payload}{tail}\n", 2, len(head) + 1


# --- Next.js App Router --------------------------------------------------------------------


def next_app_exposed(repo: Path, key: str) -> tuple[int, int]:
    write(repo, "package.json", package("next", "react", "@fal-ai/client"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env.local", f"# local settings\n\n{NEXT_PUBLIC}={key}\n")
    write(
        repo,
        "app/page.tsx",
        '"use client";\nimport { fal } from "@fal-ai/client";\n\nfal.config({\n'
        f"  credentials: process.env.{NEXT_PUBLIC},\n}});\n\nexport default function Page() {{\n  return null;\n}}\n",
    )
    bundle, line, column = minified_bundle(f'o.fal.config({{credentials:"{key}"}})')
    write(repo, ".next/static/chunks/app/page-3f2a9c.js", bundle)
    return line, column + len('o.fal.config({credentials:"')


def test_next_app_router_exposed_key_is_one_chain(repo: Path, falguard) -> None:
    key = kis(1)
    bundle_line, bundle_column = next_app_exposed(repo, key)
    found = findings(falguard, repo)

    (client,) = by_rule(found, "client-credentials")
    assert (client["path"], client["line"], client["severity"]) == ("app/page.tsx", 5, "critical")
    assert f"reads {NEXT_PUBLIC}" in client["message"] and "a client component" in client["message"]

    (served,) = [f for f in found if f["path"].startswith(".next/")]
    assert (served["rule"], served["severity"]) == ("fal-key-id-secret", "critical")
    assert (served["line"], served["column"]) == (bundle_line, bundle_column)

    (definition,) = [f for f in found if f["path"] == ".env.local"]
    assert (definition["rule"], definition["line"], definition["severity"]) == ("public-fal-key", 3, "critical")

    expected = [
        f".env.local:3 defines {NEXT_PUBLIC}",
        "app/page.tsx:5 reads it in a client component",
        f".next/static/chunks/app/page-3f2a9c.js:{bundle_line} contains the key (served to every visitor)",
    ]
    for finding in (client, served, definition):
        assert [link["text"] for link in finding["chain"]] == expected
    assert client["steps"][0].startswith("Revoke the key now (it was served")  # served: revoke first
    assert client["steps"][1].startswith("Rename the variable to FAL_KEY")

    (missing,) = by_rule(found, "fal-proxy-missing")
    assert missing["severity"] == "low"  # advice: nothing leaked by a missing route (docs/policy.md)
    assert "app/api/fal/proxy/route.ts" in missing["remediation"]
    assert '"@fal-ai/server-proxy/nextjs"' in missing["remediation"]
    assert "createRouteHandler" in missing["steps"][0]


def test_next_app_router_chain_is_one_block_in_text(repo: Path, falguard) -> None:
    next_app_exposed(repo, kis(2))
    out = falguard("scan", cwd=repo).out
    assert out.count("  chain: ") == 1
    assert (
        f"  chain: .env.local:3 defines {NEXT_PUBLIC}\n      -> app/page.tsx:5 reads it in a client component\n      -> .next/"
        in out
    )


def test_next_app_router_with_server_proxy_is_clean(repo: Path, falguard) -> None:
    write(repo, "package.json", package("next", "react", "@fal-ai/client", "@fal-ai/server-proxy"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env.local", f"FAL_KEY={kis(3)}\n")
    write(
        repo,
        "app/api/fal/proxy/route.ts",
        'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";\n\n'
        f"export const {{ GET, POST, PUT }} = createRouteHandler({SAFE_OPTIONS});\n",
    )
    write(
        repo,
        "app/page.tsx",
        '"use client";\nimport { fal } from "@fal-ai/client";\n\nfal.config({ proxyUrl: "/api/fal/proxy" });\n',
    )
    write(repo, "app/layout.tsx", "export default function Layout({ children }) { return children; }\n")
    bundle, _, _ = minified_bundle('o.fal.config({proxyUrl:"/api/fal/proxy"})')
    write(repo, ".next/static/chunks/app/page-3f2a9c.js", bundle)
    write(
        repo,
        ".next/server/app/api/fal/proxy/route.js",
        'let k=process.env.FAL_KEY;headers["authorization"]=`Key ${k}`;\n',
    )
    assert findings(falguard, repo) == []


# --- Next.js Pages Router ------------------------------------------------------------------


def test_next_pages_router_exposed(repo: Path, falguard) -> None:
    key = fake_fal_key(random.Random(4))
    write(repo, "package.json", package("next", "@fal-ai/client"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"{NEXT_PUBLIC}={key}\n")
    write(
        repo,
        "pages/index.tsx",
        'import { fal } from "@fal-ai/client";\n\nconst falKey = process.env.' + NEXT_PUBLIC + ";\n"
        "fal.config({ credentials: falKey });\n",
    )
    write(
        repo,
        "pages/api/generate.ts",
        'import { fal } from "@fal-ai/client";\nfal.config({ credentials: process.env.FAL_KEY });\n',
    )
    write(
        repo,
        "next.config.js",
        "module.exports = {\n  reactStrictMode: true,\n  env: {\n    FAL_KEY: process.env.FAL_KEY,\n  },\n};\n",
    )
    bundle, line, _ = minified_bundle(f'var k="{key}";o.fal.config({{credentials:k}})')
    write(repo, ".next/static/chunks/pages/index-9d2e.js", bundle)
    found = findings(falguard, repo)

    client = by_rule(found, "client-credentials")
    page = [f for f in client if f["path"] == "pages/index.tsx"]
    assert [(f["line"], f["severity"]) for f in page] == [(3, "critical")]
    assert "a Pages Router page" in page[0]["message"]
    assert not [f for f in found if f["path"] == "pages/api/generate.ts"]  # server code

    (config,) = [f for f in client if f["path"] == "next.config.js"]
    assert (config["line"], config["severity"], config["secret"]) == (4, "high", "FAL_KEY")
    assert "next.config env" in config["message"]

    (served,) = [f for f in found if f["path"].startswith(".next/")]
    assert (served["rule"], served["severity"], served["line"]) == ("fal-key", "critical", line)
    texts = [link["text"] for link in served["chain"]]
    assert texts[0] == f".env:1 defines {NEXT_PUBLIC}"
    assert texts[1] == "pages/index.tsx:3 reads it in a Pages Router page"
    assert texts[2].startswith(f".next/static/chunks/pages/index-9d2e.js:{line} contains the key")

    (missing,) = by_rule(found, "fal-proxy-missing")
    assert "pages/api/fal/proxy.ts" in missing["remediation"]
    assert "createPageRouterHandler" in missing["remediation"]


def test_next_config_env_read_by_a_client_component_is_critical(repo: Path, falguard) -> None:
    write(repo, "package.json", package("next", "@fal-ai/client"))
    write(repo, "next.config.mjs", "export default {\n  env: { FAL_KEY: process.env.FAL_KEY },\n};\n")
    write(
        repo,
        "components/Generator.tsx",
        "'use client'\nimport { fal } from '@fal-ai/client'\nfal.config({ credentials: process.env.FAL_KEY })\n",
    )
    found = by_rule(findings(falguard, repo), "client-credentials")
    assert {(f["path"], f["line"], f["severity"]) for f in found} == {
        ("next.config.mjs", 2, "critical"),
        ("components/Generator.tsx", 3, "high"),
    }


def test_next_pages_router_with_server_proxy_is_clean(repo: Path, falguard) -> None:
    write(repo, "package.json", package("next", "@fal-ai/client", "@fal-ai/server-proxy"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env.local", f"FAL_KEY={kis(5)}\n")
    write(
        repo,
        "pages/api/fal/proxy.ts",
        'import { createPageRouterHandler } from "@fal-ai/server-proxy/nextjs";\n'
        f"export default createPageRouterHandler({SAFE_OPTIONS});\n",
    )
    write(
        repo, "pages/_app.tsx", 'import { fal } from "@fal-ai/client";\nfal.config({ proxyUrl: "/api/fal/proxy" });\n'
    )
    write(
        repo,
        "pages/index.tsx",
        'import { fal } from "@fal-ai/client";\nexport default function Home() { return null; }\n',
    )
    write(
        repo,
        "pages/api/run.ts",
        'import { fal } from "@fal-ai/client";\nfal.config({ credentials: process.env.FAL_KEY });\n',
    )
    assert critical(findings(falguard, repo)) == []
    assert findings(falguard, repo) == []


# --- Vite React ----------------------------------------------------------------------------


def test_vite_react_exposed_through_an_imported_module(repo: Path, falguard) -> None:
    key = kis(6)
    write(
        repo,
        "package.json",
        package("react", "react-dom", "@fal-ai/client").replace("}}", '}, "devDependencies": {"vite": "*"}}'),
    )
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env.local", f"{VITE_PUBLIC}={key}\n")
    write(
        repo,
        "src/lib/fal.ts",
        f'import {{ fal }} from "@fal-ai/client";\n\nfal.config({{ credentials: import.meta.env.{VITE_PUBLIC} }});\nexport {{ fal }};\n',
    )
    write(repo, "src/App.tsx", 'import { fal } from "./lib/fal";\nexport default function App() { return null; }\n')
    bundle, line, column = minified_bundle(f'const Vn={{credentials:"{key}"}};Jt.config(Vn)')
    write(repo, "dist/assets/index-B2x9.js", bundle)
    found = findings(falguard, repo)
    (client,) = by_rule(found, "client-credentials")
    assert (client["path"], client["line"], client["severity"]) == ("src/lib/fal.ts", 3, "critical")
    assert "Vite browser source" in client["message"]
    (served,) = [f for f in found if f["path"].startswith("dist/")]
    assert (served["severity"], served["line"], served["column"]) == (
        "critical",
        line,
        column + len('const Vn={credentials:"'),
    )
    assert [link["text"].split(" ", 1)[0] for link in client["chain"]] == [
        ".env.local:1",
        "src/lib/fal.ts:3",
        f"dist/assets/index-B2x9.js:{line}",
    ]
    assert by_rule(found, "fal-proxy-missing")[0]["remediation"].startswith(
        "Add server/fal-proxy.ts containing: an Express server"
    )


def test_vite_define_inlining_a_fal_key(repo: Path, falguard) -> None:
    write(repo, "package.json", package("vite", "@fal-ai/client"))
    write(
        repo,
        "vite.config.ts",
        'import { defineConfig, loadEnv } from "vite";\nexport default defineConfig(({ mode }) => {\n'
        '  const env = loadEnv(mode, process.cwd(), "");\n  return {\n    define: {\n'
        "      'process.env.FAL_KEY': JSON.stringify(env.FAL_KEY),\n      __APP_VERSION__: JSON.stringify('1.0'),\n"
        "    },\n  };\n});\n",
    )
    (finding,) = by_rule(findings(falguard, repo), "client-credentials")
    assert (finding["path"], finding["line"], finding["severity"]) == ("vite.config.ts", 6, "high")
    assert "Vite define" in finding["message"]


def test_webpack_plugins_inlining_fal_keys(repo: Path, falguard) -> None:
    write(
        repo,
        "webpack.config.js",
        "const webpack = require('webpack');\nmodule.exports = { plugins: [\n"
        "  new webpack.EnvironmentPlugin(['NODE_ENV', 'FAL_KEY']),\n"
        "  new webpack.DefinePlugin({ 'process.env.FAL_KEY_SECRET': JSON.stringify(process.env.FAL_KEY_SECRET) }),\n] };\n",
    )
    found = by_rule(findings(falguard, repo), "client-credentials")
    assert {(f["line"], f["secret"]) for f in found} == {(3, "FAL_KEY"), (4, "FAL_KEY_SECRET")}


def test_vite_react_with_server_proxy_is_clean(repo: Path, falguard) -> None:
    write(repo, "package.json", package("vite", "react", "express", "@fal-ai/client", "@fal-ai/server-proxy"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"FAL_KEY={kis(7)}\n")
    write(
        repo,
        "server/index.ts",
        'import express from "express";\nimport * as falProxy from "@fal-ai/server-proxy/express";\n'
        f"const app = express();\napp.all(falProxy.route, falProxy.createHandler({SAFE_OPTIONS}));\n",
    )
    write(repo, "src/App.tsx", 'import { fal } from "@fal-ai/client";\nfal.config({ proxyUrl: "/api/fal/proxy" });\n')
    bundle, _, _ = minified_bundle('Jt.config({proxyUrl:"/api/fal/proxy"})')
    write(repo, "dist/assets/index-B2x9.js", bundle)
    assert findings(falguard, repo) == []


def test_a_users_own_key_from_local_storage_is_not_a_leak(repo: Path, falguard) -> None:
    write(repo, "package.json", package("vite", "@fal-ai/client"))
    write(
        repo,
        "src/settings.ts",
        'import { fal } from "@fal-ai/client";\nconst userKey = localStorage.getItem("falKey") ?? "";\n'
        'fal.config({ credentials: userKey, proxyUrl: "/api/fal/proxy" });\n',
    )
    assert by_rule(findings(falguard, repo), "client-credentials") == []


# --- SvelteKit -----------------------------------------------------------------------------


def test_sveltekit_exposed(repo: Path, falguard) -> None:
    key = kis(8)
    write(
        repo,
        "package.json",
        package("@fal-ai/client").replace("}}", '}, "devDependencies": {"@sveltejs/kit": "*", "vite": "*"}}'),
    )
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"{SVELTE_PUBLIC}={key}\n")
    write(repo, "tsconfig.json", "{}\n")
    write(
        repo,
        "src/routes/+page.svelte",
        '<script lang="ts">\n  import { fal } from "@fal-ai/client";\n'
        f'  import {{ {SVELTE_PUBLIC} }} from "$env/static/public";\n\n  fal.config({{ credentials: {SVELTE_PUBLIC} }});\n</script>\n',
    )
    bundle, line, _ = minified_bundle(f'const a="{key}";S.config({{credentials:a}})')
    write(repo, ".svelte-kit/output/client/_app/immutable/nodes/2.Bx3k.js", bundle)
    found = findings(falguard, repo)
    (client,) = by_rule(found, "client-credentials")
    assert (client["path"], client["line"], client["severity"]) == ("src/routes/+page.svelte", 5, "critical")
    assert "SvelteKit browser code" in client["message"]
    (served,) = [f for f in found if f["path"].startswith(".svelte-kit/")]
    assert served["severity"] == "critical"
    assert [link["path"] for link in served["chain"]] == [".env", "src/routes/+page.svelte", served["path"]]
    assert served["chain"][-1]["line"] == line
    assert "src/routes/api/fal/proxy/+server.ts" in by_rule(found, "fal-proxy-missing")[0]["remediation"]


def test_sveltekit_with_server_proxy_is_clean(repo: Path, falguard) -> None:
    write(repo, "package.json", package("@fal-ai/client", "@fal-ai/server-proxy", "@sveltejs/kit"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"FAL_KEY={kis(9)}\n")
    write(
        repo,
        "src/routes/api/fal/proxy/+server.ts",
        'import { createRequestHandler } from "@fal-ai/server-proxy/svelte";\n'
        f"export const {{ GET, POST, PUT }} = createRequestHandler({SAFE_OPTIONS});\n",
    )
    write(
        repo,
        "src/lib/server/fal.ts",
        'import { fal } from "@fal-ai/client";\nimport { FAL_KEY } from "$env/static/private";\nfal.config({ credentials: FAL_KEY });\n',
    )
    write(
        repo,
        "src/routes/+page.svelte",
        '<script>\n  import { fal } from "@fal-ai/client";\n  fal.config({ proxyUrl: "/api/fal/proxy" });\n</script>\n',
    )
    assert findings(falguard, repo) == []


# --- Nuxt ----------------------------------------------------------------------------------


def nuxt_config(public: str, private: str = "") -> str:
    return (
        "export default defineNuxtConfig({\n  runtimeConfig: {\n"
        f"{private}    public: {{\n      siteUrl: 'https://example.com',\n{public}    }},\n  }},\n}})\n"
    )


def test_nuxt_runtime_config_public_is_one_chain(repo: Path, falguard) -> None:
    key = kis(16)
    write(repo, "package.json", package("nuxt", "@fal-ai/client"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"{NUXT_PUBLIC}={key}\n")
    write(repo, "nuxt.config.ts", nuxt_config("      falKey: '',\n"))
    write(
        repo,
        "composables/useFal.ts",
        'import { fal } from "@fal-ai/client";\n\nexport function useFal() {\n  const config = useRuntimeConfig();\n'
        "  fal.config({ credentials: config.public.falKey });\n  return fal;\n}\n",
    )
    write(repo, "components/KeyBadge.vue", "<script setup>\nconst key = useRuntimeConfig().public?.falKey\n</script>\n")
    write(repo, "server/api/generate.ts", "export default defineEventHandler(() => useRuntimeConfig().public.falKey)\n")
    bundle, line, _ = minified_bundle(f'const p={{falKey:"{key}"}}')
    write(repo, ".output/public/_nuxt/entry.Bx3k.js", bundle)
    found = findings(falguard, repo)

    client = {f["path"]: f for f in by_rule(found, "client-credentials")}
    assert set(client) == {"nuxt.config.ts", "composables/useFal.ts", "components/KeyBadge.vue"}  # not server/
    config = client["nuxt.config.ts"]
    assert (config["line"], config["severity"], config["secret"]) == (5, "high", NUXT_PUBLIC)
    assert "page payload" in config["message"]
    use = client["composables/useFal.ts"]
    assert (use["line"], use["severity"], use["secret"]) == (5, "critical", NUXT_PUBLIC)
    assert "runtimeConfig.public.falKey" in use["message"] and "Nuxt browser code" in use["message"]
    badge = client["components/KeyBadge.vue"]
    assert (badge["line"], badge["severity"]) == (2, "high")

    expected = [
        f".env:1 defines {NUXT_PUBLIC}",
        "nuxt.config.ts:5 puts it in runtimeConfig.public.falKey (sent to every visitor in the page payload)",
        "components/KeyBadge.vue:2 reads it in Nuxt browser code",
        "composables/useFal.ts:5 reads it in Nuxt browser code",
        f".output/public/_nuxt/entry.Bx3k.js:{line} contains the key (served to every visitor)",
    ]
    for finding in (config, use, badge):
        assert [link["text"] for link in finding["chain"]] == expected
    assert "private runtimeConfig.falKey" in use["remediation"] and "NUXT_FAL_KEY" in use["remediation"]
    assert use["steps"][0].startswith("Revoke the key now")
    assert use["steps"][1].startswith("Move the key out of runtimeConfig.public")
    assert "server/api/fal/proxy.ts" in use["steps"][2]

    (missing,) = by_rule(found, "fal-proxy-missing")
    assert missing["path"] == "composables/useFal.ts"
    assert missing["remediation"].startswith(
        "Add server/api/fal/proxy.ts containing: export default defineEventHandler"
    )
    assert "handleRequest" in missing["remediation"] and "useRuntimeConfig(event).falKey" in missing["remediation"]


@pytest.mark.parametrize("name", ["falKey", "falApiKey", "fal_key", "FAL_KEY"])
def test_nuxt_public_fal_key_names_with_an_env_value_are_critical(repo: Path, falguard, name: str) -> None:
    write(repo, "package.json", package("nuxt"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env.local", f"FAL_KEY={kis(17)}\n")
    write(repo, "nuxt.config.ts", nuxt_config(f"      {name}: process.env.FAL_KEY,\n"))
    (finding,) = by_rule(findings(falguard, repo), "client-credentials")
    assert (finding["line"], finding["severity"], finding["secret"]) == (5, "critical", nuxt_env_name(name))
    assert f"runtimeConfig.public.{name} holds FAL_KEY" in finding["message"]
    assert [link["text"].split(" ", 1)[0] for link in finding["chain"]] == [".env.local:1", "nuxt.config.ts:5"]


def test_nuxt_public_literal_key_is_critical(repo: Path, falguard) -> None:
    key = kis(18)
    write(repo, "nuxt.config.js", nuxt_config(f'      falKey: "{key}",\n'))
    found = findings(falguard, repo)
    (finding,) = by_rule(found, "client-credentials")
    assert (finding["line"], finding["severity"]) == (5, "critical")
    assert "a literal key in runtimeConfig.public.falKey" in finding["message"]


def test_nuxt_with_private_runtime_config_and_server_route_is_clean(repo: Path, falguard) -> None:
    write(repo, "package.json", package("nuxt", "@fal-ai/client", "@fal-ai/server-proxy"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"NUXT_FAL_KEY={kis(19)}\n")
    write(repo, "nuxt.config.ts", nuxt_config("", private="    falKey: '',\n"))
    write(
        repo,
        "server/api/fal/proxy.ts",
        'import { handleRequest } from "@fal-ai/server-proxy";\n\nexport default defineEventHandler((event) =>\n'
        "  handleRequest({ id: 'nuxt', method: event.method, resolveApiKey: async () => useRuntimeConfig(event).falKey }, "
        f"{SAFE_OPTIONS}),\n);\n",
    )
    write(
        repo,
        "server/api/generate.ts",
        'import { fal } from "@fal-ai/client";\nfal.config({ credentials: useRuntimeConfig().falKey });\n',
    )
    write(
        repo,
        "plugins/fal.client.ts",
        'import { fal } from "@fal-ai/client";\nfal.config({ proxyUrl: "/api/fal/proxy" });\n',
    )
    write(repo, "pages/index.vue", '<script setup>\nimport { fal } from "@fal-ai/client";\n</script>\n')
    bundle, _, _ = minified_bundle('Jt.config({proxyUrl:"/api/fal/proxy"})')
    write(repo, ".output/public/_nuxt/entry.Bx3k.js", bundle)
    assert findings(falguard, repo) == []


# --- Astro ---------------------------------------------------------------------------------


def astro_page(frontmatter: str, body: str) -> str:
    return f"---\n{frontmatter}---\n<html>\n  <body>\n{body}  </body>\n</html>\n"


def test_astro_exposed(repo: Path, falguard) -> None:
    key, server_key = kis(20), kis(21)
    write(repo, "package.json", package("astro", "@astrojs/react", "react", "@fal-ai/client"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"{SVELTE_PUBLIC}={key}\n")
    write(
        repo,
        "src/pages/index.astro",
        astro_page(
            'import Generator from "../components/Generator.tsx";\nimport Gallery from "../components/Gallery.tsx";\n'
            f'import {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: "{server_key}" }});\n',
            "    <Generator client:load />\n    <Gallery />\n    <script>\n"
            '      import { fal } from "@fal-ai/client";\n'
            f"      fal.config({{ credentials: import.meta.env.{SVELTE_PUBLIC} }});\n    </script>\n",
        ),
    )
    write(
        repo,
        "src/components/Generator.tsx",
        'import { fal } from "./fal";\nexport default function Generator() { return null; }\n',
    )
    write(
        repo,
        "src/components/fal.ts",
        f'import {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: "{key}" }});\nexport {{ fal }};\n',
    )
    write(
        repo,
        "src/components/Gallery.tsx",
        f'import {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: "{server_key}" }});\n',
    )
    bundle, line, _ = minified_bundle(f'const a="{key}";S.config({{credentials:a}})')
    write(repo, "dist/_astro/index.Bx3k.js", bundle)
    found = findings(falguard, repo)

    client = {(f["path"], f["line"]): f for f in by_rule(found, "client-credentials")}
    assert set(client) == {("src/pages/index.astro", 13), ("src/components/fal.ts", 2)}  # no frontmatter, no Gallery
    page = client[("src/pages/index.astro", 13)]
    assert page["severity"] == "critical" and "an Astro <script> block" in page["message"]
    island = client[("src/components/fal.ts", 2)]
    assert island["severity"] == "critical" and "src/components/Generator.tsx imports" in island["message"]
    assert [link["text"] for link in page["chain"]] == [
        f".env:1 defines {SVELTE_PUBLIC}",
        "src/pages/index.astro:13 reads it in an Astro <script> block",
        f"dist/_astro/index.Bx3k.js:{line} contains the key (served to every visitor)",
    ]
    assert page["steps"][0].startswith("Revoke the key now")
    assert page["steps"][1].startswith("Rename the variable to FAL_KEY (no PUBLIC_ prefix)")
    assert "src/pages/api/fal/proxy.ts" in page["steps"][2]
    (missing,) = by_rule(found, "fal-proxy-missing")
    assert missing["remediation"].startswith(
        "Add src/pages/api/fal/proxy.ts containing: export const prerender = false"
    )


def test_astro_with_server_endpoint_is_clean(repo: Path, falguard) -> None:
    write(repo, "package.json", package("astro", "@astrojs/node", "@fal-ai/client", "@fal-ai/server-proxy"))
    write(repo, ".gitignore", GITIGNORE)
    write(repo, ".env", f"FAL_KEY={kis(22)}\n")
    write(
        repo,
        "src/pages/api/fal/proxy.ts",
        'import { handleRequest } from "@fal-ai/server-proxy";\nexport const prerender = false;\n'
        "export const ALL = ({ request }) =>\n  handleRequest({ id: 'astro', method: request.method, "
        f"resolveApiKey: async () => import.meta.env.FAL_KEY }}, {SAFE_OPTIONS});\n",
    )
    write(
        repo,
        "src/lib/fal-server.ts",
        'import { fal } from "@fal-ai/client";\nfal.config({ credentials: import.meta.env.FAL_KEY });\n',
    )
    write(
        repo,
        "src/pages/index.astro",
        astro_page(
            'import Generator from "../components/Generator.tsx";\nimport { fal } from "@fal-ai/client";\n'
            "fal.config({ credentials: import.meta.env.FAL_KEY });\n",
            '    <Generator client:visible />\n    <script>\n      import { fal } from "@fal-ai/client";\n'
            '      fal.config({ proxyUrl: "/api/fal/proxy" });\n    </script>\n',
        ),
    )
    write(
        repo,
        "src/components/Generator.tsx",
        'import { fal } from "@fal-ai/client";\nfal.config({ proxyUrl: "/api/fal/proxy" });\n',
    )
    bundle, _, _ = minified_bundle('S.config({proxyUrl:"/api/fal/proxy"})')
    write(repo, "dist/_astro/index.Bx3k.js", bundle)
    assert findings(falguard, repo) == []


def test_astro_scripts_and_islands() -> None:
    text = (
        b'---\nimport A from "./A.tsx";\nimport { B as Bee, C } from "./parts";\nconst s = "<script>";\n---\n'
        b'<A client:only="react" />\n<Bee />\n<C\n  client:idle\n/>\n<script is:inline>one()</script>\n<SCRIPT>two()</SCRIPT>\n'
    )
    assert [text[start:end] for start, end in astro_scripts(text)] == [b"one()", b"two()"]
    assert astro_islands(text) == ["./A.tsx", "./parts"]
    assert astro_scripts(b"<p>no script</p>\n") == []


def test_nuxt_env_name() -> None:
    assert [nuxt_env_name(key) for key in ("falKey", "falApiKey", "fal_key", "FAL_KEY", "falKey2")] == [
        "NUXT_PUBLIC_FAL_KEY",
        "NUXT_PUBLIC_FAL_API_KEY",
        "NUXT_PUBLIC_FAL_KEY",
        "NUXT_PUBLIC_FAL_KEY",
        "NUXT_PUBLIC_FAL_KEY2",
    ]
    assert nuxt_env_name("falKey", public=False) == "NUXT_FAL_KEY"


# --- custom public prefixes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "config_path,config_text",
    [
        ("vite.config.ts", 'export default { envPrefix: ["VITE_", "APP_"] };\n'),
        ("vite.config.js", "export default defineConfig({ envPrefix: 'APP_' })\n"),
        ("svelte.config.js", "export default { kit: { env: { publicPrefix: 'APP_' } } };\n"),
    ],
)
def test_project_public_prefixes_extend_public_fal_key(
    repo: Path, falguard, config_path: str, config_text: str
) -> None:
    write(repo, ".gitignore", GITIGNORE)
    write(repo, "apps/web/package.json", package("vite"))
    write(repo, "apps/web/.env.local", f"{CUSTOM_PUBLIC}={kis(10)}\n")
    write(repo, "apps/api/package.json", package("express"))
    write(repo, "apps/api/.env.local", f"{CUSTOM_PUBLIC}={kis(11)}\n")  # another project: not public there
    assert findings(falguard, repo) == []
    write(repo, f"apps/web/{config_path}", config_text)
    found = findings(falguard, repo)
    assert [(f["rule"], f["path"], f["severity"]) for f in found] == [
        ("public-fal-key", "apps/web/.env.local", "critical")
    ]


# --- build output --------------------------------------------------------------------------


def test_minified_bundle_key_has_line_and_column(repo: Path, falguard) -> None:
    key = kis(12)
    write(repo, ".gitignore", ".env*\ndist/\nnode_modules/\n")
    filler = "".join(f"function f{n}(a){{return a*{n}}}" for n in range(2000))
    text = f'/* built */\n{filler}var cfg={{credentials:"{key}"}};{filler}\n'
    write(repo, "dist/assets/index-7f3a.js", text)
    write(repo, "node_modules/some-lib/dist/index.js", f'var k="{kis(13)}";\n')  # a dependency, not output
    (finding,) = findings(falguard, repo)
    assert finding["path"] == "dist/assets/index-7f3a.js"
    assert (finding["line"], finding["column"]) == (2, len(filler) + len('var cfg={credentials:"') + 1)
    assert finding["end_column"] == finding["column"] + len(key)
    assert finding["severity"] == "critical"
    assert "build output" in finding["message"]


def test_build_output_raises_key_findings_to_critical(repo: Path, falguard) -> None:
    token = "Qm9" + "vZ3VzVG9rZW5Gb3JUZXN0c0E3eDk"  # a random-looking value of no known key shape
    write(repo, ".gitignore", ".env*\nout/\n")
    write(repo, "out/index.html", f'<script>window.cfg={{FAL_KEY:"{token}"}}</script>\n')
    write(repo, "src/config.js", f'export const FAL_KEY = "{token}";\n')
    found = {f["path"]: f["severity"] for f in findings(falguard, repo)}
    assert found == {"out/index.html": "critical", "src/config.js": "high"}


@pytest.mark.parametrize(
    "path,served",
    [
        (".next/static/chunks/app/page-1.js", True),
        (".next/server/app/page.js", True),
        (".next/cache/webpack/x.pack", False),
        ("dist/assets/index.js", True),
        ("apps/web/build/static/js/main.js", True),
        ("out/index.html", True),
        (".svelte-kit/output/client/app.js", True),
        (".output/public/_nuxt/entry.js", True),
        ("node_modules/lib/dist/index.js", False),
        ("src/distance.ts", False),
        ("build/static/js/main.js", True),  # Create React App
        ("build/index.html", True),  # Create React App: build/static/ and the top of build/
        ("build/lib/vendor/x.js", False),  # build/lib/ is setuptools' (CRA's could only copy public/lib/)
        ("build/lib/mypkg/settings.py", False),  # setuptools (pip install ., pip wheel .)
        ("build/lib/mypkg/py.typed", False),
        ("build/lib/mypkg/data/config.json", False),  # package data
        ("build/lib/mypkg/.env", False),
        ("dist/mypkg-0.1-py3-none-any.whl", False),  # python -m build
        ("dist/mypkg-0.1-py3-none-any.whl!/mypkg/data.json", False),
        ("dist/mypkg-0.1.tar.gz", False),
        ("dist/assets/mypkg-0.1.tar.gz.js", True),
        ("build/bdist.linux-x86_64/wheel/mypkg/data.json", False),
        ("build/lib.linux-x86_64-cpython-312/mypkg/_ext.so", False),
        ("build/temp.linux-x86_64-cpython-312/x.o", False),
        ("build/scripts-3.12/tool", False),
    ],
)
def test_is_served(path: str, served: bool) -> None:
    assert is_served(path) is served


def test_ignored_build_output_is_listed_but_ignored_cache_is_not(repo: Path, falguard) -> None:
    key = kis(14)
    write(repo, ".gitignore", ".env*\n.next/\n")
    write(repo, ".next/cache/fetch-cache/a.json", f'{{"k":"{key}"}}\n')
    write(repo, ".next/static/chunks/main.js", f'var k="{key}";\n')
    git(repo, "status")
    assert [f["path"] for f in findings(falguard, repo)] == [".next/static/chunks/main.js"]


# --- which code runs in the browser: examples both ways -------------------------------------

NEXT = Project("", frozenset({"next"}), frozenset())
VITE = Project("", frozenset({"vite", "react"}), frozenset())
KIT = Project("", frozenset({"@sveltejs/kit", "vite"}), frozenset())
NUXT = Project("", frozenset({"nuxt", "vite"}), frozenset())
ASTRO = Project("", frozenset({"astro", "@astrojs/react", "react"}), frozenset())
ASTRO_PAGE = "---\nconst k = import.meta.env.FAL_KEY;\n---\n<h1>hi</h1>\n"

BROWSER_CASES = [
    (NEXT, "app/page.tsx", '"use client";\nexport default 1', True),
    (NEXT, "app/page.tsx", "// comment\n/* block */\n'use client'\n", True),
    (NEXT, "app/page.tsx", "export default async function Page() {}", False),
    (NEXT, "app/api/fal/proxy/route.ts", "export const GET = 1", False),
    (NEXT, "pages/index.tsx", "export default 1", True),
    (NEXT, "src/pages/_app.tsx", "export default 1", True),
    (NEXT, "pages/api/run.ts", "export default 1", False),
    (NEXT, "middleware.ts", "export default 1", False),
    (VITE, "src/App.tsx", "", True),
    (VITE, "src/lib/fal.ts", "", True),
    (VITE, "server/index.ts", "", False),
    (VITE, "vite.config.ts", "import.meta.env", False),
    (KIT, "src/routes/+page.svelte", "", True),
    (KIT, "src/routes/+page.ts", "", True),
    (KIT, "src/routes/+page.server.ts", "", False),
    (KIT, "src/routes/api/x/+server.ts", "", False),
    (KIT, "src/lib/server/fal.ts", "", False),
    (KIT, "src/hooks.server.ts", "", False),
    (NUXT, "components/Generator.vue", "", True),
    (NUXT, "composables/useFal.ts", "", True),
    (NUXT, "app/pages/index.vue", "", True),
    (NUXT, "plugins/fal.client.ts", "", True),
    (NUXT, "plugins/fal.server.ts", "", False),
    (NUXT, "server/api/fal/proxy.ts", "", False),
    (NUXT, "server/utils/fal.ts", "", False),
    (NUXT, "nuxt.config.ts", "", False),
    (NUXT, "modules/fal.ts", "", False),
    (ASTRO, "src/pages/index.astro", ASTRO_PAGE + "<script>go()</script>\n", True),
    (ASTRO, "src/pages/index.astro", ASTRO_PAGE, False),
    (ASTRO, "src/lib/fal.ts", "const k = import.meta.env.FAL_KEY", False),
    (ASTRO, "src/components/Generator.tsx", "", False),  # only as a client:* island
    (ASTRO, "src/pages/api/fal/proxy.ts", "", False),
    (Project("", frozenset({"express"}), frozenset()), "web/main.js", "const u = import.meta.env.BASE_URL", True),
    (Project("", frozenset({"express"}), frozenset()), "lib/fal.js", "export {}", False),
]


@pytest.mark.parametrize("project,path,content,expected", BROWSER_CASES)
def test_browser_context(project: Project, path: str, content: str, expected: bool) -> None:
    assert (browser_context(path, content.encode(), project) is not None) is expected


def test_object_entries_and_scan_skip_strings_and_comments() -> None:
    text = b"x = { a: f(1, 2), 'b': \"}, c\", // c: 3 }\n d, [e]: 4, ...rest, g: { h: 1 } }"
    entries = object_entries(text, text.index(b"{"))
    assert [(e.key, text[e.value_start : e.value_end].strip()) for e in entries] == [
        ("a", b"f(1, 2)"),
        ("b", b'"}, c"'),
        ("d", b"d"),
        ("g", b"{ h: 1 }"),
    ]
    assert text[scan_to(text, text.index(b"{") + 1)] == ord("}")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("{kis}", True),
        ("{fal}", True),
        ("your-api-key", False),
        ("FAL_KEY_ID:FAL_KEY_SECRET", False),
        ("/api/fal/proxy", False),
        ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", False),
        ("{uuid}", False),
    ],
)
def test_is_key_value(value: str, expected: bool) -> None:
    rng = random.Random(15)
    filled = (
        value.replace("{kis}", fake_key_id_secret(rng))
        .replace("{fal}", fake_fal_key(rng))
        .replace("{uuid}", fake_key_id_secret(rng).split(":")[0])
    )
    assert is_key_value(filled) is expected


def test_setuptools_build_tree_is_not_served_output(repo: Path, falguard) -> None:
    """`pip install .` leaves build/lib/<package>/ (and bdist.<platform>/ during `pip wheel`)
    in the source tree: a copy of the package, not a site. A Python-only repository's key
    there is not "served to every visitor" and gets no browser steps."""
    key = kis(15)
    write(repo, ".gitignore", ".env*\nbuild/\n")
    write(repo, "pyproject.toml", '[project]\nname = "mypkg"\nversion = "0.1"\n')
    write(repo, "src/mypkg/__init__.py", "")
    write(repo, "src/mypkg/settings.py", f'FAL_KEY = "{key}"\n')
    write(repo, "build/lib/mypkg/__init__.py", "")
    write(repo, "build/lib/mypkg/settings.py", f'FAL_KEY = "{key}"\n')
    write(repo, "build/bdist.linux-x86_64/wheel/mypkg/settings.py", f'FAL_KEY = "{key}"\n')
    git(repo, "add", "-A")
    found = findings(falguard, repo)
    assert [f["path"] for f in found] == ["src/mypkg/settings.py"]  # ignored build/ is not read as output
    (finding,) = found
    assert not any("served" in step or "browser" in step or "proxy" in step for step in finding["steps"])
    write(repo, ".gitignore", ".env*\n")  # not ignored: read as files, still not served
    found = findings(falguard, repo)
    assert {f["path"] for f in found} >= {"build/lib/mypkg/settings.py", "src/mypkg/settings.py"}
    for finding in found:
        assert "served" not in finding["message"] and not finding["chain"], finding
        assert not any("served" in step or "proxy" in step for step in finding["steps"]), finding


def test_python_package_data_in_build_and_dist_is_not_served_but_a_react_build_is(repo: Path, falguard) -> None:
    """`pip install .` copies package data (.json, .txt, .env) to build/lib/<package>/, and
    `python -m build` leaves a wheel in dist/: a package, not a site. Both were read as served
    output (ignored, yet listed) and told "served to every visitor". Create React App's
    build/static/ stays served."""
    import zipfile

    key = kis(16)
    write(repo, ".gitignore", ".env*\nbuild/\ndist/\n")
    write(repo, "pyproject.toml", '[project]\nname = "mypkg"\nversion = "0.1"\n')
    write(repo, "src/mypkg/__init__.py", "")
    write(repo, "src/mypkg/data/config.json", f'{{"fal_key": "{key}"}}\n')
    for data in ("config.json", "notes.txt", ".env"):
        write(repo, f"build/lib/mypkg/data/{data}", f"FAL_KEY={key}\n")
    (repo / "dist").mkdir()
    with zipfile.ZipFile(repo / "dist" / "mypkg-0.1-py3-none-any.whl", "w") as wheel:
        wheel.writestr("mypkg/data/config.json", f'{{"fal_key": "{key}"}}\n')
    git(repo, "add", "-A")
    found = findings(falguard, repo)
    assert [f["path"] for f in found] == ["src/mypkg/data/config.json"]
    assert not any("served" in step or "proxy" in step for step in found[0]["steps"])

    write(repo, ".gitignore", ".env*\n")  # tracked build output: read as files, still not served
    found = findings(falguard, repo)
    assert {f["path"] for f in found} >= {"build/lib/mypkg/data/config.json", "build/lib/mypkg/data/notes.txt"}
    for finding in found:
        assert "served" not in finding["message"], finding
        assert not any("served" in step or "proxy" in step for step in finding["steps"]), finding

    app = repo / "web"
    write(app, "package.json", package("react", "react-scripts"))
    write(app, "build/static/js/main.js", f'var k="{key}";\n')
    write(repo, ".gitignore", ".env*\nbuild/\ndist/\n")
    served = [f for f in findings(falguard, repo) if f["path"] == "web/build/static/js/main.js"]
    assert served and any("served to every visitor" in step for step in served[0]["steps"])
