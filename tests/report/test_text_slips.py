"""Text slips a user tripped over (issue 25, part 3), each in the output where it appeared."""

from __future__ import annotations

import json
import random
import re
import stat
from pathlib import Path

from tests.helpers import commit_all, ignoring_env, write
from tests.keys import fake_key_id_secret


def test_no_gitignore_is_never_a_position_in_it(repo: Path, falguard) -> None:
    """It said "found at: .gitignore:1:1" in a repository with no .gitignore."""
    write(repo, "app.py", "print('hello')\n")
    run = falguard("scan", cwd=repo)
    assert ".gitignore:1:1" not in run.out
    assert "    .gitignore\n" in run.out and "there is no .gitignore yet" in run.out
    (finding,) = falguard("scan", "--format", "json", cwd=repo).json["findings"]
    assert (finding["path"], finding["line"], finding["column"]) == (".gitignore", 0, 0)
    assert "line=" not in falguard("scan", "--format", "github", cwd=repo).out  # no line 0 annotation
    sarif = json.loads(falguard("scan", "--format", "sarif", cwd=repo).out)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    write(repo, ".gitignore", "node_modules/\n")  # one that exists but misses env files: a place in it
    assert "    .gitignore:1:1\n" in falguard("scan", cwd=repo).out


def test_one_skipped_special_file_is_a_file_not_files(tmp_path: Path, falguard) -> None:
    """It said "skipped 1 not regular files"."""
    import os

    plain = tmp_path / "plain"
    write(plain, "a.txt", "x\n")
    os.mkfifo(plain / "pipe")
    assert stat.S_ISFIFO((plain / "pipe").stat().st_mode)
    run = falguard("scan", "plain", cwd=tmp_path)
    assert "skipped 1 not a regular file" in run.out and "not regular files" not in run.out


def test_the_proxy_step_is_sentences(repo: Path, falguard) -> None:
    """It said "... serving /api/fal/proxy next to your app Then set FAL_KEY ..."."""
    write(repo, "package.json", json.dumps({"dependencies": {"vite": "5", "@fal-ai/client": "1"}}))
    write(repo, "src/main.ts", 'import { fal } from "@fal-ai/client";\nfal.subscribe("fal-ai/flux/dev", {});\n')
    found = falguard("scan", "--format", "json", cwd=repo).json["findings"]
    (proxy,) = [f for f in found if f["rule"] == "fal-proxy-missing"]
    assert " Then " in proxy["remediation"]
    assert not re.search(r"[\w`] Then ", proxy["remediation"]), proxy["remediation"]


def test_a_key_in_documentation_is_replaced_by_a_placeholder_not_read_from_the_environment(
    repo: Path, falguard
) -> None:
    """A key pasted into docs/setup.md was told "read FAL_KEY from the environment"."""
    ignoring_env(repo)
    key = fake_key_id_secret(random.Random(251))
    write(repo, "docs/setup.md", f"Run it with:\n\n    export FAL_KEY={key}\n")
    write(repo, "app.py", f"KEY = '{key}'\n")
    commit_all(repo, "docs")
    (story,) = falguard("audit", "--format", "json", cwd=repo).json["audit"]["stories"]
    steps = "\n".join(story["steps"])
    assert "Remove the key from app.py: read FAL_KEY from the environment instead." in steps
    assert "Remove the key from docs/setup.md: write a placeholder such as `FAL_KEY=YOUR_FAL_KEY` instead." in steps
    assert "docs/setup.md: read FAL_KEY" not in steps and "app.py, docs/setup.md" not in steps
