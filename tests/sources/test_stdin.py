"""`falguard scan -`: standard input, as a user pipes a CI log in."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from falguard.config import Config
from falguard.scans.scan import scan_stdin
from falguard.sources import stdin
from tests.helpers import run_cli
from tests.keys import fake_fal_key, fake_key_id_secret


def test_a_key_piped_in_is_reported_as_stdin_with_exit_1(tmp_path: Path) -> None:
    key = fake_key_id_secret(random.Random(1))
    log = f"step 1 ok\nexport FAL_KEY={key}\n".encode()
    run = run_cli("scan", "-", "--format", "json", cwd=tmp_path, input=log)
    assert run.code == 1, run.err
    [finding] = run.json["findings"]
    assert (finding["path"], finding["line"], finding["rule"], finding["source"]) == (
        "(stdin)",
        2,
        "fal-key-id-secret",
        "stdin",
    )
    assert key not in run.out and key not in run.err
    assert run.json["summary"]["files_scanned"] == 1


def test_the_name_given_reaches_sarif(tmp_path: Path) -> None:
    key = fake_fal_key(random.Random(2))
    run = run_cli(
        "scan",
        "-",
        "--stdin-name",
        "ci/build.log",
        "--format",
        "sarif",
        cwd=tmp_path,
        input=f"FAL_KEY={key}\n".encode(),
    )
    assert run.code == 1, run.err
    [result] = json.loads(run.out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "ci/build.log"


def test_clean_input_exits_0_and_empty_input_is_fine(tmp_path: Path) -> None:
    assert run_cli("scan", "-", cwd=tmp_path, input=b"nothing to see\n").code == 0
    assert run_cli("scan", "-", cwd=tmp_path, input=b"").code == 0


def test_line_numbers_continue_across_blocks(monkeypatch) -> None:
    monkeypatch.setattr(stdin, "BLOCK", 64)  # many blocks, cut at line ends
    keys = [fake_key_id_secret(random.Random(n)) for n in range(3)]
    lines = [f"line {n} of a long log with some words in it" for n in range(200)]
    for n, key in zip((5, 90, 199), keys, strict=True):
        lines[n] = f"Authorization: Key {key}"
    result = scan_stdin(io.BytesIO("\n".join(lines).encode()), "log", Config())
    assert [(f.line, f.column) for f in result.findings] == [(6, 20), (91, 20), (200, 20)]


def test_a_key_split_across_a_block_boundary_is_still_found(monkeypatch) -> None:
    monkeypatch.setattr(stdin, "BLOCK", 16)  # smaller than the line: the line is kept whole
    key = fake_key_id_secret(random.Random(4))
    result = scan_stdin(io.BytesIO(f"x\nFAL_KEY={key}\n".encode()), "log", Config())
    assert [f.line for f in result.findings] == [2]


def test_a_line_longer_than_the_limit_is_an_error_not_a_partial_scan(tmp_path: Path) -> None:
    run = run_cli("scan", "-", "--max-file-size", "1k", cwd=tmp_path, input=b"a" * 5000)
    assert run.code == 2
    assert run.err.count("\n") == 1 and "longer than" in run.err


def test_utf16_input_is_decoded(tmp_path: Path) -> None:
    key = fake_key_id_secret(random.Random(5))
    data = "\ufeff" + f"FAL_KEY={key}\r\n"
    run = run_cli("scan", "-", "--format", "json", cwd=tmp_path, input=data.encode("utf-16-le"))
    assert run.code == 1 and run.json["findings"][0]["rule"] == "fal-key-id-secret"


def test_stdin_is_scanned_on_its_own(tmp_path: Path) -> None:
    for args in (("scan", "-", "other"), ("scan", "--history", "-"), ("scan", "--stdin-name", "x")):
        run = run_cli(*args, cwd=tmp_path, input=b"")
        assert run.code == 2 and run.err.startswith("falguard: error:"), args
