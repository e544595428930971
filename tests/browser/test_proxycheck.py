"""What a proxy route's answers mean (falguard.browser.proxycheck.judge): the answers of
fal-js's handlers, of fal, of sites without a proxy, and of routes that only look like one."""

from __future__ import annotations

import json

import pytest

from falguard.browser.proxycheck import ABSENT, CLOSED, OPEN, UNCLEAR, judge
from falguard.sources.site.http import Answer

URL = "https://app.example/api/fal/proxy"


def answer(status: int, body: object, content_type: str = "application/json") -> Answer:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Answer(URL, status, {"content-type": content_type}, data)


INVALID = answer(400, "Invalid request")  # fal-js: no x-fal-target-url
PAGE_404 = answer(404, b"<!doctype html><h1>Not found</h1>", "text/html")


@pytest.mark.parametrize(
    ("control", "probe", "state"),
    [
        # the proxy forwarded: fal's answer for an unknown request id, or its answer to a dead key
        (INVALID, answer(404, {"detail": "Request not found"}), OPEN),
        (INVALID, answer(401, {"detail": "Invalid key"}), OPEN),
        (INVALID, answer(200, {"status": "COMPLETED", "request_id": "r"}), OPEN),
        # the proxy's own refusals (isAuthenticated / BYOK with no key; a target it does not allow)
        (INVALID, answer(401, "Unauthorized"), CLOSED),
        (INVALID, answer(403, b"Forbidden", "text/plain"), CLOSED),
        (INVALID, answer(400, "Invalid request"), CLOSED),
        # no proxy: a 404 page, a single-page app's page
        (PAGE_404, PAGE_404, ABSENT),
        (answer(200, b"<!doctype html><div id=app>", "text/html"), answer(200, b"<html>", "text/html"), ABSENT),
        # a JSON API that answers the same whatever the header: not proof the request reached fal
        (answer(404, {"detail": "Not Found"}), answer(404, {"detail": "Not Found"}), ABSENT),
        (answer(500, {"detail": "boom"}), answer(500, {"detail": "boom"}), UNCLEAR),
        (INVALID, answer(502, b"Bad gateway", "text/plain"), UNCLEAR),
    ],
)
def test_judge(control: Answer, probe: Answer, state: str) -> None:
    assert judge(URL, control, probe).state == state


def test_an_open_verdict_says_what_happened() -> None:
    verdict = judge(URL, INVALID, answer(404, {"detail": "Request not found"}))
    assert "no credentials reached fal" in verdict.detail and "HTTP 404" in verdict.detail


def test_check_proxy_asks_at_most_two_gets_and_stops_at_a_405() -> None:
    from falguard.browser.proxycheck import check_proxy
    from falguard.sources.site.http import Fetcher
    from tests.site.standin import Fal, Site

    only_post = {"/api/fal/proxy": lambda handler: handler.send(405, b"Method Not Allowed")}
    with Fal() as fal, Site(routes=only_post, proxies={"/api/open": "open"}, fal=fal, site_key="k") as site:
        fetcher = Fetcher(site.url)
        assert check_proxy(fetcher, site.url + "/api/fal/proxy").state == UNCLEAR
        assert check_proxy(fetcher, site.url + "/api/open").state == OPEN
        assert check_proxy(fetcher, site.url + "/api/none").state == ABSENT
    sent = [(s.method, s.path, "x-fal-target-url" in s.headers) for s in site.requests]
    assert sent == [
        ("GET", "/api/fal/proxy", False),
        ("GET", "/api/open", False),
        ("GET", "/api/open", True),
        ("GET", "/api/none", False),
    ]
    (target,) = [s.headers["x-fal-target-url"] for s in site.requests if "x-fal-target-url" in s.headers]
    assert target.startswith("https://queue.fal.run/fal-ai/fast-sdxl/requests/") and target.endswith("/status")
    assert all("authorization" not in s.headers and "cookie" not in s.headers for s in site.requests)
    assert [s.method for s in fal.requests] == ["GET"]
