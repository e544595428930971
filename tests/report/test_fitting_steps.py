"""Steps computed from the facts of each finding, short reports by default, and the wording
of SARIF and GitHub messages (issue 16)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.helpers import commit_all, git, write
from tests.keys import fake_key_id_secret
from tests.report.test_report import SCHEMA

BROWSER_WORDS = ("proxy", "NEXT_PUBLIC", "Rename the variable", "bundle")


def python_worker(repo: Path, key: str) -> None:
    """A Python worker (no package.json) with its key committed in two env files."""
    write(repo, ".gitignore", "__pycache__/\n")
    write(repo, "worker.py", "import os\nimport fal_client\nKEY = os.environ['FAL_KEY']\n")
    write(repo, ".env.development", f"FAL_KEY={key}\n")
    write(repo, ".env.production", f"FAL_KEY={key}\n")
    commit_all(repo, "worker")


def test_a_python_repository_gets_revoke_first_and_no_browser_steps(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(160))
    python_worker(repo, key)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1 and key not in run.out
    keys = [f for f in run.json["findings"] if f["secret"] != f["path"] and f["rule"].startswith("fal-key")]
    assert {f["path"] for f in keys} == {".env.development", ".env.production"}
    for finding in run.json["findings"]:
        assert not [step for step in finding["steps"] if any(word in step for word in BROWSER_WORDS)], finding
        assert finding["remediation"] == " ".join(finding["steps"])  # the two always agree
    for finding in keys:  # the tracked env files are committed: revoke now, naming falguard rotate
        assert finding["steps"][0].startswith("Revoke the key now (it was committed")
        assert "falguard rotate" in finding["steps"][0]
    assert keys[0]["steps"] == keys[1]["steps"]  # one group: the same steps for all its places


def test_a_history_finding_in_a_python_repository_has_no_proxy_step(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(161))
    write(repo, "run.py", f"FAL_KEY = '{key}'\n")
    commit_all(repo, "add")
    git(repo, "rm", "-q", "run.py")
    commit_all(repo, "remove")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    (finding,) = [f for f in run.json["findings"] if f["path"] == "run.py"]
    assert finding["steps"][0].startswith("Revoke the key now (it was committed")
    assert "git history" in finding["steps"][1]
    assert not [step for step in finding["steps"] if "proxy" in step]


def test_text_is_short_by_default_and_verbose_shows_every_step(repo: Path, falguard) -> None:
    python_worker(repo, fake_key_id_secret(random.Random(162)))
    short = falguard("scan", cwd=repo)
    full = falguard("scan", "--verbose", cwd=repo)
    assert short.code == full.code == 1
    assert "more steps: --verbose shows every step" in short.out and "    3. " not in short.out
    assert "--verbose shows" not in full.out and "    3. " in full.out
    assert "    1. Revoke the key now" in short.out
    document = falguard("scan", "--format", "json", cwd=repo).json  # JSON always has the full list
    (key,) = {f["secret"] for f in document["findings"] if f["rule"].startswith("fal-key")}
    steps = next(f["steps"] for f in document["findings"] if f["secret"] == key)
    assert len(steps) >= 3 and all(f"    {n}. {step}" in full.out for n, step in enumerate(steps, 1))


def test_github_gives_one_annotation_per_secret_and_calls_a_path_a_file(repo: Path, falguard) -> None:
    python_worker(repo, fake_key_id_secret(random.Random(163)))
    run = falguard("scan", "--format", "github", cwd=repo)
    annotations = [line for line in run.out.splitlines() if line.startswith("::")]
    keys = [line for line in annotations if "(secret " in line]
    assert len(keys) == 1 and "also at: .env." in keys[0]
    assert "(variable .env" not in run.out and "(file .env." in run.out


def test_sarif_places_a_key_in_a_commit_message_on_the_commit(repo: Path, falguard) -> None:
    import jsonschema

    key = fake_key_id_secret(random.Random(164))
    write(repo, "README.md", "hi\n")
    commit = commit_all(repo, f"use FAL_KEY={key} for now")
    run = falguard("scan", "--history", "--format", "sarif", cwd=repo)
    assert key not in run.out and "%28commit" not in run.out
    document = json.loads(run.out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    (result,) = [r for r in document["runs"][0]["results"] if "logicalLocations" in r["locations"][0]]
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == f"commit:{commit}"
    assert "physicalLocation" not in result["locations"][0]


def test_the_audit_does_not_tell_to_remove_a_key_from_the_environment(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(165))
    write(repo, ".gitignore", "__pycache__/\n")
    write(repo, ".env.local", f"FAL_KEY={key}\n")
    write(repo, "app.py", f"FAL_KEY = '{key}'\n")
    commit_all(repo, "add")
    run = falguard("audit", "--format", "json", cwd=repo)
    assert key not in run.out
    (story,) = run.json["audit"]["stories"]
    assert "Remove the key from app.py: read FAL_KEY from the environment instead." in story["steps"]
    assert not [step for step in story["steps"] if "from .env.local" in step]
    assert [step for step in story["steps"] if step.startswith("Put the new key in .env.local")]


def test_a_server_only_key_in_a_served_bundle_is_not_told_to_rename_or_add_a_route(repo: Path, falguard) -> None:
    """A Next app whose variable is already FAL_KEY, with the proxy route in place, and the
    key found in .next/static: renaming the variable or adding the route changes nothing;
    finding how the key got into the bundle does."""
    key = fake_key_id_secret(random.Random(163))
    write(repo, ".gitignore", ".env*\n.next/\nnode_modules/\n")
    write(repo, "package.json", '{"dependencies": {"next": "14.0.0", "@fal-ai/server-proxy": "1.0.0"}}\n')
    write(
        repo, "app/api/fal/proxy/route.ts",
        'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";\n'
        "export const { GET, POST, PUT } = createRouteHandler();\n",
    )  # fmt: skip
    write(repo, ".env.local", f"FAL_KEY={key}\n")
    write(repo, ".next/static/chunks/main-1.js", f'var a="{key}";\n')
    commit_all(repo, "app")
    run = falguard("scan", "--format", "json", cwd=repo)
    (served,) = [f for f in run.json["findings"] if f["path"].startswith(".next/")]
    assert served["steps"][0].startswith("Revoke the key now (it was served")
    assert served["steps"][1].startswith("Find how the key reached the bundle")
    assert not [s for s in served["steps"] if "Rename the variable" in s or "Add the proxy route" in s], served


def test_a_key_in_a_tracked_env_local_is_revoked_first(repo: Path, falguard) -> None:
    """A committed .env.local had no "Revoke now" step at all (problem 2)."""
    key = fake_key_id_secret(random.Random(166))
    write(repo, ".gitignore", "__pycache__/\n")
    write(repo, ".env.local", f"FAL_KEY={key}\n")
    commit_all(repo, "local settings")
    run = falguard("scan", "--format", "json", cwd=repo)
    (found,) = [f for f in run.json["findings"] if f["secret"] != f["path"] and f["rule"].startswith("fal-key")]
    assert found["path"] == ".env.local"
    assert found["steps"][0].startswith("Revoke the key now (it was committed")
    assert found["remediation"] == " ".join(found["steps"])
    assert not [step for step in found["steps"] if any(word in step for word in BROWSER_WORDS)]


def test_sarif_calls_an_env_file_a_file_not_a_variable(repo: Path, falguard) -> None:
    """SARIF and github messages said "(variable .env.local)" for a path (problem 7)."""
    python_worker(repo, fake_key_id_secret(random.Random(167)))
    document = json.loads(falguard("scan", "--format", "sarif", cwd=repo).out)
    messages = [r["message"]["text"] for r in document["runs"][0]["results"]]
    env = [m for m in messages if "(file .env.development)" in m or "(file .env.production)" in m]
    assert env, messages
    assert not [m for m in messages if "(variable .env" in m]


def test_a_key_in_several_places_keeps_revoke_first_in_a_browser_project(repo: Path, falguard) -> None:
    """One key in several places got the browser-fix steps with "revoke" as a conditional
    step 5 (problem 2): every place starts with revoke, the browser fix comes after it."""
    key = fake_key_id_secret(random.Random(168))
    public = "NEXT_PUBLIC_" + "FAL_KEY"  # split, so falguard's own tree scans clean
    write(repo, ".gitignore", ".env*\nnode_modules/\n")
    write(repo, "package.json", '{"dependencies": {"next": "14.0.0", "@fal-ai/client": "1.0.0"}}\n')
    write(repo, ".env.local", f"{public}={key}\n")
    write(
        repo, "app/page.tsx",
        f'"use client";\nimport {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: process.env.{public} }});\n',
    )  # fmt: skip
    write(repo, "scripts/seed.py", f"FAL_KEY = '{key}'\n")
    commit_all(repo, "app")
    run = falguard("scan", "--format", "json", cwd=repo)
    keys = [f for f in run.json["findings"] if f["secret"].endswith(key[-4:])]
    assert {f["path"] for f in keys} >= {".env.local", "scripts/seed.py"}
    for finding in keys:
        assert finding["steps"][0].startswith("Revoke the key now"), finding["steps"]
    exposed = [f for f in keys if f["chain"]]  # env file -> browser code: one block, one list of steps
    assert exposed and all(f["steps"] == exposed[0]["steps"] for f in exposed)
    assert exposed[0]["steps"][0].startswith("Revoke the key now (a browser-exposed variable holds it")
    assert [step for step in exposed[0]["steps"][1:] if "proxy" in step]  # the browser fix, after revoking


def test_a_key_in_a_browser_chain_and_in_another_file_is_one_block(repo: Path, falguard) -> None:
    key = fake_key_id_secret(random.Random(169))
    write(repo, "package.json", json.dumps({"dependencies": {"next": "14.0.0", "@fal-ai/client": "1.0.0"}}))
    write(repo, ".gitignore", ".env*\n")
    public = "NEXT_PUBLIC_" + "FAL_KEY"  # split, so falguard's own tree scans clean
    write(repo, ".env.local", f"{public}={key}\n")
    write(repo, "app/page.tsx", f'"use client";\nfal.config({{ credentials: process.env.{public} }});\n')
    write(repo, "scripts/seed.py", f'FAL_KEY = "{key}"\n')
    commit_all(repo, "app")
    run = falguard("scan", cwd=repo)
    assert run.code == 1 and key not in run.out
    blocks = [block for block in run.out.split("\n\n") if "what to do:" in block]
    (block,) = [block for block in blocks if key.split(":")[0] in block.splitlines()[0]]  # one block for the key
    assert "chain: .env.local:1" in block and "scripts/seed.py:1" in block and "app/page.tsx:2" in block
    assert block.splitlines()[1:].count("  what to do:") == 1
    annotations = falguard("scan", "--format", "github", cwd=repo).out.splitlines()
    assert len([line for line in annotations if line.startswith("::") and "(secret " in line]) == 1
