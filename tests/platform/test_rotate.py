"""`falguard rotate` and `falguard revoke` against a local stand-in for fal's Platform API."""

from __future__ import annotations

import os
import pty
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from falguard.platform.rotate import env_with_key
from tests.falapi_standin import StandIn, StandInKey
from tests.helpers import Run, commit_all, git, ignoring_env, write


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in deletes at once: one check that a deleted key is dead is enough."""
    monkeypatch.setattr("falguard.platform.rotate.CONFIRM_WAITS", (0.0,))


def leaked(repo: Path, standin: StandIn, *scopes: str) -> list[StandInKey]:
    """Live keys of the given scopes committed to ``repo``, one file each, one still in HEAD."""
    keys = [standin.add_key(scope, f"server {number}") for number, scope in enumerate(scopes)]
    ignoring_env(repo)
    for number, key in enumerate(keys):
        write(repo, f"app{number}.py", f'FAL_KEY = "{key.credential}"\n')
    commit_all(repo, "add the app")
    return keys


def is_live(standin: StandIn, credential: str) -> bool:
    return credential in standin.keys


def no_secret_in(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text and secret.split(":")[-1] not in text


def files_under(root: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]


def test_without_yes_nothing_changes(repo: Path, falguard: Any, standin: StandIn) -> None:
    keys = leaked(repo, standin, "API", "ADMIN")
    before = dict(standin.keys)
    result = falguard("rotate", cwd=repo)
    assert result.code == 1  # live leaked keys remain
    assert result.out.startswith("falguard rotate: dry run: nothing changed (run again with --yes to do it)\n")
    for key in keys:
        assert f"[planned] delete the leaked key {key.key_id}" in result.out
        assert f'fal lists it as "{key.alias}", created 2026-11-01T10:00:00Z by alice <alice@example.com>' in result.out
    assert "(the leaked key had ADMIN scope: check the new key's scope on the dashboard)" in result.out
    assert {r.method for r in standin.requests} == {"GET"} and standin.keys == before and standin.minted == []
    no_secret_in([result.out, result.err], [key.credential for key in before.values()])


def test_yes_rotates_writes_the_env_file_and_proves_the_old_key_dead(
    repo: Path, falguard: Any, standin: StandIn, tmp_path: Path
) -> None:
    old = leaked(repo, standin, "API")[0]
    target = tmp_path / "prod.env"  # outside the repository
    target.write_text("# production\nexport FAL_KEY=placeholder\nOTHER=1\n")
    result = falguard("rotate", "--yes", "--write-env", str(target), cwd=repo)
    assert result.code == 0, result.err
    new = standin.minted[0]
    assert not is_live(standin, old.credential) and is_live(standin, new.credential)
    assert target.read_text() == f"# production\nexport FAL_KEY={new.credential}\nOTHER=1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert new.alias.startswith(f"{old.alias} (replaces {old.key_id}, 20")
    assert f"[done] fal now rejects {old.key_id}:****" in result.out
    assert [(r.method, r.path) for r in standin.requests if r.method != "GET"] == [
        ("POST", "/v1/keys"), ("DELETE", f"/v1/keys/{old.key_id}"),
    ]  # fmt: skip
    assert standin.sent("DELETE")[0].headers.get("Idempotency-Key")
    no_secret_in([result.out, result.err], [old.credential, new.credential])
    no_secret_in(files_under(repo), [new.credential])  # the leaked key is still in app0.py, of course


def test_every_rotated_key_is_rejected_and_each_replacement_is_only_in_its_env_file(
    repo: Path, falguard: Any, standin: StandIn, tmp_path: Path
) -> None:
    old = leaked(repo, standin, "API", "API")
    git(repo, "rm", "-q", "app1.py")
    commit_all(repo, "remove one")  # the second key lives on in history only
    outputs: list[str] = []
    for number, key in enumerate(old):
        env_file = repo / f".env.server{number}"  # inside the repository, ignored by git
        run = falguard(
            "rotate", "--yes", "--key-id", key.key_id, "--write-env", str(env_file), "--format", "json", cwd=repo
        )
        assert run.code in (0, 1), run.err
        assert run.json["rotations"][0]["steps"][-1]["state"] == "done"
        outputs += [run.out, run.err]
    assert not any(is_live(standin, key.credential) for key in old)
    assert len(standin.minted) == 2
    for number, new in enumerate(standin.minted):
        assert (repo / f".env.server{number}").read_text() == f"FAL_KEY={new.credential}\n"
    last = falguard("rotate", "--format", "json", cwd=repo)
    outputs += [last.out, last.err]
    assert last.code == 0 and last.json["rotations"] == [] and len(last.json["rejected"]) == 2
    no_secret_in(outputs, [key.credential for key in old] + [new.credential for new in standin.minted])
    others = [p.read_text() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts and ".env" not in p.name]
    no_secret_in(others, [new.credential for new in standin.minted])


def test_the_new_key_is_printed_once_on_a_terminal(repo: Path, standin: StandIn) -> None:
    old = leaked(repo, standin, "API")[0]
    code, shown, errors = on_terminal(["rotate", "--yes"], repo)
    new = standin.minted[0]
    assert code == 0, errors
    assert shown.count(new.credential) == 1 and f"FAL_KEY={new.credential}" in shown
    assert not is_live(standin, old.credential)
    no_secret_in([errors], [new.credential])


def on_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run falguard with its standard output on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "falguard", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    errors = proc.stderr.read().decode() if proc.stderr else ""
    code = proc.wait()
    os.close(master)
    return code, b"".join(chunks).decode(), errors


def test_not_a_terminal_and_no_write_env_is_refused_before_any_change(
    repo: Path, falguard: Any, standin: StandIn
) -> None:
    old = leaked(repo, standin, "API")[0]
    result = falguard("rotate", "--yes", cwd=repo)
    assert result.code == 2 and "give --write-env FILE" in result.err
    assert standin.minted == [] and is_live(standin, old.credential)


@pytest.mark.parametrize("case", ["tracked", "not ignored", "symlink"])
def test_write_env_refuses_a_file_that_could_be_committed(
    repo: Path, falguard: Any, standin: StandIn, case: str
) -> None:
    leaked(repo, standin, "API")
    if case == "tracked":
        target = write(repo, "config.env", "A=1\n")
        git(repo, "add", "-f", "config.env")
    elif case == "not ignored":
        target = repo / "settings.txt"
    else:
        write(repo, ".env.real", "")
        target = repo / ".env.link"
        target.symlink_to(repo / ".env.real")
    result = falguard("rotate", "--yes", "--write-env", str(target), cwd=repo)
    assert result.code == 2 and result.err.count("\n") == 1
    assert {"tracked": "git tracks this file", "not ignored": "git would not ignore", "symlink": "symbolic link"}[
        case
    ] in result.err
    assert standin.minted == [] and standin.sent("DELETE") == []


def test_one_write_env_file_takes_one_key(repo: Path, falguard: Any, standin: StandIn, tmp_path: Path) -> None:
    leaked(repo, standin, "API", "API")
    result = falguard("rotate", "--yes", "--write-env", str(tmp_path / "x.env"), cwd=repo)
    assert result.code == 2 and "rotate them one at a time with --key-id" in result.err
    assert standin.minted == []


def test_the_admin_key_comes_from_the_environment_and_must_be_admin(
    repo: Path, falguard: Any, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaked(repo, standin, "API")
    monkeypatch.delenv("FAL_ADMIN_KEY")
    missing = falguard("rotate", cwd=repo)
    assert missing.code == 2 and "set FAL_ADMIN_KEY to an ADMIN-scoped fal key" in missing.err
    api_key = standin.add_key("API")
    monkeypatch.setenv("FAL_ADMIN_KEY", api_key.credential)
    wrong_scope = falguard("rotate", cwd=repo)
    assert wrong_scope.code == 2 and "has API scope: managing keys needs an ADMIN key" in wrong_scope.err
    monkeypatch.setenv("FAL_ADMIN_KEY", standin.unknown_key())
    rejected = falguard("rotate", cwd=repo)
    assert rejected.code == 2 and "fal rejects FAL_ADMIN_KEY" in rejected.err
    no_secret_in([missing.err, wrong_scope.err, rejected.err], [api_key.credential])
    assert "--admin-key" not in falguard("rotate", "--help", cwd=repo).out


def test_keys_that_cannot_be_rotated_are_left_alone_with_steps(
    repo: Path, falguard: Any, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    unverifiable, foreign = standin.add_key("API"), standin.add_key("API", listed=False)
    token = standin.add_key("API", token=True)
    standin.failing[unverifiable.credential] = 502
    admin = os.environ["FAL_ADMIN_KEY"]
    ignoring_env(repo)
    write(
        repo,
        "a.py",
        "".join(
            f'FAL_KEY_{n} = "{k}"\n'
            for n, k in enumerate([unverifiable.credential, foreign.credential, token.credential, admin])
        ),
    )
    result = falguard("rotate", "--yes", "--format", "json", cwd=repo)
    assert result.code == 1 and result.json["rotations"] == []
    why = {item["secret"][:8]: item["why"] for item in result.json["manual"]}
    assert why[unverifiable.key_id[:8]].startswith("fal could not say whether it is live (fal answered HTTP 502")
    assert "does not list key" in why[foreign.key_id[:8]]
    assert "does not carry its key id" in why["fal_****"]
    assert why[admin[:8]].startswith("it is FAL_ADMIN_KEY itself")
    assert all(item["steps"] for item in result.json["manual"])
    assert standin.minted == [] and standin.sent("DELETE") == []


def test_a_failed_delete_is_reported_with_the_command_that_finishes_it(
    repo: Path, falguard: Any, standin: StandIn, tmp_path: Path
) -> None:
    old = leaked(repo, standin, "API")[0]
    standin.failures["DELETE"] = 500
    target = tmp_path / "app.env"
    result = falguard("rotate", "--yes", "--write-env", str(target), cwd=repo)
    assert result.code == 2
    new = standin.minted[0]
    assert target.read_text() == f"FAL_KEY={new.credential}\n" and is_live(standin, old.credential)
    assert f"     finish with: falguard revoke {old.key_id} --yes\n" in result.out
    assert "[failed] delete the leaked key" in result.out and "[not done] check that fal rejects" in result.out
    assert "falguard: error: rotation incomplete: finish it with the commands above" in result.err
    standin.failures.clear()
    finish = falguard("revoke", old.key_id, "--yes", cwd=repo)
    assert finish.code == 0 and not is_live(standin, old.credential)
    no_secret_in([result.out, result.err, finish.out], [old.credential, new.credential])


def test_a_failed_create_touches_nothing(repo: Path, falguard: Any, standin: StandIn, tmp_path: Path) -> None:
    old = leaked(repo, standin, "API")[0]
    standin.failures["POST"] = 500
    result = falguard("rotate", "--yes", "--write-env", str(tmp_path / "app.env"), "--format", "json", cwd=repo)
    assert result.code == 2 and is_live(standin, old.credential) and standin.sent("DELETE") == []
    rotation = result.json["rotations"][0]
    assert [step["state"] for step in rotation["steps"]] == ["failed", "not done", "not done", "not done"]
    assert rotation["finish"] == f"falguard rotate --key-id {old.key_id} --yes"
    assert not (tmp_path / "app.env").exists()


def test_a_key_fal_still_accepts_after_delete_is_a_failure(
    repo: Path, falguard: Any, standin: StandIn, tmp_path: Path
) -> None:
    old = leaked(repo, standin, "API")[0]
    standin.keep_alive_after_delete = True
    result = falguard("rotate", "--yes", "--write-env", str(tmp_path / "app.env"), cwd=repo)
    assert result.code == 2 and "deleted, but fal still accepts the key" in result.out
    assert f"finish with: falguard revoke {old.key_id} --yes" in result.out


def test_revoke_deletes_by_id(repo: Path, falguard: Any, standin: StandIn) -> None:
    first, second = standin.add_key("API", "laptop"), standin.add_key("API", "ci")
    dry = falguard("revoke", first.key_id, second.key_id.upper(), cwd=repo)
    assert dry.code == 0 and standin.sent("DELETE") == []
    assert (
        f'falguard: would delete {first.key_id} ("laptop", API scope, created 2026-11-01T10:00:00Z by alice' in dry.out
    )
    assert dry.out.endswith("falguard: dry run: nothing changed (run again with --yes to delete)\n")
    done = falguard("revoke", first.key_id, second.key_id, "--yes", cwd=repo)
    assert done.code == 0 and f"falguard: deleted {first.key_id}" in done.out
    assert not is_live(standin, first.credential) and not is_live(standin, second.credential)
    assert [r.path for r in standin.sent("DELETE")] == [f"/v1/keys/{first.key_id}", f"/v1/keys/{second.key_id}"]
    again = falguard("revoke", first.key_id, "--yes", cwd=repo)  # idempotent
    assert again.code == 0 and "already deleted, or another account's" in again.out


@pytest.mark.parametrize("kind", ["not an id", "a full key"])
def test_revoke_takes_only_key_ids(repo: Path, falguard: Any, standin: StandIn, kind: str) -> None:
    key = standin.add_key("API")
    value = "prod-key" if kind == "not an id" else key.credential
    result: Run = falguard("revoke", value, "--yes", cwd=repo)
    assert result.code == 2 and result.err.count("\n") == 1
    assert ("is not a fal key id" if kind == "not an id" else "give the key id only") in result.err
    no_secret_in([result.out, result.err], [key.credential])
    assert standin.requests == []


def test_env_with_key_sets_or_appends_the_line() -> None:
    assert env_with_key("", "K") == "FAL_KEY=K\n"
    assert env_with_key("A=1", "K") == "A=1\nFAL_KEY=K\n"
    assert env_with_key("FAL_KEY = old\nB=2\n", "K") == "FAL_KEY=K\nB=2\n"
    assert env_with_key("  export FAL_KEY=old\n", "K\\1") == "  export FAL_KEY=K\\1\n"
    assert env_with_key("FAL_KEY_ID=x\n", "K") == "FAL_KEY_ID=x\nFAL_KEY=K\n"


def test_a_place_is_listed_once_with_its_commit(repo: Path, falguard: Any, standin: StandIn) -> None:
    """The working tree's finding and history's at the same place read "app.py:1, app.py:1
    (commit ...)" (issue 25)."""
    leaked(repo, standin, "API")
    commit = git(repo, "rev-parse", "HEAD").strip()[:12]
    result = falguard("rotate", cwd=repo)
    (line,) = [line.strip() for line in result.out.splitlines() if line.strip().startswith("found at:")]
    assert line == f"found at: app0.py:1 (commit {commit})"
