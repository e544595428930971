"""Real build output for the probe's stand-in sites: a small Next.js app (Pages Router and
an App Router page, static export, webpack, browser source maps) and a small Vite app (two roots: a leaky one
and a safe one), built with the real toolchains from the npm registry.

The apps are written here, into a temporary directory, and built with placeholders where a
key goes (``NEXT_PUBLIC_FAL_KEY`` / ``VITE_FAL_KEY`` set to :data:`KEY_PLACEHOLDER` at build
time, and :data:`COMMENT_PLACEHOLDER` in a commented-out line the minifier drops but the
source map's ``sourcesContent`` keeps). The stand-in site substitutes fake keys, assembled at
run time, when it serves the files: no key-shaped literal is ever written to disk or
committed, and one build serves every test.

Builds are cached in ``$FALGUARD_SITE_CACHE`` (default ``~/.cache/falguard-tests/sites``)
under a hash of everything below, so only the first run pays (about 30 s: ``npm install``
of pinned versions and two builds; the npm registry is the only network it needs). Run
``python -m tests.site.builds`` to build (or find) them and print where they are.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

KEY_PLACEHOLDER = "FALGUARD_SITE_KEY_PLACEHOLDER"
#: The public variables the apps read, spelled in pieces so falguard's own tree scans clean.
NEXT_VARIABLE = f"NEXT_PUBLIC_{'FAL'}_KEY"
VITE_VARIABLE = f"VITE_{'FAL'}_KEY"
COMMENT_PLACEHOLDER = "FALGUARD_SITE_COMMENT_PLACEHOLDER"
NPM_TIMEOUT = 600

#: Pinned; each runs on Node 18.18+ (Debian 12's nodejs) as well as newer ones.
VERSIONS = {"next": "15.5.29", "react": "19.2.0", "react-dom": "19.2.0", "@fal-ai/client": "1.7.2", "vite": "6.4.6"}

_COMMENTED_KEY = f'// the old setup, before the proxy: fal.config({{ credentials: "{COMMENT_PLACEHOLDER}" }});\n'

NEXT_FILES = {
    "package.json": json.dumps(
        {
            "name": "falguard-standin-next",
            "private": True,
            "dependencies": {name: VERSIONS[name] for name in ("next", "react", "react-dom", "@fal-ai/client")},
        }
    ),
    "next.config.js": "module.exports = { productionBrowserSourceMaps: true, output: 'export' };\n",
    "pages/index.js": (
        'import Link from "next/link";\n'
        "export default function Home() {\n"
        '  return <main><h1>Stand-in</h1><Link href="/studio">studio</Link></main>;\n'
        "}\n"
    ),
    # The App Router, beside the Pages Router: a client component's chunk, named by the page.
    "app/layout.js": "export default function Root({ children }) { return <html><body>{children}</body></html>; }\n",
    "app/lab/page.js": (
        '"use client";\n'
        'import { fal } from "@fal-ai/client";\n'
        f'fal.config({{ credentials: process.env.{NEXT_VARIABLE}, proxyUrl: "/api/lab/fal" }});\n'
        "export default function Lab() {\n"
        '  const run = () => fal.subscribe("fal-ai/fast-sdxl", { input: { prompt: "a lighthouse" } });\n'
        "  return <button onClick={run}>run</button>;\n"
        "}\n"
    ),
    # Only the build manifest names this page's chunk: the home page does not load it.
    "pages/studio.js": (
        'import { fal } from "@fal-ai/client";\n'
        + _COMMENTED_KEY
        + f'fal.config({{ credentials: process.env.{NEXT_VARIABLE}, proxyUrl: "/api/studio/fal" }});\n'
        "export default function Studio() {\n"
        '  const run = () => fal.subscribe("fal-ai/fast-sdxl", { input: { prompt: "a lighthouse" } });\n'
        "  return <button onClick={run}>run</button>;\n"
        "}\n"
    ),
}

_VITE_HTML = (
    '<!doctype html><html><head><title>stand-in</title></head><body><div id="app"></div>'
    '<script type="module" src="/src/main.js"></script></body></html>\n'
)
_VITE_MAIN = (
    'import { greet } from "./greet.js";\n'
    'document.getElementById("app").textContent = greet();\n'
    'document.addEventListener("click", () => import("./studio.js").then((m) => m.run()));\n'
)
VITE_FILES = {
    "package.json": json.dumps(
        {
            "name": "falguard-standin-vite",
            "private": True,
            "type": "module",
            "dependencies": {"@fal-ai/client": VERSIONS["@fal-ai/client"]},
            "devDependencies": {"vite": VERSIONS["vite"]},
        }
    ),
    # leaky/: the key inlined from VITE_FAL_KEY in a lazily imported chunk, a proxyUrl
    # that only that chunk names, and a key in a comment only the source map keeps.
    "leaky/vite.config.js": "export default { build: { sourcemap: true, outDir: '../dist-leaky' } };\n",
    "leaky/index.html": _VITE_HTML,
    "leaky/src/main.js": _VITE_MAIN,
    "leaky/src/greet.js": 'export const greet = () => "hello";\n',
    "leaky/src/studio.js": (
        'import { fal } from "@fal-ai/client";\n'
        + _COMMENTED_KEY
        + f'fal.config({{ credentials: import.meta.env.{VITE_VARIABLE}, proxyUrl: "/api/gateway/fal" }});\n'
        'export const run = () => fal.subscribe("fal-ai/fast-sdxl", { input: { prompt: "a lighthouse" } });\n'
    ),
    # safe/: the browser calls fal through the proxy only.
    "safe/vite.config.js": "export default { build: { sourcemap: true, outDir: '../dist-safe' } };\n",
    "safe/index.html": _VITE_HTML,
    "safe/src/main.js": _VITE_MAIN,
    "safe/src/greet.js": 'export const greet = () => "hello";\n',
    "safe/src/studio.js": (
        'import { fal } from "@fal-ai/client";\n'
        'fal.config({ proxyUrl: "/api/fal/proxy" });\n'
        'export const run = () => fal.subscribe("fal-ai/fast-sdxl", { input: { prompt: "a lighthouse" } });\n'
    ),
}


@dataclass(frozen=True)
class Builds:
    next_site: Path  # Next.js's static export (out/)
    vite_leaky: Path  # dist/ of the leaky Vite root
    vite_safe: Path  # dist/ of the safe Vite root


def missing_tools() -> str | None:
    """Why the apps cannot be built here, or None."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install -y nodejs npm)"
    return None


def cache_root() -> Path:
    configured = os.environ.get("FALGUARD_SITE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "falguard-tests" / "sites"


def fingerprint() -> str:
    text = json.dumps([NEXT_FILES, VITE_FILES, VERSIONS, KEY_PLACEHOLDER, COMMENT_PLACEHOLDER], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def built() -> Builds:
    """The three sites' build output, built now unless cached."""
    home = cache_root() / fingerprint()
    builds = Builds(home / "next", home / "vite-leaky", home / "vite-safe")
    if all((path / "index.html").is_file() for path in (builds.next_site, builds.vite_leaky, builds.vite_safe)):
        return builds
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="falguard-site-build-", dir=home.parent) as work:
        staging = Path(work) / "out"
        staging.mkdir()
        next_app, vite_app = _write(Path(work) / "next", NEXT_FILES), _write(Path(work) / "vite", VITE_FILES)
        _npm(next_app, "install")
        _npm(next_app, "exec", "--", "next", "build", env={NEXT_VARIABLE: KEY_PLACEHOLDER})
        shutil.copytree(next_app / "out", staging / "next")
        _npm(vite_app, "install")
        for root in ("leaky", "safe"):
            _npm(vite_app, "exec", "--", "vite", "build", root, env={VITE_VARIABLE: KEY_PLACEHOLDER})
            shutil.copytree(vite_app / f"dist-{root}", staging / f"vite-{root}")
        if home.exists():
            shutil.rmtree(home)
        staging.rename(home)
    return builds


def _write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def _npm(directory: Path, *args: str, env: dict[str, str] | None = None) -> None:
    command = ["npm", *args]
    if args[0] == "install":
        command += ["--no-audit", "--no-fund", "--loglevel=error"]
    environment = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "CI": "1", **(env or {})}
    done = subprocess.run(
        command, cwd=directory, env=environment, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed in {directory}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


if __name__ == "__main__":
    print(built(), file=sys.stdout)
