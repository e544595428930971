"""The framework registry: a framework is one module and one registry line.

A toy framework (tests/toy_framework.py) is registered for a test's duration the way the
registry reads it (``FRAMEWORKS`` is read at each use) and works end to end through
``falguard scan`` on a real repository: browser code, its public prefix, its served build
output, its proxy route, and its own steps.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from falguard.browser import frameworks
from falguard.detection.facts import Finding
from falguard.models import Secret, Severity
from falguard.report.guidance import steps
from falguard.rules import PUBLIC_PREFIXES
from tests import toy_framework
from tests.helpers import write
from tests.keys import fake_key_id_secret

TOY_PUBLIC = "TOYFW_PUBLIC_" + "FAL_KEY"


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> None:
    """ToyFW registered: the one line a new framework adds to FRAMEWORKS."""
    monkeypatch.setattr(frameworks, "FRAMEWORKS", (*frameworks.FRAMEWORKS, toy_framework.FRAMEWORK))


def toy_app(repo: Path, key: str) -> int:
    """A ToyFW app whose client code reads the public variable; returns the bundle's line of the key."""
    write(repo, "package.json", json.dumps({"dependencies": {"toyfw": "*", "@fal-ai/client": "*"}}))
    write(repo, ".gitignore", ".env*\nnode_modules/\n.toyfw/\n")
    write(repo, ".env.local", f"{TOY_PUBLIC}={key}\n")
    write(
        repo,
        "client/app.js",
        f'import {{ fal }} from "@fal-ai/client";\nfal.config({{ credentials: process.env.{TOY_PUBLIC} }});\n',
    )
    write(repo, "server/generate.js", 'import { fal } from "@fal-ai/client";\nfal.config({ credentials: "x" });\n')
    write(repo, ".toyfw/public/app.3f2a.js", f'/* built */\nvar k="{key}";fal.config({{credentials:k}})\n')
    return 2


def scan(falguard: Any, repo: Path) -> list[dict[str, Any]]:
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code in (0, 1), run.err
    return run.json["findings"]


def test_a_registered_toy_framework_works_end_to_end(repo: Path, falguard: Any, toy: None) -> None:
    key = fake_key_id_secret(random.Random(1))
    bundle_line = toy_app(repo, key)
    found = scan(falguard, repo)

    (client,) = [f for f in found if f["rule"] == "client-credentials"]
    assert (client["path"], client["line"], client["severity"]) == ("client/app.js", 2, "critical")
    assert f"reads {TOY_PUBLIC}, which the bundler inlines into the page, in ToyFW client code" in client["message"]
    # the key was served: revoking it comes first, and replaces the framework's conditional rotate step
    fix = [client["steps"][0], *toy_framework.STEPS[:-1]]
    assert client["steps"][0].startswith("Revoke the key now (it was served") and client["steps"] == fix
    assert client["remediation"] == " ".join(fix)
    assert "framework" not in client  # not serialised

    public = {f["path"]: f for f in found if f["rule"] == "public-fal-key"}  # public in a ToyFW project only
    assert {path: f["severity"] for path, f in public.items()} == {".env.local": "critical", "client/app.js": "high"}
    definition = public[".env.local"]

    (served,) = [f for f in found if f["path"].startswith(".toyfw/")]  # ignored build output, listed as served
    assert (served["severity"], served["line"]) == ("critical", bundle_line)
    expected = [
        f".env.local:1 defines {TOY_PUBLIC}",
        "client/app.js:2 reads it in ToyFW client code",
        f".toyfw/public/app.3f2a.js:{bundle_line} contains the key (served to every visitor)",
    ]
    for finding in (client, definition, served):
        assert [link["text"] for link in finding["chain"]] == expected
        assert finding["steps"] == fix

    (missing,) = [f for f in found if f["rule"] == "fal-proxy-missing"]
    assert missing["remediation"].startswith("Add edge/fal-proxy.js containing: export default toyProxy();")
    assert not [f for f in found if f["path"] == "server/generate.js"]


def test_the_toy_frameworks_proxy_route_and_config_prefix(repo: Path, falguard: Any, toy: None) -> None:
    key = fake_key_id_secret(random.Random(2))
    toy_app(repo, key)
    write(repo, "edge/fal-proxy.js", "const key = process.env.FAL_KEY;\n")  # a hand-written proxy route
    assert not [f for f in scan(falguard, repo) if f["rule"] == "fal-proxy-missing"]

    write(repo, ".env.local", f"APP_FAL_KEY={key}\n")

    def env_public() -> list[dict[str, Any]]:
        return [f for f in scan(falguard, repo) if f["rule"] == "public-fal-key" and f["path"] == ".env.local"]

    assert env_public() == []
    write(repo, "toyfw.config.js", 'export default { publicEnv: "APP_" };\n')
    (definition,) = env_public()
    assert definition["severity"] == "critical"


def test_unregistered_the_toy_app_is_no_framework(repo: Path, falguard: Any) -> None:
    toy_app(repo, fake_key_id_secret(random.Random(3)))
    found = scan(falguard, repo)
    assert not [f for f in found if f["rule"] in ("client-credentials", "public-fal-key")]
    assert not [f for f in found if f["path"].startswith(".toyfw/")]  # ignored, and no framework serves it


def test_guidance_takes_the_steps_of_the_findings_framework() -> None:
    finding = Finding(
        rule="client-credentials",
        severity=Severity.HIGH,
        path="components/KeyBadge.vue",
        line=2,
        column=1,
        secret=Secret("NUXT_PUBLIC_FAL_KEY", sensitive=False),
        message="",
        remediation="",
    )
    nuxt = frameworks.registry().named("nuxt")
    assert nuxt is not None and nuxt.steps
    assert steps(Finding(**{**vars(finding), "framework": "nuxt"})) == list(nuxt.steps)
    assert steps(Finding(**{**vars(finding), "framework": "nextjs"})) == steps(finding)  # the rule's own steps
    assert frameworks.steps_for("no-such-framework") == ()


def test_registry_names_are_unique_and_built_in_prefixes_are_public_everywhere() -> None:
    names = [framework.name for framework in frameworks.FRAMEWORKS]
    assert len(names) == len(set(names))
    # scans that see no project (the pre-commit hook, history) know public prefixes only from the rules
    for framework in frameworks.FRAMEWORKS:
        missing = set(framework.public_prefixes) - set(PUBLIC_PREFIXES)
        assert not missing, f"{framework.name}: add {sorted(missing)} to falguard.rules.PUBLIC_PREFIXES"
