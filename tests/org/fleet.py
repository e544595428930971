"""A small organisation for the many-repository tests and benchmark: bare repositories
served as ``file://`` URLs, some with fal keys in their history, one corrupt."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import git, write
from tests.keys import fake_key_id_secret


@dataclass(frozen=True)
class Fleet:
    urls: list[str]  # every repository, in list order
    leaky: dict[str, str]  # url -> the key id planted in it
    broken: str  # the url of the corrupt repository
    work: dict[str, Path]  # url -> its working clone (to push more commits)
    listing: Path  # the repository list file
    secrets: list[str]  # every planted key, and the secret half of each: never printed or written

    def url(self, name: str) -> str:
        return next(url for url in self.urls if url.endswith(f"/{name}.git"))


def filler(rng: random.Random, files: int) -> dict[str, str]:
    """Ordinary source files: what most of an organisation's history is."""
    return {
        f"src/module_{n:03d}.py": "".join(f"def f{n}_{i}(x):\n    return x * {rng.randint(1, 99)}\n" for i in range(20))
        for n in range(files)
    }


def bare_repository(
    root: Path, name: str, commits: list[dict[str, str | None]], *, loose: bool = False
) -> tuple[str, Path]:
    """A bare repository ``root/name.git`` with one commit per mapping (path -> content, None
    deletes), pushed from a clone; ``loose`` keeps every pushed object loose. Returns its
    file:// URL and the clone."""
    bare, work = root / f"{name}.git", root / "work" / name
    git(root, "init", "-q", "--bare", str(bare))
    git(bare, "symbolic-ref", "HEAD", "refs/heads/main")
    if loose:
        git(bare, "config", "receive.unpackLimit", "1000000")
    git(root, "clone", "-q", str(bare), str(work))
    write(work, ".gitignore", "node_modules/\n")
    for number, files in enumerate(commits, 1):
        for path, content in files.items():
            if content is None:
                (work / path).unlink()
            else:
                write(work, path, content)
        git(work, "add", "-A")
        git(work, "-c", "user.name=Dev", "-c", "user.email=dev@acme.example", "commit", "-q", "-m", f"change {number}")
    git(work, "push", "-q", "origin", "HEAD:main")
    return bare.as_uri(), work


def corrupt(bare: Path) -> None:
    """Overwrite a reachable blob's loose object: git can no longer read or send it."""
    blob = git(bare, "rev-parse", "main:README.md").strip()
    path = bare / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(b"not a zlib stream")


def build_fleet(root: Path, files: int = 3, commits: int = 2, seed: int = 18) -> Fleet:
    """Ten repositories ``acme-00`` .. ``acme-09``: a key still in HEAD (02), a key removed
    from HEAD but in history (05), a committed .env holding a key (07), a corrupt one (09)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    urls, leaky, work, secrets = [], {}, {}, []
    for index in range(10):
        name = f"acme-{index:02d}"
        history: list[dict[str, str | None]] = [{"README.md": f"# {name}\n", **filler(rng, files)}]
        history += [filler(rng, files) for _ in range(commits - 1)]
        key = fake_key_id_secret(rng)
        if index == 2:
            history.append({"app.py": f"FAL_KEY = '{key}'\n"})
        elif index == 5:
            history += [{"settings.py": f"FAL_KEY = '{key}'\n"}, {"settings.py": None}]
        elif index == 7:
            history.append({".env": f"FAL_KEY={key}\n"})
        url, work[url] = bare_repository(root, name, history, loose=index == 9)
        urls.append(url)
        if index in (2, 5, 7):
            leaky[url] = key.split(":")[0]
            secrets += [key, key.split(":")[1]]
    corrupt(root / "acme-09.git")
    listing = root / "repos.txt"
    listing.write_text("# the acme organisation\n" + "".join(f"{url}\n" for url in urls))
    return Fleet(urls, leaky, urls[9], work, listing, secrets)
