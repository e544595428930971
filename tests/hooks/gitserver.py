"""A real git server for the server hook's tests: ``git daemon --enable=receive-pack`` on
127.0.0.1, serving bare repositories under one base directory, always stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GitServer:
    base: Path
    port: int

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, daemon: subprocess.Popen[bytes], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


@contextmanager
def git_daemon(base: Path) -> Iterator[GitServer]:
    """Serve every repository under ``base`` (pushes allowed) until the block ends."""
    for _ in range(5):  # another process may take the free port first
        port = _free_port()
        daemon = subprocess.Popen(
            ["git", "daemon", "--enable=receive-pack", "--export-all", "--reuseaddr", f"--base-path={base}",
             f"--port={port}", "--listen=127.0.0.1", str(base)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if _wait_listening(port, daemon):
            break
        daemon.kill()
        daemon.wait()
    else:
        raise RuntimeError("git daemon did not start")
    try:
        yield GitServer(base, port)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
