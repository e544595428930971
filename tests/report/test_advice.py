"""Advice a user can act on (issue 25): the right revoke command for each key, one proxy route
per project, no browser words where nothing runs in a browser, no `git rm --cached` for a
file the branch does not track, a purge that purges. Each test runs falguard on a real
repository from tests/scenarios.py, as a user would."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

from tests.falapi_standin import StandIn
from tests.helpers import git, run_cli, write
from tests.keys import fake_key_id_secret
from tests.scenarios import deleted_env, env_copy, next_src_app, python_only, vite_app
from tests.test_advice_commands import COMMAND, on_a_terminal, steps_of


def report(repo: Path, *args: str) -> dict[str, Any]:
    run = run_cli("scan", *args, "--format", "json", cwd=repo)
    assert run.code in (0, 1), run.err
    result: dict[str, Any] = run.json
    return result


def every_step(result: dict[str, Any]) -> list[str]:
    return [step for finding in result["findings"] for step in finding["steps"]]


def commands(steps: list[str]) -> set[str]:
    return {command for step in steps for command in COMMAND.findall(step)}


# --- which command revokes a key ---------------------------------------------------------


def test_a_path_with_a_space_is_one_shell_word(tmp_path: Path) -> None:
    scenario = env_copy(tmp_path)
    assert "git rm --cached -- '.env copy'" in commands(steps_of(scenario.repo))
    assert "git rm --cached -- .env copy" not in commands(steps_of(scenario.repo))


def test_an_env_file_deleted_from_the_tip_is_not_untracked(tmp_path: Path) -> None:
    scenario = deleted_env(tmp_path)
    told = commands(steps_of(scenario.repo))
    assert not any(command.startswith("git rm") for command in told), told
    assert "git log --all --oneline -- pro.env" in told
    history = report(scenario.repo, "--history")
    (tracked,) = [f for f in history["findings"] if f["rule"] == "env-tracked"]
    assert tracked["in_head"] is False and "nothing to untrack" in tracked["steps"][0]


def test_an_env_file_on_another_branch_only_is_not_untracked(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, "app.py", "print(1)\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "staging.env", f"FAL_KEY={fake_key_id_secret(random.Random(41))}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature settings")
    git(repo, "checkout", "-q", "main")
    told = commands(every_step(report(repo, "--history")))
    assert not any(command.startswith("git rm") for command in told), told


def test_the_purge_step_purges(tmp_path: Path) -> None:
    """Run the purge step's commands in order, in a copy: history then holds no key."""
    scenario = env_copy(tmp_path / "scenario")
    (purge,) = [step for step in every_step(report(scenario.repo, "--history")) if "filter-repo" in step]
    copy = tmp_path / "copy" / "repo"
    shutil.copytree(scenario.repo, copy)
    for command in COMMAND.findall(purge):
        code, output = on_a_terminal(command, copy, _env())
        assert code in (0, 1), f"{command}: {output}"
    after = report(copy, "--history")
    assert not [f for f in after["findings"] if f["secret"] and f["key_id"]], after["findings"]


def test_a_key_from_standard_input_is_revoked_by_id(tmp_path: Path) -> None:
    key = fake_key_id_secret(random.Random(42))
    key_id = key.split(":")[0]
    run = run_cli("scan", "-", "--format", "json", cwd=tmp_path, input=f"worker log: FAL_KEY={key}\n".encode())
    told = commands(every_step(run.json))
    assert f"falguard revoke {key_id} --yes" in told and not any("rotate" in c for c in told), told
    with StandIn() as api:
        admin = api.add_key("ADMIN", "ci admin").credential
        api.add_key(credential=key)
        env = {"FAL_ADMIN_KEY": admin, "FALGUARD_FAL_API_URL": api.url}
        revoked = run_cli("revoke", key_id, "--yes", cwd=tmp_path, env=env)
        assert revoked.code == 0 and api.key_by_id(key_id) is None, revoked.out + revoked.err


def test_a_key_fal_rejects_has_nothing_to_revoke(tmp_path: Path) -> None:
    scenario = python_only(tmp_path)
    with StandIn() as api:  # it does not know the key: fal answers 401
        env = {"FALGUARD_FAL_API_URL": api.url}
        run = run_cli("scan", "--verify", "--format", "json", "--verbose", cwd=scenario.repo, env=env)
    (leak,) = [f for f in run.json["findings"] if f["key_id"]]
    assert leak["verification"]["status"] == "rejected"
    assert leak["steps"][0].startswith("Nothing to revoke")
    assert not any("falguard rotate" in c or "falguard revoke" in c for c in commands(leak["steps"]))


def test_a_live_key_without_an_id_is_not_sent_to_rotate(tmp_path: Path) -> None:
    with StandIn() as api:
        token = api.add_key(token=True).credential
        write(tmp_path, "repo/job.py", f'FAL_KEY = "{token}"\n')
        run = run_cli("scan", "--verify", "repo", cwd=tmp_path, env={"FALGUARD_FAL_API_URL": api.url})
    assert "verified: LIVE" in run.out
    assert "falguard rotate" not in run.out and "dashboard" in run.out


# --- one project, one proxy route ------------------------------------------------------------


def _routes(result: dict[str, Any]) -> set[str]:
    return {f["proxy_route"]["path"] for f in result["findings"] if "proxy_route" in f}


def _layout_steps(repo: Path) -> list[str]:
    """The steps of the scan and the audit, which read the working tree's layout (a history
    scan alone knows no layout: its steps name every framework's place)."""
    audit = run_cli("audit", "--format", "json", cwd=repo).json
    stories = [step for story in audit["audit"]["stories"] for step in story["steps"]]
    return every_step(report(repo, "--verbose")) + every_step(audit) + stories


def test_a_next_app_under_src_gets_one_route_everywhere(tmp_path: Path) -> None:
    scenario = next_src_app(tmp_path)
    result = report(scenario.repo, "--verbose")
    assert _routes(result) == {"src/app/api/fal/proxy/route.ts"}
    steps = _layout_steps(scenario.repo)
    mentioned = {
        m.group(0) for step in steps for m in re.finditer(r"(?:src/)?(?:app|pages)/api/fal/proxy[\w./]*", step)
    }
    assert mentioned == {"src/app/api/fal/proxy/route.ts"}, mentioned


def test_a_vite_app_gets_its_express_server_everywhere(tmp_path: Path) -> None:
    scenario = vite_app(tmp_path)
    result = report(scenario.repo, "--verbose")
    assert _routes(result) == {"server/fal-proxy.ts"}
    steps = [s for s in _layout_steps(scenario.repo) if "proxy route" in s or "Add " in s]
    assert steps and not any("nextjs" in step or "app/api/fal/proxy" in step for step in steps), steps


# --- no browser advice where nothing runs in a browser -----------------------------------------


def test_a_python_only_repository_gets_no_browser_advice(tmp_path: Path) -> None:
    scenario = python_only(tmp_path)
    shown = run_cli("scan", "--verbose", cwd=scenario.repo).out + run_cli("audit", cwd=scenario.repo).out
    for word in ("browser", "proxy", "NEXT_PUBLIC", "VITE_", "bundle"):
        assert word not in shown, word


def test_the_hook_of_a_python_only_repository_numbers_its_steps_and_says_no_browser_words(tmp_path: Path) -> None:
    scenario = python_only(tmp_path)
    assert run_cli("install", cwd=scenario.repo).code == 0
    write(scenario.repo, "worker.py", f'FAL_KEY = "{fake_key_id_secret(random.Random(43))}"\n')
    git(scenario.repo, "add", "worker.py")
    code, output = on_a_terminal("git commit -q -m worker", scenario.repo, _env())
    assert code != 0 and "commit refused" in output
    numbers = [int(n) for n in re.findall(r"(?m)^\s+(\d+)\. ", output.split("What to do now:")[1])]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    todo = output.split("What to do now:")[1]
    assert "browser" not in todo and ".env.local" not in todo


def _env() -> dict[str, str]:
    import os
    import sys

    return {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}


def test_the_replacements_hint_is_a_command_for_the_file_written(tmp_path: Path) -> None:
    """The hint after --write-replacements names the real file, quoted, and it runs."""
    scenario = env_copy(tmp_path / "scenario")
    target = tmp_path / "my purge" / "keys to remove.txt"
    target.parent.mkdir()
    run = run_cli("scan", "--history", "--write-replacements", str(target), cwd=scenario.repo)
    told = COMMAND.findall(run.err)
    assert f"git filter-repo --replace-text '{target}' --force" in told, run.err
    for command in told:
        if command.startswith("git "):
            code, output = on_a_terminal(command, scenario.repo, _env())
            assert code == 0, output
    assert not [f for f in report(scenario.repo, "--history")["findings"] if f["key_id"]]


def test_an_audit_of_keys_fal_rejects_says_nothing_to_revoke(tmp_path: Path) -> None:
    scenario = python_only(tmp_path)
    with StandIn() as api:  # it does not know the key: fal answers 401
        run = run_cli("audit", "--verify", cwd=scenario.repo, env={"FALGUARD_FAL_API_URL": api.url})
    assert "Action: fal rejects every key above" in run.out and "nothing to revoke" in run.out
    assert "Nothing to revoke: fal already rejects this key" in run.out
    assert "falguard rotate" not in run.out and "falguard revoke" not in run.out


def test_a_tracked_env_fixture_with_no_secret_is_not_told_to_be_untracked_first(tmp_path: Path) -> None:
    """pallets/flask tracks tests/test_apps/.env (FOO=env), which its tests load by name: a
    secret-free env file leaked nothing, so its first step says so rather than `git rm --cached`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, ".gitignore", ".env*\n!.env.example\n")
    write(repo, "tests/test_apps/.env", "FOO=env\n")
    git(repo, "add", "-A", "-f")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "fixture")
    (tracked,) = [f for f in report(repo)["findings"] if f["rule"] == "env-tracked"]
    assert tracked["severity"] == "low"
    assert tracked["steps"][0].startswith("tests/test_apps/.env holds no secret, so nothing has leaked")
    assert "`git rm --cached -- tests/test_apps/.env`" in tracked["steps"][0]  # only for a file meant to hold keys
