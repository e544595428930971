"""The README's walkthrough of a Python-only repository is real output, and says what the
issue asked: revoke first, no browser steps."""

from __future__ import annotations

import re
from pathlib import Path

from tests.walkthrough import org, quickstart, walkthrough

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_walkthrough_is_the_output_of_a_real_run() -> None:
    shown = re.search(
        r"<!-- walkthrough:start -->\n```text\n(.*?)```\n<!-- walkthrough:end -->", README.read_text(), re.S
    )
    assert shown is not None, "README.md lost its walkthrough block"
    output = walkthrough()
    assert shown.group(1) == output, "regenerate it: python -m tests.walkthrough"
    steps = [line for line in output.splitlines() if re.match(r"\s+(\d+\.|[a-f]\)) ", line)]
    key_steps = [line for line in steps if "Revoke" in line]
    assert key_steps and all(line.lstrip().startswith(("1. Revoke", "a) Revoke")) for line in key_steps)
    for word in ("browser", "proxy", "NEXT_PUBLIC", "VITE_", "bundle"):
        assert word not in output, word


def test_readme_quickstart_run_is_the_output_of_a_real_run() -> None:
    shown = re.search(
        r"<!-- quickstart:start -->\n```text\n(.*?)```\n<!-- quickstart:end -->", README.read_text(), re.S
    )
    assert shown is not None, "README.md lost its Quickstart run"
    assert shown.group(1) == quickstart(), "regenerate it: python -m tests.walkthrough quickstart"


def test_readme_organisation_audit_is_the_output_of_a_real_run() -> None:
    shown = re.search(r"<!-- org:start -->\n```text\n(.*?)```\n<!-- org:end -->", README.read_text(), re.S)
    assert shown is not None, "README.md lost its organisation audit run"
    output = org()
    assert shown.group(1) == output, "regenerate it: python -m tests.walkthrough org"
    assert "files and objects" not in output  # bare mirrors: git objects read, text blobs among them
