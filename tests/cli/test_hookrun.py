"""The pre-commit hook's start-up path stays short: what a clean commit loads and runs.

No timing: the modules a hook run imports and the git processes it starts are counted, so a
change that puts click, pathspec or the report modules back on the path fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, write

#: Loaded by a clean commit's hook run only by mistake: the CLI framework, the dependencies
#: only other commands need, what only findings, configuration files or history scans need,
#: and the rules with detection (content the prefilter turns away needs no rule).
NOT_ON_THE_HOOK_PATH = (
    "click",
    "pathspec",
    "dataclasses",  # about 15 ms with inspect, 1.5 ms per class: the hook's values are models.Value
    "falguard.detection.facts",  # the finding and the facts about it: made by the first finding
    "urllib3",
    "hyperscan",
    "tree_sitter",  # fal-proxy-open reads a proxy route with it: only a staged route loads it
    "tree_sitter_typescript",
    "tomllib",
    "json",
    "hashlib",
    "falguard.rules",
    "falguard.detection.detect",
    "falguard.detection.fastfind",
    "falguard.detection.suppress",
    "falguard.sources.worktree",
    "falguard.sources.buildoutput",
    "falguard.report",
    "falguard.detection.baseline",
    "falguard.platform.verify",
    "falguard.browser",
    "falguard.scans.historyscan",
    "falguard.detection.facts",
    "falguard.cli.app",
    "falguard.expand.members",  # containers and documents: zipfile, tarfile, the XML parser
    "falguard.expand.pdf",
    "pyexpat",
    "pypdfium2",  # PDFs' text layer: only when a PDF is staged
    "falguard.expand.ocrengine",  # the images extra: only when an image is staged
    "falguard.expand.ocr",
    "falguard.expand.ocrtext",
    "rapidocr",
    "PIL",
    "numpy",
)

_PROBE = (
    "import sys\n"
    "from falguard.cli import main\n"
    "code = main(['hook', 'pre-commit'])\n"
    "modules = sorted(sys.modules)\n"
    "import json\n"  # after the hook has run: only what it loaded counts
    "print(json.dumps({'code': code, 'modules': modules}))\n"
)


def hook_run(repo: Path, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """The hook's exit code and every module loaded by the end of its run, in a fresh Python."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=repo, capture_output=True, env={**os.environ, **(env or {})}, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    answer = json.loads(proc.stdout.decode().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def loaded(modules: set[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


@pytest.fixture
def clean_change(repo: Path) -> Path:
    """A repository with a well-kept .gitignore and an ordinary change staged."""
    write(repo, ".gitignore", ".env*\n!.env.example\n__pycache__/\n*.pyc\n")
    write(repo, "app/main.py", "import os\n\nprint(os.environ.get('HOME'))\n")
    commit_all(repo, "initial")
    write(repo, "app/main.py", "import os\n\nprint(os.environ.get('HOME', '/'))\n")
    write(repo, "app/util.py", "def double(x):\n    return 2 * x\n")
    git(repo, "add", "-A")
    return repo


def test_a_clean_commit_loads_nothing_the_hook_does_not_need(clean_change: Path) -> None:
    code, modules = hook_run(clean_change)
    assert code == 0
    assert [name for name in NOT_ON_THE_HOOK_PATH if loaded(modules, name)] == []


def test_a_commit_whose_content_may_hold_a_key_loads_the_rules(clean_change: Path) -> None:
    """Content the prefilter admits (a fal variable) goes through the rules as before."""
    write(clean_change, "app/settings.py", "import os\n\nFAL_KEY = os.environ['FAL_KEY']\n")
    git(clean_change, "add", "-A")
    code, modules = hook_run(clean_change)
    assert code == 0
    assert loaded(modules, "falguard.rules") and loaded(modules, "falguard.detection.detect")
    assert not loaded(modules, "dataclasses")  # the rules' values are models.Value too: no finding, no dataclass
    assert not loaded(modules, "tree_sitter")  # no proxy route staged: fal-proxy-open's parser stays unloaded


def test_a_staged_open_proxy_route_loads_the_parser_and_fails(clean_change: Path) -> None:
    """fal-proxy-open parses a staged @fal-ai/server-proxy route (tree-sitter) and refuses a faucet."""
    write(
        clean_change,
        "app/api/fal/proxy/route.ts",
        'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";\n'
        "export const { GET, POST, PUT } = createRouteHandler();\n",
    )
    git(clean_change, "add", "-A")
    code, modules = hook_run(clean_change)
    assert code == 1
    assert loaded(modules, "tree_sitter")


def test_a_large_file_the_rules_read_does_not_load_the_one_pass_engine(clean_change: Path) -> None:
    """A commit's few files, even large ones, are scanned with ``re``: building hyperscan's
    engine costs more than it saves on less than megabytes."""
    lines = "".join(f"value_{n} = {n}\n" for n in range(8000))  # about 100 kB
    write(clean_change, "app/settings.py", f"import os\n\nFAL_KEY = os.environ['FAL_KEY']\n{lines}")
    git(clean_change, "add", "-A")
    code, modules = hook_run(clean_change)
    assert code == 0
    assert loaded(modules, "falguard.detection.detect") and not loaded(modules, "hyperscan")


def test_the_probe_sees_what_a_refused_commit_loads(clean_change: Path) -> None:
    """The same probe does see the report modules when there is something to report."""
    write(clean_change, ".env", "DEBUG=1\n")
    git(clean_change, "add", "-f", ".env")
    code, modules = hook_run(clean_change)
    assert code == 1
    assert loaded(modules, "falguard.report")


def test_a_clean_commit_starts_few_git_processes(clean_change: Path, tmp_path: Path) -> None:
    """One to find the repository, one for the staged patch, one reader for its blobs, and
    the gitignore check's configuration (one command for both values) and listings."""
    shim = tmp_path / "bin"
    shim.mkdir()
    calls = tmp_path / "git-calls"
    real_git = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=True).stdout.strip()
    (shim / "git").write_text(f'#!/bin/sh\necho x >> "{calls}"\nexec "{real_git}" "$@"\n')
    (shim / "git").chmod(0o755)
    code, _ = hook_run(clean_change, env={"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"})
    assert code == 0
    assert len(calls.read_text().splitlines()) <= 6
