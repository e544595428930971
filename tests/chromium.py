"""Headless Chromium driven over the DevTools protocol, for the HTML report's browser tests,
its benchmark and its screenshot.

The protocol runs over a pair of pipes (``--remote-debugging-pipe``: JSON messages ending in
NUL on file descriptors 3 and 4), so there is no port, no websocket and no dependency: the
standard library and Debian's ``chromium`` package are all it needs. Every request the page
makes, every console message and every page error is recorded.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
)  # fmt: skip


def available() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is not installed (Debian: apt-get install -y chromium chromium-driver)"
    return None


@dataclass
class Session:
    """One page's record: requests it made, console messages and errors."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions, CSP violations, failed loads


class Browser:
    """``with Browser() as browser: browser.open(path); browser.evaluate("document.title")``."""

    def __init__(self, width: int = 1200, height: int = 900, timeout: float = 30.0) -> None:
        self.width, self.height, self.timeout = width, height, timeout
        self.profile = tempfile.mkdtemp(prefix="falguard-chromium-")
        self.log = open(os.path.join(self.profile, "stderr.log"), "wb")  # noqa: SIM115  # closed in close()
        to_browser_read, self._write = os.pipe()
        self._read, from_browser_write = os.pipe()

        def place_pipes() -> None:  # in the child: the protocol's descriptors are 3 (in) and 4 (out)
            inbound = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            outbound = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(inbound, 3)
            os.dup2(outbound, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            pass_fds=(3, 4), preexec_fn=place_pipes,  # no threads in the tests
        )  # fmt: skip
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.session_id = ""
        self.record = Session()

    # --- the protocol ---------------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page and self.session_id:
            message["sessionId"] = self.session_id
        os.write(self._write, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"chromium exited; see {self.log.name}")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        found: dict[str, Any] = json.loads(message)
        if "method" in found:
            self._note(found)
        return found

    def call(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> dict[str, Any]:
        number = self._send(method, params, page=page)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def wait_for(self, event: str) -> dict[str, Any]:
        for index, message in enumerate(self._events):
            if message["method"] == event:
                return self._events.pop(index)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("method") == event:
                self._events.remove(message)
                return message

    def _note(self, event: dict[str, Any]) -> None:
        method, params = event["method"], event.get("params", {})
        self._events.append(event)
        if method == "Network.requestWillBeSent":
            self.record.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            self.record.console.append((params.get("type", ""), text))
        elif method == "Runtime.exceptionThrown":
            self.record.errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            self.record.errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")

    # --- what the tests use -----------------------------------------------------------------

    def start(self) -> Browser:
        target = self.call("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, page=False)
        self.session_id = attached["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        return self

    def open(self, path: Path, *, javascript: bool = True) -> float:
        """Load a file; return the seconds from navigation to the load event."""
        self.record = Session()
        self._events.clear()
        self.call("Emulation.setScriptExecutionDisabled", {"value": not javascript})
        started = time.perf_counter()
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        return time.perf_counter() - started

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression!r} threw: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def click(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, target: Path, *, full_page: bool = True, down_to: str | None = None) -> None:
        """A PNG of the page: the whole of it, or from the top to the bottom of ``down_to`` (a selector)."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            height = self.call("Page.getLayoutMetrics")["cssContentSize"]["height"]
            if down_to:
                bottom = f"document.querySelector({json.dumps(down_to)}).getBoundingClientRect().bottom + scrollY + 16"
                height = min(height, self.evaluate(bottom))
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}
        target.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))

    def close(self) -> None:
        try:
            self._send("Browser.close", page=False)
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            for fd in (self._read, self._write):
                os.close(fd)
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()
