"""Small real repositories a new user meets falguard with (issue 25): each built in a
temporary directory by the test, with its fake keys assembled at run time.

- ``env_copy``: a committed ``.env copy`` (a path with a space) holding a key;
- ``deleted_env``: ``pro.env`` with a key, committed, then deleted from the tip;
- ``next_src_app``: a Next.js App Router app under ``src/app`` whose client component reads
  a ``NEXT_PUBLIC_`` key from a tracked ``.env.local``, and a second page calling fal
  without a proxy;
- ``vite_app``: a Vite app whose browser source reads a ``VITE_`` key from a tracked ``.env``;
- ``python_only``: a Python service with a key in its code.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import commit_all, git, write
from tests.keys import fake_key_id_secret

NEXT_PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"
VITE_PUBLIC = "VITE_" + "FAL_KEY"


@dataclass(frozen=True)
class Scenario:
    name: str
    repo: Path
    keys: tuple[str, ...]  # every key the repository holds, for a stand-in fal API to know


def _key(seed: int) -> str:
    return fake_key_id_secret(random.Random(7000 + seed))


def _new(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def _package(*dependencies: str) -> str:
    return json.dumps({"name": "app", "private": True, "dependencies": {name: "*" for name in dependencies}})


def env_copy(root: Path) -> Scenario:
    repo, key = _new(root, "env-copy"), _key(1)
    write(repo, ".env copy", f"FAL_KEY={key}\n")
    write(repo, "app.py", 'import os\n\nprint(os.environ["FAL_KEY"][:4])\n')
    commit_all(repo, "add settings")
    return Scenario("env-copy", repo, (key,))


def deleted_env(root: Path) -> Scenario:
    repo, key = _new(root, "deleted-env"), _key(2)
    write(repo, "pro.env", f"FAL_KEY={key}\n")
    write(repo, "app.py", "print('hello')\n")
    commit_all(repo, "add production settings")
    git(repo, "rm", "-q", "pro.env")
    commit_all(repo, "remove production settings")
    return Scenario("deleted-env", repo, (key,))


def next_src_app(root: Path) -> Scenario:
    repo, key = _new(root, "next-src-app"), _key(3)
    write(repo, "package.json", _package("next", "react", "@fal-ai/client"))
    write(repo, "tsconfig.json", "{}\n")
    write(repo, ".env.local", f"{NEXT_PUBLIC}={key}\n")
    write(
        repo,
        "src/app/page.tsx",
        '"use client";\nimport { fal } from "@fal-ai/client";\n\n'
        f"fal.config({{ credentials: process.env.{NEXT_PUBLIC} }});\n\n"
        "export default function Page() {\n  return null;\n}\n",
    )
    write(
        repo,
        "src/app/studio/page.tsx",
        '"use client";\nimport { fal } from "@fal-ai/client";\n\n'
        'export default function Studio() {\n  return fal.subscribe("fal-ai/flux/dev", { input: {} });\n}\n',
    )
    commit_all(repo, "next app")
    return Scenario("next-src-app", repo, (key,))


def vite_app(root: Path) -> Scenario:
    repo, key = _new(root, "vite-app"), _key(4)
    write(repo, "package.json", _package("vite", "react", "@fal-ai/client"))
    write(repo, "vite.config.ts", 'import { defineConfig } from "vite";\n\nexport default defineConfig({});\n')
    write(repo, "index.html", '<script type="module" src="/src/main.ts"></script>\n')
    write(repo, ".env", f"{VITE_PUBLIC}={key}\n")
    write(
        repo,
        "src/main.ts",
        f'import {{ fal }} from "@fal-ai/client";\n\nfal.config({{ credentials: import.meta.env.{VITE_PUBLIC} }});\n',
    )
    commit_all(repo, "vite app")
    return Scenario("vite-app", repo, (key,))


def python_only(root: Path) -> Scenario:
    repo, key = _new(root, "python-only"), _key(5)
    write(repo, ".gitignore", "__pycache__/\n")
    write(repo, "requirements.txt", "fal-client\n")
    write(repo, "service.py", f'import os\n\nos.environ.setdefault("FAL_KEY", "{key}")\n')
    commit_all(repo, "service")
    return Scenario("python-only", repo, (key,))


SCENARIOS: dict[str, Callable[[Path], Scenario]] = {
    "env-copy": env_copy,
    "deleted-env": deleted_env,
    "next-src-app": next_src_app,
    "vite-app": vite_app,
    "python-only": python_only,
}
