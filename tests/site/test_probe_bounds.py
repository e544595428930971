"""`falguard probe` against hostile and foreign stand-ins: every bound cuts and says so, no
other origin is ever asked anything, bad input is one line and exit 2."""

from __future__ import annotations

import gzip
import json
import random
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from falguard.cli import main
from tests.keys import fake_key_id_secret
from tests.site.conftest import Probed
from tests.site.standin import Handler, Route, Site

Probe = Callable[..., Probed]
JS = "application/javascript"


def page(*scripts: str) -> Route:
    tags = "".join(f'<script src="{src}"></script>' for src in scripts)
    return lambda handler: handler.send(200, f"<!doctype html><html><head>{tags}</head></html>".encode(), "text/html")


def script(text: str, headers: dict[str, str] | None = None) -> Route:
    return lambda handler: handler.send(200, text.encode(), JS, headers)


def redirect(to: str) -> Route:
    return lambda handler: handler.send(302, b"", "text/plain", {"Location": to})


def endless(prefix: bytes) -> Route:
    """A chunked script that never ends (until the client hangs up)."""

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JS)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.close_connection = True
        chunk = prefix + b"var filler = 1;\n" * 4096
        try:
            while not handler.server.owner.stopping.is_set():
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                chunk = b"var filler = 1;\n" * 4096
        except OSError:
            return

    return answer


def slow(prefix: bytes) -> Route:
    """A script that trickles in a byte at a time, never finishing."""

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JS)
        handler.send_header("Content-Length", str(10**9))
        handler.end_headers()
        handler.close_connection = True
        try:
            handler.wfile.write(prefix)
            while not handler.server.owner.stopping.wait(0.05):
                handler.wfile.write(b" ")
                handler.wfile.flush()
        except OSError:
            return

    return answer


def gzip_bomb(prefix: bytes, size: int = 64 << 20) -> Route:
    """A script that is a few hundred KiB on the wire and ``size`` bytes decompressed."""
    compressor = gzip.compress(prefix + b" " * size, compresslevel=9)
    return lambda handler: handler.send(200, compressor, JS, {"Content-Encoding": "gzip"})


@pytest.fixture
def key() -> str:
    return fake_key_id_secret(random.Random(99))


def declaration(key: str) -> bytes:
    return f'const FAL_KEY = "{key}";\n'.encode()


@pytest.mark.parametrize(
    ("route", "flags", "cut"),
    [
        (endless, ("--max-asset-size", "1MiB"), "cut at 1,048,576 bytes: --max-asset-size"),
        (gzip_bomb, ("--max-asset-size", "1MiB"), "cut at 1,048,576 bytes decompressed: --max-asset-size"),
        (endless, ("--max-asset-size", "64MiB", "--max-total-size", "2MiB"), "--max-total-size (2,097,152 bytes)"),
        (slow, ("--timeout", "3"), "bytes: still arriving after"),
    ],
    ids=["endless-chunked", "gzip-bomb", "total-bytes", "slow"],
)
def test_hostile_assets_are_cut_at_their_bound_and_still_scanned(
    run_probe: Probe, key: str, route: Callable[[bytes], Route], flags: tuple[str, ...], cut: str
) -> None:
    with Site(routes={"/": page("/app.js"), "/app.js": route(declaration(key))}) as site:
        probed = run_probe(site.url, *flags)
    said = probed.report["summary"]["incomplete"] + probed.report["summary"]["unreadable"]
    assert any(cut in reason and "/app.js" in reason for reason in said), said
    assert probed.report["summary"]["complete"] is False
    # what arrived before the cut is scanned
    assert [f["key_id"] for f in probed.findings()] == [key.partition(":")[0]]
    assert probed.code == 1
    assert any(s.path == "/api/fal/proxy" for s in site.requests)  # time and requests were kept for it


def test_slow_server_cut_by_the_time_limit_says_so(run_probe: Probe, key: str) -> None:
    with Site(routes={"/": page("/app.js"), "/app.js": slow(declaration(key))}) as site:
        started = time.monotonic()
        probed = run_probe(site.url, "--timeout", "2")
    assert time.monotonic() - started < 60  # bounded: not a timing assertion on the figure itself
    said = probed.report["summary"]["incomplete"] + probed.report["summary"]["unreadable"]
    assert any("/app.js" in reason for reason in said), said


def test_thousands_of_chunk_names_stop_at_the_request_limit(run_probe: Probe) -> None:
    names = "".join(f'"./chunk-{n}.js",' for n in range(5000))
    with Site(routes={"/": page("/app.js"), "/app.js": script(f"const chunks = [{names}];")}) as site:
        probed = run_probe(site.url, "--max-requests", "40")
    assert len(site.requests) <= 40
    (said,) = [reason for reason in probed.report["summary"]["incomplete"] if "--max-requests" in reason]
    assert "more URLs not fetched" in said
    assert any(s.path == "/api/fal/proxy" for s in site.requests)  # requests were kept for the proxy check


def test_no_other_origin_is_ever_asked(run_probe: Probe) -> None:
    with Site() as other:
        app = (
            f'import("{other.url}/lazy.js"); import("//127.0.0.1:{other.url.rsplit(":", 1)[1]}/lazy2.js");\n'
            f'fal.config({{ proxyUrl: "{other.url}/api/fal/proxy" }});\n'
            f"//# sourceMappingURL={other.url}/app.js.map\n"
        )
        routes = {
            "/": page(f"{other.url}/evil.js", "/app.js", "/moved.js"),
            "/app.js": script(app),
            "/moved.js": redirect(f"{other.url}/evil2.js"),
            "/api/fal/proxy": redirect(f"{other.url}/api/fal/proxy"),
        }
        with Site(routes=routes) as site:
            probed = run_probe(site.url)
        assert other.requests == []
    skipped = "\n".join(probed.report["summary"]["skipped_paths"])
    for named in (
        f"{other.url}/evil.js",
        f"{other.url}/evil2.js",
        f"{other.url}/api/fal/proxy",
        f"{other.url}/app.js.map",
    ):
        assert named in skipped
    assert probed.code == 0
    assert site.methods() == {"GET"}


def test_a_page_redirecting_to_another_origin_is_an_error(run_probe: Probe) -> None:
    with Site() as other, Site(routes={"/": redirect(other.url + "/")}) as site:
        probed = run_probe(site.url)
        assert other.requests == []
    assert probed.code == 2
    assert probed.stderr.strip().splitlines() == [
        f"falguard: error: {site.url}/ redirects to another origin ({other.url}/): probe that URL instead"
    ]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://127.0.0.1/", "not an http(s) URL"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("127.0.0.1:8080", "not an http(s) URL"),
        ("http://", "no host in URL"),
        ("http://user:pw@127.0.0.1/", "a URL with a user name or password"),
        ("http://127.0.0.1:99999/", "not a URL"),
        ("http://127.0.0.1:{port}/", "cannot read http://127.0.0.1:{port}/: cannot connect (connection refused)"),
    ],
)
def test_bad_or_unreachable_urls_are_one_line_and_exit_2(
    url: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    code = main(["probe", url.format(port=port)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("falguard: error: ") and said.format(port=port) in err[0], err


def test_tls_is_verified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cert, private = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(private), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, private)
    with Site(routes={"/": page()}, tls=context) as site:
        code = main(["probe", site.url])
    err = capsys.readouterr().err
    assert code == 2 and "TLS error" in err and "CERTIFICATE_VERIFY_FAILED" in err, err
    assert site.requests == []  # the handshake failed: no request was made


def test_other_commands_fetch_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Site(routes={"/": page()}) as site:
        (tmp_path / "deploy.md").write_text(f"Deployed at {site.url}/ (proxy: {site.url}/api/fal/proxy)\n")
        assert main(["scan", "--no-git", "--no-baseline", str(tmp_path)]) == 0
    assert site.requests == []


def test_a_source_map_cut_at_its_bound_is_still_scanned_as_text(run_probe: Probe, key: str) -> None:
    source = declaration(key).decode() + "var filler = 1;\n" * 20_000
    document = json.dumps({"version": 3, "sources": ["src/app.js"], "sourcesContent": [source], "mappings": ""})
    routes = {
        "/": page("/app.js"),
        "/app.js": script("var a=1;\n//# sourceMappingURL=app.js.map\n"),
        "/app.js.map": lambda handler: handler.send(200, document.encode(), "application/json"),
    }
    with Site(routes=routes) as site:
        probed = run_probe(site.url, "--max-asset-size", "64KiB")
    assert [(f["path"], f["key_id"]) for f in probed.findings()] == [(site.url + "/app.js.map", key.partition(":")[0])]
    assert any("/app.js.map: cut at 65,536 bytes" in reason for reason in probed.report["summary"]["incomplete"])
    with Site(routes=routes) as site:  # whole, the same key is found in its original source
        probed = run_probe(site.url)
    assert [f["path"] for f in probed.findings()] == [site.url + "/app.js.map!src/app.js"]
