"""Listing a GitHub organisation, against a stand-in for the REST API on 127.0.0.1 that serves
the documented shapes: ``GET /orgs/{org}/repos`` pages linked by ``Link: rel="next"``, and
rate-limit answers (403 with ``x-ratelimit-remaining: 0``, 429 with ``retry-after``)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from falguard.errors import InputError
from falguard.org.github import GitHubError, api_base, clone_credentials, git_host, list_repositories
from tests.org.fleet import Fleet

TOKEN = "stand-in-token-" + "0123456789"


@dataclass
class StandIn:
    """What the stand-in serves and what it saw."""

    repositories: list[dict[str, Any]] = field(default_factory=list)
    per_page: int = 4
    limited: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # answers to give first
    next_host: str | None = None  # a Link to another host
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""


def handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            parts = urlsplit(self.path)
            if state.limited:
                status, headers = state.limited.pop(0)
                return self.reply(status, {"message": "API rate limit exceeded", "documentation_url": "x"}, headers)
            if parts.path != "/orgs/acme/repos":
                return self.reply(404, {"message": "Not Found", "documentation_url": "x"})
            query = parse_qs(parts.query)
            if query.get("per_page") != ["100"] or query.get("type") != ["all"]:
                return self.reply(400, {"message": "unexpected query"})
            page = int(query.get("page", ["1"])[0])
            start = (page - 1) * state.per_page
            body = state.repositories[start : start + state.per_page]
            links = []
            if start + state.per_page < len(state.repositories):
                host = state.next_host or state.url
                links.append(f'<{host}/orgs/acme/repos?per_page=100&type=all&page={page + 1}>; rel="next"')
            last = max((len(state.repositories) - 1) // state.per_page + 1, 1)
            links.append(f'<{state.url}/orgs/acme/repos?per_page=100&type=all&page={last}>; rel="last"')
            self.reply(200, body, {"link": ", ".join(links), "x-ratelimit-remaining": "4999"})

        def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def api() -> Iterator[StandIn]:
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def repository(name: str, clone_url: str, *, archived: bool = False, fork: bool = False) -> dict[str, Any]:
    """A repository as ``GET /orgs/{org}/repos`` describes it (the fields falguard reads, and some others)."""
    return {
        "id": abs(hash(name)) % 10**8, "node_id": "R_x", "name": name, "full_name": f"acme/{name}",
        "private": False, "owner": {"login": "acme", "type": "Organization"}, "html_url": f"https://github.com/acme/{name}",
        "fork": fork, "archived": archived, "disabled": False, "default_branch": "main",
        "clone_url": clone_url, "ssh_url": f"git@github.com:acme/{name}.git", "size": 10,
    }  # fmt: skip


def serve_fleet(api: StandIn, fleet: Fleet) -> None:
    api.repositories = [repository(url.rsplit("/", 1)[1][: -len(".git")], url) for url in fleet.urls]
    api.repositories.append(repository("old", fleet.urls[1], archived=True))  # same URL: audited once
    api.repositories.append(repository("upstream-fork", "https://github.com/acme/upstream-fork.git", fork=True))


def test_an_organisation_listed_page_by_page_is_audited(
    api: StandIn, fleet: Fleet, tmp_path: Path, falguard, monkeypatch
) -> None:
    serve_fleet(api, fleet)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("FALGUARD_GITHUB_API_URL", api.url)
    run = falguard("audit", "--github-org", "acme", "--cache-dir", str(tmp_path / "c"), "-j", "2", "--format", "json")
    assert run.code == 2, run.err  # the corrupt repository
    entries = run.json["summary"]["repositories"]
    assert sorted(e["repository"] for e in entries) == sorted(fleet.urls)  # the fork left out, the duplicate once
    assert {s["repository"] for s in run.json["audit"]["stories"]} == set(fleet.leaky)
    assert len(api.requests) == 3  # 12 repositories, 4 a page
    assert all(headers["authorization"] == f"Bearer {TOKEN}" for _, headers in api.requests)
    assert all(headers["x-github-api-version"] == "2022-11-28" for _, headers in api.requests)
    assert TOKEN not in run.out + run.err


def test_archived_and_forks_by_flag(api: StandIn) -> None:
    api.repositories = [
        repository("live", "https://github.com/acme/live.git"),
        repository("old", "https://github.com/acme/old.git", archived=True),
        repository("fork", "https://github.com/acme/fork.git", fork=True),
    ]

    def names(**flags: bool) -> list[str]:
        listing = list_repositories("acme", api.url, **flags)
        return [spec.url.rsplit("/", 1)[1] for spec in listing.specs]

    assert names() == ["live.git", "old.git"]  # the default: archived in, forks out
    assert names(include_archived=False) == ["live.git"]
    assert names(include_forks=True) == ["live.git", "old.git", "fork.git"]
    assert list_repositories("acme", api.url, include_archived=False).skipped_archived == 1


def test_a_short_rate_limit_is_waited_out(api: StandIn) -> None:
    api.repositories = [repository(f"r{n}", f"https://github.com/acme/r{n}.git") for n in range(6)]
    reset = str(int(time.time()) + 5)
    api.limited = [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}),
        (429, {"retry-after": "2"}),
    ]
    waits: list[float] = []
    listing = list_repositories("acme", api.url, sleep=waits.append)
    assert len(listing.specs) == 6
    assert len(waits) == 2 and 0 < waits[0] <= 7 and waits[1] == 2


def test_a_long_rate_limit_is_a_clear_error(api: StandIn, falguard, monkeypatch, tmp_path: Path) -> None:
    api.repositories = [repository("a", "https://github.com/acme/a.git")]
    api.limited = [(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)})]
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    run = falguard("audit", "--github-org", "acme", "--github-api-url", api.url, "--cache-dir", str(tmp_path / "c"))
    assert run.code == 2 and run.out == ""
    assert re.match(
        r"falguard: error: GitHub API rate limit exceeded: it resets in 6\d min \(at \d\d:\d\d UTC\)", run.err
    )
    assert "set GITHUB_TOKEN for a higher limit" in run.err and run.err.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_errors_are_one_line(api: StandIn) -> None:
    with pytest.raises(GitHubError, match="organisation 'nobody' not found"):
        list_repositories("nobody", api.url)
    api.limited = [(401, {})]
    with pytest.raises(GitHubError, match=r"rejected the token \(401 API rate limit exceeded\): check GITHUB_TOKEN"):
        list_repositories("acme", api.url, "bad")
    with pytest.raises(GitHubError, match="cannot reach the GitHub API"):
        list_repositories("acme", "http://127.0.0.1:9")
    with pytest.raises(InputError, match="not a GitHub organisation name"):
        list_repositories("../etc", api.url)


def test_the_token_never_leaves_the_api_host(api: StandIn) -> None:
    api.repositories = [repository(f"r{n}", f"https://github.com/acme/r{n}.git") for n in range(6)]
    api.next_host = "http://localhost:9"
    with pytest.raises(GitHubError, match="refusing to follow the GitHub API's pagination to another host"):
        list_repositories("acme", api.url, TOKEN)
    with pytest.raises(InputError, match="refusing to send a token over plain http"):
        api_base("http://github.example.com/api/v3")


def test_unsafe_clone_urls_from_the_api_are_reported_failed(api: StandIn, falguard, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    api.repositories = [repository("evil", f"ext::sh -c touch% {marker}"), repository("odd", "--upload-pack=x")]
    run = falguard(
        "audit",
        "--github-org",
        "acme",
        "--github-api-url",
        api.url,
        "--cache-dir",
        str(tmp_path / "c"),
        "--format",
        "json",
    )
    assert run.code == 2
    entries = run.json["summary"]["repositories"]
    assert [(e["repository"], e["status"]) for e in entries] == [("acme/evil", "failed"), ("acme/odd", "failed")]
    assert all("unsafe clone URL" in e["reason"] for e in entries)
    assert not marker.exists()


def test_clone_credentials_go_to_the_git_host_only() -> None:
    assert git_host("https://api.github.com") == "github.com"
    assert git_host("https://ghe.example.com/api/v3") == "ghe.example.com"
    env = clone_credentials("https://github.com/acme/a.git", "github.com", TOKEN)
    assert env["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraheader"
    assert env["GIT_CONFIG_VALUE_0"].startswith("AUTHORIZATION: basic ") and TOKEN not in env["GIT_CONFIG_VALUE_0"]
    for url in (
        "https://evil.example/acme/a.git",
        "git@github.com:acme/a.git",
        "file:///srv/a.git",
        "https://github.com.evil/x",
    ):
        assert clone_credentials(url, "github.com", TOKEN) == {}
