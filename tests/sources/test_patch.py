"""Reading git patches: paths in every quoting, two-way and combined hunks."""

from __future__ import annotations

import pytest

from falguard.sources.patch import AddedLines, FileChange, header_path, intersect, parse_log, parse_patch, unquote_c

OID = "1" * 40


@pytest.mark.parametrize(
    ("quoted", "raw"),
    [
        (b"plain.py", b"plain.py"),
        (b'"new\\nline.py"', b"new\nline.py"),
        (b'"tab\\there"', b"tab\there"),
        (b'"q\\"b\\\\s"', b'q"b\\s'),
        (b'"\\303\\274.py"', "ü.py".encode()),
    ],
)
def test_unquote_c(quoted: bytes, raw: bytes) -> None:
    assert unquote_c(quoted) == raw


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (b"diff --git a/x y/a b.py b/x y/a b.py", b"x y/a b.py"),
        (b'diff --git "a/new\\nline" "b/new\\nline"', b"new\nline"),
        (b"diff --git a/ b/ b/ b/", b" b/"),  # a path that is itself " b/"
        (b"diff --cc conf.py", b"conf.py"),
        (b"index 123..456", None),
    ],
)
def test_header_path(line: bytes, path: bytes | None) -> None:
    found = header_path(line)
    assert (found[0] if found else None) == path


def test_two_way_hunks_removed_lines_that_look_like_headers_and_deletions() -> None:
    patch = (
        b"diff --git a/a.sql b/a.sql\n"
        b"index " + b"0" * 40 + b".." + OID.encode() + b" 100644\n"
        b"--- a/a.sql\n+++ b/a.sql\n"
        b"@@ -2,1 +2,2 @@\n"
        b"--- old comment\n"
        b"+++ new comment\n"
        b"+second\n"
        b"\\ No newline at end of file\n"
        b"@@ -10,0 +11 @@\n"
        b"+eleven\n"
        b"diff --git a/gone.py b/gone.py\n"
        b"deleted file mode 100644\n"
        b"index " + OID.encode() + b".." + b"0" * 40 + b"\n"
        b"--- a/gone.py\n+++ /dev/null\n"
        b"@@ -1 +0,0 @@\n"
        b"-x\n"
        b"diff --git a/img.png b/img.png\n"
        b"new file mode 100644\n"
        b"index " + b"0" * 40 + b".." + OID.encode() + b"\n"
        b"Binary files /dev/null and b/img.png differ\n"
    )
    sql, gone, image = parse_patch(patch)
    assert (sql.path, sql.new_oid, sql.new_mode) == (b"a.sql", OID, "100644")
    assert sql.added.lines == {2, 3, 11}
    assert gone.deleted and not gone.added
    assert image.created and image.added.everything and 12345 in image.added


def test_combined_hunk_counts_only_lines_new_to_every_parent() -> None:
    log = (
        b"\x00" + b"c" * 40 + b"\n\n"
        b"diff --cc f\n"
        b"index " + b"a" * 40 + b"," + b"b" * 40 + b".." + OID.encode() + b"\n"
        b"--- a/f\n+++ b/f\n"
        b"@@@ -2,1 -2,1 +2,2 @@@\n"
        b" -SIDE\n"
        b"++RESOLVED\n"
        b" +MAIN\n"
        b"@@@ -4,0 -4,0 +5,1 @@@\n"
        b"++new\n"
    )
    ((commit, (change,)),) = list(parse_log(log))
    assert commit == "c" * 40
    assert change.new_oid == OID
    assert change.added.lines == {2, 5}


def test_intersect_keeps_files_and_lines_new_to_every_parent() -> None:
    def change(path: bytes, *lines: int, everything: bool = False) -> FileChange:
        return FileChange(path, OID, "100644", AddedLines(frozenset(lines), everything))

    merged = intersect([[change(b"a", 1, 2, 3), change(b"b", 1)], [change(b"a", 2, 3, 4, everything=False)]])
    assert [(c.path, set(c.added.lines)) for c in merged] == [(b"a", {2, 3})]
    merged = intersect([[change(b"a", everything=True)], [change(b"a", 5)]])
    assert merged[0].added.lines == {5} and not merged[0].added.everything
