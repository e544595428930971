"""Env hygiene: env files git tracks or would stage, ignore rules that leave env files
exposed, and one fal key shared by several environments.

Library code: returns findings (:func:`falguard.detection.findings.repository_finding`), prints nothing. Which
existing files git ignores is git's answer (``git ls-files``); :mod:`falguard.envhygiene.ignore` names the rule
covering each one and decides for paths not there yet (the next ``.env.local``), in history, outside a repository.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from falguard import git
from falguard.detection.findings import repository_finding
from falguard.envhygiene.envfiles import (
    ENV_PATHSPECS,
    content_severity,
    environment_of,
    is_env_file,
    is_env_template,
    keys_in,
    secret_settings,
)
from falguard.envhygiene.ignore import IgnoreRules, Match, Scope
from falguard.git import objects as git_objects
from falguard.models import Secret, Severity, Summary, Value, _set
from falguard.sources import DEFAULT_MAX_FILE_SIZE, display_path, read_regular_file

if TYPE_CHECKING:
    from falguard.detection.facts import Finding
    from falguard.envhygiene.envfiles import StartedQueries

#: Env files somebody will create next to any project; a .gitignore should cover them before they exist.
PROBE_NAMES = (".env", ".env.local")
_GITLINK, _SYMLINK = "160000", "120000"
#: Patterns of the shared-key check (the hook skips it), compiled on first use by re's cache.
_WORKFLOW = r"(?:^|/)\.github/workflows/[^/]+\.ya?ml\Z"


class EnvFile(Value):
    """An env file in a work tree (or only in the index)."""

    __slots__ = ("path", "tracked", "ignored", "covered_by", "content")
    path: str  # relative to the work tree root, "/"-separated
    tracked: bool
    ignored: bool  # git's answer; tracked files are never "ignored"
    covered_by: Match | None  # the ignore rule that matches it, tracked or not
    content: bytes | None  # the index version for a tracked file, else the file on disk

    def __init__(
        self, path: str, tracked: bool, ignored: bool, covered_by: Match | None, content: bytes | None
    ) -> None:
        _set(self, "path", path)
        _set(self, "tracked", tracked)
        _set(self, "ignored", ignored)
        _set(self, "covered_by", covered_by)
        _set(self, "content", content)

    @property
    def template(self) -> bool:
        return is_env_template(self.path)


class KeyPlace(NamedTuple):
    """Where a fal key appears in an environment's settings."""

    path: str
    line: int
    environment: str
    secret: Secret


class CommittedFile(NamedTuple):
    """An env file seen in a commit, as a history scan reports it."""

    path: str
    commit: str | None = None
    content: bytes | None = None


# --- listing ---------------------------------------------------------------------------------


def _under(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope.rstrip("/") + "/")


def list_env_files(
    repo: git.Repo,
    rules: IgnoreRules,
    summary: Summary | None = None,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    *,
    read: bool = True,
    listing: git_objects.StartedListing | None = None,
) -> list[EnvFile]:
    """Every env file of ``repo``: tracked (or staged), untracked, and ignored ones, templates included.

    With ``read``, each carries its content: the index version for a tracked file.
    """
    assert repo.toplevel is not None
    summary = summary if summary is not None else Summary()
    top = os.fsencode(repo.toplevel)
    tracked, not_ignored, ignored_files = (listing or git_objects.StartedListing(repo, ENV_PATHSPECS)).output()
    # the index entries (modes, blobs) only when an env file is tracked: seldom
    indexed = (
        git_objects.index_entries(repo, ENV_PATHSPECS) if any(is_env_file(display_path(p)) for p in tracked) else []
    )
    entries = {display_path(e.path): e for e in indexed if e.mode != _GITLINK and is_env_file(display_path(e.path))}
    blobs = git_objects.read_blobs(repo, sorted({e.oid for e in entries.values()}), max_size) if read else {}
    files = [
        EnvFile(path, True, False, rules.match(path), blobs.get(entry.oid)) for path, entry in sorted(entries.items())
    ]
    untracked = [(raw, False) for raw in not_ignored]
    untracked += [(raw, True) for raw in ignored_files]
    for raw, ignored in sorted(untracked):
        path = display_path(raw)
        if path in entries or not is_env_file(path):
            continue
        fs_path = os.path.join(top, raw).decode("utf-8", "surrogateescape")
        content = read_regular_file(fs_path, path, summary, max_size) if read else None
        files.append(EnvFile(path, False, ignored, rules.match(path), content))
    return files


# --- env-tracked, env-not-ignored ----------------------------------------------------------


def tracked_finding(env: EnvFile, source: str = "worktree") -> Finding:
    keys = keys_in(env.content, env.path)
    secrets = secret_settings(env.content)
    detail = f"{env.path} is tracked by git"
    if keys:
        detail += f" and holds {_count(len({f.secret for f in keys}), 'fal key')}"  # keys, not findings
    elif secrets:
        detail += f" and holds secret-looking values ({_names(secrets, 3)})"
    elif env.content is not None:
        detail += " (no secret in it)"
    if env.covered_by is not None and env.covered_by.ignored:
        detail += f"; it matches {env.covered_by.describe()}, but ignore rules do not apply to tracked files"
    severity = content_severity(keys, secrets) if env.content is not None else Severity.MEDIUM  # unread
    return repository_finding("env-tracked", env.path, detail, severity=severity, source=source)


def not_ignored_finding(env: EnvFile, source: str = "worktree") -> Finding:
    keys = {finding.secret for finding in keys_in(env.content, env.path)}  # keys, not findings
    detail = f"`git add .` would stage {env.path}"
    if keys:
        detail += " and the fal key in it" if len(keys) == 1 else f" and the {len(keys)} fal keys in it"
    if env.covered_by is not None and env.covered_by.pattern.negated:
        detail += f"; {env.covered_by.describe()} re-includes it"
    return repository_finding("env-not-ignored", env.path, detail, source=source)


def file_findings(files: Iterable[EnvFile], source: str = "worktree") -> list[Finding]:
    findings = []
    for env in files:
        if env.template:
            continue
        if env.tracked:
            findings.append(tracked_finding(env, source))
        elif not env.ignored:
            findings.append(not_ignored_finding(env, source))
    return findings


def history_findings(
    files: Iterable[str | CommittedFile], holding_keys: Collection[str] = (), holding_secrets: Collection[str] = ()
) -> list[Finding]:
    """``env-tracked`` for every env file ever committed (templates excluded), one per path.

    A history scan feeds it the paths it meets, with the commit and, when it has them, the
    file's contents. The severity follows what was in it: critical when any version held a
    fal key (by its content, or because the path is in ``holding_keys``), medium for other
    secret-looking values (or a path in ``holding_secrets``, or no content to tell), low when
    what was read holds no secret. The finding names the first commit given.
    """
    first: dict[str, CommittedFile] = {}
    severity: dict[str, Severity] = {}
    for item in files:
        entry = item if isinstance(item, CommittedFile) else CommittedFile(item)
        if not is_env_file(entry.path) or is_env_template(entry.path):
            continue
        first.setdefault(entry.path, entry)
        if entry.path in holding_keys:
            found = Severity.CRITICAL
        elif entry.content is None:
            found = Severity.MEDIUM  # not read: nothing tells it holds no secret
        else:
            found = content_severity(keys_in(entry.content, entry.path), secret_settings(entry.content))
        if entry.path in holding_secrets:
            found = max(found, Severity.MEDIUM)
        severity[entry.path] = max(severity.get(entry.path, Severity.LOW), found)
    findings = []
    for path, entry in sorted(first.items()):
        detail = f"{path} was committed" + (f" (commit {entry.commit[:12]})" if entry.commit else "")
        if severity[path] is Severity.CRITICAL:
            detail += " with a fal key in it"
        findings.append(
            repository_finding(
                "env-tracked", path, detail, severity=severity[path], source="history", commit=entry.commit
            )
        )
    return findings


# --- gitignore-missing-env -------------------------------------------------------------------


def probe_paths(directories: Iterable[str]) -> list[str]:
    """The env files that do not exist yet but would be created in ``directories``."""
    return [f"{d.strip('/')}/{name}".lstrip("/") for d in sorted(set(directories)) for name in PROBE_NAMES]


def _names(paths: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _count(n: int, noun: str) -> str:
    return f"a {noun}" if n == 1 else f"{n} {noun}s"


def missing_env_finding(
    rules: IgnoreRules, directories: Iterable[str], where: str = ".gitignore", source: str = "worktree"
) -> Finding | None:
    """``gitignore-missing-env`` when the shared ``.gitignore`` rules leave a new env file stageable."""
    probes = probe_paths(directories)
    shared = rules.shared()
    exposed = [p for p in probes if not shared.is_ignored(p)]
    if not exposed:
        return None
    at = int(os.path.lexists(rules.root / ".gitignore"))  # 0: the whole file, which does not exist yet
    detail = f"`git add .` would stage a new {_names(exposed)}" + ("" if at else "; there is no .gitignore yet")
    if covered_shared := [p for p in probes if p not in exposed]:
        detail += f" (the .gitignore rules cover only {_names(covered_shared)})"
    reincluded = sorted(
        {
            f"{m.pattern.source}:{m.pattern.line} ({m.pattern.text})"
            for p in exposed
            if (m := shared.match(p)) is not None and not m.ignored
        }
    )
    if reincluded:
        detail += f"; re-included by {', '.join(reincluded)}"
    local = [m for p in exposed if (m := rules.match(p)) is not None and m.ignored]
    if local:
        sources = sorted({f"{m.pattern.source}:{m.pattern.line} ({m.pattern.text})" for m in local})
        kinds = {m.scope for m in local}
        reach = "this machine" if Scope.MACHINE in kinds else "this clone"
        everywhere = " everywhere" if len(local) == len(exposed) else ""
        detail += (
            f"; here they are ignored{everywhere} only by {', '.join(sources)}, which protects {reach}, "
            "not the rest of the team"
        )
    return repository_finding("gitignore-missing-env", where, detail, source=source, line=at, column=at)


# --- shared-key-across-envs ------------------------------------------------------------------

_JOBS = r"jobs[ \t]*:[ \t]*(?:#.*)?\Z"
_KEY = r"(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+|\"[^\"]*\"|'[^']*')[ \t]*:(?:[ \t]+(?P<rest>.*))?\Z"
_NAME = r"\bname[ \t]*:[ \t]*(?P<value>[^,}#]+)"


def _scalar(value: str) -> str:
    return value.split(" #", 1)[0].strip().strip("\"'").strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def workflow_environments(text: str) -> list[tuple[int, int, str]]:
    """GitHub Actions jobs with an ``environment:``: (first line, last line, environment).

    A small reader for the one shape it needs (``jobs.<id>.environment`` as a name, a
    ``{name: ...}`` mapping or a block with ``name:``), so no YAML library is required.
    """
    lines = text.split("\n")
    start = next((n for n, line in enumerate(lines) if re.match(_JOBS, line)), None)
    if start is None:
        return []
    jobs: list[int] = []
    job_indent: int | None = None
    end = len(lines)
    for n in range(start + 1, len(lines)):
        line = lines[n]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = _indent(line)
        if indent == 0:
            end = n
            break
        if job_indent is None:
            job_indent = indent
        if indent == job_indent and re.fullmatch(_KEY, line):
            jobs.append(n)
    found = []
    for index, job_start in enumerate(jobs):
        job_end = jobs[index + 1] if index + 1 < len(jobs) else end
        environment = _job_environment(lines[job_start + 1 : job_end])
        if environment is not None:
            found.append((job_start + 1, job_end, environment))
    return found


def _job_environment(body: list[str]) -> str | None:
    child_indent = next((_indent(line) for line in body if line.strip() and not line.lstrip().startswith("#")), None)
    for n, line in enumerate(body):
        match = re.fullmatch(_KEY, line)
        if not match or _indent(line) != child_indent or _scalar(match.group("key")) != "environment":
            continue
        rest = (match.group("rest") or "").strip()
        if rest.startswith("{"):
            name = re.search(_NAME, rest)
            value = _scalar(name.group("value")) if name else ""
        elif rest and not rest.startswith("#"):
            value = _scalar(rest)
        else:
            value = ""
            for inner in body[n + 1 :]:
                if inner.strip() and _indent(inner) <= (child_indent or 0):
                    break
                name = re.search(_NAME, inner)
                if name and inner.strip().startswith("name"):
                    value = _scalar(name.group("value"))
                    break
        return _environment_name(value)
    return None


def _environment_name(value: str) -> str | None:
    if not value or "${{" in value:
        return None
    return environment_of(f".env.{value}") or value.lower()


def key_places(path: str, content: bytes | None) -> list[KeyPlace]:
    """The fal keys of one env or deploy file, each with the environment it configures."""
    keys = keys_in(content, path)
    if not keys:
        return []
    default = environment_of(path)
    jobs = workflow_environments(content.decode("utf-8", "replace")) if content and re.search(_WORKFLOW, path) else []
    places = []
    for finding in keys:
        environment = next((env for first, last, env in jobs if first <= finding.line <= last), default)
        if environment is not None:
            places.append(KeyPlace(path, finding.line, environment, finding.secret))
    return places


def shared_key_findings(places: Iterable[KeyPlace], source: str = "worktree", scope: str = "") -> list[Finding]:
    """One finding per fal key that appears in the settings of two or more environments.

    With ``scope``, only keys with at least one place under it are reported (every place is
    still named).
    """
    by_key: dict[Secret, set[KeyPlace]] = {}
    for place in places:
        by_key.setdefault(place.secret, set()).add(place)
    findings = []
    for secret, found in by_key.items():
        environments = sorted({place.environment for place in found})
        if len(environments) < 2 or not any(_under(place.path, scope) for place in found):
            continue
        where = sorted(found, key=lambda place: (place.path, place.line))
        listed = ", ".join(f"{place.path}:{place.line} ({place.environment})" for place in where)
        detail = f"{_and(environments)} use the same key {secret.masked}: {listed}"
        findings.append(
            repository_finding(
                "shared-key-across-envs",
                where[0].path,
                detail,
                line=where[0].line,
                subject=secret.masked,
                source=source,
            )
        )
    return sorted(findings, key=lambda f: (f.path, f.line))


def _deploy_configs(repo: git.Repo, summary: Summary, max_size: int) -> Iterable[tuple[str, bytes | None]]:
    """Tracked or stageable CI and deploy files that configure one environment (not env files)."""
    assert repo.toplevel is not None
    top = os.fsencode(repo.toplevel)
    for raw in git.ls_files(repo):
        path = display_path(raw)
        if is_env_file(path) or not (re.search(_WORKFLOW, path) or environment_of(path)):
            continue
        fs_path = os.path.join(top, raw).decode("utf-8", "surrogateescape")
        yield path, read_regular_file(fs_path, path, summary, max_size)


# --- entry points ----------------------------------------------------------------------------


def check_repository(
    repo: git.Repo,
    *,
    scope: str = "",
    source: str = "worktree",
    summary: Summary | None = None,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    shared_keys: bool = True,
    queries: StartedQueries | None = None,
) -> list[Finding]:
    """Every env-hygiene finding for ``repo``'s work tree, or the part of it under ``scope``
    (without ``shared_keys``, the check for keys shared across environments is skipped:
    it reads every deploy config, which the pre-commit hook has no use for).

    ``scope`` is a path relative to the work tree root ("" for all of it). The pre-commit
    hook calls this with the repository git runs it in, and ``queries`` it started.
    """
    if repo.toplevel is None:
        return []
    summary = summary if summary is not None else Summary()
    rules = IgnoreRules.for_repo(repo, queries.config.output() if queries is not None else None)
    files = list_env_files(repo, rules, summary, max_size, listing=queries.listing if queries is not None else None)
    in_scope = [env for env in files if _under(env.path, scope)]
    findings = file_findings(in_scope, source)
    scope_is_dir = not scope or (repo.toplevel / scope).is_dir()
    if scope_is_dir:
        directories = {scope.strip("/")} | {posixpath.dirname(env.path) for env in in_scope}
        # reported at the root .gitignore, where `falguard fix` puts the rule: the same finding
        # (path and fingerprint) from whichever directory falguard runs in
        missing = missing_env_finding(rules, directories, ".gitignore", source)
        if missing is not None:
            findings.append(missing)
    if not shared_keys:
        return findings
    places = [p for env in files if not env.template for p in key_places(env.path, env.content)]
    places += [p for path, content in _deploy_configs(repo, summary, max_size) for p in key_places(path, content)]
    return findings + shared_key_findings(places, source, scope)


def _walk(root: Path) -> tuple[list[str], bool]:
    """Env files under a plain directory (relative paths) and whether any .gitignore exists."""
    env_files: list[str] = []
    has_gitignore = False
    for directory, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        has_gitignore = has_gitignore or ".gitignore" in names
        env_files += [
            os.fsencode(prefix + name).decode("utf-8", "backslashreplace")
            for name in sorted(names)
            if is_env_file(name)
        ]
    return env_files, has_gitignore


def check_directory(root: str | os.PathLike[str], shown_as: str = "") -> list[Finding]:
    """Outside a repository: ``gitignore-missing-env`` when a .gitignore or an env file exists."""
    env_files, has_gitignore = _walk(Path(root))
    if not env_files and not has_gitignore:
        return []
    rules = IgnoreRules.for_directory(root)
    directories = {""} | {posixpath.dirname(path) for path in env_files}
    where = posixpath.join(shown_as, ".gitignore") if shown_as not in ("", ".") else ".gitignore"
    missing = missing_env_finding(rules, directories, where)
    return [missing] if missing is not None else []


def check_paths(
    paths: Sequence[str],
    summary: Summary | None = None,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    *,
    plain: bool = False,
) -> list[Finding]:
    """The env-hygiene findings for what ``falguard scan PATHS`` covers (with ``plain``,
    directories are judged as plain directories even inside a repository)."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for given in paths or (".",):
        target = Path(given)
        start = target if target.is_dir() else target.parent
        repo = None if plain else git.find_repo(start or Path("."))
        if repo is not None and repo.toplevel is not None:
            scope = os.path.relpath(target.resolve(), repo.toplevel.resolve()).replace(os.sep, "/")
            scope = "" if scope == "." else scope
            if (str(repo.toplevel), scope) not in seen:
                seen.add((str(repo.toplevel), scope))
                findings += check_repository(repo, scope=scope, summary=summary, max_size=max_size)
        elif repo is None and target.is_dir():
            findings += check_directory(target, given.rstrip("/") or given)
    unique = {(f.rule, f.path, f.line, f.fingerprint): f for f in findings}  # overlapping PATHS
    return list(unique.values())
