"""SARIF 2.1.0 for code scanning (GitHub and others): every rule with help, every finding
with a stable partial fingerprint. No full secret anywhere."""

from __future__ import annotations

import json
from typing import Any

from falguard import __version__
from falguard.detection.facts import Finding
from falguard.models import ScanResult, Severity
from falguard.report import MESSAGE_PATHS, ReportContext, Steps, subject_noun, verification_dict, verification_text
from falguard.report.guidance import steps_for_rule
from falguard.rules import ALL_RULES, RuleInfo

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def project_page() -> str | None:
    """falguard's own page, as its package metadata names it (``[project.urls]`` in
    pyproject.toml), for the SARIF driver's ``informationUri``; None when it names none
    (the field is optional, and fal's dashboard is not falguard's page)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("falguard-scanner")
    except PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source"):
            return str(url).strip()
    homepage = meta.get_all("Home-page") or []
    return str(homepage[0]) if homepage else None


#: GitHub ranks alerts by this CVSS-like score: over 9 critical, 7-8.9 high, 4-6.9 medium.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0"}
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}


def tool(rule_ids: list[str]) -> dict[str, Any]:
    """The run's tool section: falguard and the rules its results use, in their index order."""
    page = project_page()
    return {
        "driver": {
            "name": "falguard",
            "version": __version__,
            "semanticVersion": __version__,
            **({"informationUri": page} if page else {}),
            "rules": [rule_descriptor(ALL_RULES[rule_id]) for rule_id in rule_ids],
        }
    }


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    todo = steps_for_rule(rule.id)
    markdown = f"**{rule.title}**\n\n{rule.description}\n\n## What to do\n\n" + "\n".join(
        f"{number}. {step}" for number, step in enumerate(todo, 1)
    )
    text = f"{rule.description} What to do: " + " ".join(f"({n}) {step}" for n, step in enumerate(todo, 1))
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security", "secret", "fal"],
            "precision": "high" if rule.severity is Severity.CRITICAL else "medium",
        },
    }


def location(finding: Finding, region: dict[str, Any]) -> dict[str, Any]:
    """A file and region; for a key in a commit or tag message, a logical location naming the
    commit (there is no file to point at)."""
    if finding.path in MESSAGE_PATHS:
        kind = "commit" if finding.path == "(commit message)" else "tag"
        name = finding.commit or finding.path
        return {"logicalLocations": [{"name": name, "fullyQualifiedName": f"{kind}:{name}", "kind": "object"}]}
    return {
        "physicalLocation": {
            "artifactLocation": _artifact(finding.path),
            "region": region,
        }
    }


def result(finding: Finding, rule_index: int, steps: Steps | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)}
    if finding.end_line and finding.end_line > region["startLine"]:  # a key joined over lines
        region["endLine"] = finding.end_line
    if finding.end_column and (finding.end_column > region["startColumn"] or "endLine" in region):
        region["endColumn"] = finding.end_column
    todo = (steps or Steps([finding]))(finding)
    message = f"{finding.message} ({subject_noun(finding)} {finding.secret.masked})."
    if todo:
        message += " " + todo[0]
    properties: dict[str, Any] = {"severity": finding.severity.label, "source": finding.source}
    if finding.commit:
        properties["commit"] = finding.commit
    if finding.secret.key_id:
        properties["keyId"] = finding.secret.key_id
    if finding.verification is not None:
        properties["verification"] = verification_dict(finding.verification)
        message += f" Verified with fal: {verification_text(finding.verification)}."
    document: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [location(finding, region)],
        "partialFingerprints": {"falguardFingerprint/v1": finding.fingerprint},
        "properties": properties,
    }
    if finding.chain:
        document["message"]["text"] += " Chain: " + " -> ".join(str(link) for link in finding.chain) + "."
        document["relatedLocations"] = [
            {
                "id": number,
                "message": {"text": link.what},
                "physicalLocation": {
                    "artifactLocation": _artifact(link.path),
                    "region": {"startLine": max(link.line, 1)},
                },
            }
            for number, link in enumerate(finding.chain)
        ]
    if finding.suppression is not None:
        kind = "inSource" if finding.suppression.kind == "inline" else "external"
        suppression: dict[str, Any] = {"kind": kind, "status": "accepted"}
        if finding.suppression.reason:
            suppression["justification"] = finding.suppression.reason
        document["suppressions"] = [suppression]
    return document


def _artifact(path: str) -> dict[str, str]:
    """A file relative to the scanned root, or the URL a deployed site served it from
    (``falguard probe``: absolute, no base)."""
    if path.startswith(("https://", "http://")):
        from urllib.parse import quote

        return {"uri": quote(path, safe=":/?#[]@!$&'()*+,;=%~")}
    return {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/")


def render(scan: ScanResult, context: ReportContext) -> str:
    rule_ids = list(ALL_RULES)
    steps = Steps([*scan.findings, *scan.suppressed])
    notifications = [
        {"level": "warning", "message": {"text": f"could not read {entry}"}} for entry in scan.summary.unreadable
    ] + [{"level": "warning", "message": {"text": f"incomplete: {reason}"}} for reason in scan.summary.incomplete]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": tool(rule_ids),
                "invocations": [invocation],
                "results": [
                    result(finding, rule_ids.index(finding.rule), steps)
                    for finding in [*scan.findings, *scan.suppressed]
                ],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
