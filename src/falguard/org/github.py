"""A GitHub organisation's repositories, through the REST API (``GET /orgs/{org}/repos``).

The token comes from ``GITHUB_TOKEN`` only (never a command-line argument, which other users
can read in the process list) and is sent to the API host and, for clones, to its git host,
nowhere else: pagination links to another host are refused, redirects to another host drop
it (urllib3's default). Rate limits are honoured: a short wait is waited out, a long one is
a clear error. urllib3 is imported here only, so it stays off the hook's start-up path.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from falguard import __version__
from falguard.errors import FalguardError, InputError
from falguard.org.repos import RepoSpec, parse_entry

DEFAULT_API_URL = "https://api.github.com"
_ORG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;\s]*)"?')
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_MAX_PAGES = 1000  # 100,000 repositories
_RATE_LIMIT_RETRIES = 3


class GitHubError(FalguardError):
    """The GitHub API could not be reached or refused the request."""


@dataclass(frozen=True)
class Listing:
    """What the organisation holds: repositories to audit, and entries refused as unsafe."""

    specs: list[RepoSpec]
    refused: list[tuple[str, str]]  # (name, why)
    skipped_archived: int = 0
    skipped_forks: int = 0


def api_base(url: str) -> str:
    """The API's base URL, checked: https (plain http only on this machine, for a stand-in)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.query:
        raise InputError(f"not a GitHub API URL: {url!r} (example: https://github.example.com/api/v3)")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise InputError(f"refusing to send a token over plain http to {parts.hostname}: use https")
    return url.strip().rstrip("/")


def git_host(api_url: str) -> str:
    """Where the organisation's repositories are cloned from: github.com for api.github.com,
    the same host for GitHub Enterprise (``https://HOST/api/v3``)."""
    host = urlsplit(api_url).netloc
    return host[len("api.") :] if host.startswith("api.") else host


def clone_credentials(url: str, host: str | None, token: str) -> dict[str, str]:
    """Environment configuration that gives an https clone of ``host`` the token (as
    actions/checkout does), never on a command line and never written to disk; empty for
    any other URL. Redirects are not followed while a token is sent."""
    parts = urlsplit(url)
    if not token or host is None or parts.scheme != "https" or parts.netloc.lower() != host.lower():
        return {}
    import base64

    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": f"http.https://{host}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        "GIT_CONFIG_KEY_1": "http.followRedirects",
        "GIT_CONFIG_VALUE_1": "false",
    }


def list_repositories(
    org: str,
    api_url: str = DEFAULT_API_URL,
    token: str | None = None,
    *,
    include_archived: bool = True,
    include_forks: bool = False,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Listing:
    """Every repository of ``org`` (``type=all``: public, private and internal ones the
    token can see), following ``Link: rel="next"`` pages."""
    if not _ORG.fullmatch(org):
        raise InputError(f"not a GitHub organisation name: {org!r}")
    base = api_base(api_url)
    url: str | None = f"{base}/orgs/{org}/repos?per_page=100&type=all"
    repositories: list[dict[str, Any]] = []
    pool = _pool()
    for _ in range(_MAX_PAGES):
        if url is None:
            break
        page, url = _page(pool, url, base, org, token, max_wait, sleep)
        repositories.extend(page)
    return _listing(repositories, include_archived, include_forks)


def _listing(repositories: list[dict[str, Any]], include_archived: bool, include_forks: bool) -> Listing:
    specs: dict[str, RepoSpec] = {}
    refused: list[tuple[str, str]] = []
    archived = [r for r in repositories if r.get("archived")]
    forks = [r for r in repositories if r.get("fork") and not r.get("archived")]
    for repository in repositories:
        if (repository.get("archived") and not include_archived) or (repository.get("fork") and not include_forks):
            continue
        clone_url = repository.get("clone_url")
        name = str(repository.get("full_name") or clone_url)
        try:
            spec = parse_entry(clone_url if isinstance(clone_url, str) else "")
        except InputError as error:
            refused.append((name, f"the API gave an unsafe clone URL: {error}"))
            continue
        specs.setdefault(spec.url, spec)
    return Listing(
        list(specs.values()), refused, 0 if include_archived else len(archived), 0 if include_forks else len(forks)
    )


def _pool() -> Any:
    import urllib3

    retries = urllib3.Retry(total=3, connect=3, read=2, status=0, redirect=3, backoff_factor=0.5, raise_on_status=False)
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=10.0, read=30.0), retries=retries)


def _page(
    pool: Any, url: str, base: str, org: str, token: str | None, max_wait: float, sleep: Callable[[float], None]
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of repositories and the next page's URL (None after the last)."""
    import urllib3

    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    headers["User-Agent"] = f"falguard/{__version__}"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for _ in range(_RATE_LIMIT_RETRIES + 1):
        try:
            response = pool.request("GET", url, headers=headers)
        except urllib3.exceptions.HTTPError as error:
            raise GitHubError(f"cannot reach the GitHub API at {base}: {type(error).__name__}") from None
        wait = _rate_limit_wait(response.status, response.headers)
        if wait is None:
            break
        if wait > max_wait:
            raise GitHubError(_rate_limit_message(wait, token))
        sleep(wait)
    else:
        raise GitHubError("the GitHub API kept answering that the rate limit is exceeded; try again later")
    return _repositories(response, org), _next_link(response.headers.get("link", ""), base)


def _rate_limit_wait(status: int, headers: Any) -> float | None:
    """Seconds to wait before retrying a rate-limited request, or None if it was not one."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after.strip())
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset", "")
        return max(float(reset) - time.time(), 0.0) + 1.0 if reset.strip().isdigit() else 60.0
    return 60.0 if status == 429 else None


def _rate_limit_message(wait: float, token: str | None) -> str:
    when = time.strftime("%H:%M UTC", time.gmtime(time.time() + wait))
    hint = "" if token else "; set GITHUB_TOKEN for a higher limit"
    return f"GitHub API rate limit exceeded: it resets in {int(wait // 60) + 1} min (at {when}){hint}"


def _repositories(response: Any, org: str) -> list[dict[str, Any]]:
    if response.status != 200:
        message = _message(response.data)
        if response.status == 401:
            raise GitHubError(f"GitHub rejected the token (401 {message}): check GITHUB_TOKEN")
        if response.status == 404:
            raise GitHubError(f"GitHub organisation {org!r} not found, or not visible with this token")
        raise GitHubError(f"GitHub API answered {response.status}: {message}")
    try:
        page = json.loads(response.data)
    except ValueError:
        raise GitHubError("the GitHub API answered with something that is not JSON") from None
    if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
        raise GitHubError("the GitHub API answered with something that is not a list of repositories")
    return page


def _message(data: bytes) -> str:
    from falguard.report import printable

    try:
        message = json.loads(data).get("message", "")
    except (ValueError, AttributeError):
        message = ""
    return printable(str(message))[:200] or "no message"


def _next_link(header: str, base: str) -> str | None:
    """The ``rel="next"`` URL of a Link header; refused when it leaves the API's host."""
    for url, rel in _LINK.findall(header):
        if rel == "next":
            here, there = urlsplit(base), urlsplit(url)
            if (there.scheme, there.netloc) != (here.scheme, here.netloc):
                raise GitHubError(f"refusing to follow the GitHub API's pagination to another host ({there.netloc})")
            return str(url)
    return None
