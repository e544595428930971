"""Env hygiene rules on real repositories: env-tracked, env-not-ignored, gitignore-missing-env,
shared-key-across-envs, through the library and through `falguard scan`."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from falguard import git as falguard_git
from falguard.detection.facts import Finding
from falguard.envhygiene.envcheck import (
    CommittedFile,
    check_directory,
    check_repository,
    history_findings,
    workflow_environments,
)
from falguard.models import Severity
from tests.helpers import commit_all, git, write
from tests.keys import fake_fal_key, fake_key_id_secret, fake_token

ENV_RULES = {"env-tracked", "env-not-ignored", "gitignore-missing-env", "shared-key-across-envs"}


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def check(repo: Path, scope: str = "") -> list[Finding]:
    found = falguard_git.find_repo(repo)
    assert found is not None
    return check_repository(found, scope=scope)


def by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.rule, []).append(finding)
    return grouped


def env_findings(run: Any) -> list[tuple[str, str]]:
    return [(f["rule"], f["path"]) for f in run.json["findings"] if f["rule"] in ENV_RULES]


# --- env-tracked -----------------------------------------------------------------------------


def test_a_key_both_fal_shaped_and_public_counts_once(repo: Path) -> None:
    """A public variable holding a key is two findings (the key, the public variable) of one
    key: the message counts keys, not findings (it said "holds 2 fal keys")."""
    public = "NEXT_PUBLIC_" + "FAL_KEY"  # split, so falguard's own tree scans clean
    write(repo, "package.json", '{"dependencies": {"next": "14.0.0"}}\n')
    write(repo, ".env.local", f"{public}={key(2)}\n")
    git(repo, "add", "-f", ".env.local")
    (finding,) = by_rule(check(repo))["env-tracked"]
    assert finding.message.endswith(".env.local is tracked by git and holds a fal key")
    write(repo, ".env.local", f"{public}={key(2)}\nFAL_KEY={key(3)}\n")
    git(repo, "add", "-f", ".env.local")
    (finding,) = by_rule(check(repo))["env-tracked"]
    assert "holds 2 fal keys" in finding.message


def test_tracked_env_file_holding_a_key_is_critical(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, "config/.env", f"FAL_KEY={key(1)}\n")
    git(repo, "add", "-f", "config/.env")  # staged counts: the next commit would hold it
    (finding,) = by_rule(check(repo))["env-tracked"]
    assert (finding.path, finding.severity) == ("config/.env", Severity.CRITICAL)
    assert "holds a fal key" in finding.message
    assert key(1) not in finding.message


def test_tracked_env_file_without_a_secret_is_low(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, "prod.env", "DEBUG=0\nFAL_KEY=${FAL_KEY}\n")
    write(repo, "tests/test_apps/.env", "FOO=env\n")  # pallets/flask's fixture
    git(repo, "add", "-f", "prod.env", "tests/test_apps/.env")
    commit_all(repo)
    found = {(f.path, f.severity) for f in by_rule(check(repo))["env-tracked"]}
    assert found == {("prod.env", Severity.LOW), ("tests/test_apps/.env", Severity.LOW)}


def test_tracked_env_file_severity_follows_what_is_in_it(repo: Path) -> None:
    token = fake_token(random.Random(7))
    write(repo, "a/.env", f"SESSION_SECRET={token}\n")  # some other secret: medium
    write(repo, "b/.env", "FAL_KEY=" + "0" * 8 + "-0000-4000-8000-" + "0" * 12 + ":" + "0" * 32 + "\n")  # a test key
    write(repo, "c/.env", f"FAL_KEY={key(6)}\n")
    commit_all(repo)
    found = {(f.path, f.severity) for f in by_rule(check(repo))["env-tracked"]}
    assert found == {("a/.env", Severity.MEDIUM), ("b/.env", Severity.LOW), ("c/.env", Severity.CRITICAL)}


@pytest.mark.parametrize(
    "name", ["worker/.dev.vars", "app/.streamlit/secrets.toml", ".env copy", ".env.bak", ".env.save", "prod.env.old"]
)
def test_env_files_under_other_names_are_tracked_env_files(repo: Path, name: str) -> None:
    write(repo, name, f"FAL_KEY={key(5)}\n")
    write(repo, "worker/.dev.vars.example", "FAL_KEY=your-api-key\n")  # a template stays exempt
    commit_all(repo)
    findings = by_rule(check(repo))
    (finding,) = findings["env-tracked"]
    assert (finding.path, finding.severity) == (name, Severity.CRITICAL)


def test_tracked_and_ignored_env_file_is_tracked_not_unignored(repo: Path) -> None:
    write(repo, ".env.local", f"FAL_KEY={key(2)}\n")
    commit_all(repo)
    write(repo, ".gitignore", "# env\n.env*\n")  # added after the fact: too late for a tracked file
    findings = by_rule(check(repo))
    (finding,) = findings["env-tracked"]
    assert finding.severity is Severity.CRITICAL
    assert ".gitignore:2 (.env*)" in finding.message and "do not apply to tracked files" in finding.message
    assert "env-not-ignored" not in findings
    assert "gitignore-missing-env" not in findings


def test_the_index_version_decides_even_when_the_file_changed_or_vanished(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, ".envrc", f"export FAL_KEY={key(3)}\n")
    git(repo, "add", "-f", ".envrc")
    (repo / ".envrc").unlink()
    (finding,) = by_rule(check(repo))["env-tracked"]
    assert finding.severity is Severity.CRITICAL


def test_history_findings_take_any_iterable_of_paths() -> None:
    leaked = f"FAL_KEY={key(4)}\n".encode()
    findings = history_findings(
        [
            "src/app.py",
            ".env.example",
            CommittedFile(".env", "a" * 40, b"X=1\n"),
            CommittedFile(".env", "b" * 40, leaked),
            CommittedFile("deploy/prod.env", "c" * 40),
            ".envrc",
        ]
    )
    assert [(f.path, f.severity, f.commit, f.source) for f in findings] == [
        (".env", Severity.CRITICAL, "a" * 40, "history"),
        (".envrc", Severity.MEDIUM, None, "history"),  # not read: no telling it holds no secret
        ("deploy/prod.env", Severity.MEDIUM, "c" * 40, "history"),
    ]
    assert all(f.rule == "env-tracked" for f in findings)


# --- env-not-ignored -----------------------------------------------------------------------


def test_untracked_env_file_git_would_stage(repo: Path) -> None:
    write(repo, ".gitignore", "/.env*\n")  # anchored: covers the root only
    write(repo, ".env.local", f"FAL_KEY={key(5)}\n")
    write(repo, "apps/web/.env.local", f"FAL_KEY={key(5)}\n")
    write(repo, "apps/api/.env", "X=1\n")
    write(repo, "apps/api/.gitignore", ".env\n")  # a nested .gitignore covers its own directory
    (finding,) = by_rule(check(repo))["env-not-ignored"]
    assert finding.path == "apps/web/.env.local"
    assert "`git add .` would stage apps/web/.env.local and the fal key in it" in finding.message
    assert git(repo, "ls-files", "--others", "--exclude-standard").split() == [
        ".gitignore", "apps/api/.gitignore", "apps/web/.env.local",
    ]  # fmt: skip


def test_a_negation_re_including_an_env_file(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n!.env.example\n!.env.local\n")
    write(repo, ".env.local", "X=1\n")
    write(repo, ".env", "X=1\n")
    write(repo, ".env.example", "FAL_KEY=your-api-key\n")
    findings = by_rule(check(repo))
    (finding,) = findings["env-not-ignored"]
    assert finding.path == ".env.local"
    assert ".gitignore:3 (!.env.local) re-includes it" in finding.message
    assert "gitignore-missing-env" in findings  # .env.local is one of the names a .gitignore must cover


def test_an_env_file_inside_an_excluded_directory_stays_ignored(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\nsecrets/\n!secrets/.env.prod\n")
    write(repo, "secrets/.env.prod", f"FAL_KEY={key(6)}\n")
    assert "env-not-ignored" not in by_rule(check(repo))


def test_info_exclude_and_excludes_file_count_for_files_on_disk(repo: Path, tmp_path: Path) -> None:
    write(repo, ".git/info/exclude", ".env.local\n")
    excludes = write(tmp_path, "global-ignore", "*.env\n")
    git(repo, "config", "core.excludesFile", str(excludes))
    write(repo, ".env.local", "X=1\n")
    write(repo, "prod.env", "X=1\n")
    write(repo, ".envrc", "X=1\n")
    findings = by_rule(check(repo))
    assert [f.path for f in findings["env-not-ignored"]] == [".envrc"]


def test_core_ignorecase_decides_like_git(repo: Path) -> None:
    write(repo, ".gitignore", ".ENV*\n")
    write(repo, ".env.local", "X=1\n")
    git(repo, "config", "core.ignorecase", "false")
    assert [f.path for f in by_rule(check(repo))["env-not-ignored"]] == [".env.local"]
    git(repo, "config", "core.ignorecase", "true")
    findings = by_rule(check(repo))
    assert "env-not-ignored" not in findings and "gitignore-missing-env" not in findings


def test_templates_are_not_flagged_but_their_keys_are_caught(repo: Path, falguard: Any) -> None:
    write(repo, ".gitignore", ".env*\n!.env.example\n!.env.sample\n")
    write(repo, ".env.example", f"FAL_KEY={key(7)}\n")
    write(repo, "apps/x/.env.sample", f"FAL_KEY={key(7)}\n")
    commit_all(repo)
    write(repo, ".env.template", "FAL_KEY=your-api-key\n")  # untracked, not ignored: still a template
    assert check(repo) == []
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1
    assert sorted((f["rule"], f["path"]) for f in run.json["findings"]) == [
        ("fal-key-id-secret", ".env.example"),
        ("fal-key-id-secret", "apps/x/.env.sample"),
    ]


# --- gitignore-missing-env -----------------------------------------------------------------


def test_missing_rule_is_flagged_even_without_env_files(repo: Path) -> None:
    write(repo, "README.md", "hi\n")
    (finding,) = check(repo)
    assert (finding.rule, finding.path, finding.severity) == ("gitignore-missing-env", ".gitignore", Severity.MEDIUM)
    assert "would stage a new .env, .env.local" in finding.message


def test_partial_rule_names_what_it_leaves_out(repo: Path) -> None:
    write(repo, ".gitignore", ".env\n")
    (finding,) = check(repo)
    assert "would stage a new .env.local (the .gitignore rules cover only .env)" in finding.message


def test_monorepo_directories_with_env_files_are_probed(repo: Path) -> None:
    write(repo, ".gitignore", "/.env*\n")
    write(repo, "apps/web/.env.example", "FAL_KEY=your-api-key\n")
    (finding,) = check(repo)
    assert "apps/web/.env, apps/web/.env.local" in finding.message


def test_only_a_global_excludes_file_is_still_flagged_with_why(repo: Path, tmp_path: Path) -> None:
    excludes = write(tmp_path, "global-ignore", ".env*\n")
    git(repo, "config", "core.excludesFile", str(excludes))
    write(repo, ".env.local", "X=1\n")
    (finding,) = check(repo)
    assert finding.rule == "gitignore-missing-env"
    assert f"ignored everywhere only by {excludes}:1 (.env*), which protects this machine" in finding.message


def test_only_info_exclude_is_flagged_too(repo: Path) -> None:
    write(repo, ".git/info/exclude", ".env*\n")
    (finding,) = check(repo)
    assert ".git/info/exclude:1 (.env*), which protects this clone" in finding.message


def test_a_gitignore_rule_clears_it(repo: Path) -> None:
    write(repo, ".gitignore", "node_modules/\n.env*\n!.env.example\n")
    assert check(repo) == []


def test_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write(plain, "src/app.py", "print(1)\n")
    assert check_directory(plain) == []  # neither a .gitignore nor an env file
    write(plain, ".env.local", "X=1\n")
    (finding,) = check_directory(plain, "plain")
    assert (finding.rule, finding.path) == ("gitignore-missing-env", "plain/.gitignore")
    write(plain, ".gitignore", ".env*\n")
    assert check_directory(plain) == []
    (plain / ".env.local").unlink()
    write(plain, ".gitignore", "dist/\n")
    assert [f.rule for f in check_directory(plain)] == ["gitignore-missing-env"]


def test_scan_outside_a_repository_reports_it(tmp_path: Path, falguard: Any) -> None:
    write(tmp_path / "plain", ".gitignore", "dist/\n")
    run = falguard("scan", "plain", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert env_findings(run) == [("gitignore-missing-env", "plain/.gitignore")]


# --- shared-key-across-envs ----------------------------------------------------------------


def test_a_key_shared_by_development_and_production(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    shared = key(8)
    write(repo, ".env.development", f"FAL_KEY={shared}\n")
    write(repo, ".env.production.local", f"# prod\nFAL_KEY={shared}\n")
    write(repo, ".env.local", f"FAL_KEY={shared}\n")  # loaded everywhere: no environment of its own
    (finding,) = check(repo)
    assert finding.rule == "shared-key-across-envs" and finding.severity is Severity.MEDIUM
    key_id = shared.split(":")[0]
    masked = f"{key_id}:****{shared[-4:]}"
    assert finding.message.endswith(
        f"development and production use the same key {masked}: "
        ".env.development:1 (development), .env.production.local:2 (production)"
    )
    assert shared not in repr(finding) and shared.split(":")[1] not in finding.message


def test_distinct_keys_per_environment_are_not_flagged(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, ".env.development", f"FAL_KEY={key(9)}\n")
    write(repo, ".env.development.local", f"FAL_KEY={key(9)}\n")  # same environment
    write(repo, ".env.production", f"FAL_KEY={key(10)}\n")
    write(repo, ".env.staging", f"FAL_KEY={fake_fal_key(random.Random(11))}\n")
    write(repo, ".env.example", f"FAL_KEY={key(10)}\n")  # a template: not an environment
    assert check(repo) == []


def test_ci_and_deploy_configs_name_their_environment(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n*.env\n")
    shared = fake_fal_key(random.Random(12))
    write(
        repo,
        ".github/workflows/deploy.yml",
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
        "  deploy:\n    environment:\n      name: staging\n      url: https://staging.example.com\n"
        f"    steps:\n      - run: ./deploy\n        env:\n          FAL_KEY: {shared}\n",
    )
    write(repo, "deploy/prod.env", f"FAL_KEY={shared}\n")
    write(repo, "k8s/overlays/development/secret.yaml", f"stringData:\n  FAL_KEY: {key(13)}\n")
    (finding,) = check(repo)
    assert finding.rule == "shared-key-across-envs"
    assert "production and staging use the same key" in finding.message
    assert ".github/workflows/deploy.yml:14 (staging), deploy/prod.env:1 (production)" in finding.message


def test_workflow_environment_shapes() -> None:
    text = (
        "name: ci\non: push\njobs:\n"
        "  a:\n    environment: production  # prod\n    steps: []\n"
        "  b:\n    environment: { name: 'staging', url: x }\n"
        "  c:\n    environment: ${{ inputs.env }}\n"
        "  d:\n    runs-on: x\n"
        '  e:\n    environment:\n      url: y\n      name: "Preview"\n'
        "other: 1\n"
    )
    assert workflow_environments(text) == [(4, 6, "production"), (7, 8, "staging"), (13, 16, "preview")]


# --- through `falguard scan` ------------------------------------------------------------------


def test_scan_reports_env_hygiene_and_never_the_key(repo: Path, falguard: Any) -> None:
    shared = key(14)
    write(repo, ".env.development", f"FAL_KEY={shared}\n")
    write(repo, ".env.production", f"FAL_KEY={shared}\n")
    for fmt in ("text", "json"):
        run = falguard("scan", "--format", fmt, cwd=repo)
        assert run.code == 1
        assert shared.split(":")[1] not in run.out + run.err
    assert sorted(env_findings(run)) == [
        ("env-not-ignored", ".env.development"),
        ("env-not-ignored", ".env.production"),
        ("gitignore-missing-env", ".gitignore"),
        ("shared-key-across-envs", ".env.development"),
    ]


def test_scan_of_a_subdirectory_reports_what_is_under_it(repo: Path, falguard: Any) -> None:
    write(repo, ".gitignore", "/.env*\n")
    write(repo, "a/.env", "X=1\n")
    write(repo, "b/.env", "X=1\n")
    run = falguard("scan", "b", "--format", "json", cwd=repo)
    assert env_findings(run) == [("gitignore-missing-env", ".gitignore"), ("env-not-ignored", "b/.env")]


def test_the_gitignore_finding_is_the_same_from_any_directory(repo: Path, falguard: Any) -> None:
    """Path and fingerprint do not depend on where falguard runs, so an allow entry made at the
    root matches in a subdirectory (and .gitignore is where `falguard fix` puts the rule)."""
    write(repo, ".gitignore", "node_modules/\n")
    write(repo, "app/main.py", "x = 1\n")
    git(repo, "add", "-A")

    def seen(cwd: Path) -> list[tuple[str, str]]:
        run = falguard("scan", "--format", "json", cwd=cwd)
        return [(f["path"], f["fingerprint"]) for f in run.json["findings"] if f["rule"] == "gitignore-missing-env"]

    at_root = seen(repo)
    assert [path for path, _ in at_root] == [".gitignore"]
    assert seen(repo / "app") == at_root


@pytest.mark.parametrize("ignore", ["", ".env*\n"])
def test_scan_exit_code_follows_env_rules(repo: Path, falguard: Any, ignore: str) -> None:
    write(repo, ".gitignore", ignore)
    write(repo, "README.md", "hi\n")
    assert falguard("scan", cwd=repo).code == (1 if not ignore else 0)


def test_missing_env_names_the_negation_that_re_includes(repo: Path, falguard) -> None:
    write(repo, ".gitignore", ".env*\n!.env.local\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    (finding,) = [f for f in run.json["findings"] if f["rule"] == "gitignore-missing-env"]
    assert "re-included by .gitignore:2 (!.env.local)" in finding["message"]
