"""`falguard audit --repos FILE` / `--github-org NAME`: many repositories, one combined report."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from falguard.cli.options import write_report
from falguard.cli.settings import Reporting, settings, stages_for
from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InputError

_NAMES = (
    "repos",
    "github_org",
    "github_api_url",
    "include_archived",
    "include_forks",
    "cache_dir",
    "jobs",
    "list_repos",
)


@dataclass(frozen=True)
class OrgRequest:
    """Where the repositories come from and how the run over them goes."""

    repos: str | None = None
    github_org: str | None = None
    github_api_url: str | None = None
    include_archived: bool = True
    include_forks: bool = False
    cache_dir: str | None = None
    jobs: int | None = None
    list_repos: bool = False

    @property
    def api_url(self) -> str:
        from falguard.org.github import DEFAULT_API_URL

        return self.github_api_url or os.environ.get("FALGUARD_GITHUB_API_URL") or DEFAULT_API_URL


def org_options(function: Callable[..., int]) -> Callable[..., int]:
    """The many-repository options, gathered into one ``org`` argument (None without a list)."""
    options = [
        click.option("--repos", metavar="FILE", help="Audit every repository in FILE (one clone URL or local path a line; - for stdin)."),
        click.option("--github-org", metavar="NAME", help="Audit every repository of this GitHub organisation (token: GITHUB_TOKEN)."),
        click.option("--github-api-url", metavar="URL", help="GitHub Enterprise API base, e.g. https://HOST/api/v3 [default: FALGUARD_GITHUB_API_URL or https://api.github.com]."),
        click.option("--include-archived/--exclude-archived", default=True, show_default=True, help="With --github-org: archived repositories."),
        click.option("--include-forks/--exclude-forks", default=False, show_default=True, help="With --github-org: forks."),
        click.option("--cache-dir", type=click.Path(file_okay=False), help="Mirrors and results [default: $XDG_CACHE_HOME/falguard or ~/.cache/falguard]."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), help="Repositories audited at once [default: the number of cores]."),
        click.option("--list-repos", is_flag=True, help="Print the repositories that would be audited, one a line, and stop."),
    ]  # fmt: skip

    def command(**kwargs: Any) -> int:
        values = {name: kwargs.pop(name) for name in _NAMES}
        request = OrgRequest(**values) if values["repos"] or values["github_org"] else None
        given = [name for name in ("github_api_url", "cache_dir", "jobs", "list_repos") if values[name]]
        if request is None and given:
            raise click.UsageError(f"--{given[0].replace('_', '-')} needs --repos or --github-org")
        return function(org=request, **kwargs)

    command.__name__, command.__doc__ = function.__name__, function.__doc__
    command.__click_params__ = list(getattr(function, "__click_params__", []))  # type: ignore[attr-defined]
    for option in reversed(options):
        command = option(command)
    return command


def repositories(request: OrgRequest) -> tuple[list[Any], list[tuple[str, str]]]:
    """The repositories to audit (the list file's, then the organisation's) and refused ones."""
    from falguard.org.repos import read_list

    specs = read_list(request.repos) if request.repos else []
    refused: list[tuple[str, str]] = []
    if request.github_org:
        from falguard.org.github import list_repositories

        listing = list_repositories(
            request.github_org, request.api_url, os.environ.get("GITHUB_TOKEN") or None,
            include_archived=request.include_archived, include_forks=request.include_forks,
        )  # fmt: skip
        known = {spec.url for spec in specs}
        specs += [spec for spec in listing.specs if spec.url not in known]
        refused = listing.refused
    if not specs and not refused:
        raise InputError("no repositories to audit: the list is empty")
    return specs, refused


def audit_many(path: str, request: OrgRequest, reporting: Reporting) -> int:
    """Audit every repository, write one combined report; exit 2 after it if any failed."""
    from falguard.report.combined import FORMATS, render_combined, summary_line
    from falguard.report.combined import repositories as counted
    from falguard.report.merge import failed_repositories, merge_reports

    if path != ".":
        raise click.UsageError("give a PATH or --repos/--github-org, not both")
    if reporting.replacements:
        raise click.UsageError("--write-replacements is for one repository: audit it on its own")
    if reporting.fmt not in FORMATS:
        raise click.UsageError(f"--format {reporting.fmt} is for one repository; use {', '.join(FORMATS)}")
    specs, refused = repositories(request)
    if request.list_repos:
        click.echo("".join(f"{spec.url}\n" for spec in specs), nl=False)
        return EXIT_CLEAN
    document = merge_reports(_run(specs, refused, request, reporting))
    write_report(render_combined(document, reporting.fmt), reporting.output)
    from falguard.redact import redact
    from falguard.report import printable

    if reporting.output or reporting.fmt in ("json", "sarif"):
        for line in summary_line(document):
            click.echo(line, err=True)
    failures = failed_repositories(document)
    if failures:  # one line: the report says why each failed
        names = redact(", ".join(str(entry["repository"]) for entry in failures))
        click.echo(f"falguard: error: {counted(len(failures))} could not be audited: {printable(names)} "
                   "(the report says why)", err=True)  # fmt: skip
        return EXIT_ERROR
    return EXIT_FINDINGS if document["summary"]["failed"] else EXIT_CLEAN


def _run(specs: list[Any], refused: list[tuple[str, str]], request: OrgRequest, reporting: Reporting) -> list[Any]:
    """Every repository's report: audited (or cached) ones, then those refused unaudited."""
    from falguard.org.cache import code_digest, settings_digest
    from falguard.org.github import git_host
    from falguard.org.mirror import default_cache_dir
    from falguard.org.progress import org_progress
    from falguard.org.run import Settings, audit_all, failed
    from falguard.scans.pipeline import Stages

    root, config = settings(["."], reporting)
    stages = stages_for(root, reporting) if reporting.baseline_path and not reporting.no_baseline else Stages()
    cache = Path(request.cache_dir) if request.cache_dir else default_cache_dir()
    fingerprint = code_digest() + settings_digest(config, stages.baseline)
    run_settings = Settings(config, stages, cache.resolve(), fingerprint, git_host(request.api_url))
    with org_progress(sys.stderr, len(specs)) as progress:
        outcomes = audit_all(specs, run_settings, request.jobs or os.cpu_count() or 1, progress)
    return [outcome.report for outcome in outcomes] + [failed(name, why).report for name, why in refused]
