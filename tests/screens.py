"""Screenshots of fake fal keys, rendered at test time by headless Chromium (tests/chromium.py).

Each scene is a small HTML page in the style of a place keys leak from (a terminal, an
editor, the dashboard's "key created" dialog, a notebook, a chat, the browser's devtools, a
table of settings) holding fresh fake keys from tests/keys.py, and decoys that must not become
high findings. ``render(scenes, directory)`` writes one 1280x720 PNG per scene, and variants
(a JPEG at quality 70, the PNG scaled to 75 %) are made with Pillow by ``variants``.
"""

from __future__ import annotations

import html
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.keys import fake_hex32, fake_token, fake_uuid

WIDTH, HEIGHT = 1280, 720
MONO = ("DejaVu Sans Mono", "Liberation Mono")
SANS = ("DejaVu Sans", "Liberation Sans")


@dataclass
class Scene:
    """One screenshot: its page, the key ids a scan must report, and the decoys it holds."""

    name: str
    page: str
    key_ids: list[str] = field(default_factory=list)  # each must be found, with this id
    fal_tokens: list[str] = field(default_factory=list)  # fal_ keys: found by their last 4 characters
    decoys: list[str] = field(default_factory=list)  # what must not be a high finding
    secrets: list[str] = field(default_factory=list)  # what no report may show in full


def _page(body: str, style: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        f"html,body{{margin:0;width:{WIDTH}px;height:{HEIGHT}px;overflow:hidden}}{style}"
        f"</style></head><body>{body}</body></html>"
    )


def _lines(lines: Iterable[str]) -> str:
    return "<br>".join(html.escape(line) for line in lines)


def terminal(rng: random.Random, *, dark: bool, font: str, size: int) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    other_id = fake_uuid(rng)
    colours = "background:#0c0c0c;color:#d0d0d0" if dark else "background:#fdfdfd;color:#222"
    lines = [
        "user@laptop:~/app$ fal keys create --scope API",
        "Key created. Store it now: it will not be shown again.",
        f"FAL_KEY='{key_id}:{secret}'",
        "user@laptop:~/app$ fal doctor",
        f"  key id: {other_id}",
        "  placeholder: FAL_KEY_ID:FAL_KEY_SECRET",
        "user@laptop:~/app$ ",
    ]
    style = f"body{{{colours};font:{size}px/{round(size * 1.5)}px '{font}',monospace;padding:24px}}"
    name = f"terminal-{'dark' if dark else 'light'}"
    return Scene(name, _page(_lines(lines), style), [key_id], decoys=[other_id], secrets=[secret])


def editor(rng: random.Random) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    masked = f"{fake_uuid(rng)}:{'*' * 28}{fake_hex32(rng)[:4]}"
    rows = [
        "# .env.local -- do not commit",
        "NEXT_PUBLIC_SITE_URL=https://example.test",
        f"FAL_KEY={key_id}:{secret}",
        f"# old one, revoked: {masked}",
        "DATABASE_URL=postgres://localhost/app",
    ]
    gutter = "".join(f"<div>{n}</div>" for n in range(1, len(rows) + 1))
    code = "".join(f"<div>{html.escape(row) or '&nbsp;'}</div>" for row in rows)
    body = (
        "<div class=tabs><span>.env.local</span><span>page.tsx</span></div>"
        f"<div class=pane><div class=gutter>{gutter}</div><div class=code>{code}</div></div>"
    )
    style = (
        "body{background:#1e1e1e;color:#d4d4d4;font:15px/22px 'Liberation Mono',monospace}"
        ".tabs{background:#252526;padding:8px 12px}.tabs span{margin-right:24px;color:#ccc}"
        ".pane{display:flex;padding:12px}.gutter{color:#858585;width:40px;text-align:right;margin-right:16px}"
    )
    return Scene("editor", _page(body, style), [key_id], decoys=[masked], secrets=[secret])


def dialog(rng: random.Random) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    body = (
        "<div class=shade><div class=box><h2>API key created</h2>"
        "<p>Copy your key now. For security it will not be shown again.</p>"
        f"<label>Key ID</label><div class=field>{key_id}</div>"
        f"<label>Key</label><div class=field>{key_id}:{secret}</div>"
        "<div class=buttons><button>Copy</button><button class=primary>Done</button></div></div></div>"
    )
    style = (
        "body{background:#888;font:16px 'DejaVu Sans',sans-serif}.shade{padding:120px 0}"
        ".box{background:#fff;width:820px;margin:auto;border-radius:12px;padding:28px 32px;color:#111}"
        "label{display:block;color:#555;font-size:13px;margin-top:14px}"
        ".field{background:#f3f4f6;border:1px solid #ddd;border-radius:6px;padding:10px;"
        "font:15px 'DejaVu Sans Mono',monospace;margin-top:4px}"
        ".buttons{margin-top:24px;text-align:right}button{padding:8px 16px;margin-left:8px}"
        ".primary{background:#6d28d9;color:#fff;border:0}"
    )
    return Scene("dialog", _page(body, style), [key_id], secrets=[secret])


def notebook(rng: random.Random) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    code = _lines(["import os", "import fal_client", f'os.environ["FAL_KEY"] = "{key_id}:{secret}"'])
    body = (
        f"<div class=cell><span class=prompt>In [3]:</span><pre>{code}</pre></div>"
        "<div class=cell><span class=prompt>Out[3]:</span><pre>{'images': [{'url': 'https://example.test/a.png'}]}</pre>"
        "</div>"
    )
    style = (
        "body{background:#fff;font:14px 'DejaVu Sans',sans-serif;padding:30px}"
        ".cell{display:flex;margin-bottom:14px}.prompt{color:#303f9f;width:80px;padding-top:10px}"
        "pre{background:#f7f7f7;border:1px solid #cfcfcf;padding:10px;margin:0;flex:1;"
        "font:14px/20px 'DejaVu Sans Mono',monospace}"
    )
    return Scene("notebook", _page(body, style), [key_id], secrets=[secret])


def chat(rng: random.Random) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    token = "fal" + "_" + fake_token(rng, 40)
    body = (
        "<div class=msg><b>sam</b> it fails with 401 again, can you try with mine? "
        f"it's {key_id}:{secret} thanks</div>"
        f"<div class=msg><b>alex</b> works here. the new one is {token} btw</div>"
        "<div class=msg><b>sam</b> placeholder in the docs was YOUR_FAL_KEY, that's why</div>"
    )
    style = (
        "body{background:#fff;color:#1d1c1d;font:17px/26px 'Liberation Sans',sans-serif;padding:40px}"
        ".msg{margin-bottom:18px;max-width:1200px}"
    )
    return Scene("chat", _page(body, style), [key_id], fal_tokens=[token], secrets=[secret, token])


def devtools(rng: random.Random) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    request_id = fake_uuid(rng)
    sha = fake_hex32(rng) + fake_hex32(rng)[:8]
    rows = [
        ("Request URL", "https://queue.fal.run/fal-ai/flux/dev"),
        ("Request Method", "POST"),
        ("Status Code", "200 OK"),
        ("x-fal-request-id", request_id),
        ("x-commit-sha", sha),
        ("Authorization", f"Key {key_id}:{secret}"),
        ("Content-Type", "application/json"),
    ]
    table = "".join(f"<tr><td class=k>{html.escape(k)}:</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    body = f"<div class=bar>Elements Console Sources Network</div><div class=h>Headers</div><table>{table}</table>"
    style = (
        "body{background:#fff;color:#303942;font:12px 'DejaVu Sans',sans-serif}"
        ".bar{background:#f1f3f4;padding:6px 10px;border-bottom:1px solid #ccc}.h{padding:8px 10px;font-weight:bold}"
        "td{padding:3px 10px}.k{color:#881280;font-weight:bold}"
    )
    return Scene("devtools", _page(body, style), [key_id], decoys=[request_id, sha], secrets=[secret])


def pair_table(rng: random.Random) -> Scene:
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    dsn_key = fake_hex32(rng)
    rows = [
        ("Name", "Value"),
        ("FAL_KEY_ID", key_id),
        ("FAL_KEY_SECRET", secret),
        ("SENTRY_DSN", f"https://{dsn_key}@o123456.ingest.sentry.io/789"),
    ]
    table = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    style = (
        "body{background:#fafafa;font:15px 'DejaVu Sans Mono',monospace;padding:40px;color:#222}"
        "table{border-collapse:collapse}td{border:1px solid #bbb;padding:8px 14px}"
    )
    return Scene("pair-table", _page(f"<table>{table}</table>", style), [key_id], decoys=[dsn_key], secrets=[secret])


def all_scenes(seed: int = 27) -> list[Scene]:
    rng = random.Random(seed)
    return [
        terminal(rng, dark=True, font="DejaVu Sans Mono", size=16),
        terminal(rng, dark=False, font="Liberation Mono", size=14),
        editor(rng),
        dialog(rng),
        notebook(rng),
        chat(rng),
        devtools(rng),
        pair_table(rng),
    ]


def render(scenes: Iterable[Scene], directory: Path) -> dict[str, Path]:
    """One PNG per scene, ``directory/<name>.png``, by headless Chromium at 1280x720."""
    from tests.chromium import Browser

    shots: dict[str, Path] = {}
    with Browser(WIDTH, HEIGHT) as browser:
        for scene in scenes:
            page = directory / f"{scene.name}.html"
            page.write_text(scene.page, encoding="utf-8")
            browser.open(page, javascript=False)
            shots[scene.name] = directory / f"{scene.name}.png"
            browser.screenshot(shots[scene.name], full_page=False)
            page.unlink()
    return shots


def jpeg(png: bytes, quality: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def scaled(png: bytes, factor: float) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    size = (round(image.width * factor), round(image.height * factor))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(out, "PNG")
    return out.getvalue()
