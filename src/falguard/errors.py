"""Typed errors raised by library code; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class FalguardError(Exception):
    """An error the user can act on. The message is one line and never holds a secret."""


class GitError(FalguardError):
    """git failed or the repository is unusable."""


class InputError(FalguardError):
    """A path or argument given on the command line cannot be used."""


class ConfigError(FalguardError):
    """A configuration file is invalid."""
