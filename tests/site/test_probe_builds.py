"""`falguard probe` against stand-in sites serving real Next.js and Vite build output
(tests/site/builds.py), with fal proxy routes emulated open, closed and bring-your-own-key,
and a stand-in fal behind the open ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.site.builds import Builds
from tests.site.conftest import Keys, Probed
from tests.site.standin import Fal, Site

Probe = Callable[..., Probed]


def key_id(key: str) -> str:
    return key.partition(":")[0]


def secret_of(key: str) -> str:
    return key.partition(":")[2]


def assert_only_gets(*servers: Site | Fal) -> None:
    for server in servers:
        assert server.methods() <= {"GET"}, [(s.method, s.path) for s in server.requests]


def test_next_site_key_in_a_chunk_only_the_build_manifest_names(
    built_sites: Builds, keys: Keys, run_probe: Probe
) -> None:
    with (
        Fal() as fal,
        Site(
            root=built_sites.next_site, substitutions=keys.substitutions(), fal=fal, site_key=keys.server,
            proxies={"/api/fal/proxy": "open", "/api/studio/fal": "closed"},
        ) as site,
    ):  # fmt: skip
        probed = run_probe(site.url + "/")
    assert probed.code == 1, probed.stderr
    served = [f for f in probed.findings() if f["key_id"] == key_id(keys.inlined)]
    chunk_paths = {f["path"] for f in served}
    # the home page does not load the studio page's chunk: only _buildManifest.js names it
    home = next(s for s in site.requests if s.path == "/")
    assert home
    assert any(p.startswith(site.url + "/_next/static/chunks/pages/studio-") and p.endswith(".js") for p in chunk_paths)
    assert {f["severity"] for f in served if "!" not in f["path"]} == {"critical"}
    assert any(s.path.endswith("/_buildManifest.js") for s in site.requests)
    # the commented-out key: only in the source map's sourcesContent
    commented = [f for f in probed.findings() if f["key_id"] == key_id(keys.commented)]
    assert commented and all(".js.map!" in f["path"] and f["path"].endswith("pages/studio.js") for f in commented)
    # the open proxy at the default route, and not the closed one the bundle names
    assert probed.paths("fal-proxy-open") == [site.url + "/api/fal/proxy"]
    (opened,) = probed.findings("fal-proxy-open")
    assert opened["severity"] == "high" and opened["source"] == "site"
    assert "closed" in probed.stderr and site.url + "/api/studio/fal" in probed.stderr
    # nothing but GETs, to the site and (forwarded by its open proxy) to fal: a status read
    assert_only_gets(site, fal)
    assert [s.path.rsplit("/", 3)[1:] for s in fal.requests] == [
        ["requests", s.path.split("/")[-2], "status"] for s in fal.requests
    ]
    for key in (keys.inlined, keys.commented, keys.server):
        assert secret_of(key) not in probed.text and secret_of(key) not in probed.stderr


def test_vite_site_open_proxy_named_only_in_a_bundle(built_sites: Builds, keys: Keys, run_probe: Probe) -> None:
    with (
        Fal() as fal,
        Site(
            root=built_sites.vite_leaky, substitutions=keys.substitutions(), fal=fal, site_key=keys.server,
            proxies={"/api/gateway/fal": "open"},
        ) as site,
    ):  # fmt: skip
        probed = run_probe(site.url)
    assert probed.code == 1, probed.stderr
    # the default route is absent; the one only the lazily imported chunk names is open
    assert probed.paths("fal-proxy-open") == [site.url + "/api/gateway/fal"]
    assert f"{site.url}/api/fal/proxy: absent" in probed.stderr
    inlined = {f["path"] for f in probed.findings() if f["key_id"] == key_id(keys.inlined)}
    assert any(p.startswith(site.url + "/assets/studio-") and p.endswith(".js") for p in inlined), inlined
    commented = {f["path"] for f in probed.findings() if f["key_id"] == key_id(keys.commented)}
    assert commented and all(".js.map!" in p and p.endswith("/src/studio.js") for p in commented), commented
    assert_only_gets(site, fal)
    assert len(fal.requests) == 1


@pytest.mark.parametrize("mode", ["closed", "byok"])
def test_safe_site_reports_nothing_high(built_sites: Builds, keys: Keys, run_probe: Probe, mode: str) -> None:
    with (
        Fal() as fal,
        Site(
            root=built_sites.vite_safe, substitutions=keys.substitutions(), fal=fal, site_key=keys.server,
            proxies={"/api/fal/proxy": mode},
        ) as site,
    ):  # fmt: skip
        probed = run_probe(site.url)
    assert probed.code == 0, (probed.stderr, probed.findings())
    assert not [f for f in probed.findings() if f["severity"] in ("high", "critical")]
    assert f"{site.url}/api/fal/proxy: closed" in probed.stderr
    assert probed.report["summary"]["files_scanned"] > 10  # the page, its scripts and the library's sources
    assert fal.requests == []  # the proxy refused: nothing reached fal
    assert_only_gets(site)


def test_next_app_router_page(built_sites: Builds, keys: Keys, run_probe: Probe) -> None:
    with (
        Fal() as fal,
        Site(
            root=built_sites.next_site, substitutions=keys.substitutions(), fal=fal, site_key=keys.server,
            proxies={"/api/lab/fal": "open", "/api/fal/proxy": "byok"},
        ) as site,
    ):  # fmt: skip
        probed = run_probe(site.url + "/lab")
    assert probed.code == 1, probed.stderr
    inlined = {f["path"] for f in probed.findings() if f["key_id"] == key_id(keys.inlined)}
    assert any(p.startswith(site.url + "/_next/static/chunks/app/lab/page-") and p.endswith(".js") for p in inlined)
    assert probed.paths("fal-proxy-open") == [site.url + "/api/lab/fal"]
    assert f"{site.url}/api/fal/proxy: closed" in probed.stderr  # bring-your-own-key, and no key was sent
    assert_only_gets(site, fal)
