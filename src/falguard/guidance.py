"""What to do about a finding, written for fal: ordered steps, per rule.

The steps are data, kept with each rule (``RuleInfo.steps``); this module orders them and
fills ``{which}`` (the key id), ``{path}``, ``{dashboard}``, ``{route}`` and
``{remediation}`` from the finding. Every output format shows the same steps.
"""

from __future__ import annotations

from falguard import rules
from falguard.models import Finding

DASHBOARD = "https://fal.ai/dashboard/keys"
PROXY_ROUTE = "app/api/fal/proxy/route.ts"

_HISTORY = (
    "The key is in git history: rotate first, because rewriting history does not un-leak a pushed key "
    "(clones, forks and caches keep it). Then, optionally, purge it: "
    "`falguard scan --history --write-replacements ../fal-replacements.txt` and "
    "`git filter-repo --replace-text ../fal-replacements.txt`, and ask collaborators to re-clone."
)


def steps_for_rule(rule_id: str) -> list[str]:
    """The generic steps of a rule, for rule documentation (SARIF help, docs)."""
    info = rules.ALL_RULES.get(rule_id)
    if info is None:
        return []
    return [_fill(step, None, "<file>", info.remediation) for step in info.steps] + (
        [_HISTORY] if info.credential else []
    )


def _rule_steps(rule_id: str) -> tuple[str, ...]:
    info = rules.ALL_RULES.get(rule_id)
    return info.steps if info is not None else ()


def steps(finding: Finding) -> list[str]:
    """The ordered steps for one finding, with its key id, path and remediation filled in."""
    todo = _framework_steps(finding.framework) or (rules.CHAIN_STEPS if finding.chain else _rule_steps(finding.rule))
    filled = [_fill(step, finding.secret.key_id, finding.path, finding.remediation) for step in todo]
    if finding.commit and finding.secret.sensitive:
        filled.insert(1, _HISTORY)
    return filled


def _framework_steps(name: str | None) -> tuple[str, ...]:
    """A browser finding's framework's own fix, if it has one (the registry is loaded only then)."""
    if name is None:
        return ()
    from falguard.browser.frameworks import steps_for

    return steps_for(name)


def _fill(step: str, key_id: str | None, path: str, remediation: str = "") -> str:
    which = f"; it is the key with id {key_id}" if key_id else ""
    return (
        step.replace("{remediation}", remediation)
        .replace("{dashboard}", DASHBOARD)
        .replace("{which}", which)
        .replace("{path}", path)
        .replace("{route}", PROXY_ROUTE)
    )
