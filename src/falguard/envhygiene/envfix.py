"""`falguard fix`: make the root .gitignore keep env files out of git, and untrack tracked ones.

The .gitignore is only ever appended to (existing lines are never touched) and only when its
own rules do not already ignore env files while keeping templates; so a second run changes
nothing. Tracked env files are untracked with ``git rm --cached`` only when asked: nothing is
ever deleted from disk.
"""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from falguard import git
from falguard.envhygiene.envcheck import PROBE_NAMES, list_env_files
from falguard.envhygiene.envfiles import is_env_file, is_env_template
from falguard.envhygiene.ignore import IgnoreRules
from falguard.errors import InputError
from falguard.git import objects as git_objects

MARKER = "# Added by `falguard fix`: env files hold keys; keep them out of git (templates stay tracked)"
_GLOB_CHARS = frozenset("*?[\\")


@dataclass(frozen=True)
class FixPlan:
    root: Path
    gitignore: Path
    block: str  # what to append to the root .gitignore ("" when it already does the job)
    creates: bool  # the .gitignore does not exist yet
    tracked: tuple[str, ...]  # tracked env files (not templates), relative to root
    repo: git.Repo | None


def _env_paths(root: Path, repo: git.Repo | None) -> tuple[list[str], list[str]]:
    """(every env file, the tracked ones), relative to ``root``."""
    if repo is not None:
        files = list_env_files(repo, IgnoreRules(root, read_gitignore=False), read=False)
        return [env.path for env in files], [env.path for env in files if env.tracked and not env.template]
    found = []
    for directory, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if d != ".git"]
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        paths = (posixpath.join(relative, name).removeprefix("./") for name in names)
        found += [path for path in paths if is_env_file(path)]
    return found, []


#: Lines added only when such files exist, each with a name it must ignore (checked by
#: :func:`already_done`): (the line, does a path need it, a name it ignores).
_EXTRA_LINES: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("*.env", lambda name: name.endswith(".env") and not name.startswith(".env"), "prod.env"),
    ("*.env.*", lambda name: ".env." in name and not name.startswith(".env"), "prod.env.old"),
    (".dev.vars*", lambda name: name.startswith(".dev.vars"), ".dev.vars"),
    ("**/.streamlit/secrets.toml", lambda name: name == "secrets.toml", ".streamlit/secrets.toml"),
)


def desired_lines(env_paths: list[str]) -> list[str]:
    """``.env*``, the lines other env files present need (``*.env``, ``.dev.vars*``...), then
    a negation for every template name."""
    names = {posixpath.basename(path) for path in env_paths}
    kept = [name for name in names if not is_env_template(name)]
    lines = [".env*"] + [line for line, needs, _ in _EXTRA_LINES if any(needs(name) for name in kept)]
    templates = {".env.example"} | {name for name in names if is_env_template(name)}
    return lines + [f"!{name}" for name in sorted(templates)]


def already_done(content: bytes, lines: list[str], root: Path) -> bool:
    """Whether the root .gitignore on its own ignores env files anywhere and keeps the templates."""
    rules = IgnoreRules(root, read_gitignore=False).with_gitignore("", content)
    ignored = list(PROBE_NAMES) + [probe for line, _, probe in _EXTRA_LINES if line in lines]
    kept = [line[1:] for line in lines if line.startswith("!")]
    return all(rules.is_ignored(name) and rules.is_ignored(f"some/dir/{name}") for name in ignored) and not any(
        rules.is_ignored(name) for name in kept
    )


def plan_fix(path: str | os.PathLike[str] = ".") -> FixPlan:
    """What `falguard fix` would do in the repository (or plain directory) at ``path``."""
    start = Path(path)
    if not start.is_dir():
        raise InputError(f"not a directory: {path}")
    repo = git.find_repo(start)
    if repo is not None and repo.toplevel is None:
        raise InputError(f"{path} is a bare repository: there is no work tree to fix")
    root = repo.toplevel if repo is not None and repo.toplevel is not None else start
    gitignore = root / ".gitignore"
    if gitignore.is_symlink() or (gitignore.exists() and not gitignore.is_file()):
        raise InputError(f"{gitignore} is not a regular file; falguard does not write through it")
    content = gitignore.read_bytes() if gitignore.exists() else b""
    env_paths, tracked = _env_paths(root, repo)
    lines = desired_lines(env_paths)
    block = ""
    if not already_done(content, lines, root):
        separator = "" if not content else ("\n" if content.endswith(b"\n") else "\n\n")
        block = separator + "\n".join([MARKER, *lines]) + "\n"
    return FixPlan(root, gitignore, block, not gitignore.exists(), tuple(tracked), repo)


def apply_gitignore(plan: FixPlan) -> bool:
    """Append the block (creating the file if needed); False when there was nothing to add."""
    if not plan.block:
        return False
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(plan.gitignore, flags, 0o644)
    except OSError as error:
        raise InputError(f"cannot write {plan.gitignore}: {error.strerror}") from None
    with os.fdopen(fd, "ab") as handle:
        handle.write(plan.block.encode())
    return True


def untrack(plan: FixPlan) -> list[str]:
    """``git rm --cached`` the tracked env files; the files stay on disk. Returns them."""
    if plan.repo is not None and plan.tracked:
        git_objects.rm_cached(plan.repo, plan.tracked)
    return list(plan.tracked)


def untrack_command(path: str, root: Path, cwd: Path) -> str:
    """The exact command that stops tracking ``path``, to run from ``cwd``."""
    spec = f":(literal){path}" if path.startswith(":") or _GLOB_CHARS & set(path) else path
    here = cwd.resolve() == root.resolve()
    prefix = "git" if here else f"git -C {shlex.quote(str(root))}"
    return f"{prefix} rm --cached -- {shlex.quote(spec)}"
