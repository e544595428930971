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
from falguard.rules.proxy_routes import BYOK, safe_route

_FAL_CLIENT_IMPORT = re.compile(rb"[\"']@fal-ai/(?:client|serverless-client)[\"']")
_PROXY_IMPORT = re.compile(rb"@fal-ai/(?:server-proxy|serverless-proxy)")
_ROUTE_WORDS = (b"x-fal-target-url", b"FAL_KEY", b"falKey")  # a hand-written proxy route
#: ``fal.subscribe("fal-ai/flux/dev", ...)``, ``fal.run(...)``, a client's ``.stream``/``.queue.submit``:
#: the endpoints the project calls, which its proxy route should allow and no others.
_CALLED_ENDPOINT = re.compile(
    rb"(?i:fal)[\w$]{0,32}\s{0,8}\.\s{0,8}(?:subscribe|run|stream|queue\s{0,8}\.\s{0,8}submit|realtime\s{0,8}\.\s{0,8}connect)"
    rb"\s{0,8}\(\s{0,8}[\"'`](?P<endpoint>[\w.-]{1,64}/[\w./-]{1,128})[\"'`]"
)
_MOST_ENDPOINTS = 12


def _express(endpoints: tuple[str, ...]) -> str:
    return "an Express server serving /api/fal/proxy next to your app: " + safe_route("express", endpoints)


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


def called_endpoints(index: ProjectIndex, project: Project) -> tuple[str, ...]:
    """The fal endpoints the project's code calls by a literal name (sorted, at most a dozen)."""
    found = {
        match.group("endpoint").decode("utf-8", "replace").rstrip("/")
        for path, source in index.files.items()
        if project.contains(path) and not is_env_file(path)
        for match in _CALLED_ENDPOINT.finditer(source.content)
    }
    return tuple(sorted(found))[:_MOST_ENDPOINTS]


def suggested_route(index: ProjectIndex, project: Project, caller: str) -> Route:
    """The route to add (its path in the scan) for this project's framework, beside the calling code."""
    relative = tuple(project.relative(path) for path in index.paths if project.contains(path))
    typescript = any(path == "tsconfig.json" or path.endswith((".ts", ".tsx")) for path in relative)
    site = RouteSite(project.relative(caller), relative, "ts" if typescript else "js", called_endpoints(index, project))
    framework = project.framework or (registry().without_package if project.unknown else None)
    if framework is not None and framework.suggest_route is not None:
        route = framework.suggest_route(site)
    else:  # a single-page app, or no framework: a small server beside it
        route = Route(f"server/fal-proxy.{site.ext}", _express(site.endpoints))
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
    listed = (
        "the endpoints your code calls"
        if called_endpoints(index, project)
        else "a placeholder: put the endpoints your app calls there"
    )
    remediation = (
        f"Add {route.path} containing: {route.content} (allowedEndpoints holds {listed}; isAuthenticated must check "
        "your own session; @fal-ai/server-proxy from Feb 2026 on: older releases take no options and serve anyone). "
        f"Then {route.server_key} and call "
        'fal.config({ proxyUrl: "/api/fal/proxy" }) in browser code. ' + BYOK
    )
    return [replace(finding, remediation=remediation)]
