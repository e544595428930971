"""The install instructions (README and docs/) cannot pull a stranger's package (issue 16, problem 1):
the name `falguard` on the package index is an unrelated project's, so every instruction
installs this repository (the checkout, or a git URL pinned to a commit or tag), the
pre-commit example pins a revision that can exist, and the Quickstart makes its own
virtual environment (PEP 668 system Pythons refuse a global `pip install`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The README and every page of docs/, where the CI and hook instructions now live.
DOCS = "\n".join([README, *(page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").glob("*.md")))])

#: An install instruction: pip (or pipx) install and its arguments, up to the end of the
#: line or of the inline code span.
_INSTALL = re.compile(r"(?P<before>.{0,12})\bpip(?:x)? install (?P<args>[^\n`]+)")
_OURS = re.compile(r"\bfalguard(?:-scanner)?(?:\[[\w,]+\])?(?![\w./-])")
_PINNED = re.compile(r"@ git\+https://github\.com/<org>/falguard@(?:<commit>|<tag>|[0-9a-f]{40}|v\d[\w.]*)\"?")
_FROM_CHECKOUT = re.compile(r"^(?:-q |-e |--quiet )*(?:\.|\"\.\[[\w,]+\]\")(?:\s|$)")


def instructions(text: str) -> list[str]:
    """Every pip install in the text but the warning against the bare name."""
    found = [m.group("args") for m in _INSTALL.finditer(text) if "bare `" not in m.group("before")]
    return [re.split(r"\s(?:&&|;|#)\s", args)[0].strip() for args in found]  # one command's arguments


def test_every_install_of_falguard_is_this_repository_never_a_name_on_the_index() -> None:
    found = instructions(DOCS)
    assert len(found) >= 6, found
    for args in found:
        if _OURS.search(args):
            assert _PINNED.search(args), f"pip install {args}: a name on the index may be a stranger's package"
        else:
            assert _FROM_CHECKOUT.match(args), f"pip install {args}: install from the checkout or a pinned git URL"


def test_the_check_catches_an_install_from_the_index() -> None:
    for bad in ("pip install falguard", 'pip install "falguard-scanner[fast]"', "pipx install falguard-scanner"):
        (args,) = instructions(f"Run `{bad}` first.")
        assert _OURS.search(args) and not _PINNED.search(args), bad


def test_the_distribution_name_is_ours_and_the_command_is_falguard() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "falguard-scanner"  # not "falguard": that name on the index is taken
    assert project["scripts"]["falguard"] == "falguard.cli:main"


def test_the_pre_commit_example_pins_a_revision_that_can_exist() -> None:
    """It said `rev: v0.1.0`, a tag that does not exist."""
    revs = re.findall(r"repo: https://github\.com/<org>/falguard\n\s+rev: (\S+(?: \S+ \S+)?)", DOCS)
    assert revs, "the docs lost their pre-commit example"
    for rev in revs:
        assert rev == "<full commit SHA>" or re.fullmatch(r"[0-9a-f]{40}", rev), rev


def test_the_quickstart_commands_make_their_own_virtual_environment() -> None:
    block = re.search(r"## Quickstart\n.*?```sh\n(.*?)```", README, re.S)
    assert block is not None
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install "), command
        assert " pip install" not in command.replace(".venv/bin/pip install", ""), command
