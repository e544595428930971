"""falguard's advice never builds a credit faucet: every step, suggested route and doc that
adds a fal proxy route gives it allowedEndpoints and an isAuthenticated check with
allowUnauthorizedRequests: false (or bring-your-own-key), and following the advice scans clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from falguard.browser.framework import RouteSite
from falguard.browser.frameworks import registry
from falguard.detection.detect import detect
from falguard.models import Origin
from falguard.report.guidance import steps_for_rule
from falguard.rules import ALL_RULES
from falguard.rules.proxy_routes import ADAPTER_ROUTES, safe_route
from tests.helpers import write

ROOT = Path(__file__).resolve().parents[2]
_FACTORY_CALL = re.compile(
    r"\b(?:createRouteHandler|createPageRouterHandler|createHandler|createRequestHandler|createProxy|handleRequest)\s*\("
)
_DEFAULT_HANDLERS = re.compile(r"handler as default|falProxy\.handler\b|=\s*route\s*;")
_ADAPTER_WORDS = re.compile(r"\b(?:createRouteHandler|createPageRouterHandler|createRequestHandler|handleRequest)\b")


def _arguments(text: str, open_paren: int) -> str:
    depth = 0
    for index in range(open_paren, min(len(text), open_paren + 2000)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return text[open_paren + 1 : index]
    return text[open_paren + 1 : open_paren + 2000]


def faucets(text: str) -> list[str]:
    """Every proxy handler ``text`` shows with its defaults (or with only half of the options)."""
    found = [match.group() for match in _DEFAULT_HANDLERS.finditer(text)]
    for match in _FACTORY_CALL.finditer(text):
        arguments = _arguments(text, match.end() - 1)
        byok = "resolveFalAuth" in arguments and "x-fal-user-key" in arguments
        closed = "allowedEndpoints" in arguments and "allowUnauthorizedRequests: false" in arguments
        if not (byok or (closed and "isAuthenticated" in arguments)):
            found.append(match.group() + arguments[:80] + ")")
    if _ADAPTER_WORDS.search(text) and not _FACTORY_CALL.search(text) and "allowedEndpoints" not in text:
        found.append(_ADAPTER_WORDS.search(text).group())  # type: ignore[union-attr]  # prose naming an adapter
    return found


def test_the_check_itself_sees_a_faucet() -> None:
    assert faucets("export const { GET, POST, PUT } = createRouteHandler();")
    assert faucets('export { handler as default } from "@fal-ai/server-proxy/nextjs";')
    assert faucets("createProxy({ json })")
    assert faucets("createRouteHandler({ allowedEndpoints: ['fal-ai/flux/dev'] })")
    assert faucets("pass the request to handleRequest from @fal-ai/server-proxy")
    assert not faucets(safe_route("nextjs-app"))


def _step_texts() -> dict[str, str]:
    texts = {}
    for rule in ALL_RULES.values():
        texts[f"{rule.id} remediation"] = rule.remediation
        for number, step in enumerate(steps_for_rule(rule.id)):
            texts[f"{rule.id} step {number + 1}"] = step
    for framework in registry().frameworks:
        for number, step in enumerate(framework.steps):
            texts[f"{framework.name} step {number + 1}"] = step
        if framework.suggest_route is not None:
            for caller, paths in (("app/page.tsx", ("app/page.tsx",)), ("pages/index.tsx", ("pages/index.tsx",))):
                route = framework.suggest_route(RouteSite(caller, paths, "ts", ("fal-ai/flux/dev",)))
                texts[f"{framework.name} route for {caller}"] = route.content
    return texts


STEP_TEXTS = _step_texts()


@pytest.mark.parametrize("name", sorted(STEP_TEXTS))
def test_no_step_or_suggested_route_shows_an_adapter_with_its_defaults(name: str) -> None:
    assert faucets(STEP_TEXTS[name]) == []


DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_no_doc_shows_an_adapter_with_its_defaults(path: Path) -> None:
    """Code in the docs: fenced blocks and inline code; a block that shows the problem says ``// before``."""
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    shown = [block for block in blocks if "// before" not in block]
    shown += re.findall(r"`([^`\n]*\([^`\n]*)`", re.sub(r"```.*?```", "", text, flags=re.S))
    assert [found for block in shown for found in faucets(block) if "(" in found or "default" in found] == []


@pytest.mark.parametrize("adapter", sorted(ADAPTER_ROUTES))
def test_every_suggested_route_is_clean_for_fal_proxy_open(adapter: str) -> None:
    for endpoints in ((), ("fal-ai/flux/dev", "fal-ai/flux/schnell")):
        route = safe_route(adapter, endpoints)
        found = detect(route.encode(), Origin("app/api/fal/proxy/route.ts"))
        assert [f.rule for f in found] == [], route


def _suggestion(falguard, repo: Path) -> dict[str, object]:
    run = falguard("scan", "--format", "json", cwd=repo)
    (missing,) = [f for f in json.loads(run.out)["findings"] if f["rule"] == "fal-proxy-missing"]
    return missing


def test_following_the_advice_gives_a_route_for_the_endpoints_the_app_calls_and_scans_clean(
    repo: Path, falguard
) -> None:
    write(
        repo, "package.json", '{"dependencies": {"next": "15", "@fal-ai/client": "1", "@fal-ai/server-proxy": "1"}}\n'
    )
    write(repo, ".gitignore", ".env*\nnode_modules/\n.next/\n")
    write(
        repo,
        "app/page.tsx",
        '"use client";\nimport { fal } from "@fal-ai/client";\n\nexport default function Page() {\n'
        '  const run = () => fal.subscribe("fal-ai/flux/dev", { input: { prompt: "a cat" } });\n'
        "  const fast = () => fal.run('fal-ai/flux/schnell', { input: {} });\n  return null;\n}\n",
    )
    missing = _suggestion(falguard, repo)
    remediation = str(missing["remediation"])
    assert 'allowedEndpoints: ["fal-ai/flux/dev", "fal-ai/flux/schnell"]' in remediation
    assert faucets(remediation) == [] and all(faucets(str(step)) == [] for step in missing["steps"])  # type: ignore[attr-defined]
    route = remediation.split(" containing: ", 1)[1].split(" (allowedEndpoints holds", 1)[0]
    write(repo, "app/api/fal/proxy/route.ts", route.replace("; ", ";\n") + "\n")
    write(
        repo,
        "app/page.tsx",
        '"use client";\nimport { fal } from "@fal-ai/client";\nfal.config({ proxyUrl: "/api/fal/proxy" });\n',
    )
    run = falguard("scan", "--format", "json", cwd=repo)
    assert [f["rule"] for f in json.loads(run.out)["findings"]] == []


def test_an_spa_without_readable_endpoints_gets_the_placeholder_and_an_express_route(repo: Path, falguard) -> None:
    write(repo, "package.json", '{"dependencies": {"vite": "5", "@fal-ai/client": "1"}}\n')
    write(repo, ".gitignore", ".env*\nnode_modules/\ndist/\n")
    write(
        repo, "src/main.ts", 'import { fal } from "@fal-ai/client";\nconst model = pick();\nfal.subscribe(model, {});\n'
    )
    remediation = str(_suggestion(falguard, repo)["remediation"])
    assert 'falProxy.createHandler({ allowedEndpoints: ["fal-ai/<endpoint-your-app-calls>"]' in remediation
    assert "a placeholder" in remediation and faucets(remediation) == []
