"""Every output format: golden files, the SARIF schema, and no full secret anywhere."""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path

import pytest

from tests.helpers import ignoring_env, write
from tests.keys import fake_fal_key, fake_hex32, fake_key_id_secret, fake_token, fake_uuid

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
#: The official SARIF 2.1.0 schema (OASIS), shipped with the tests so no test skips on a fresh clone.
SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "sarif-schema-2.1.0.json"
PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"
FORMATS = ["text", "json", "sarif", "github"]


def planted(repo: Path) -> list[str]:
    """A small repository with one key of every shape; returns every plaintext secret."""
    rng = random.Random(2026)
    kis, fal, uid, hex32, token = (
        fake_key_id_secret(rng),
        fake_fal_key(rng),
        fake_uuid(rng),
        fake_hex32(rng),
        fake_token(rng),
    )
    write(repo, ".gitignore", ".env.local\n")
    write(repo, ".env", f"FAL_KEY={kis}\n")
    write(repo, ".env.local", f"{PUBLIC}={kis}\n")
    write(
        repo,
        "src/client.ts",
        f'import {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: process.env.{PUBLIC} }});\n',
    )
    write(repo, "src/creds.js", f"// fal.ai\nconst FAL_KEY_ID = '{uid}';\nconst FAL_KEY_SECRET = '{hex32}';\n")
    write(repo, "deploy/run.sh", f"export FAL_KEY={fal}\ncurl -H 'Authorization: Key {token}' https://fal.run/x\n")
    return [kis, kis.split(":")[1], fal, fal[4:], hex32, token]


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_output(repo: Path, falguard, fmt: str) -> None:
    planted(repo)
    run = falguard("scan", "--format", fmt, cwd=repo)
    assert run.code == 1
    golden = GOLDEN / f"scan.{fmt}"
    if os.environ.get("FALGUARD_UPDATE_GOLDEN"):
        golden.write_text(run.out, encoding="utf-8")
    assert run.out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_holds_a_full_secret(repo: Path, falguard, tmp_path: Path, fmt: str) -> None:
    secrets = planted(repo)
    report = tmp_path / "report"
    for run in (
        falguard("scan", "--format", fmt, cwd=repo),
        falguard("scan", "--format", fmt, "-o", str(report), cwd=repo),
    ):
        for text in (run.out, run.err, report.read_text() if report.exists() else ""):
            for secret in secrets:
                assert secret not in text


def test_sarif_validates_against_the_official_schema(repo: Path, falguard) -> None:
    import jsonschema

    planted(repo)
    document = json.loads(falguard("scan", "--format", "sarif", cwd=repo).out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} >= {
        "fal-key",
        "fal-key-id-secret",
        "fal-key-pair",
        "fal-key-assignment",
        "public-fal-key",
        "env-tracked",
    }
    for rule in rules:
        assert float(rule["properties"]["security-severity"]) > 0
        assert "What to do" in rule["help"]["markdown"]
        assert "dashboard" in rule["help"]["markdown"] or "gitignore" in rule["help"]["markdown"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["partialFingerprints"]["falguardFingerprint/v1"]) == 64
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_a_key_joined_over_lines_carries_its_end_line_in_every_format(repo: Path, falguard, tmp_path: Path) -> None:
    """``line`` is where the key starts; ``end_line`` and ``end_column`` where its secret ends
    (SARIF ``endLine``/``endColumn``, GitHub ``endLine``), also after saving and rendering again."""
    import jsonschema

    ignoring_env(repo)
    rng = random.Random(5)
    key_id, secret = fake_uuid(rng), fake_hex32(rng)
    write(repo, "settings.py", f'FAL_KEY = (\n    "{key_id}:"\n    "{secret}"\n)\n')
    other_id, other_secret = fake_uuid(rng), fake_hex32(rng)
    write(repo, "one.py", f'FAL_KEY = "{other_id}:{other_secret}"\n')
    saved = tmp_path / "scan.json"
    run = falguard("scan", "--format", "json", "-o", str(saved), cwd=repo)
    places = {
        f["path"]: (f["line"], f["column"], f["end_line"], f["end_column"])
        for f in json.loads(saved.read_text())["findings"]
    }
    assert places["settings.py"] == (2, 6, 3, 6 + len(secret))  # past the secret on its own line, not line 2's end
    assert places["one.py"] == (1, 12, 1, 12 + len(other_id) + 1 + len(other_secret))  # one line: end_line is line
    schema = json.loads(SCHEMA.read_text())
    for sarif in (
        falguard("scan", "--format", "sarif", cwd=repo).out,
        falguard("report", str(saved), "--format", "sarif", cwd=repo).out,
        falguard("report", "--merge", str(saved), "--format", "sarif", cwd=repo).out,
    ):
        document = json.loads(sarif)
        jsonschema.validate(document, schema)
        regions = {
            location["physicalLocation"]["artifactLocation"]["uri"]: location["physicalLocation"]["region"]
            for result in document["runs"][0]["results"]
            for location in result["locations"]
        }
        assert regions["settings.py"] == {"startLine": 2, "startColumn": 6, "endLine": 3, "endColumn": 6 + len(secret)}
        assert "endLine" not in regions["one.py"]
    annotations = [
        line for line in falguard("scan", "--format", "github", cwd=repo).out.splitlines() if "file=settings.py" in line
    ]
    assert len(annotations) == 1 and ",endLine=3,endColumn=38::" in annotations[0]
    assert run.code == 1 and secret not in run.out


def test_github_annotations_escape_and_locate(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis = fake_key_id_secret(random.Random(1))
    write(repo, "dir,with:odd/a%b.py", f"\nk = '{kis}'\n")
    run = falguard("scan", "--format", "github", cwd=repo)
    (line,) = [line for line in run.out.splitlines() if line.startswith("::")]
    assert line.startswith("::error file=dir%2Cwith%3Aodd/a%25b.py,line=2,col=6,")
    message = line.split("::", 2)[2]
    assert "\n" not in message and "%0A1. Revoke" in message


def test_text_groups_findings_by_secret(repo: Path, falguard) -> None:
    ignoring_env(repo)
    kis = fake_key_id_secret(random.Random(2))
    write(repo, "a.py", f"k = '{kis}'\n")
    write(repo, "b.py", f"k = '{kis}'\n")
    run = falguard("scan", cwd=repo)
    assert run.out.count("CRITICAL") == 1
    assert "a.py:1:6" in run.out and "b.py:1:6" in run.out
    assert "falguard: 2 findings (2 critical)" in run.out


def test_write_replacements(repo: Path, falguard, tmp_path: Path) -> None:
    secrets = planted(repo)
    target = tmp_path / "replacements.txt"
    run = falguard("scan", "--write-replacements", str(target), cwd=repo)
    assert run.code == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    lines = target.read_text().splitlines()
    assert lines == sorted(lines)
    assert f"literal:{secrets[0]}==>***FAL-KEY-REMOVED***" in lines
    assert f"literal:{secrets[4]}==>***FAL-KEY-REMOVED***" in lines
    assert "plaintext keys" in run.err
    for secret in secrets:
        assert secret not in run.out and secret not in run.err


def test_write_replacements_refuses_inside_the_repository(repo: Path, falguard) -> None:
    planted(repo)
    run = falguard("scan", "--write-replacements", "keys.txt", cwd=repo)
    assert run.code == 2
    assert "refusing to write plaintext keys inside the repository" in run.err
    assert not (repo / "keys.txt").exists()


def test_the_sarif_schema_ships_with_the_tests_and_nothing_reads_outside_the_checkout() -> None:
    """The schema test skipped unless the shared directory was beside the checkout (problem 8)."""
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/") and "2.1.0" in schema["title"]
    outside = ("../" + "shared", '/ "' + 'shared"')  # split, so this module does not name them itself
    for module in Path(__file__).resolve().parents[1].rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert not [word for word in outside if word in text], module


def test_sarif_names_falguards_page_never_fals_dashboard(repo: Path, falguard, monkeypatch) -> None:
    """The driver's informationUri was fal's keys page (issue 25): it is the tool's own page,
    from the package metadata, or absent when the metadata names none."""
    from email.message import Message

    planted(repo)
    driver = json.loads(falguard("scan", "--format", "sarif", cwd=repo).out)["runs"][0]["tool"]["driver"]
    assert "fal.ai" not in driver.get("informationUri", "")
    meta = Message()
    meta["Project-URL"] = "Homepage, https://example.org/falguard"
    monkeypatch.setattr("importlib.metadata.metadata", lambda name: meta)
    driver = json.loads(falguard("scan", "--format", "sarif", cwd=repo).out)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/falguard"
