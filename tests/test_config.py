"""Configuration from pyproject.toml and .falguard.toml, precedence, and exact errors."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from tests.helpers import ignoring_env, write
from tests.keys import fake_key_id_secret, fake_token


def test_precedence_pyproject_then_falguard_toml_then_command_line(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "pyproject.toml", '[project]\nname = "x"\n\n[tool.falguard]\nfail-on = "low"\nmax-file-size = "1MB"\n')
    run = falguard("config", "show", cwd=repo)
    assert "fail-on = low    # pyproject.toml" in run.out
    assert "max-file-size = 1048576    # pyproject.toml" in run.out
    assert "exclude = []    # default" in run.out
    write(repo, ".falguard.toml", 'fail-on = "critical"\n')
    run = falguard("config", "show", cwd=repo)
    assert "fail-on = critical    # .falguard.toml" in run.out
    assert "max-file-size = 1048576    # pyproject.toml" in run.out
    write(repo, "a.ts", "const k = process.env." + "NEXT_PUBLIC_" + "FAL_KEY;\n")  # high
    assert falguard("scan", cwd=repo).code == 0  # fail-on critical from .falguard.toml
    assert falguard("scan", "--fail-on", "high", cwd=repo).code == 1  # command line wins


def test_exclude_uses_gitignore_patterns(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(1))
    write(repo, ".falguard.toml", 'exclude = ["fixtures/", "*.snap", "!keep.snap"]\n')
    write(repo, "fixtures/deep/a.py", f"K = '{key}'\n")
    write(repo, "x.snap", f"K = '{key}'\n")
    write(repo, "keep.snap", f"K = '{key}'\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert [f["path"] for f in run.json["findings"]] == ["keep.snap"]
    assert run.json["summary"]["excluded"] == 2


def test_allow_by_fingerprint_with_reason(repo: Path, falguard) -> None:
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(2))
    fingerprint = hashlib.sha256(f"fal-key-id-secret:{key}".encode()).hexdigest()
    write(repo, "a.py", f"K = '{key}'\n")
    write(repo, ".falguard.toml", f'allow = [{{ fingerprint = "{fingerprint}", reason = "revoked 2026-01" }}]\n')
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0
    assert run.json["suppressed"][0]["suppression"] == {"kind": "config", "reason": "revoked 2026-01"}


def content_rules(run) -> set[tuple[str, str]]:
    return {
        (f["path"], f["rule"]) for f in run.json["findings"] if f["rule"] in ("fal-key-assignment", "public-fal-key")
    }


def test_extra_key_names_and_public_prefixes(repo: Path, falguard) -> None:
    token = fake_token(random.Random(3))
    write(repo, "settings.py", f"IMAGE_GEN_SECRET = '{token}'\n")
    write(repo, ".env.production", "APP_" + f"FAL_KEY={token}\n")
    rules = content_rules(falguard("scan", "--format", "json", cwd=repo))
    assert rules == {(".env.production", "fal-key-assignment")}  # a fal key name, but not known as public
    write(repo, ".falguard.toml", 'extra-key-names = ["IMAGE_GEN_SECRET"]\nextra-public-prefixes = ["APP_"]\n')
    rules = content_rules(falguard("scan", "--format", "json", cwd=repo))
    assert rules == {
        ("settings.py", "fal-key-assignment"),
        (".env.production", "fal-key-assignment"),
        (".env.production", "public-fal-key"),
    }


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            ".falguard.toml",
            "exlude = []\n",
            ".falguard.toml: unknown key 'exlude' (known keys: exclude, fail-on, max-file-size, extra-public-prefixes, extra-key-names, allow, fail-on-incomplete)",
        ),
        (
            ".falguard.toml",
            'fail-on = "urgent"\n',
            ".falguard.toml: fail-on: expected one of critical, high, medium, low, got 'urgent'",
        ),
        (".falguard.toml", "fail-on = 3\n", ".falguard.toml: fail-on: expected one of critical, high, medium, low"),
        (
            ".falguard.toml",
            'max-file-size = "lots"\n',
            ".falguard.toml: max-file-size: expected a positive size in bytes or a string such as \"10MB\", got 'lots'",
        ),
        (
            ".falguard.toml",
            'exclude = "build/"\n',
            ".falguard.toml: exclude: expected a list of strings (gitignore-style patterns)",
        ),
        (
            ".falguard.toml",
            'extra-public-prefixes = ["has space"]\n',
            ".falguard.toml: extra-public-prefixes: 'has space' is not an environment variable prefix such as APP_",
        ),
        (
            ".falguard.toml",
            'allow = [{ fingerprint = "abc", reason = "x" }]\n',
            ".falguard.toml: allow: entry 1: fingerprint must be one a report shows: 16 to 64 lowercase hex characters",
        ),
        (
            ".falguard.toml",
            'allow = [{ fingerprint = "' + "a" * 64 + '" }]\n',
            ".falguard.toml: allow: entry 1: reason must be a non-empty string",
        ),
        (".falguard.toml", "fail-on = \n", ".falguard.toml: invalid TOML: Invalid value (at line 1, column 11)"),
        (
            "pyproject.toml",
            "[tool.falguard]\nfoo = 1\n",
            "pyproject.toml [tool.falguard]: unknown key 'foo' (known keys: exclude, fail-on, max-file-size, extra-public-prefixes, extra-key-names, allow, fail-on-incomplete)",
        ),
        ("pyproject.toml", "[tool]\nfalguard = 1\n", "pyproject.toml: [tool.falguard] must be a table"),
    ],
)
def test_bad_configuration_is_an_exact_exit_2_error(
    repo: Path, falguard, name: str, content: str, message: str
) -> None:
    write(repo, name, content)
    for args in (("scan",), ("baseline", "create")):
        run = falguard(*args, cwd=repo)
        assert run.code == 2
        assert run.err.strip() == f"falguard: error: {message}"
    run = falguard("config", "show", cwd=repo)  # the command for debugging config still shows the rest
    assert run.code == 2
    if "TOML" in message or "must be a table" in message:  # nothing to show: the file cannot be read
        assert run.err.strip() == f"falguard: error: {message}"
    else:
        assert f"ERROR: {message}" in run.out
        assert "max-file-size = " in run.out and "exclude = " in run.out  # every other value still shown
        assert run.err.strip() == "falguard: error: 1 configuration value is invalid (shown above)"


def test_unreadable_configuration(repo: Path, falguard) -> None:
    ignoring_env(repo)
    (repo / ".falguard.toml").mkdir()  # a directory where a file should be: not a file, ignored
    assert falguard("scan", cwd=repo).code == 0
    (repo / ".falguard.toml").rmdir()
    write(repo, ".falguard.toml", b"\xff\xfe")
    run = falguard("scan", cwd=repo)
    assert (run.code, run.err.strip()) == (2, "falguard: error: .falguard.toml: not UTF-8 text")


def test_the_fingerprint_a_text_report_shows_is_accepted_in_allow(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(repo, "fixture.py", f"KEY = '{fake_key_id_secret(random.Random(9))}'\n")
    shown = next(line.split(": ")[1] for line in falguard("scan", cwd=repo).out.splitlines() if "fingerprint:" in line)
    assert len(shown) == 16
    write(repo, ".falguard.toml", f'allow = [{{ fingerprint = "{shown}", reason = "a revoked test key" }}]\n')
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0 and run.json["findings"] == []
    assert [s["suppression"]["reason"] for s in run.json["suppressed"]] == ["a revoked test key"]
    assert falguard("config", "show", cwd=repo).code == 0
