"""The documentation's example runs, from real runs in temporary directories. Fake keys only
(tests/keys.py), built at run time; dates and names are fixed, so the output is the same on
every machine; ``tests/test_walkthrough.py`` checks that the pages hold exactly this
(``BLOCKS`` says which block lives in which page).

- the walkthrough of a Python-only repository: a FastAPI worker with no package.json whose
  fal key was committed in ``settings.py`` and ``.env.production`` and pushed
  (``falguard scan`` and ``falguard audit``, the repository path shortened to /srv/worker);
- the Quickstart's run: a small Next.js repository with a committed ``.env`` and a client
  component that reads a public variable (``falguard scan``);
- the organisation audit: the test suite's fleet (``tests/org/fleet.py``) audited with
  ``falguard audit --repos`` (commit dates fixed, its directory shown as /srv/git/acme-org).

    python -m tests.walkthrough [walkthrough|quickstart|org]   # print one run
    python -m tests.walkthrough --write                          # rewrite every block in its page
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.helpers import git, write
from tests.keys import fake_key_id_secret

SHOWN_AS = "/srv/worker"
PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"  # split, so falguard's own tree scans clean
WHO = {"name": "Dana Reyes", "email": "dana@example.com", "date": "2026-03-04T10:20:00+00:00"}


def build(root: Path, seed: int = 16) -> Path:
    key = fake_key_id_secret(random.Random(seed))
    origin = root / "origin.git"
    git(root, "-c", "init.defaultBranch=main", "init", "-q", "--bare", str(origin))
    work = root / "worker"
    git(root, "-c", "init.defaultBranch=main", "clone", "-q", str(origin), str(work))
    write(work, ".gitignore", "__pycache__/\n.venv/\n")
    write(work, "requirements.txt", "fal-client\nfastapi\n")
    write(work, "settings.py", f'import os\n\nFAL_KEY = os.environ.get("FAL_KEY", "{key}")\n')
    write(work, ".env.production", f"FAL_KEY={key}\n")
    write(
        work, "worker.py",
        "import fal_client\nfrom fastapi import FastAPI\n\nimport settings\n\napp = FastAPI()\n"
        "client = fal_client.SyncClient(key=settings.FAL_KEY)\n",
    )  # fmt: skip
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": WHO["name"], "GIT_AUTHOR_EMAIL": WHO["email"], "GIT_AUTHOR_DATE": WHO["date"],
        "GIT_COMMITTER_NAME": WHO["name"], "GIT_COMMITTER_EMAIL": WHO["email"], "GIT_COMMITTER_DATE": WHO["date"],
    }  # fmt: skip
    subprocess.run(["git", "add", "-A"], cwd=work, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "Worker for thumbnails"], cwd=work, check=True, env=env)
    git(work, "push", "-q", "origin", "HEAD:main")
    git(work, "fetch", "-q", "origin")
    return work


def run(work: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "falguard", *args], cwd=work, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    return f"$ falguard {' '.join(args)}\n{proc.stdout}$ echo $?\n{proc.returncode}\n".replace(str(work), SHOWN_AS)


def walkthrough() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = build(Path(tmp))
        return run(work, "scan") + "\n" + run(work, "audit")


def quickstart(seed: int = 42) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "my-app"
        git(Path(tmp), "-c", "init.defaultBranch=main", "init", "-q", str(work))
        write(work, ".env", f"FAL_KEY={fake_key_id_secret(random.Random(seed))}\n")
        write(work, "package.json", '{"dependencies": {"next": "14.2.0", "@fal-ai/client": "1.0.0"}}\n')
        write(
            work, "app/page.tsx",
            f'"use client";\nimport {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: process.env.{PUBLIC} }});\n',
        )  # fmt: skip
        git(work, "add", "-A")
        git(work, "-c", "user.name=Dana Reyes", "-c", "user.email=dana@example.com", "commit", "-q", "-m", "app")
        return run(work, "scan")


@contextlib.contextmanager
def _commit_dates(date: str) -> Iterator[None]:
    """Every commit made meanwhile is dated ``date`` (so its hash is the same on every run)."""
    saved = {name: os.environ.get(name) for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")}
    os.environ.update(dict.fromkeys(saved, date))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


ORG_SHOWN_AS = "/srv/git/acme-org"  # as long as the temporary directory it stands for, so tables keep their widths


def org() -> str:
    from tests.org.fleet import build_fleet

    with tempfile.TemporaryDirectory(prefix="acme", dir="/tmp") as tmp, _commit_dates(WHO["date"]):
        assert len(tmp) == len(ORG_SHOWN_AS), tmp
        root = Path(tmp)
        build_fleet(root)
        proc = subprocess.run(
            [sys.executable, "-m", "falguard", "audit", "--repos", "repos.txt", "--jobs", "2"], cwd=root,
            capture_output=True, text=True, check=False,
            env={**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(root / "cache")},
        )  # fmt: skip
    shown = f"$ falguard audit --repos repos.txt --jobs 2\n{proc.stdout}{proc.stderr}$ echo $?\n{proc.returncode}\n"
    return shown.replace(tmp, ORG_SHOWN_AS)


ROOT = Path(__file__).resolve().parents[1]


def blocks() -> dict[str, tuple[Path, Callable[[], str]]]:
    """Each example run: the page that shows it between ``<!-- NAME:start -->`` and
    ``<!-- NAME:end -->``, and the function that makes it again."""
    return {
        "quickstart": (ROOT / "README.md", quickstart),
        "walkthrough": (ROOT / "docs" / "user-guide.md", walkthrough),
        "org": (ROOT / "docs" / "org-audits.md", org),
    }


def block_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:start -->\n```text\n)(.*?)(```\n<!-- {name}:end -->)", re.S)


def shown(name: str) -> str | None:
    """The run as the page shows it, or None when the page lost its block."""
    page, _ = blocks()[name]
    found = block_pattern(name).search(page.read_text(encoding="utf-8"))
    return found.group(2) if found else None


def write_blocks() -> None:
    for name, (page, make) in blocks().items():
        text, count = block_pattern(name).subn(
            lambda m, output=make(): m.group(1) + output + m.group(3), page.read_text(encoding="utf-8")
        )
        assert count == 1, f"{page}: no {name} block"
        page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_blocks()
    else:
        which = {"quickstart": quickstart, "org": org}.get(sys.argv[1] if sys.argv[1:] else "", walkthrough)
        sys.stdout.write(which())
