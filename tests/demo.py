"""A realistic repository for the audit's HTML page: a key pushed and later removed (copied
into a second file before that), a key committed but never pushed, a key in a served Next.js
bundle, and env hygiene problems. Fake keys only (tests/keys.py), built at run time.

    python -m tests.demo docs/audit-report.png

builds it in a temporary directory, renders ``falguard audit --format html`` and saves a
screenshot of the page taken by headless Chromium.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.helpers import git, write
from tests.keys import fake_key_id_secret

PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"  # split, so falguard's own tree scans clean
PEOPLE = {"alice": "Alice Moreau <alice@example.com>", "bob": "Bob Okafor <bob@example.com>"}


def _commit(repo: Path, message: str, who: str, date: str) -> str:
    name, _, email = PEOPLE[who].partition(" <")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">"), "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">"), "GIT_COMMITTER_DATE": date,
    }  # fmt: skip
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def build_demo(root: Path, seed: int = 2026) -> tuple[Path, list[str]]:
    """The repository (a clone of ``root/origin.git``) and its three fake keys."""
    rng = random.Random(seed)
    pushed, local, served = (fake_key_id_secret(rng) for _ in range(3))
    origin = root / "origin.git"
    git(root, "-c", "init.defaultBranch=main", "init", "-q", "--bare", str(origin))
    work = root / "acme-studio"
    git(root, "-c", "init.defaultBranch=main", "clone", "-q", str(origin), str(work))
    write(work, ".gitignore", "node_modules/\n.next/\n")
    write(work, "package.json", '{"name": "acme-studio", "private": true}\n')
    write(work, "lib/fal.py", f'import fal_client\n\nFAL_KEY = "{pushed}"\n')
    _commit(work, "Generate thumbnails with fal", "alice", "2025-09-03T10:12:00+02:00")
    write(work, "scripts/backfill copy.py", f'import os\nos.environ["FAL_KEY"] = "{pushed}"\n')
    write(work, ".env.staging", "DEBUG=0\nREGION=eu\n")
    _commit(work, "Backfill script for old uploads", "bob", "2025-09-17T16:40:00+02:00")
    git(work, "push", "-q", "origin", "HEAD:main")
    write(work, "lib/fal.py", 'import os\n\nimport fal_client\n\nFAL_KEY = os.environ["FAL_KEY"]\n')
    (work / "scripts" / "backfill copy.py").unlink()
    _commit(work, "Read FAL_KEY from the environment", "alice", "2025-10-02T09:05:00+02:00")
    git(work, "push", "-q", "origin", "HEAD:main")
    git(work, "fetch", "-q", "origin")
    write(work, "notebooks/try_flux.py", f'import fal_client\nfal_client.api_key = "{local}"\n')
    _commit(work, "Try flux in a notebook", "bob", "2025-11-20T18:30:00+01:00")
    write(work, ".env.local", f"{PUBLIC}={served}\n")
    bundle = f'"use strict";(self.webpackChunk=self.webpackChunk||[]).push([[42],{{7:e=>{{e.exports={{falKey:"{served}"}}}}}}]);\n'
    write(work, ".next/static/chunks/app/page-3f9a1c.js", bundle)
    return work, [pushed, local, served]


def main(argv: list[str]) -> int:
    from tests.chromium import Browser, available

    if len(argv) != 1:
        print("usage: python -m tests.demo SCREENSHOT.png", file=sys.stderr)
        return 2
    target = Path(argv[0]).resolve()
    reason = available()
    if reason:
        print(f"cannot take the screenshot: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="falguard-demo-") as temporary:
        work, _ = build_demo(Path(temporary))
        page = Path(temporary) / "audit.html"
        run = subprocess.run(
            [sys.executable, "-m", "falguard", "audit", "--format", "html", "-o", str(page), str(work)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if run.returncode not in (0, 1):
            print(run.stderr, file=sys.stderr)
            return 2
        with Browser(width=1100, height=900) as browser:
            browser.open(page)
            browser.screenshot(target, down_to="#hygiene")  # the steps and the ticket summary follow
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
