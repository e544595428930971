"""What a page, a script and a source map name (falguard.sources.site.discover): tables of
real shapes (Next.js's and Vite's output, webpack's comments) and what is made of them."""

from __future__ import annotations

import base64
import json

import pytest

from falguard.sources.site import discover

SITE = "https://app.example"


def test_page_scripts_in_page_order_with_preloads_and_no_duplicates() -> None:
    html = (
        b'<!doctype html><html><head><link rel="modulepreload" crossorigin href="/assets/vendor-A1.js">'
        b'<link rel="preload" as="script" href="/_next/static/chunks/webpack-1.js">'
        b'<link rel="preload" as="style" href="/a.css"><link rel="stylesheet" href="/b.css">'
        b'<script type="module" crossorigin src="/assets/index-B2.js"></script>'
        b'<script src="https://cdn.example/analytics.js" async></script>'
        b'<script src="rel/path.js"></script><script src="/assets/index-B2.js"></script>'
        b'<script id="__NEXT_DATA__" type="application/json">{"buildId":"abc_12-3"}</script>'
        b"</head></html>"
    )
    assert discover.page_scripts(SITE + "/shop/", html) == [
        SITE + "/assets/vendor-A1.js",
        SITE + "/_next/static/chunks/webpack-1.js",
        SITE + "/assets/index-B2.js",
        "https://cdn.example/analytics.js",
        SITE + "/shop/rel/path.js",
    ]
    assert discover.next_manifests(SITE + "/shop/", html) == [
        SITE + "/_next/static/abc_12-3/_buildManifest.js",
        SITE + "/_next/static/abc_12-3/_ssgManifest.js",
    ]


@pytest.mark.parametrize(
    ("script_url", "content", "named"),
    [
        # Next.js's build manifest: chunk paths under /_next/
        (
            "/_next/static/bId/_buildManifest.js",
            b'self.__BUILD_MANIFEST={"/studio":["static/chunks/768-f9.js","static/chunks/pages/studio-10.js"]};',
            ["/_next/static/chunks/768-f9.js", "/_next/static/chunks/pages/studio-10.js"],
        ),
        # Vite: a static import, a dynamic import and __vite__mapDeps, relative to the chunk and the base
        (
            "/assets/index-B2.js",
            b'import{g}from"./greet-C3.js";const m=()=>m.f||(m.f=["assets/studio-D4.js"]);import("./studio-D4.js")',
            ["/assets/greet-C3.js", "/assets/studio-D4.js", "/assets/studio-D4.js"],
        ),
        # an absolute path, a parent-relative one, another origin (the caller decides)
        ("/js/app.js", b"load('/static/x.mjs');load(`../lib/y.js`);", ["/static/x.mjs", "/lib/y.js"]),
        ("/js/app.js", b's.src="https://cdn.example/z.js"', ["https://cdn.example/z.js"]),
        # Next.js's App Router flight data, JSON in an inline script: escaped quotes
        (
            "/_next/static/chunks/main-app-1.js",
            b'self.__next_f.push([1,"3:I[\\"316\\",\\"static/chunks/app/lab/page-4f.js\\"]"])',
            ["/_next/static/chunks/app/lab/page-4f.js"],
        ),
        # words that are no script path
        ("/js/app.js", b'"use strict";const a="node.js";const b="Vue.js is fine"', []),
    ],
)
def test_script_references(script_url: str, content: bytes, named: list[str]) -> None:
    expected = [url if url.startswith("http") else SITE + url for url in named]
    assert list(discover.script_references(SITE + script_url, content)) == expected


@pytest.mark.parametrize(
    ("content", "headers", "reference"),
    [
        (b"x=1;\n//# sourceMappingURL=app-1.js.map\n", {}, SITE + "/js/app-1.js.map"),
        (b"x=1;\n//@ sourceMappingURL=/maps/app.map", {}, SITE + "/maps/app.map"),
        (b"x=1;\n/*# sourceMappingURL=app.js.map */\n", {}, SITE + "/js/app.js.map"),
        (b"x=1;\n//# sourceMappingURL=app.js.map\n", {"sourcemap": "/other.map"}, SITE + "/other.map"),
        (b"x=1;\n//# sourceMappingURL=data:application/json;base64,e30=\n", {}, "data:application/json;base64,e30="),
        (b'x="sourceMappingURL=not-a-comment.map";', {}, None),
        (b"x=1;", {}, None),
    ],
)
def test_source_map_reference(content: bytes, headers: dict[str, str], reference: str | None) -> None:
    assert discover.source_map_reference(SITE + "/js/app.js", content, headers) == reference


def test_inline_source_maps_are_decoded() -> None:
    document = {"version": 3, "sources": ["a.js"], "sourcesContent": ["const a = 1;"]}
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    data = discover.inline_source_map(f"data:application/json;charset=utf-8;base64,{encoded}")
    assert data is not None and discover.map_sources(data) == [("a.js", "const a = 1;")]
    assert discover.inline_source_map(SITE + "/a.map") is None


def test_map_sources_pairs_names_with_content_and_reads_index_maps() -> None:
    document = {
        "version": 3,
        "sourceRoot": "webpack://app/",
        "sources": ["./pages/a.js", "./pages/b.js", "./c.js"],
        "sourcesContent": ["a()", None, "c()"],
        "sections": [{"offset": {"line": 0, "column": 0}, "map": {"sources": ["d.ts"], "sourcesContent": ["d()"]}}],
    }
    assert discover.map_sources(json.dumps(document).encode()) == [
        ("d.ts", "d()"),
        ("webpack://app/./pages/a.js", "a()"),
        ("webpack://app/./c.js", "c()"),
    ]
    for broken in (b"<!doctype html>", b"[1, 2]", b"{" * 100_000):
        with pytest.raises(ValueError, match="not a source map"):
            discover.map_sources(broken)


def test_proxy_urls() -> None:
    content = (
        b'fal.config({proxyUrl:"/api/fal/proxy"});t.fal.config({credentials:x,proxyUrl:"/api/studio/fal"});'
        b'const o={"proxyUrl": "https://app.example/api/other"};c.proxyUrl=`${base}/api`;'
    )
    assert discover.proxy_urls(SITE + "/a.js", content) == [
        SITE + "/api/fal/proxy",
        SITE + "/api/studio/fal",
        SITE + "/api/other",
    ]
