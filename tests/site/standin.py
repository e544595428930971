"""Stand-in web sites and a stand-in fal for ``falguard probe``, on 127.0.0.1 only.

:class:`Site` serves a directory of real build output (tests/site/builds.py), replacing
placeholders with fake keys as it serves, plus fal proxy routes that behave as fal-js's
``handleRequest`` does (``libs/proxy/src/index.ts``): 400 ``"Invalid request"`` with no or a
disallowed ``x-fal-target-url``, 401 ``"Unauthorized"`` when the configuration refuses the
visitor, else the request forwarded to fal with the site's key and fal's answer passed
back. Modes: ``open`` (the adapters' defaults), ``closed`` (``isAuthenticated`` checks a
session, ``allowUnauthorizedRequests: false``) and ``byok`` (``resolveFalAuth`` returns the
visitor's ``x-fal-user-key``; the site has no key of its own). Extra routes answer however
a test needs (an endless script, a gzip bomb, a slow server, a redirect elsewhere).

:class:`Fal` answers a queue status GET for an unknown request id as fal does (404 and a
JSON ``detail``), and 401 without a key. Every request either server gets is recorded,
method first, so tests can assert what was (never) sent.
"""

from __future__ import annotations

import json
import mimetypes
import ssl
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Route = Callable[["Handler"], None]
ALLOWED_TARGET_HOSTS = ("fal.run", "queue.fal.run")  # fal-js's default allowedUrlPatterns (the storage URLs aside)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: Any


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _record(self) -> None:
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        with self.server.owner.lock:
            self.server.owner.requests.append(seen)

    def _any(self) -> None:
        self._record()
        self.server.owner.answer(self)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _any

    def send(
        self, status: int, body: bytes, content_type: str = "text/plain", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, document: Any) -> None:
        self.send(status, json.dumps(document).encode(), "application/json")


@dataclass
class _Running:
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    tls: ssl.SSLContext | None = None  # serve https with this context

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.owner = self
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if self.tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def methods(self) -> set[str]:
        return {seen.method for seen in self.requests}

    def answer(self, handler: Handler) -> None:
        raise NotImplementedError


@dataclass
class Fal(_Running):
    """fal's queue, as far as a status GET goes."""

    def __enter__(self) -> Fal:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, handler: Handler) -> None:
        if handler.command != "GET":
            handler.send_json(405, {"detail": "Method Not Allowed"})
        elif not handler.headers.get("Authorization", "").startswith("Key "):
            handler.send_json(401, {"detail": "Missing authorization header"})
        elif "/requests/" in handler.path and handler.path.endswith("/status"):
            handler.send_json(404, {"detail": "Request not found"})
        else:
            handler.send_json(404, {"detail": "Not Found"})


@dataclass
class Site(_Running):
    """``with Site(root, {b"PLACEHOLDER": key.encode()}, proxies={"/api/fal/proxy": "open"}, fal=fal) as site:``."""

    root: Path | None = None
    substitutions: dict[bytes, bytes] = field(default_factory=dict)
    proxies: dict[str, str] = field(default_factory=dict)  # path -> open | closed | byok
    fal: Fal | None = None
    site_key: str = ""  # what an open proxy sends fal (a fake key)
    routes: dict[str, Route] = field(default_factory=dict)

    def __enter__(self) -> Site:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, handler: Handler) -> None:
        path = urlsplit(handler.path).path
        if path in self.routes:
            self.routes[path](handler)
        elif path in self.proxies:
            self._proxy(handler, self.proxies[path])
        elif handler.command not in ("GET", "HEAD"):
            handler.send(405, b"Method Not Allowed")
        else:
            self._static(handler, path)

    def _static(self, handler: Handler, path: str) -> None:
        file = self._file(path)
        if file is None:
            missing = self._file("/404")
            handler.send(404, self._served(missing) if missing else b"<!doctype html><h1>404</h1>", "text/html")
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        handler.send(200, self._served(file), content_type)

    def _file(self, path: str) -> Path | None:
        if self.root is None or ".." in path.split("/"):
            return None
        relative = path.lstrip("/") or "index.html"
        for candidate in (relative, relative + ".html", relative.rstrip("/") + "/index.html"):
            file = self.root / candidate
            if file.is_file():
                return file
        return None

    def _served(self, file: Path) -> bytes:
        data = file.read_bytes()
        for placeholder, value in self.substitutions.items():
            data = data.replace(placeholder, value)
        return data

    def _proxy(self, handler: Handler, mode: str) -> None:
        target = handler.headers.get("x-fal-target-url")
        host = urlsplit(target).hostname if target else None
        if not target or host not in ALLOWED_TARGET_HOSTS:
            handler.send_json(400, "Invalid request")
            return
        if mode == "closed" and "session=" not in handler.headers.get("Cookie", ""):
            handler.send_json(401, "Unauthorized")
            return
        key = handler.headers.get("x-fal-user-key") if mode == "byok" else self.site_key
        if not key:
            handler.send_json(401, "Unauthorized")
            return
        assert self.fal is not None
        forwarded = urllib.request.Request(
            self.fal.url + urlsplit(target).path, method=handler.command, headers={"Authorization": f"Key {key}"}
        )
        try:
            with urllib.request.urlopen(forwarded, timeout=10) as answer:  # the local stand-in
                status, body, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, body, kind = error.code, error.read(), error.headers.get("Content-Type", "")
        handler.send(status, body, kind)
