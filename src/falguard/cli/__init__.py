"""Command line: options in, plain arguments out, exit codes back.

Exit codes (a public contract): 0 no finding at or above ``--fail-on``; 1 findings;
2 usage, configuration or input error; 130 interrupted.

One module per command group (scan, audit, baseline, config, hooks, fix); the options they
share, the settings they resolve and the way a result becomes a report and an exit code are
in ``options.py``. Only this module turns errors into messages.

May import every package; nothing imports it but ``__main__``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, say

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "EXIT_INTERRUPTED", "main", "say"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("FALGUARD_DEBUG"))
    if "--debug" in args[1:]:  # accepted anywhere, not only before the command
        args = [args[0], *(arg for arg in args[1:] if arg != "--debug")]
    if not args:
        args = ["--help"]  # a bare `falguard` shows what it can do, as a success
    from falguard.errors import FalguardError

    try:
        from falguard.cli.hookrun import fast_path

        code = fast_path(args)  # the git hooks, without loading click and every command
        if code is not None:
            return code
    except KeyboardInterrupt:
        say("falguard: interrupted")
        return EXIT_INTERRUPTED
    except FalguardError as error:
        return _fatal(str(error), debug=debug)
    except Exception as error:  # a bug: still one line, still masked
        return _internal(error, debug)
    import click

    from falguard.cli.app import cli

    try:
        code = cli.main(args=args, prog_name="falguard", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        say("falguard: interrupted")
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        return _fatal(error.format_message(), debug=False)
    except FalguardError as error:
        return _fatal(str(error), debug=debug)
    except Exception as error:  # a bug: still one line, still masked
        return _internal(error, debug)
    return code if isinstance(code, int) else EXIT_CLEAN


def _internal(error: Exception, debug: bool) -> int:
    first = str(error).splitlines()[0] if str(error) else ""
    return _fatal(f"{type(error).__name__}: {first} (run with --debug for details)", debug=debug, internal=True)


def _fatal(message: str, *, debug: bool, internal: bool = False) -> int:
    """One masked line on stderr (after a masked traceback with ``--debug``), exit 2."""
    from falguard.redact import redact

    if debug:
        import traceback

        say(redact(traceback.format_exc()).rstrip("\n"))
    say(f"falguard: {'internal error' if internal else 'error'}: {redact(message)}")
    return EXIT_ERROR
