"""The README is a front page (issue 25, part 5): at most 400 lines, a contents list, the
two Quickstart commands, and links to the guides in docs/; every link between the pages
resolves to a file that exists and, with an anchor, to a heading in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

#: The guides the README must link (the issue's list, and the pages other work adds).
GUIDES = (
    "user-guide.md", "ci.md", "hooks.md", "org-audits.md", "verify-and-rotate.md", "configuration.md",
    "exit-codes-and-formats.md", "performance.md", "security-model.md",
    "policy.md", "credit-faucets.md", "documents-and-images.md", "server-hooks.md",
)  # fmt: skip

#: A Markdown link's target, outside code spans and blocks: [text](target).
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def links(text: str) -> list[str]:
    prose = _CODE_SPAN.sub("", _FENCE.sub("", text))
    return _LINK.findall(prose)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def broken_links(page: Path) -> list[str]:
    """Every relative link in the page whose file (or heading) does not exist."""
    broken = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        missing_heading = bool(anchor) and file.suffix == ".md" and file.exists() and anchor not in anchors(file)
        if not file.exists() or missing_heading:
            broken.append(target)
    return broken


def test_the_readme_is_a_front_page_of_at_most_400_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 400


def test_the_readme_has_a_contents_list_that_links_every_guide() -> None:
    text = README.read_text(encoding="utf-8")
    contents = re.search(r"^## Contents\n(.*?)^## ", text, re.S | re.M)
    assert contents is not None, "README.md has no '## Contents' section"
    linked = set(links(contents.group(1)))
    for guide in GUIDES:
        assert f"docs/{guide}" in linked, guide
    for heading in re.findall(r"^## (.+)$", text, re.M)[1:]:  # every section after the contents itself
        assert f"#{slug(heading)}" in linked, heading


def test_the_readme_keeps_the_two_quickstart_commands() -> None:
    block = re.search(r"^## Quickstart\n.*?^```sh\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
    assert block is not None
    assert block.group(1).splitlines() == [
        "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/falguard scan",
        'python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && .venv/bin/pytest',
    ]


def test_the_readme_shows_ten_commands() -> None:
    section = README.read_text(encoding="utf-8").split("\n## The ten commands\n", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\| `falguard [^`]+` \|", section, re.M)) == 10


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_link_check_catches_a_missing_page_and_a_missing_heading(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# Here\n\n## A `code` heading?\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok](there.md#a-code-heading) [gone](gone.md) [bad](there.md#nowhere) "
        "`[in code](also-gone.md)` [web](https://example.com/x)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["gone.md", "there.md#nowhere"]


def test_each_pypi_name_warning_is_said_once() -> None:
    """The README said twice that the name on the index is another project's."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert len(re.findall(r"belongs to an unrelated\s+project|is another project's", text)) == 1


def test_every_exit_code_and_the_incomplete_default_are_in_one_table() -> None:
    """--fail-on-incomplete and its CI=true default were documented nowhere (issue 25)."""
    from falguard.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED

    page = (ROOT / "docs" / "exit-codes-and-formats.md").read_text(encoding="utf-8")
    table = re.search(r"^## Exit codes\n(.*?)^## ", page, re.S | re.M)
    assert table is not None
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\| (\d+) \|.*$", table.group(1), re.M)}
    assert set(rows) == {EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED}
    assert "`--fail-on-incomplete`" in rows[EXIT_ERROR] and "`CI` is `true`" in rows[EXIT_ERROR]
