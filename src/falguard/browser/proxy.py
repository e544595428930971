"""The fal proxy: browser code that calls fal needs a server route holding the key; find the
route, or suggest the one the project's framework needs."""

from __future__ import annotations

import re
from dataclasses import replace

from falguard.browser.clientcode import browser_spans
from falguard.browser.finding import PROXY_MISSING
from falguard.browser.framework import Route, RouteSite
from falguard.browser.frameworks import registry
from falguard.browser.index import ProjectIndex
from falguard.browser.js import within
from falguard.browser.projects import Project
from falguard.detection.facts import Finding
from falguard.detection.findings import repository_finding
from falguard.detection.positions import position
from falguard.envhygiene.envfiles import is_env_file

_FAL_CLIENT_IMPORT = re.compile(rb"[\"']@fal-ai/(?:client|serverless-client)[\"']")
_PROXY_IMPORT = re.compile(rb"@fal-ai/(?:server-proxy|serverless-proxy)")
_ROUTE_WORDS = (b"x-fal-target-url", b"FAL_KEY", b"falKey")  # a hand-written proxy route
_EXPRESS = (
    'an Express server with import * as falProxy from "@fal-ai/server-proxy/express" and '
    "app.all(falProxy.route, falProxy.handler), serving /api/fal/proxy next to your app"
)


def browser_fal_import(path: str, content: bytes) -> int | None:
    """Offset of an ``@fal-ai/client`` import in the browser part of a browser file."""
    spans = browser_spans(path, content)
    return next((m.start() for m in _FAL_CLIENT_IMPORT.finditer(content) if within(m.start(), spans)), None)


def has_proxy(index: ProjectIndex, project: Project) -> bool:
    """A fal proxy route in this project, or a server-proxy anywhere in the scan."""
    routes = registry().proxy_routes
    for path, source in index.files.items():
        if is_env_file(path):
            continue
        if routes is not None and project.contains(path) and routes.search(project.relative(path)):
            if _PROXY_IMPORT.search(source.content) or any(word in source.content for word in _ROUTE_WORDS):
                return True
        if _PROXY_IMPORT.search(source.content) and not _FAL_CLIENT_IMPORT.search(source.content):
            return True
    return False


def suggested_route(index: ProjectIndex, project: Project, caller: str) -> Route:
    """The route to add (its path in the scan) for this project's framework, beside the calling code."""
    relative = tuple(project.relative(path) for path in index.paths if project.contains(path))
    typescript = any(path == "tsconfig.json" or path.endswith((".ts", ".tsx")) for path in relative)
    site = RouteSite(project.relative(caller), relative, "ts" if typescript else "js")
    framework = project.framework or (registry().without_package if project.unknown else None)
    if framework is not None and framework.suggest_route is not None:
        route = framework.suggest_route(site)
    else:  # a single-page app, or no framework: a small server beside it
        route = Route(f"server/fal-proxy.{site.ext}", _EXPRESS)
    return replace(route, path=project.join(route.path))


def proxy_findings(
    index: ProjectIndex, project: Project, browser: dict[str, str], owner: dict[str, Project]
) -> list[Finding]:
    """Browser code that calls fal with no proxyUrl anywhere and no proxy route to point it at."""
    callers = sorted(
        path
        for path in browser
        if owner[path] is project and browser_fal_import(path, index.files[path].content) is not None
    )
    if not callers:
        return []
    if any(b"proxyUrl" in source.content for path, source in index.files.items() if project.contains(path)):
        return []
    if has_proxy(index, project):
        return []
    route = suggested_route(index, project, callers[0])
    first = index.files[callers[0]]
    line, column, _ = position(first.content, browser_fal_import(first.path, first.content) or 0)
    finding = repository_finding(
        PROXY_MISSING,
        first.path,
        f"{first.path} calls fal from the browser with no proxyUrl, and {route.path} does not exist",
        line=line,
        column=column,
        subject=route.path,
    )
    remediation = (
        f"Add {route.path} containing: {route.content} Then {route.server_key} and call "
        'fal.config({ proxyUrl: "/api/fal/proxy" }) in browser code.'
    )
    return [replace(finding, remediation=remediation)]
