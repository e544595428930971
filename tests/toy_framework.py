"""ToyFW: a framework that exists only in tests, written as a framework module is.

Its projects depend on ``toyfw``; code under client/ runs in the browser; its bundler inlines
``TOYFW_PUBLIC_`` variables and serves .toyfw/public/; its fal proxy lives at edge/fal-proxy.
Registering it is the one line tests/browser/test_browser_registry.py adds to the registry.
"""

from __future__ import annotations

import re

from falguard.browser.framework import ROTATE_IF_DEPLOYED, ConfigFacts, Framework, Route, RouteSite, SourceFile

_PUBLIC_ENV = re.compile(rb"publicEnv\s{0,8}:\s{0,8}[\"'](?P<value>[A-Z_]{1,64})[\"']")

STEPS = (
    "Rename TOYFW_PUBLIC_FAL_KEY to FAL_KEY, which ToyFW keeps on the server.",
    "Add edge/fal-proxy.ts exporting toyProxy() from @fal-ai/server-proxy.",
    'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }).',
    ROTATE_IF_DEPLOYED,
)


def browser_context(relative: str, content: bytes) -> str | None:
    return "ToyFW client code" if relative.startswith("client/") else None


def read_config(source: SourceFile, at_root: bool) -> ConfigFacts:
    """``publicEnv: "X_"`` in toyfw.config declares another public prefix."""
    return ConfigFacts(prefixes=tuple(m.group("value").decode() for m in _PUBLIC_ENV.finditer(source.content)))


def suggest_route(site: RouteSite) -> Route:
    return Route(f"edge/fal-proxy.{site.ext}", "export default toyProxy(); from @fal-ai/server-proxy.")


FRAMEWORK = Framework(
    name="toyfw",
    label="ToyFW",
    dependencies=("toyfw",),
    config_stems=("toyfw.config.",),
    browser_context=browser_context,
    public_prefixes=("TOYFW_PUBLIC_",),
    read_config=read_config,
    served_dirs=(".toyfw/public/",),
    proxy_route=r"(?:^|/)edge/fal-proxy\.[cm]?[jt]s\Z",
    suggest_route=suggest_route,
    steps=STEPS,
)
