"""What every command resolves before it runs, without click (the hooks' start-up path):
what was asked for, the project root, its configuration and the later pipeline stages."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from falguard.config import BASELINE_FILE, Config
from falguard.config import load as load_config
from falguard.errors import InputError, say
from falguard.models import Value, _set
from falguard.scans.pipeline import Stages


class Reporting(Value):
    """What a scanning command was asked for: the report and the later pipeline stages."""

    __slots__ = (
        "fmt",
        "output",
        "replacements",
        "baseline_path",
        "no_baseline",
        "fail_on",
        "max_file_size",
        "fail_on_incomplete",
        "verify_url",
        "verbose",
    )
    fmt: str
    output: str | None
    replacements: str | None
    baseline_path: str | None
    no_baseline: bool
    fail_on: str | None
    max_file_size: int | None
    fail_on_incomplete: bool | None
    verify_url: str | None  # --verify: the fal API URL, checked (never from a repository's config)
    verbose: bool  # every step in text and github output (JSON and SARIF always carry them all)

    def __init__(
        self,
        fmt: str = "text",
        output: str | None = None,
        replacements: str | None = None,
        baseline_path: str | None = None,
        no_baseline: bool = False,
        fail_on: str | None = None,
        max_file_size: int | None = None,
        fail_on_incomplete: bool | None = None,
        verify_url: str | None = None,
        verbose: bool = False,
    ) -> None:
        _set(self, "fmt", fmt)
        _set(self, "output", output)
        _set(self, "replacements", replacements)
        _set(self, "baseline_path", baseline_path)
        _set(self, "no_baseline", no_baseline)
        _set(self, "fail_on", fail_on)
        _set(self, "max_file_size", max_file_size)
        _set(self, "fail_on_incomplete", fail_on_incomplete)
        _set(self, "verify_url", verify_url)
        _set(self, "verbose", verbose)


def use_color(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return "NO_COLOR" not in os.environ and callable(isatty) and bool(isatty())


def project_root(paths: Sequence[str]) -> Path:
    """Where configuration and the default baseline live: the repository of the first path."""
    from falguard import git

    first = Path(paths[0]) if paths else Path(".")
    repo = git.repo_of_path(first)
    if repo is not None and repo.toplevel is not None:
        return repo.toplevel
    return (first if first.is_dir() else first.parent).resolve()


def settings(paths: Sequence[str], reporting: Reporting = Reporting(), root: Path | None = None) -> tuple[Path, Config]:
    """The project root and its configuration, command-line values winning."""
    root = root if root is not None else project_root(paths)
    overrides = {
        "fail-on": reporting.fail_on,
        "max-file-size": reporting.max_file_size,
        "fail-on-incomplete": reporting.fail_on_incomplete,
    }
    return root, load_config(root, overrides)


def stages_for(root: Path, reporting: Reporting) -> Stages:
    """The later pipeline stages a command asked for: the baseline (given, or the default)
    and, with --verify, the verifier."""
    verifier = None
    if reporting.verify_url:
        from falguard.platform.verify import Verifier

        verifier = Verifier(reporting.verify_url, notify=say)
    if reporting.no_baseline:
        return Stages(verifier=verifier)
    path = Path(reporting.baseline_path) if reporting.baseline_path else root / BASELINE_FILE
    if not path.is_file():
        if reporting.baseline_path:
            raise InputError(f"baseline file not found: {reporting.baseline_path}")
        return Stages(verifier=verifier)
    from falguard.detection.baseline import load as load_baseline  # only when there is one to read

    return Stages(baseline=load_baseline(path), verifier=verifier)


def fails_when_incomplete(config: Config, *, history: bool) -> bool:
    """Whether a scan that could not read everything fails: as configured, else in CI
    (``CI=true``, which GitHub Actions and most CI services set) for history scans, where a
    shallow clone silently hides most of history."""
    if config.fail_on_incomplete is not None:
        return config.fail_on_incomplete
    return history and os.environ.get("CI", "").lower() in ("true", "1")
