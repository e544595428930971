"""`falguard report`: a saved JSON report rendered again, in every format, without rescanning;
the loader never holds plaintext."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from falguard.models import Secret, mask
from falguard.report.load import ReportFormatError, load, parse
from tests.helpers import write
from tests.keys import fake_key_id_secret
from tests.scans.test_audit import four_stories

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_saved_scan_renders_exactly_as_the_scan_did(falguard, fmt: str) -> None:
    run = falguard("report", str(GOLDEN / "scan.json"), "--format", fmt, cwd=GOLDEN)
    assert run.code == 1  # the saved report fails at its saved threshold, as the scan did
    assert run.out == (GOLDEN / f"scan.{fmt}").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_a_saved_audit_renders_exactly_as_the_audit_did(tmp_path: Path, falguard, fmt: str) -> None:
    work, keys = four_stories(tmp_path)
    saved = tmp_path / "audit.json"
    assert falguard("audit", "--format", "json", "-o", str(saved), cwd=work).code == 1
    direct = falguard("audit", "--format", fmt, cwd=work)
    again = falguard("report", str(saved), "--format", fmt, cwd=tmp_path)
    assert again.code == 1 and again.out == direct.out
    for key in keys:
        assert key.split(":")[1] not in again.out


def test_sarif_of_a_saved_audit_is_its_findings(tmp_path: Path, falguard) -> None:
    work, _ = four_stories(tmp_path)
    saved = tmp_path / "audit.json"
    falguard("audit", "--format", "json", "-o", str(saved), cwd=work)
    direct = falguard("audit", "--format", "sarif", cwd=work)
    assert falguard("report", str(saved), "--format", "sarif", cwd=tmp_path).out == direct.out


def test_fail_on_and_output(tmp_path: Path, falguard) -> None:
    page = tmp_path / "page.html"
    run = falguard("report", str(GOLDEN / "scan.json"), "--format", "html", "-o", str(page), "--fail-on", "critical")
    assert run.code == 1 and page.read_text().startswith("<!DOCTYPE html>")
    saved = json.loads((GOLDEN / "scan.json").read_text())
    saved["findings"] = [f for f in saved["findings"] if f["severity"] in ("medium", "low")]
    write(tmp_path, "medium.json", json.dumps(saved))
    assert falguard("report", str(tmp_path / "medium.json"), cwd=tmp_path).code == 1  # saved threshold: medium
    assert falguard("report", str(tmp_path / "medium.json"), "--fail-on", "high", cwd=tmp_path).code == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
        ('{"tool": "falguard", "findings": [{"rule": "x', "is not valid JSON: Unterminated string starting at line 1"),
        ('{"tool": "gitleaks", "findings": []}', "is not a falguard JSON report"),
        ("[1, 2]", "is not a falguard JSON report"),
        ('{"tool": "falguard", "findings": [{"rule": 3}]}', "findings[0].rule"),
        ('{"tool": "falguard", "findings": [], "summary": {"fail_on": "urgent"}}', "unknown severity"),
        ('{"tool": "falguard", "findings": [], "audit": {"stories": [{"fingerprints": ["x"]}]}}', "stories[0]"),
    ],
)
def test_a_file_that_is_not_a_report_is_one_line_and_exit_2(tmp_path: Path, falguard, content: str, says: str) -> None:
    write(tmp_path, "bad.json", content)
    run = falguard("report", str(tmp_path / "bad.json"), cwd=tmp_path)
    assert run.code == 2 and run.out == ""
    assert len(run.err.strip().splitlines()) == 1 and says in run.err and "Traceback" not in run.err


def test_a_missing_or_binary_file_is_exit_2(tmp_path: Path, falguard) -> None:
    assert falguard("report", str(tmp_path / "nope.json"), cwd=tmp_path).code == 2
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    run = falguard("report", str(tmp_path / "binary.json"), cwd=tmp_path)
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1


def test_standard_input(falguard, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO((GOLDEN / "scan.json").read_text()))
    run = falguard("report", "-", "--format", "github", cwd=GOLDEN)
    assert run.out == (GOLDEN / "scan.github").read_text()


def test_verification_is_read_when_present() -> None:
    document = json.loads((GOLDEN / "scan.json").read_text())
    document["findings"][1]["verification"] = {"status": "live", "scope": "ADMIN", "reason": "200 from the API"}
    loaded = load(document)
    assert loaded.result.findings[1].verification is not None
    assert (loaded.result.findings[1].verification.status, loaded.result.findings[1].verification.scope) == (
        "live",
        "ADMIN",
    )
    assert loaded.result.findings[0].verification is None


def test_a_loaded_secret_is_only_its_masked_form() -> None:
    key = fake_key_id_secret(random.Random(5))
    key_id = key.split(":")[0]
    real = Secret(key, key_id)
    loaded = Secret.from_masked(real.masked, key_id, fingerprints={"fal-key-id-secret": real.fingerprint("x")})
    assert loaded.masked == real.masked and str(loaded) == real.masked and loaded.key_id == key_id
    assert loaded != real and loaded == Secret.from_masked(real.masked, key_id)
    assert loaded.fingerprint("fal-key-id-secret") == real.fingerprint("x")
    with pytest.raises(ValueError):
        loaded.reveal()
    with pytest.raises(ValueError):
        loaded.fingerprint("another-rule")
    # plaintext where a masked value belongs (a report edited by hand) is masked again
    assert Secret.from_masked(key, key_id).masked == mask(key, key_id)


def test_plaintext_in_a_hand_edited_report_is_masked(tmp_path: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(6))
    document = json.loads((GOLDEN / "scan.json").read_text())
    document["findings"][1]["secret"], document["findings"][1]["key_id"] = key, None
    write(tmp_path, "edited.json", json.dumps(document))
    for fmt in ("text", "json", "sarif", "github", "html"):
        run = falguard("report", str(tmp_path / "edited.json"), "--format", fmt, cwd=tmp_path)
        assert run.code == 1 and key not in run.out and key.split(":")[1] not in run.out


def test_the_loader_works_on_parsed_documents() -> None:
    """What a merge of several reports would hand it: a dict, not a file."""
    document = parse((GOLDEN / "scan.json").read_text(), "scan.json")
    loaded = load(document)
    assert len(loaded.result.findings) == len(document["findings"]) and loaded.audit is None
    with pytest.raises(ReportFormatError):
        parse("null", "x.json")
