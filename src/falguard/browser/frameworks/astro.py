"""Astro: an .astro file's frontmatter runs on the server and its ``<script>`` blocks in the
browser, as do the components it hydrates (``client:*`` islands); the proxy is an SSR
endpoint under src/pages/api/ (``@fal-ai/server-proxy`` has no Astro adapter)."""

from __future__ import annotations

import re

from falguard.browser.framework import ROTATE_IF_DEPLOYED, FileFormat, Framework, Route, RouteSite
from falguard.rules.proxy_routes import BYOK, safe_options

_FENCE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s{0,200}---[ \t]{0,20}\r?\n")
_FENCE_CLOSE = re.compile(rb"^---[ \t]{0,20}\r?$", re.MULTILINE)
_SCRIPT = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)
_TAG = re.compile(rb"<(?P<tag>[A-Z][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63})?)(?=[\s/>])")
_ISLAND_LIMIT = 500  # client:* directives looked at per file
_IMPORT = re.compile(
    rb"import\s{1,8}(?P<default>[A-Za-z_$][\w$]{0,127})?\s{0,8},?\s{0,8}(?:\{(?P<names>[^}]{0,800})\})?"
    rb"\s{0,8}from\s{0,8}[\"'](?P<spec>[^\"'\n]{1,200})[\"']"
)


def _route(endpoints: tuple[str, ...] = ()) -> str:
    return (
        "export const prerender = false (it needs an SSR adapter) and export const ALL = ({ request }) => ... passing "
        'the request to handleRequest from "@fal-ai/server-proxy" (it has no Astro adapter; wire it as its SvelteKit '
        "adapter does) with these options: { " + safe_options(endpoints) + " }, and resolveApiKey returning "
        "import.meta.env.FAL_KEY (server-only in Astro)."
    )


STEPS = (
    "Rename the variable to FAL_KEY (no PUBLIC_ prefix) and read it only in frontmatter or endpoints: Astro "
    "keeps import.meta.env.FAL_KEY on the server and inlines PUBLIC_ variables into <script> blocks and islands.",
    "Add the proxy endpoint src/pages/api/fal/proxy.ts (export const prerender = false; it needs an SSR "
    "adapter) exporting ALL that passes the request to handleRequest from @fal-ai/server-proxy (it has no "
    "Astro adapter) with the options { " + safe_options() + " }, and resolveApiKey returning "
    "import.meta.env.FAL_KEY. " + BYOK,
    'Point <script> blocks and client:* islands at it: fal.config({ proxyUrl: "/api/fal/proxy" }), with no '
    "credentials.",
    "Rebuild and redeploy, so no served bundle (dist/) still holds the key.",
    ROTATE_IF_DEPLOYED,
)


def astro_frontmatter_end(content: bytes) -> int:
    """Where an .astro file's server-side frontmatter ends (0 if it has none)."""
    fence = _FENCE.match(content)
    if fence is None:
        return 0
    close = _FENCE_CLOSE.search(content, fence.end())
    return len(content) if close is None else close.end()


def astro_scripts(content: bytes) -> list[tuple[int, int]]:
    """The (start, end) of every <script> block's body after the frontmatter: browser code."""
    spans: list[tuple[int, int]] = []
    index = astro_frontmatter_end(content)
    lowered = content.lower()
    while len(spans) < 200:
        opening = _SCRIPT.search(content, index)
        if opening is None:
            break
        tag_end = content.find(b">", opening.end())
        if tag_end == -1:
            break
        if tag_end - opening.end() > 2000:  # not a tag: move on, every byte is looked at once
            index = tag_end
            continue
        close = lowered.find(b"</script", tag_end + 1)
        end = len(content) if close == -1 else close
        spans.append((tag_end + 1, end))
        index = end
    return spans


def _frontmatter_imports(content: bytes, head: int) -> dict[str, str]:
    """Local name -> import specifier, for the frontmatter's imports."""
    imported: dict[str, str] = {}
    for match in _IMPORT.finditer(content, 0, head):
        spec = match.group("spec").decode("utf-8", "replace")
        if match.group("default"):
            imported[match.group("default").decode()] = spec
        for part in (match.group("names") or b"").decode("utf-8", "replace").split(","):
            original, _, alias = part.strip().partition(" as ")
            if original.strip():
                imported[(alias or original).strip()] = spec
    return imported


def astro_islands(content: bytes) -> list[str]:
    """Import specifiers of the components an .astro file hydrates in the browser (``client:*``)."""
    head = astro_frontmatter_end(content)
    imported = _frontmatter_imports(content, head)
    tags: set[str] = set()
    seen = head  # each backward look starts after the last one: linear time
    directive = content.find(b"client:", head)
    for _ in range(_ISLAND_LIMIT):
        if directive == -1:
            break
        opening = content.rfind(b"<", seen, directive)
        tag = _TAG.match(content, opening) if opening != -1 and directive - opening <= 2000 else None
        if tag and content.find(b">", opening, directive) == -1:
            tags.add(tag.group("tag").decode().split(".")[0])
        seen = directive
        directive = content.find(b"client:", directive + 7)
    return sorted({imported[tag] for tag in tags if tag in imported})


def suggest_route(site: RouteSite) -> Route:
    return Route(f"src/pages/api/fal/proxy.{site.ext}", _route(site.endpoints))


FRAMEWORK = Framework(
    name="astro",
    label="Astro",
    dependencies=("astro",),
    config_stems=("astro.config.",),
    # in an Astro project only <script> blocks, client:* islands and what they import run in the browser
    file_format=FileFormat(
        suffix=".astro",
        context="an Astro <script> block",
        browser_spans=astro_scripts,
        hydrates=astro_islands,
        marker=b"client:",
        island="an Astro island ({path} hydrates it with client:*)",
    ),
    public_prefixes=("PUBLIC_",),
    served_dirs=("dist/",),
    proxy_route=r"(?:^|/)src/pages/api/fal/proxy(?:\.[cm]?[jt]sx?|/index\.[jt]sx?|/\[\.\.\.[^/\]]{1,40}\]\.[jt]sx?)\Z",
    suggest_route=suggest_route,
    steps=STEPS,
)
