"""`falguard probe` writes the reports a scan writes, with the same exit codes: the served
key and the open proxy in every format, at their URLs, the key masked."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from falguard.cli import main
from tests.keys import fake_key_id_secret
from tests.site.standin import Fal, Site
from tests.site.test_probe_bounds import page, script


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "html", "github"])
def test_every_format(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(11)
    key, site_key = fake_key_id_secret(rng), fake_key_id_secret(rng)
    routes = {"/": page("/app.js"), "/app.js": script(f'fal.config({{ credentials: "{key}" }});')}
    out = tmp_path / f"report.{fmt}"
    with Fal() as fal, Site(routes=routes, proxies={"/api/fal/proxy": "open"}, fal=fal, site_key=site_key) as site:
        code = main(["probe", site.url, "--format", fmt, "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    assert code == 1
    url = site.url.replace(":", "%3A") if fmt == "github" else site.url  # a workflow command's escaping
    assert f"{url}/app.js" in text and f"{url}/api/fal/proxy" in text
    assert key.partition(":")[0] in text and key.partition(":")[2] not in text and site_key not in text
    if fmt == "sarif":
        results = json.loads(text)["runs"][0]["results"]
        where = {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
        assert where["fal-proxy-open"] == f"{site.url}/api/fal/proxy"
        assert where["fal-key-id-secret"] == f"{site.url}/app.js"


def test_a_clean_site_exits_0_and_fail_on_applies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Site(routes={"/": page("/app.js"), "/app.js": script('fal.config({ proxyUrl: "/api/fal/proxy" });')}) as site:
        assert main(["probe", site.url]) == 0
    rng = random.Random(12)
    with Fal() as fal, Site(routes={"/": page()}, proxies={"/api/fal/proxy": "open"}, fal=fal) as site:
        site.site_key = fake_key_id_secret(rng)
        assert main(["probe", site.url]) == 1
        assert main(["probe", site.url, "--fail-on", "critical"]) == 0  # the open proxy is high


def test_env_scripts_are_read_and_a_page_served_in_their_place_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key = fake_key_id_secret(random.Random(13))
    spa = page("/app.js")  # a single-page app answers every path with its page
    variable = f"NEXT_PUBLIC_{'FAL'}_KEY"
    routes = {
        "/": spa,
        "/app.js": script("render();"),
        "/__ENV.js": script(f'window.__ENV = {{"{variable}": "{key}"}};'),
        "/env.js": spa,
        "/config.js": script("window.config = { api: '/api' };"),
    }
    out = tmp_path / "report.json"
    with Site(routes=routes) as site:
        assert main(["probe", site.url, "--format", "json", "-o", str(out)]) == 1
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert {(f["path"], f["key_id"]) for f in findings if f["key_id"]} == {
        (f"{site.url}/__ENV.js", key.partition(":")[0])
    }
    assert {s.path for s in site.requests} >= {"/__ENV.js", "/env.js", "/config.js"}
    assert not any(f["path"].endswith("/env.js") for f in findings)
