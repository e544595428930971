"""action.yml and the reusable organisation workflow, validated against their published JSON
schemas (SchemaStore's github-action.json and github-workflow.json, vendored in
tests/schemas/), and checked for the habits that keep them safe."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "schemas"


class _Loader(yaml.SafeLoader):
    """YAML as GitHub reads it: `on`, `yes`, `no` are strings, not booleans (YAML 1.1 would
    turn the workflow's `on:` key into True)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a SafeLoader


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("path", "schema_name"),
    [("action.yml", "github-action.json"), (".github/workflows/org-audit.yml", "github-workflow.json")],
)
def test_valid_against_the_published_schema(path: str, schema_name: str) -> None:
    document = load(ROOT / path)
    jsonschema.Draft7Validator.check_schema(schema(schema_name))
    jsonschema.validate(document, schema(schema_name), cls=jsonschema.Draft7Validator)


def test_the_schema_check_catches_mistakes() -> None:
    action = load(ROOT / "action.yml")
    action["runs"]["steps"][1].pop("shell")  # a composite step without a shell
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(action, schema("github-action.json"))


def steps_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", ["action.yml", ".github/workflows/org-audit.yml"])
def test_no_input_is_pasted_into_a_script_and_falguard_never_comes_from_an_index(path: str) -> None:
    for step in steps_of(load(ROOT / path)):
        script = step.get("run", "")
        assert "${{" not in script, f"{step.get('name')}: pass inputs through env, never into the script"
        if "pip install" in script:
            assert re.search(r'pip install [^\n]*("\$GITHUB_ACTION_PATH"|\./\.falguard)', script), script
    text = (ROOT / path).read_text()
    assert not re.search(r"pip install[^\n]*\bfalguard\b(?!-)", text.replace("./.falguard", "")), (
        "PyPI's falguard is not ours"
    )


def test_the_action_uploads_sarif_and_annotates() -> None:
    action = load(ROOT / "action.yml")
    uses = [step.get("uses", "") for step in steps_of(action)]
    assert any(use.startswith("github/codeql-action/upload-sarif@") for use in uses)
    assert any("--format github" in step.get("run", "") for step in steps_of(action))
    assert set(action["inputs"]) >= {"command", "path", "args", "fail-on", "upload-sarif", "annotations"}


def test_the_workflow_fans_out_and_merges() -> None:
    workflow = load(ROOT / ".github/workflows/org-audit.yml")
    assert "workflow_call" in workflow["on"]
    assert workflow["jobs"]["audit"]["strategy"]["matrix"]["chunk"] == "${{ fromJSON(needs.list.outputs.chunks) }}"
    merge = " ".join(step.get("run", "") for step in workflow["jobs"]["merge"]["steps"])
    for fmt in ("json", "sarif", "html"):
        assert f"falguard report --merge reports/*.json --format {fmt}" in merge
    audit = " ".join(step.get("run", "") for step in workflow["jobs"]["audit"]["steps"])
    assert "falguard audit --repos chunk.txt" in audit and "--format json" in audit
    assert workflow["permissions"] == {"contents": "read"}


def test_the_documented_workflows_to_copy_are_valid_and_use_real_inputs() -> None:
    readme = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [
        yaml.load(b, Loader=_Loader) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "<org>/falguard" in b
    ]
    workflow = load(ROOT / ".github/workflows/org-audit.yml")
    action = load(ROOT / "action.yml")
    callers = [
        b for b in blocks if "jobs" in b and any("org-audit.yml@" in j.get("uses", "") for j in b["jobs"].values())
    ]
    assert callers, "docs/ci.md shows how to call the organisation workflow"
    for block in blocks:
        if "jobs" not in block:
            continue
        jsonschema.validate(block, schema("github-workflow.json"), cls=jsonschema.Draft7Validator)
        for job in block["jobs"].values():
            if "org-audit.yml@" in job.get("uses", ""):
                declared = workflow["on"]["workflow_call"]["inputs"]
                required = {name for name, spec in declared.items() if spec.get("required")}
                assert set(job["with"]) <= set(declared) and required <= set(job["with"])
                assert set(job["secrets"]) <= set(workflow["on"]["workflow_call"]["secrets"])
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("<org>/falguard@"):
                    assert set(step.get("with", {})) <= set(action["inputs"])
