"""shared-key-across-envs: one fal key in the settings of several environments (env files,
CI workflows' jobs with an ``environment:``, deploy configs)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from falguard import git
from falguard.detection.findings import repository_finding
from falguard.envhygiene.envfiles import environment_of, is_env_file, keys_in
from falguard.models import Secret, Summary
from falguard.sources import display_path, read_regular_file

if TYPE_CHECKING:
    from falguard.detection.facts import Finding

#: Patterns of the shared-key check (the hook skips it), compiled on first use by re's cache.
_WORKFLOW = r"(?:^|/)\.github/workflows/[^/]+\.ya?ml\Z"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _under(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope.rstrip("/") + "/")


class KeyPlace(NamedTuple):
    """Where a fal key appears in an environment's settings."""

    path: str
    line: int
    environment: str
    secret: Secret


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


def deploy_configs(repo: git.Repo, summary: Summary, max_size: int) -> Iterable[tuple[str, bytes | None]]:
    """Tracked or stageable CI and deploy files that configure one environment (not env files)."""
    assert repo.toplevel is not None
    top = os.fsencode(repo.toplevel)
    for raw in git.ls_files(repo):
        path = display_path(raw)
        if is_env_file(path) or not (re.search(_WORKFLOW, path) or environment_of(path)):
            continue
        fs_path = os.path.join(top, raw).decode("utf-8", "surrogateescape")
        yield path, read_regular_file(fs_path, path, summary, max_size)
