"""What the git hooks run, without click: ``main`` calls :func:`fast_path` for
``falguard hook pre-commit``, ``pre-push`` and ``pre-receive`` so a commit does not pay for the whole CLI.

The pre-commit hook finds its repository and starts git on the staged patch before it loads
the scanner, so git computes the patch while Python imports; a clean commit loads no report
module (see tests/cli/test_hookrun.py for what the hook's path must not load).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, say

if TYPE_CHECKING:
    from falguard.models import ScanResult, Severity

_SEVERITIES = ("critical", "high", "medium", "low")
_SCAN_OPTIONS = ("--fail-on", "--max-file-size")
_OPTIONS = {"pre-commit": _SCAN_OPTIONS, "pre-push": _SCAN_OPTIONS, "pre-receive": ("--policy",)}


def fast_path(args: Sequence[str]) -> int | None:
    """Run ``hook pre-commit|pre-push [--fail-on S] [--max-file-size N] [ARGS]`` or ``hook pre-receive
    [--policy FILE]`` directly; None for anything else (help, an unknown option), which the full CLI handles."""
    if len(args) < 2 or args[0] != "hook" or args[1] not in _OPTIONS:
        return None
    values: dict[str, str] = {}
    rest = list(args[2:])
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if name in _OPTIONS[args[1]]:
            if not eq:
                if not rest:
                    return None
                value = rest.pop(0)
            values[name] = value
        elif arg.startswith("-"):
            return None  # --help, or a mistake the full CLI explains
    if args[1] == "pre-receive":
        return run_pre_receive(values.get("--policy"))
    fail_on = values.get("--fail-on")
    if fail_on is not None and fail_on not in _SEVERITIES:
        return None
    max_file_size = _size(values.get("--max-file-size"))
    if max_file_size == -1:
        return None
    run = run_pre_commit if args[1] == "pre-commit" else run_pre_push
    return run(fail_on, max_file_size)


def _size(text: str | None) -> int | None:
    if text is None:
        return None
    from falguard.config import parse_size

    try:
        return parse_size(text)
    except ValueError:
        return -1


def refuse_or_pass(result: ScanResult, fail_on: Severity, stage: str, has_head: bool = True) -> int:
    """A hook's verdict: silence when clean (but for warnings), the refusal message on stderr when not."""
    if not (result.findings or result.warnings) and result.summary.complete:
        return EXIT_CLEAN  # nothing to say: no report module is loaded for a clean commit
    from falguard.cli.settings import use_color
    from falguard.report import ReportContext
    from falguard.report.hook import render_refusal
    from falguard.report.text import summary_lines

    context = ReportContext(fail_on=fail_on, color=use_color(sys.stderr))
    for line in warning_lines(result):
        say(line)
    if not result.failing(context.fail_on):
        for line in summary_lines(result, context)[1:]:  # only what could not be read
            say(line)
        return EXIT_CLEAN
    sys.stderr.write(render_refusal(result, context, stage=stage, has_head=has_head))
    sys.stderr.flush()
    return EXIT_FINDINGS


def warning_lines(result: ScanResult) -> list[str]:
    """Advisory findings (the gitignore check of a staged scan), one line each, with the fix."""
    from falguard.report import printable

    lines = [f"falguard: warning: {printable(f.message)} ({printable(f.path)})" for f in result.warnings]
    if result.warnings:
        lines.append("falguard: run `falguard fix` to add `.env*` to .gitignore, then commit it")
    return lines


def run_pre_commit(fail_on: str | None, max_file_size: int | None) -> int:
    """The pre-commit hook: the staged scan (with the gitignore check as warnings), then the verdict."""
    from falguard import git

    found = git.find_repo(".")
    patch = queries = None
    if found is not None and not found.bare:
        patch = git.start_staged_patch(found)
        from falguard.envhygiene.envfiles import StartedQueries

        queries = StartedQueries(found)  # the gitignore check's git commands, answering meanwhile

    from falguard.cli.settings import Reporting, settings, stages_for
    from falguard.scans.scan import scan_staged
    from falguard.sources.staged import work_tree

    repo = work_tree(found)
    reporting = Reporting(fail_on=fail_on, max_file_size=max_file_size)
    root, config = settings([], reporting, repo.toplevel)  # the repository is known: no git call to find it
    result = scan_staged(repo, config, stages_for(root, reporting), patch=patch, queries=queries)
    failing = bool(result.failing(config.fail_on))
    return refuse_or_pass(result, config.fail_on, "commit", has_head=not failing or git.has_head(repo))


def run_pre_push(fail_on: str | None, max_file_size: int | None) -> int:
    """The pre-push hook: the commits the push would publish (refs on stdin, as git gives them)."""
    from falguard.cli.settings import Reporting, settings, stages_for
    from falguard.hooks.hook import pre_push

    reporting = Reporting(fail_on=fail_on, max_file_size=max_file_size)
    root, config = settings([], reporting)
    stdin_text = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    _, result = pre_push(stdin_text, os.environ, config=config, stages=stages_for(root, reporting))
    return refuse_or_pass(result, config.fail_on, "push")


def run_pre_receive(policy_file: str | None) -> int:
    """The server's pre-receive hook: the push on stdin, under the server's policy (see
    :mod:`falguard.hooks.prereceive`); a scan over its time budget ends the process at once."""
    from falguard.hooks.prereceive import receive
    from falguard.report.prereceive import render_verdict

    verdict = receive(sys.stdin.read() if sys.stdin else "", os.environ, policy_file)
    sys.stderr.write(render_verdict(verdict))
    sys.stderr.flush()
    if verdict.over_budget is not None:
        code = EXIT_CLEAN if verdict.over_budget_allowed else EXIT_ERROR
    else:
        code = EXIT_FINDINGS if verdict.result.failing(verdict.fail_on) else EXIT_CLEAN
    if verdict.abandoned:  # the scan's thread and its git processes are still running
        os._exit(code)
    return code
