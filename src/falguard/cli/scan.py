"""`falguard scan`: files, stdin, the staged change or git history."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from falguard.cli.options import finish, report_options
from falguard.cli.settings import Reporting, settings, stages_for
from falguard.config import Config
from falguard.models import ScanResult
from falguard.scans.pipeline import Stages

STDIN = "-"


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", is_flag=True, help="Scan what the next commit adds, read from the git index.")
@click.option(
    "--history",
    is_flag=True,
    help="Scan git history instead: every blob and commit message reachable from every ref, or from the REV-RANGEs given as arguments.",
)
@click.option("--since", metavar="REV", help="With --history: only what REV..HEAD adds (for pull requests).")
@click.option(
    "--no-git",
    is_flag=True,
    help="Scan PATHS as plain files even inside a git repository (every file, ignored or not).",
)
@click.option(
    "--stdin-name", metavar="NAME", help="With PATH '-': the name standard input is reported under [default: (stdin)]."
)
@click.option(
    "--max-images", type=click.IntRange(min=0), default=500, show_default=True,
    help="Read the text of at most N images (screenshots; needs the images extra); the rest are counted.",
)  # fmt: skip
@click.option(
    "--max-image-megapixels", type=click.IntRange(min=0), default=1000, show_default=True,
    help="Read at most M megapixels of images in all.",
)  # fmt: skip
@report_options
def scan(
    paths: tuple[str, ...], staged: bool, history: bool, since: str | None, no_git: bool, stdin_name: str | None,
    max_images: int, max_image_megapixels: int, reporting: Reporting,
) -> int:  # fmt: skip
    """Scan files and directories (default: the current directory), or standard input (-).

    Inside a git repository: tracked files, untracked files git does not ignore, env files
    even when ignored, and every file named as an argument. Outside (or with --no-git):
    every file under PATHS. With -: standard input (a CI log, a HAR file). With --staged:
    the lines the staged change adds (content from the index, never the working tree), and
    every env file it stages. With --history, the arguments are revision ranges
    (main..feature) and the repository is the one the current directory is in.
    """
    check_modes(paths, staged, history, since, no_git, stdin_name)
    limits = {"max_images": max_images, "max_image_megapixels": max_image_megapixels}
    if history:
        root, config = settings([], reporting)
        config = config.replace(**limits)
        result = scan_history(paths, since, config, stages_for(root, reporting))
        return finish(result, config, reporting, (), history=True)
    if paths == (STDIN,):
        from falguard.scans.scan import scan_stdin
        from falguard.sources.stdin import STDIN_NAME

        root, config = settings([], reporting)
        config = config.replace(**limits)
        result = scan_stdin(sys.stdin.buffer, stdin_name or STDIN_NAME, config, stages_for(root, reporting))
        return finish(result, config, reporting, ())
    if staged:
        from falguard.scans.scan import scan_staged
        from falguard.sources.staged import find_work_tree

        repo = find_work_tree(".")
        root, config = settings([], reporting, repo.toplevel)
        config = config.replace(**limits)
        result = scan_staged(repo, config, stages_for(root, reporting))
        warn(result)
        return finish(result, config, reporting, paths)
    from falguard.scans.scan import scan_worktree

    root, config = settings(paths, reporting)
    config = config.replace(**limits)
    return finish(scan_worktree(paths, config, stages_for(root, reporting), plain=no_git), config, reporting, paths)


def check_modes(
    paths: Sequence[str], staged: bool, history: bool, since: str | None, no_git: bool, stdin_name: str | None
) -> None:
    """Usage errors: modes that cannot be combined."""
    if staged and paths:
        raise click.UsageError("--staged scans the whole index and takes no paths")
    if staged and history:
        raise click.UsageError("--staged and --history are different scans: choose one")
    if since and not history:
        raise click.UsageError("--since needs --history")
    if STDIN in paths and (len(paths) > 1 or history):
        raise click.UsageError("'-' (standard input) is scanned on its own: give no other path")
    if stdin_name is not None and paths != (STDIN,):
        raise click.UsageError("--stdin-name needs '-' (standard input) as the path")
    if no_git and (staged or history):
        raise click.UsageError("--no-git scans plain files: it does not combine with --staged or --history")


def warn(result: ScanResult) -> None:
    """Advisory findings (the gitignore check of a staged scan) on stderr."""
    from falguard.cli.hookrun import warning_lines

    for line in warning_lines(result):
        click.echo(line, err=True)


def scan_history(revisions: Sequence[str], since: str | None, config: Config, stages: Stages = Stages()) -> ScanResult:
    from falguard.scans.historyscan import scan_history as history_scan
    from falguard.scans.progress import progress_on

    with progress_on(sys.stderr) as progress:
        return history_scan(".", revisions, since=since, config=config, stages=stages, progress=progress)
