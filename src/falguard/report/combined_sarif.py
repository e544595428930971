"""SARIF 2.1.0 for a report of many repositories: one run, each result naming its repository.

Built from the combined JSON document alone (see ``report/combined.py``), with the same rule
descriptors, levels and fingerprints as the single-repository SARIF report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from falguard.models import Severity
from falguard.report.sarif import LEVEL, SCHEMA, tool
from falguard.rules import ALL_RULES


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/")


def sarif_result(finding: Mapping[str, Any], rule_ids: list[str]) -> dict[str, Any]:
    severity = Severity.parse(finding["severity"])
    region: dict[str, Any] = {"startLine": max(finding["line"], 1), "startColumn": max(finding["column"], 1)}
    if finding.get("end_line") and finding["end_line"] > region["startLine"]:  # a key joined over lines
        region["endLine"] = finding["end_line"]
    if finding.get("end_column") and (finding["end_column"] > region["startColumn"] or "endLine" in region):
        region["endColumn"] = finding["end_column"]
    message = f"{finding['message']} ({finding['secret']}) in {finding['repository']}."
    if finding.get("steps"):
        message += " " + finding["steps"][0]
    properties: dict[str, Any] = {"repository": finding["repository"], "severity": severity.label}
    properties["source"] = finding.get("source")
    if finding.get("commit"):
        properties["commit"] = finding["commit"]
    if finding.get("key_id"):
        properties["keyId"] = finding["key_id"]
    document: dict[str, Any] = {
        "ruleId": finding["rule"],
        "level": LEVEL[severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding["path"]), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"falguardFingerprint/v1": finding["fingerprint"]},
        "properties": properties,
    }
    if finding["rule"] in rule_ids:
        document["ruleIndex"] = rule_ids.index(finding["rule"])
    suppression = finding.get("suppression")
    if suppression:
        entry: dict[str, Any] = {
            "kind": "inSource" if suppression["kind"] == "inline" else "external",
            "status": "accepted",
        }
        if suppression.get("reason"):
            entry["justification"] = suppression["reason"]
        document["suppressions"] = [entry]
    return document


def _notifications(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    failed = [
        {"level": "error", "message": {"text": f"{entry['repository']} was not audited: {entry.get('reason')}"}}
        for entry in summary["repositories"]
        if entry.get("status") == "failed"
    ]
    audited = [entry for entry in summary["repositories"] if entry.get("status") != "failed"]
    incomplete = [
        {"level": "warning", "message": {"text": f"{entry['repository']}: incomplete: {reason}"}}
        for entry in audited
        for reason in [*entry.get("unreadable", []), *entry.get("incomplete", [])]
    ]
    return failed + incomplete


def render_sarif(document: Mapping[str, Any]) -> str:
    summary = document["summary"]
    rule_ids = list(ALL_RULES)
    invocation: dict[str, Any] = {"executionSuccessful": summary["repository_counts"]["failed"] == 0}
    notifications = _notifications(summary)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    repositories = [
        {key: entry.get(key) for key in ("repository", "status", "reason", "head", "credentials", "findings")}
        for entry in summary["repositories"]
    ]
    run = {
        "tool": tool(list(rule_ids)),
        "invocations": [invocation],
        "results": [sarif_result(finding, rule_ids) for finding in [*document["findings"], *document["suppressed"]]],
        "columnKind": "unicodeCodePoints",
        "properties": {"repositories": repositories},
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
