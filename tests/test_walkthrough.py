"""The documentation's example runs are real output: the README's Quickstart run, the user
guide's walkthrough of a Python-only repository (which says what the issue asked: revoke
first, no browser steps) and the organisation audit. ``python -m tests.walkthrough --write``
makes them again."""

from __future__ import annotations

import re

from tests.walkthrough import org, quickstart, shown, walkthrough


def test_walkthrough_is_the_output_of_a_real_run() -> None:
    block = shown("walkthrough")
    assert block is not None, "docs/user-guide.md lost its walkthrough block"
    output = walkthrough()
    assert block == output, "regenerate it: python -m tests.walkthrough --write"
    steps = [line for line in output.splitlines() if re.match(r"\s+(\d+\.|[a-f]\)) ", line)]
    key_steps = [line for line in steps if "Revoke" in line]
    assert key_steps and all(line.lstrip().startswith(("1. Revoke", "a) Revoke")) for line in key_steps)
    for word in ("browser", "proxy", "NEXT_PUBLIC", "VITE_", "bundle"):
        assert word not in output, word


def test_readme_quickstart_run_is_the_output_of_a_real_run() -> None:
    block = shown("quickstart")
    assert block is not None, "README.md lost its Quickstart run"
    assert block == quickstart(), "regenerate it: python -m tests.walkthrough --write"


def test_organisation_audit_is_the_output_of_a_real_run() -> None:
    block = shown("org")
    assert block is not None, "docs/org-audits.md lost its organisation audit run"
    output = org()
    assert block == output, "regenerate it: python -m tests.walkthrough --write"
    assert "files and objects" not in output  # bare mirrors: git objects read, text blobs among them
