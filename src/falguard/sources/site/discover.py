"""What a served page, script or source map names: pure functions, bytes and URLs in,
URLs and sources out (nothing here fetches).

- a page: its ``<script src>``, ``<link rel="modulepreload">`` and ``<link rel="preload"
  as="script">``, and Next.js's build id (``__NEXT_DATA__``), which names the
  ``_buildManifest.js``/``_ssgManifest.js`` chunk lists;
- a script: the scripts it names as string literals (Vite's static and dynamic imports and
  ``__vite__mapDeps`` lists, Next.js's build manifest, webpack chunk paths), its source
  map (``sourceMappingURL``, or the ``SourceMap`` header), and the ``proxyUrl`` values it
  configures;
- a source map: each original source in its ``sourcesContent``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

#: Paths where sites publish their runtime environment to the browser (next-runtime-env's
#: ``/__ENV.js``, hand-rolled ``env.js``/``config.js`` written at container start).
ENV_PATHS = ("/__ENV.js", "/env.js", "/config.js")

#: A quoted script path; the quote may be escaped, as in the JSON of Next.js's flight data.
_SCRIPT_LITERAL = re.compile(rb"""["'`]((?:\.{1,2}/|/)?[A-Za-z0-9_@~.$+=-][A-Za-z0-9_@~.$+=/-]*\.m?js)\\?["'`]""")
_ABSOLUTE_LITERAL = re.compile(rb"""["'`]((?:https?:)?//[A-Za-z0-9.:-]+/[^"'`\s]*\.m?js)["'`]""")
_SOURCE_MAP = re.compile(rb"sourceMappingURL[ \t]*=[ \t]*([^\s'\"*]+)")
_COMMENT_START = re.compile(rb"(?://|/\*)[ \t]*[#@][ \t]*$")
_PROXY_URL = re.compile(rb"""\bproxyUrl["']?\s*[:=]\s*["'`]([^"'`\s]{1,500})["'`]""")
_BUILD_ID = re.compile(rb'"buildId"\s*:\s*"([A-Za-z0-9_-]{1,128})"')
_NEXT_STATIC = "/_next/"


class _PageScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "script" and values.get("src"):
            self.found.append(values["src"])
        elif tag == "link" and values.get("href"):
            rel = values.get("rel", "").lower().split()
            if "modulepreload" in rel or ("preload" in rel and values.get("as", "").lower() == "script"):
                self.found.append(values["href"])


def page_scripts(page_url: str, html: bytes) -> list[str]:
    """The scripts a page loads and preloads, as absolute URLs, in page order."""
    parser = _PageScripts()
    try:
        parser.feed(html.decode("utf-8", "replace"))
        parser.close()
    except AssertionError:  # html.parser gives up on some broken markup: keep what it read
        pass
    return list(dict.fromkeys(urljoin(page_url, src.strip()) for src in parser.found))


def next_manifests(page_url: str, html: bytes) -> list[str]:
    """Next.js's chunk lists, named by the build id in the page's ``__NEXT_DATA__``."""
    found = _BUILD_ID.search(html)
    if found is None:
        return []
    build = found.group(1).decode()
    return [urljoin(page_url, f"/_next/static/{build}/{name}") for name in ("_buildManifest.js", "_ssgManifest.js")]


def script_references(script_url: str, content: bytes, next_root: str | None = None) -> Iterator[str]:
    """Scripts named in a script's string literals (or a page's inline scripts), as absolute
    URLs (other origins too: the caller decides what it fetches). ``static/...`` paths are
    Next.js's, under ``next_root`` (default: the ``/_next/`` the script is served from)."""
    next_root = next_root or _next_root(script_url)
    for match in _SCRIPT_LITERAL.finditer(content):
        literal = match.group(1).decode("ascii", "replace")
        if literal.startswith(("./", "../", "/")):
            yield urljoin(script_url, literal)
        elif literal.startswith("static/") and next_root:  # Next.js: chunk paths under /_next/
            yield urljoin(next_root, literal)
        elif "/" in literal:  # Vite's __vite__mapDeps: paths from the site's base
            yield urljoin(script_url, "/" + literal)
    for match in _ABSOLUTE_LITERAL.finditer(content):
        yield urljoin(script_url, match.group(1).decode("ascii", "replace"))


def next_root_of(urls: list[str]) -> str | None:
    """Where a page's Next.js files are served (``https://site/_next/``), from its scripts."""
    return next((root for root in map(_next_root, urls) if root), None)


def _next_root(script_url: str) -> str | None:
    path = urlsplit(script_url).path
    cut = path.find(_NEXT_STATIC)
    return urljoin(script_url, path[: cut + len(_NEXT_STATIC)]) if cut >= 0 else None


def source_map_reference(script_url: str, content: bytes, headers: Mapping[str, str]) -> str | None:
    """Where a script's source map is: the ``SourceMap`` header, else its last
    ``sourceMappingURL`` comment (absolute, or a ``data:`` URL as written)."""
    named = headers.get("sourcemap") or headers.get("x-sourcemap")
    if named:
        return urljoin(script_url, named.strip())
    at = content.rfind(b"sourceMappingURL")
    found = _SOURCE_MAP.match(content, at) if at >= 0 else None
    if found is None or not _COMMENT_START.search(content[max(0, at - 8) : at]):
        return None
    reference = found.group(1).decode("ascii", "replace")
    return reference if reference.startswith("data:") else urljoin(script_url, reference)


def inline_source_map(reference: str) -> bytes | None:
    """The map a ``data:`` URL carries, or None when it is not one."""
    if not reference.startswith("data:"):
        return None
    header, _, data = reference.partition(",")
    try:
        return base64.b64decode(data, validate=False) if header.endswith(";base64") else unquote_to_bytes(data)
    except (binascii.Error, ValueError):
        return None


def proxy_urls(page_or_script_url: str, content: bytes) -> list[str]:
    """The ``proxyUrl`` values content configures, as absolute URLs."""
    found = (match.group(1).decode("utf-8", "replace") for match in _PROXY_URL.finditer(content))
    return list(dict.fromkeys(urljoin(page_or_script_url, value) for value in found if value.startswith(("/", "http"))))


def map_sources(data: bytes) -> list[tuple[str, str]]:
    """``(source name, original text)`` for every source a map carries; ValueError when
    ``data`` is not a source map."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"not a source map ({type(error).__name__})") from None
    if not isinstance(document, dict):
        raise ValueError("not a source map (not a JSON object)")
    return list(_sources(document, depth=0))


def _sources(document: Mapping[str, Any], depth: int) -> Iterator[tuple[str, str]]:
    if depth < 2:  # an index map: sections, each with its own map
        for section in document.get("sections") or ():
            if isinstance(section, dict) and isinstance(section.get("map"), dict):
                yield from _sources(section["map"], depth + 1)
    names = document.get("sources") or []
    contents = document.get("sourcesContent") or []
    if not isinstance(names, list) or not isinstance(contents, list):
        return
    root = document.get("sourceRoot") if isinstance(document.get("sourceRoot"), str) else ""
    for index, content in enumerate(contents):
        if isinstance(content, str) and content:
            name = names[index] if index < len(names) and isinstance(names[index], str) else f"source {index}"
            yield (f"{root}{name}" if root and not name.startswith(root) else name), content


def looks_like_html(content_type: str, body: bytes) -> bool:
    """A page rather than a script: a single-page app answers unknown paths with its page."""
    return content_type in ("text/html", "application/xhtml+xml") or body.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    )
