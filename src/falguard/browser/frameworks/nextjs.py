"""Next.js: client components and Pages Router pages run in the browser, ``next.config``
``env`` inlines variables, and the proxy is an App Router route handler (or a Pages Router
API route) with ``@fal-ai/server-proxy/nextjs``."""

from __future__ import annotations

import re

from falguard.browser.framework import ConfigFacts, Framework, Route, RouteSite, SourceFile
from falguard.browser.inline import object_inlinings
from falguard.rules.proxy_routes import safe_route

_PAGES = re.compile(r"(?:src/)?pages/(?!api/)")
_ENV = re.compile(rb"(?<![\w$.])env\s{0,8}:\s{0,8}\{")
_ROUTER_DIR = re.compile(r"\A(?P<base>(?:[^/]{1,255}/){0,16}?)(?P<kind>app|pages)/")


def browser_context(relative: str, content: bytes) -> str | None:
    """Pages Router pages (not API routes); client components are found by their directive."""
    return "a Pages Router page" if _PAGES.match(relative) else None


def read_config(source: SourceFile, at_root: bool) -> ConfigFacts:
    """``next.config`` ``env: { FAL_KEY: ... }`` inlines into every bundle (only the app's own config counts)."""
    if not at_root:
        return ConfigFacts()
    return ConfigFacts(inlinings=tuple(object_inlinings(source, _ENV, "next.config env", define=False)))


def suggest_route(site: RouteSite) -> Route:
    """The route beside the calling code: the App Router's unless only a Pages Router is in use."""
    router = _ROUTER_DIR.match(site.caller)
    if router:  # beside the calling code: apps/web/app/..., src/pages/...
        src, app_router = router.group("base"), router.group("kind") == "app"
    else:
        src = "src/" if any(path.startswith(("src/app/", "src/pages/")) for path in site.paths) else ""
        app_router = any(path.startswith(f"{src}app/") for path in site.paths) or not any(
            path.startswith(f"{src}pages/") for path in site.paths
        )
    if app_router:
        return Route(f"{src}app/api/fal/proxy/route.{site.ext}", safe_route("nextjs-app", site.endpoints))
    return Route(f"{src}pages/api/fal/proxy.{site.ext}", safe_route("nextjs-pages", site.endpoints))


FRAMEWORK = Framework(
    name="nextjs",
    label="Next.js",
    dependencies=("next",),
    config_stems=("next.config.",),
    browser_context=browser_context,
    server_only=r"(?:^|/)route\.[cm]?[jt]sx?$|(?:^|/)middleware\.[cm]?[jt]s$",
    public_prefixes=("NEXT_PUBLIC_",),
    read_config=read_config,
    served_dirs=(".next/static/", ".next/server/", "out/"),
    proxy_route=(
        r"(?:^|/)(?:src/)?(?:app/api/fal/proxy/route\.[cm]?[jt]sx?"
        r"|pages/api/fal/proxy(?:\.[cm]?[jt]sx?|/index\.[jt]sx?|/\[\.\.\.[^/\]]{1,40}\]\.[jt]sx?))\Z"
    ),
    suggest_route=suggest_route,
    # its fix is the rules' own steps, which are written for it
)
