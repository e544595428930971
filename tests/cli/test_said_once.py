"""Errors are said once and every run ends with its summary (issue 25, part 3): a corrupt
repository's reason was printed three times (stdout "incomplete", stderr "warning:
incomplete", stderr "error"); `audit --format html -o x.html` printed no summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import commit_all, git, write


@pytest.fixture
def corrupt(repo: Path) -> Path:
    """A repository one of whose blobs git cannot read."""
    write(repo, "a.txt", "some content\n")
    write(repo, "b.txt", "more content\n")
    commit_all(repo, "a")
    blob = git(repo, "rev-parse", "HEAD:a.txt").strip()
    path = repo / ".git" / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(b"not zlib")
    return repo


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--history"),
        ("scan", "--history", "--format", "json"),
        ("audit",),
        ("audit", "--format", "json"),
        ("audit", "--format", "html", "-o", "x.html"),
    ],
)
def test_a_corrupt_repository_is_one_error_line(corrupt: Path, falguard, args: tuple[str, ...]) -> None:
    run = falguard(*args, cwd=corrupt)
    assert run.code == 2
    assert run.err.strip().splitlines()[-1].startswith("falguard: error: repository is corrupt")
    said = [line for line in (run.out + run.err).splitlines() if line.startswith("falguard:") and "corrupt" in line]
    assert len(said) == 1, said


def test_a_report_written_to_a_file_still_ends_with_the_summary(repo: Path, falguard) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, "app.py", "print('hello')\n")
    commit_all(repo, "a")
    for args in (("audit", "--format", "html", "-o", "x.html"), ("audit", "-o", "x.txt"), ("scan", "-o", "y.txt")):
        run = falguard(*args, cwd=repo)
        assert run.code == 0 and run.out == ""
        assert run.err.startswith("falguard: no fal credentials found"), (args, run.err)
        assert (repo / args[-1]).stat().st_size > 0
    run = falguard("audit", "--format", "json", cwd=repo)
    assert run.err.startswith("falguard: no fal credentials found")  # as `scan --format json` does
