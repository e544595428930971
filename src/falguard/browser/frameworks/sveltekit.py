"""SvelteKit: everything under src/ but server modules and hooks reaches the browser,
``$env/static/public`` exports public variables, and the proxy is a ``+server`` route with
``@fal-ai/server-proxy/svelte``."""

from __future__ import annotations

import re

from falguard.browser.framework import ConfigFacts, Framework, Route, RouteSite, SourceFile
from falguard.rules.proxy_routes import safe_route

_PUBLIC_PREFIX = re.compile(rb"(?<![\w$.])publicPrefix\s{0,8}:\s{0,8}[\"'](?P<value>[^\"'\n]{1,64})[\"']")


def browser_context(relative: str, content: bytes) -> str | None:
    if relative.startswith("src/") and not relative.startswith("src/hooks"):
        return "SvelteKit browser code"
    return None


def read_config(source: SourceFile, at_root: bool) -> ConfigFacts:
    """``kit.env.publicPrefix`` in svelte.config."""
    prefixes = (m.group("value").decode("utf-8", "replace") for m in _PUBLIC_PREFIX.finditer(source.content))
    return ConfigFacts(prefixes=tuple(prefixes))


def suggest_route(site: RouteSite) -> Route:
    return Route(f"src/routes/api/fal/proxy/+server.{site.ext}", safe_route("svelte", site.endpoints))


FRAMEWORK = Framework(
    name="sveltekit",
    label="SvelteKit",
    dependencies=("@sveltejs/kit",),
    config_stems=("svelte.config.",),
    layout_dir="src/routes/",
    file_suffixes=(".svelte",),
    browser_context=browser_context,
    server_only=r"(?:^|/)\+server\.",
    public_prefixes=("PUBLIC_",),
    public_env_modules=("$env/static/public", "$env/dynamic/public"),
    read_config=read_config,
    served_dirs=(".svelte-kit/output/",),
    # no proxy_route: its routes are found by their @fal-ai/server-proxy import
    suggest_route=suggest_route,
)
