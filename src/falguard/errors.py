"""Typed errors raised by library code; only the CLI turns them into messages and exit codes.

The exit codes (a public contract) and :func:`say`, the error path's one line on stderr, are
here too, so that every command module and the hooks' click-free path share them without
importing the CLI package that dispatches to them.
"""

from __future__ import annotations

import sys

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def say(line: str) -> None:
    """One line on stderr without click (the hooks' and the error path's only output)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class FalguardError(Exception):
    """An error the user can act on. The message is one line and never holds a secret:
    anything credential-shaped in it (a key given as an argument, quoted back by git) is
    masked when the error is made, so no caller, log or traceback ever sees it."""

    def __init__(self, message: str) -> None:
        from falguard.redact import redact  # lazily: redact needs the rules, errors are rare

        super().__init__(redact(message))


class GitError(FalguardError):
    """git failed or the repository is unusable."""


class InputError(FalguardError):
    """A path or argument given on the command line cannot be used."""


class ConfigError(FalguardError):
    """A configuration file is invalid."""
