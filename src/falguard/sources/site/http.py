"""The HTTP client of ``falguard probe``: bound to one origin, GET only, bounded.

Every request counts against ``max_requests``, every decoded byte against the asset's and
the whole probe's byte budgets, every second against the time limit; a body past its bound
is cut and says why (an endless chunked script, a gzip bomb). Redirects are followed only
within the origin. TLS certificates are verified. urllib3 is imported when a client is made.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from falguard import __version__
from falguard.errors import FalguardError, InputError

if TYPE_CHECKING:
    import urllib3

DEFAULT_MAX_REQUESTS = 300
DEFAULT_MAX_ASSET_BYTES = 8 << 20
DEFAULT_MAX_TOTAL_BYTES = 64 << 20
DEFAULT_TIME_LIMIT = 120.0  # seconds, the whole probe
REQUEST_SECONDS = 20.0  # the most one request may take (within what is left of the time limit)
MAX_REDIRECTS = 5
#: Kept back while assets are read, for the proxy checks that follow: requests (two per
#: route, five routes; at most a third of the limit), bytes, and a share of the time limit
#: (at most 10 s).
RESERVED_REQUESTS = 10
RESERVED_BYTES = 256 << 10
RESERVED_TIME_SHARE = 0.2
READ_SIZE = 64 << 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Limits:
    """The bounds of one probe (the command's flags)."""

    max_requests: int = DEFAULT_MAX_REQUESTS
    max_asset_bytes: int = DEFAULT_MAX_ASSET_BYTES
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    time_limit: float = DEFAULT_TIME_LIMIT


@dataclass(frozen=True)
class Answer:
    """One response: its final URL (after same-origin redirects), status, headers (names in
    lower case) and body, decoded, with why it is incomplete when it is."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    cut: str | None = None  # the body stops at a bound
    refused_redirect: str | None = None  # a redirect to another origin, not followed

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()


class FetchFailed(FalguardError):
    """No answer for one URL: the network, TLS, a timeout."""


class BudgetSpent(FalguardError):
    """The probe's request, byte or time budget is spent: nothing more is fetched."""


def site_url(text: str) -> str:
    """The URL the user named, checked: http(s), a host, no credentials in it."""
    try:
        parts = urlsplit(text.strip())
        _ = parts.port  # raises for a port out of range or not a number
    except ValueError as error:
        raise InputError(f"not a URL: {text!r} ({error})") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise InputError(f"not an http(s) URL: {text!r} (falguard probe reads web sites only)")
    if not parts.hostname:
        raise InputError(f"no host in URL: {text!r}")
    if parts.username is not None or parts.password is not None:
        raise InputError("a URL with a user name or password in it: give the site's address only")
    return parts._replace(scheme=parts.scheme.lower(), fragment="", path=parts.path or "/").geturl()


def origin_of(url: str) -> tuple[str, str, int]:
    """Scheme, host and port: what a browser calls an origin."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", "", 0)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0))


@dataclass
class Fetcher:
    """GETs within ``origin``; counts what it spends, stops at ``limits``."""

    origin_url: str
    limits: Limits = Limits()
    requests: int = 0
    bytes_read: int = 0
    holding_back: bool = False  # keep the reserve (above) for what follows
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        import urllib3

        self.origin = origin_of(self.origin_url)
        self._pool: urllib3.PoolManager = urllib3.PoolManager(num_pools=2, cert_reqs="CERT_REQUIRED", retries=False)

    def same_origin(self, url: str) -> bool:
        return origin_of(url) == self.origin

    def remaining(self) -> float:
        reserved = min(10.0, self.limits.time_limit * RESERVED_TIME_SHARE) if self.holding_back else 0.0
        return self.limits.time_limit - (time.monotonic() - self.started) - reserved

    def _byte_budget(self) -> int:
        reserved = min(RESERVED_BYTES, self.limits.max_total_bytes // 4) if self.holding_back else 0
        return self.limits.max_total_bytes - reserved

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        """GET ``url`` (same origin only), following same-origin redirects."""
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._get_once(url, headers or {})
            location = answer.headers.get("location")
            if answer.status not in _REDIRECTS or not location:
                return answer
            target = urljoin(url, location)
            if not self.same_origin(target):
                return Answer(url, answer.status, answer.headers, b"", refused_redirect=target)
            url = target
        raise FetchFailed(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _get_once(self, url: str, headers: Mapping[str, str]) -> Answer:
        import urllib3

        if not self.same_origin(url):
            raise FetchFailed(f"{url}: another origin (not fetched)")
        self._spend_request()
        seconds = min(REQUEST_SECONDS, self.remaining())
        sent = {"User-Agent": f"falguard/{__version__} (probe)", "Accept-Encoding": "gzip, deflate", "Accept": "*/*"}
        sent.update(headers)
        try:
            response = self._pool.request(
                "GET", url, headers=sent, timeout=urllib3.Timeout(connect=seconds, read=seconds), retries=False,
                redirect=False, preload_content=False, decode_content=False,
            )  # fmt: skip
            try:
                body, cut = self._read(response, seconds)
            finally:
                response.close()
        except urllib3.exceptions.SSLError as error:
            raise FetchFailed(f"{url}: TLS error: {_short(error)}") from None
        except urllib3.exceptions.NewConnectionError as error:  # a ConnectTimeoutError subclass: first
            reason = "connection refused" if isinstance(error.__context__, ConnectionRefusedError) else _short(error)
            raise FetchFailed(f"{url}: cannot connect ({reason})") from None
        except urllib3.exceptions.TimeoutError:
            raise FetchFailed(f"{url}: no answer within {seconds:.0f} s") from None
        except urllib3.exceptions.HTTPError as error:
            raise FetchFailed(f"{url}: {_short(error)}") from None
        except zlib.error as error:
            raise FetchFailed(f"{url}: corrupt compressed body ({error})") from None
        lowered = {name.lower(): value for name, value in response.headers.items()}
        return Answer(url, response.status, lowered, body, cut)

    def _spend_request(self) -> None:
        kept = ", less what is kept for the proxy check" if self.holding_back else ""
        reserved = min(RESERVED_REQUESTS, self.limits.max_requests // 3) if self.holding_back else 0
        if self.requests >= self.limits.max_requests - reserved:
            raise BudgetSpent(f"the request limit ({self.limits.max_requests}, --max-requests{kept}) is reached")
        if self.remaining() <= 0:
            raise BudgetSpent(f"the time limit ({self.limits.time_limit:g} s, --timeout{kept}) is reached")
        if self.bytes_read >= self._byte_budget():
            raise BudgetSpent(
                f"the byte limit ({self.limits.max_total_bytes:,} bytes, --max-total-size{kept}) is reached"
            )
        self.requests += 1

    def _read(self, response: urllib3.BaseHTTPResponse, seconds: float) -> tuple[bytes, str | None]:
        """The body, decoded, up to the asset's and the probe's byte bounds, within ``seconds``."""
        deadline = time.monotonic() + seconds
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            return b"", f"served with Content-Encoding {encoding!r}, which falguard did not ask for: not read"
        decoder = zlib.decompressobj(47) if encoding not in ("", "identity") else None  # gzip or zlib
        body = bytearray()
        cap = max(0, min(self.limits.max_asset_bytes, self._byte_budget() - self.bytes_read))
        while True:
            if time.monotonic() > deadline:
                return bytes(body), f"cut after {len(body):,} bytes: still arriving after {seconds:.1f} s"
            raw = response.read1(READ_SIZE)  # whatever has arrived, not a full block
            if not raw:
                return bytes(body), None
            room = cap - len(body)
            data = decoder.decompress(raw, room + 1) if decoder is not None else raw
            body += data[:room]
            self.bytes_read += min(len(data), room)
            if len(data) > room:
                return bytes(body), self._bound_note(len(body), decoder is not None)

    def _bound_note(self, size: int, compressed: bool) -> str:
        which = (
            f"--max-asset-size ({self.limits.max_asset_bytes:,} bytes)"
            if size >= self.limits.max_asset_bytes
            else f"--max-total-size ({self.limits.max_total_bytes:,} bytes)"
        )
        return f"cut at {size:,} bytes{' decompressed' if compressed else ''}: {which}"

    def close(self) -> None:
        self._pool.clear()


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
