"""A local stand-in for fal's Platform API, on 127.0.0.1 only, for the tests and bench/verify.py.

It speaks the documented shapes (fal.ai/docs/platform-apis): ``Authorization: Key <key>``
on every call, ``GET /models/pricing``, ``GET /keys`` with cursor pagination and
``expand=creator_info``, ``POST /keys`` (the secret returned once), an idempotent
``DELETE /keys/{key_id}``, 401/403 with ``{"error": {"type": "authorization_error", ...}}``.
It can also answer 429 with Retry-After, fail with a 5xx, redirect, or hang, and it records
every request it gets. Keys are assembled at run time (tests/keys.py), never literals.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.keys import fake_fal_key, fake_hex32, fake_uuid

_AUTH_ERROR = {"type": "authorization_error"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    query: dict[str, list[str]]
    target: str  # the full request target, as sent (to check no key ever is in a URL)
    authorization: str | None
    headers: dict[str, str]
    body: bytes


@dataclass
class StandInKey:
    key_id: str
    credential: str  # what goes after "Key " in the Authorization header
    scope: str = "API"
    alias: str = ""
    created_at: str = "2026-11-01T10:00:00Z"
    creator_nickname: str = "alice"
    creator_email: str = "alice@example.com"
    listed: bool = True  # False: another account's key (it works, but GET /keys does not show it)


@dataclass
class StandIn:
    """Start with ``with StandIn() as api:``; ``api.url`` is the base URL (``.../v1``)."""

    seed: int = 7
    page_size: int = 2  # the most keys one GET /keys page returns, whatever the limit asks
    keys: dict[str, StandInKey] = field(default_factory=dict)  # by credential
    requests: list[Request] = field(default_factory=list)
    minted: list[StandInKey] = field(default_factory=list)  # made by POST /keys
    throttle: int = 0  # answer this many next requests with 429
    retry_after: str = "1"
    failures: dict[str, int] = field(default_factory=dict)  # method -> status to answer it with
    failing: dict[str, int] = field(default_factory=dict)  # credential -> status to answer its requests with
    hang: set[str] = field(default_factory=set)  # credentials whose requests never get an answer
    hang_all: bool = False
    redirect_to: str | None = None  # answer everything with a 302 to this URL
    keep_alive_after_delete: bool = False  # DELETE says 204 but the key keeps working
    delay: float = 0.0  # seconds before every answer (a network's round trip, for bench/verify.py)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # --- keys ---------------------------------------------------------------------------

    def add_key(
        self, scope: str = "API", alias: str = "", *, token: bool = False, credential: str = "", listed: bool = True
    ) -> StandInKey:
        """A key fal knows: ``key_id:key_secret``, a ``fal_`` token with ``token``, or ``credential``."""
        key_id = credential.split(":")[0] if credential.count(":") == 1 else fake_uuid(self._rng)
        if not credential:
            credential = fake_fal_key(self._rng) if token else f"{key_id}:{fake_hex32(self._rng)}"
        key = StandInKey(key_id, credential, scope, alias or f"{scope.lower()} key", listed=listed)
        with self._lock:
            self.keys[credential] = key
        return key

    def unknown_key(self) -> str:
        """A well-formed key fal has never issued (answers 401)."""
        return f"{fake_uuid(self._rng)}:{fake_hex32(self._rng)}"

    def key_by_id(self, key_id: str) -> StandInKey | None:
        with self._lock:
            return next((key for key in self.keys.values() if key.key_id == key_id), None)

    def sent(self, method: str | None = None, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if (method in (None, r.method)) and (path in (None, r.path))]

    # --- the server -------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> StandIn:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.standin = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # releases hanging requests
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, request: Request) -> tuple[int, dict[str, str], Any]:
        """(status, extra headers, JSON document or None) for one request."""
        with self._lock:
            self.requests.append(request)
            credential = _credential(request.authorization)
            if self.hang_all or credential in self.hang:
                hang = True
            else:
                hang = False
                if self.redirect_to:
                    return 302, {"Location": self.redirect_to}, None
                if self.throttle > 0:
                    self.throttle -= 1
                    return (
                        429,
                        {"Retry-After": self.retry_after},
                        {"error": {"type": "rate_limited", "message": "slow down"}},
                    )
                status = self.failures.get(request.method) or self.failing.get(credential or "")
                if status:
                    return status, {}, {"error": {"type": "server_error", "message": "boom"}}
        if hang:
            self._stop.wait(60)
            return 0, {}, None  # the connection is dropped without an answer
        if self.delay:
            self._stop.wait(self.delay)
        with self._lock:
            return self._route(request, self.keys.get(credential or ""))

    def _route(self, request: Request, key: StandInKey | None) -> tuple[int, dict[str, str], Any]:
        if key is None:
            return 401, {}, {"error": {**_AUTH_ERROR, "message": "Invalid credentials"}}
        if request.method == "GET" and request.path == "/v1/models/pricing":
            endpoint = request.query.get("endpoint_id", [""])[0]
            prices = [{"endpoint_id": endpoint, "unit_price": 0.025, "unit": "megapixels", "currency": "USD"}]
            return 200, {}, {"prices": prices, "next_cursor": None, "has_more": False}
        if request.path == "/v1/keys" or request.path.startswith("/v1/keys/"):
            if key.scope != "ADMIN":
                return 403, {}, {"error": {**_AUTH_ERROR, "message": "This operation requires an ADMIN key"}}
            return self._keys(request)
        return 404, {}, {"error": {"type": "not_found", "message": "no such endpoint"}}

    def _keys(self, request: Request) -> tuple[int, dict[str, str], Any]:
        if request.method == "GET" and request.path == "/v1/keys":
            limit = int(request.query.get("limit", ["10"])[0])
            start = int(request.query.get("cursor", ["0"])[0])
            listed = [key for key in self.keys.values() if key.listed]
            page = listed[start : start + min(limit, self.page_size)]
            more = start + len(page) < len(listed)
            return 200, {}, {
                "keys": [_listed(key, "creator_info" in request.query.get("expand", [""])[0]) for key in page],
                "next_cursor": str(start + len(page)) if more else None,
                "has_more": more,
            }  # fmt: skip
        if request.method == "POST" and request.path == "/v1/keys":
            alias = json.loads(request.body or b"{}").get("alias", "")
            key_id = fake_uuid(self._rng)
            secret = fake_hex32(self._rng)
            new = StandInKey(key_id, f"{key_id}:{secret}", "API", alias, creator_nickname="falguard-admin")
            self.keys[new.credential] = new
            self.minted.append(new)
            return 201, {}, {"key_id": key_id, "key_secret": secret, "key": new.credential}
        if request.method == "DELETE" and request.path.startswith("/v1/keys/"):
            key_id = request.path.rsplit("/", 1)[1]
            if not self.keep_alive_after_delete:
                for credential in [c for c, k in self.keys.items() if k.key_id == key_id]:
                    del self.keys[credential]
            return 204, {}, None  # idempotent: an unknown id is deleted too
        return 405, {}, {"error": {"type": "method_not_allowed", "message": request.method}}


def _credential(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Key "):
        return authorization[4:]
    return None


def _listed(key: StandInKey, creator_info: bool) -> dict[str, Any]:
    listed: dict[str, Any] = {
        "key_id": key.key_id,
        "alias": key.alias,
        "scope": key.scope,
        "created_at": key.created_at,
    }
    if creator_info:
        listed |= {"creator_nickname": key.creator_nickname, "creator_email": key.creator_email}
    return listed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            self.command, parts.path, parse_qs(parts.query), self.path, self.headers.get("Authorization"),
            {name: value for name, value in self.headers.items() if name.lower() != "authorization"}, body,
        )  # fmt: skip
        standin: StandIn = self.server.standin  # type: ignore[attr-defined]
        status, headers, document = standin.answer(request)
        if status == 0:
            self.close_connection = True
            return
        payload = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet
