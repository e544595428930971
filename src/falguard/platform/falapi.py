"""fal's Platform API: the few calls falguard makes, and nothing else.

Verification sends only GET requests; rotation and revocation add ``POST /keys`` and
``DELETE /keys/{id}`` with an admin key. A key travels only in the ``Authorization``
header, never in a URL; TLS is verified, redirects are not followed, and every request
ends within its timeout, whatever the server does. urllib3 is imported when a client is
made, so a scan without ``--verify`` and the hooks never load it.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

from falguard import __version__
from falguard.errors import FalguardError, InputError
from falguard.models import Secret

if TYPE_CHECKING:
    import urllib3

DEFAULT_URL = "https://api.fal.ai/v1"
URL_VARIABLE = "FALGUARD_FAL_API_URL"
#: A read-only call any valid key may make (the check betterleaks and GitGuardian use).
PRICING_PROBE = "/models/pricing?" + urlencode({"endpoint_id": "fal-ai/flux/dev"})
#: One admin-scoped read: 200 for an ADMIN key, 403 for an API key.
SCOPE_PROBE = "/keys?limit=1"
MAX_ANSWER = 1 << 20  # bytes: no answer of this API is anywhere near
_LOOPBACK_NAMES = ("localhost",)
_HEADER_SAFE = frozenset(chr(code) for code in range(0x21, 0x7F))


class FalApiError(FalguardError):
    """A call to fal's API failed; ``status`` is the HTTP status when there was an answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Rejected(FalApiError):
    """401: fal does not accept the key."""


class Forbidden(FalApiError):
    """403: fal knows the key, but its scope does not allow the call."""


class Unavailable(FalApiError):
    """No usable answer: a timeout, the network, a rate limit, a server error, a strange reply."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds one request may take, its retries and waits included
    concurrency: int = 4  # requests in flight at once
    rate: float = 40.0  # requests started per second, at most (0: no limit); 100 keys take about 4 s
    retries: int = 2  # more attempts after a 429 or 503 (GET and DELETE only)


@dataclass(frozen=True)
class KeyInfo:
    """One key of the account, as ``GET /keys?expand=creator_info`` lists it (no secret)."""

    key_id: str
    alias: str = ""
    scope: str = ""
    created_at: str = ""
    creator_nickname: str | None = None
    creator_email: str | None = None

    @property
    def creator(self) -> str:
        who = self.creator_nickname or ""
        if self.creator_email:
            who = f"{who} <{self.creator_email}>" if who else self.creator_email
        return who


@dataclass(frozen=True)
class NewKey:
    """A key ``POST /keys`` just made; ``secret`` is the full ``key_id:key_secret`` (masked when shown)."""

    key_id: str
    secret: Secret


def api_url(option: str | None, environ: Mapping[str, str]) -> str:
    """The API base URL: ``--fal-api-url``, else ``FALGUARD_FAL_API_URL``, else fal's.

    Never from a repository's configuration. Plain http only to a loopback address (a local
    stand-in); anything else would send keys unencrypted.
    """
    where = "--fal-api-url" if option else URL_VARIABLE
    url = option or environ.get(URL_VARIABLE) or DEFAULT_URL
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise InputError(f"{where}: {url!r} is not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InputError(f"{where}: {url!r} is not an https URL")
    if parts.username is not None or parts.query or parts.fragment:
        raise InputError(f"{where}: give the base URL only, without credentials, query or fragment")
    if parts.scheme == "http" and not _loopback(host):
        raise InputError(
            f"{where}: refusing plain http to {host}: keys would travel unencrypted (http is allowed "
            "only to 127.0.0.1, ::1 and localhost)"
        )
    return url.rstrip("/")


def _loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Throttle:
    """At most ``rate`` starts per second, across threads."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


T = TypeVar("T")


def within(deadline: float, work: Callable[[], T], what: str) -> T:
    """``work()``, or Unavailable once ``deadline`` passes: a server that trickles bytes
    cannot stretch a request past it (the worker thread is left to its socket timeout)."""
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as error:  # handed to the caller
            outcome.append((False, error))
        finally:
            done.set()

    threading.Thread(target=run, name="falguard-api", daemon=True).start()
    if not done.wait(max(0.0, deadline - time.monotonic())):
        raise Unavailable(f"timeout: {what}")
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result


class FalApi:
    """A client for one API base URL; safe to share between threads."""

    def __init__(self, url: str, limits: Limits | None = None) -> None:
        import urllib3

        self.url = url
        self.limits = limits or Limits()
        self._pool: urllib3.PoolManager = urllib3.PoolManager(
            num_pools=2, maxsize=max(1, self.limits.concurrency), cert_reqs="CERT_REQUIRED", retries=False
        )
        self._throttle = Throttle(self.limits.rate)

    def close(self) -> None:
        self._pool.clear()

    def __enter__(self) -> FalApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the calls ----------------------------------------------------------------------

    def check(self, key: Secret) -> None:
        """Return if fal accepts ``key``; raise Rejected, Forbidden or Unavailable."""
        answer = self.call("GET", PRICING_PROBE, key)
        if not isinstance(answer, dict) or "prices" not in answer:
            raise Unavailable("unexpected answer to the pricing call (no prices)", 200)

    def scope(self, key: Secret) -> str:
        """``ADMIN`` or ``API``: one admin-scoped read with a key fal accepts."""
        try:
            self.call("GET", SCOPE_PROBE, key)
        except Forbidden:
            return "API"
        return "ADMIN"

    def list_keys(self, admin: Secret, page_size: int = 100) -> list[KeyInfo]:
        """Every key of the admin key's account, all pages."""
        keys: list[KeyInfo] = []
        cursor: str | None = None
        for _ in range(10_000):  # a server that pages forever cannot loop falguard forever
            query = {"limit": str(page_size), "expand": "creator_info", **({"cursor": cursor} if cursor else {})}
            page = self.call("GET", "/keys?" + urlencode(query), admin)
            if not isinstance(page, dict) or not isinstance(page.get("keys"), list):
                raise Unavailable("unexpected answer listing keys")
            keys.extend(_key_info(item) for item in page["keys"] if isinstance(item, dict) and item.get("key_id"))
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not isinstance(cursor, str) or not cursor:
                return keys
        raise Unavailable("listing keys did not end after 10,000 pages")

    def create_key(self, admin: Secret, alias: str) -> NewKey:
        answer = self.call("POST", "/keys", admin, body={"alias": alias})
        if not isinstance(answer, dict) or not isinstance(answer.get("key_id"), str):
            raise Unavailable("unexpected answer creating a key (no key_id)")
        key_id = answer["key_id"]
        full = answer.get("key")
        if not isinstance(full, str) or not full:
            secret = answer.get("key_secret")
            if not isinstance(secret, str) or not secret:
                raise Unavailable(f"fal created key {key_id} but returned no secret")
            full = f"{key_id}:{secret}"
        return NewKey(key_id, Secret(full, key_id))

    def delete_key(self, admin: Secret, key_id: str) -> None:
        """Delete by id (idempotent: an id fal does not know is not an error)."""
        self.call("DELETE", f"/keys/{key_id}", admin, headers={"Idempotency-Key": str(uuid.uuid4())})

    # --- one request ------------------------------------------------------------------

    def call(
        self, method: str, path: str, key: Secret, *, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        """Send one request with ``key`` and return its decoded JSON (None for no body)."""
        value = key.reveal()
        if not value or not set(value) <= _HEADER_SAFE:
            raise Unavailable("the value holds characters an HTTP header cannot carry: fal cannot be asked")
        sent = {"Authorization": f"Key {value}", "Accept": "application/json", "User-Agent": f"falguard/{__version__}"}
        sent.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        self._throttle.wait()
        deadline = time.monotonic() + self.limits.timeout
        what = f"no answer within {self.limits.timeout:g} s"
        status, answer = within(deadline, lambda: self._exchange(method, self.url + path, sent, data, deadline), what)
        return _decode(status, answer, method, path.partition("?")[0])

    def _exchange(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, deadline: float
    ) -> tuple[int, bytes]:
        """One request, retried on 429/503 as urllib3's Retry decides, honouring Retry-After
        while the deadline allows."""
        import urllib3
        from urllib3.util import Retry

        retry = Retry(
            total=self.limits.retries, connect=0, read=0, redirect=False, status_forcelist=(429, 503),
            allowed_methods=("GET", "DELETE"), respect_retry_after_header=True, backoff_factor=0.5,
            raise_on_status=False,
        )  # fmt: skip
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Unavailable(f"timeout: no answer within {self.limits.timeout:g} s")
            status, answer, response = self._attempt(method, url, headers, body, urllib3.Timeout(remaining, remaining))
            has_retry_after = response.headers.get("Retry-After") is not None
            if not retry.is_retry(method, status, has_retry_after):
                return status, answer
            try:
                retry = retry.increment(method, url, response=response)
            except urllib3.exceptions.MaxRetryError:
                return status, answer
            wait = (retry.get_retry_after(response) if has_retry_after else None) or retry.get_backoff_time()
            if time.monotonic() + wait >= deadline:
                raise Unavailable(f"rate limited by fal (HTTP {status}; it asks to wait {wait:g} s)", status)
            time.sleep(wait)
            self._throttle.wait()

    def _attempt(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: urllib3.Timeout
    ) -> tuple[int, bytes, urllib3.BaseHTTPResponse]:
        import urllib3

        try:
            response = self._pool.request(
                method, url, body=body, headers=dict(headers), timeout=timeout, retries=False, redirect=False,
                preload_content=False,
            )  # fmt: skip
            try:
                answer = response.read(MAX_ANSWER + 1)
            finally:
                response.release_conn()
        except urllib3.exceptions.NewConnectionError as error:  # a subclass of ConnectTimeoutError
            raise Unavailable(f"network error: {_short(error)}") from None
        except urllib3.exceptions.TimeoutError:
            raise Unavailable(f"timeout: no answer within {self.limits.timeout:g} s") from None
        except urllib3.exceptions.SSLError as error:
            raise Unavailable(f"TLS error: {_short(error)}") from None
        except urllib3.exceptions.HTTPError as error:
            raise Unavailable(f"network error: {_short(error)}") from None
        if len(answer) > MAX_ANSWER:
            raise Unavailable(f"answer larger than {MAX_ANSWER:,} bytes", response.status)
        return response.status, answer, response


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def _decode(status: int, answer: bytes, method: str, path: str) -> Any:
    document: Any = None
    if answer.strip():
        try:
            document = json.loads(answer)
        except ValueError:
            if 200 <= status < 300:
                raise Unavailable(f"{method} {path}: the answer is not JSON", status) from None
    if 200 <= status < 300:
        return document
    detail = _error_message(document)
    if status == 401:
        raise Rejected(f"fal rejects this key (HTTP 401{detail})", status)
    if status == 403:
        raise Forbidden(f"fal refuses {method} {path} for this key (HTTP 403{detail})", status)
    if status == 429:
        raise Unavailable("rate limited by fal (HTTP 429)", status)
    if 300 <= status < 400:
        raise Unavailable(f"fal answered with a redirect (HTTP {status}), not followed", status)
    raise Unavailable(f"fal answered HTTP {status} to {method} {path}{detail}", status)


def _error_message(document: Any) -> str:
    """``: <message>`` from ``{"error": {"type", "message"}}``, short and on one line."""
    error = document.get("error") if isinstance(document, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    line = "".join(char for char in " ".join(message.split()) if char.isprintable())[:160]
    return f": {line}"


def _key_info(item: Mapping[str, Any]) -> KeyInfo:
    def text(name: str) -> str:
        value = item.get(name)
        return value if isinstance(value, str) else ""

    return KeyInfo(
        key_id=text("key_id"),
        alias=text("alias"),
        scope=text("scope"),
        created_at=text("created_at"),
        creator_nickname=text("creator_nickname") or None,
        creator_email=text("creator_email") or None,
    )
