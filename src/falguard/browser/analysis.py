"""The whole analysis: over one scan's projects, from configs and browser code to proxy
findings and chains, then each browser finding's framework."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from falguard.browser.chains import Facts, browser_reads, chains, definitions, link_chains, served_by_value
from falguard.browser.clientcode import browser_files
from falguard.browser.configs import inlining_findings, read_configs
from falguard.browser.credentials import Analysis, credential_findings, public_read_findings
from falguard.browser.finding import CLIENT_CREDENTIALS, PUBLIC_RULE
from falguard.browser.framework import Inlining, SourceFile
from falguard.browser.index import ProjectIndex
from falguard.browser.js import ENV_READ
from falguard.browser.projects import Project, find_projects, project_of
from falguard.browser.proxy import proxy_findings
from falguard.detection.detect import detect
from falguard.detection.facts import Finding
from falguard.models import Origin
from falguard.rules import PUBLIC_PREFIXES, build_rules

_FRAMEWORK_RULES = (CLIENT_CREDENTIALS, PUBLIC_RULE)


@dataclass
class _Added:
    """Findings the analysis adds, each place and rule once (the scan's own findings count as seen)."""

    seen: set[tuple[str, int, int, str]]
    findings: list[Finding] = field(default_factory=list)

    def add(self, new: Iterable[Finding]) -> None:
        for finding in new:
            key = (finding.path, finding.line, finding.column, finding.rule)
            if key not in self.seen:
                self.seen.add(key)
                self.findings.append(finding)


@dataclass(frozen=True)
class _Scan:
    """One scan's projects and browser files, and the settings that widen what is public."""

    index: ProjectIndex
    projects: list[Project]
    owner: dict[str, Project]
    browser: dict[str, str]
    extra_public_prefixes: Sequence[str]
    extra_key_names: Sequence[str]


def _extra_public_findings(
    sources: Iterable[SourceFile], prefixes: Sequence[str], extra_key_names: Sequence[str]
) -> list[Finding]:
    """public-fal-key over a project's files with its own public prefixes added."""
    rules = [rule for rule in build_rules(prefixes, extra_key_names) if rule.id == PUBLIC_RULE]
    found: list[Finding] = []
    for source in sources:
        found.extend(detect(source.content, Origin(source.path, ignored_env=source.ignored_env), rules))
    return found


def _own_prefixes(project: Project, declared: Sequence[str]) -> tuple[str, ...]:
    """Public prefixes of this project only: its configs', and its framework's that are not public everywhere."""
    framework = project.framework
    inherent = framework.public_prefixes if framework is not None else ()
    return tuple(dict.fromkeys((*declared, *(p for p in inherent if p not in PUBLIC_PREFIXES))))


def _project(scan: _Scan, project: Project, added: _Added) -> tuple[Analysis, list[Inlining]]:
    """A project's prefixes and configs: their findings, and what browser-code findings need."""
    mine = [source for path, source in scan.index.files.items() if scan.owner[path] is project]
    configs = read_configs(mine, project.root)
    own = _own_prefixes(project, configs.prefixes)
    extra = scan.extra_public_prefixes
    if any(p not in PUBLIC_PREFIXES and p not in extra for p in own):
        added.add(_extra_public_findings(mine, (*extra, *own), scan.extra_key_names))
    added.add(configs.findings)
    read_here = {
        match.group("name").decode()
        for path in scan.browser
        if scan.owner[path] is project
        for match in ENV_READ.finditer(scan.index.files[path].content)
    }
    for path, items in sorted(configs.judged.items()):
        added.add(inlining_findings(scan.index.files[path], items, read_here))
    return Analysis(project, (*PUBLIC_PREFIXES, *extra, *own), configs.inlined), configs.links


def _browser_code(scan: _Scan, analyses: dict[str, Analysis], added: _Added) -> None:
    """Credentials in browser code, then (a fal.config use there being critical) public runtime reads."""
    for path, context in sorted(scan.browser.items()):
        added.add(credential_findings(scan.index.files[path], context, analyses[scan.owner[path].root]))
    for path, context in sorted(scan.browser.items()):
        reads = analyses[scan.owner[path].root].public_reads
        if reads is not None:
            added.add(public_read_findings(scan.index.files[path], context, reads))


def analyse(
    index: ProjectIndex,
    findings: list[Finding],
    extra_public_prefixes: Sequence[str] = (),
    extra_key_names: Sequence[str] = (),
) -> list[Finding]:
    """The scan's findings, extended by browser-exposure findings and linked into chains."""
    projects = find_projects(index)
    owner = {path: project_of(path, projects) for path in index.files}
    scan = _Scan(index, projects, owner, browser_files(index, projects), extra_public_prefixes, extra_key_names)
    added = _Added({(f.path, f.line, f.column, f.rule) for f in findings})
    analyses: dict[str, Analysis] = {}
    inlined: list[Inlining] = []
    for project in projects:
        analyses[project.root], links = _project(scan, project, added)
        inlined.extend(links)
    _browser_code(scan, analyses, added)
    for project in projects:
        added.add(proxy_findings(index, project, scan.browser, owner))
    combined = [*findings, *added.findings]
    reads = browser_reads(index, scan.browser, owner)
    facts = Facts(definitions(index), reads, inlined, scan.browser, served_by_value(combined), index)
    return with_framework_steps(link_chains(combined, chains(combined, facts)), projects)


def with_framework_steps(findings: list[Finding], projects: Sequence[Project]) -> list[Finding]:
    """Browser findings (and chains) name their project's framework, and carry its fix when it has its own."""
    result = []
    for finding in findings:
        framework = project_of(finding.path, projects).framework
        if framework is not None and (finding.rule in _FRAMEWORK_RULES or finding.chain):
            remediation = " ".join(framework.steps) if framework.steps else finding.remediation
            finding = replace(finding, framework=framework.name, remediation=remediation)
        result.append(finding)
    return result
