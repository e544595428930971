"""Bundler and framework configuration: what a project's configs declare public and inline
into browser code, and the findings about it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from falguard.browser.finding import CLIENT_CREDENTIALS, make_finding
from falguard.browser.framework import ConfigFacts, Inlining, SourceFile
from falguard.browser.frameworks import registry
from falguard.browser.inline import plugin_inlinings
from falguard.detection.facts import Finding
from falguard.models import Secret, Severity

_PREFIX_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def framework_facts(source: SourceFile, at_root: bool) -> list[ConfigFacts]:
    """What the frameworks whose config this file is read in it."""
    name = posixpath.basename(source.path)
    return [f.read_config(source, at_root) for f in registry().configured_by(name) if f.read_config is not None]


@dataclass
class ProjectConfigs:
    """What one project's config files say."""

    prefixes: tuple[str, ...] = ()  # public prefixes its root configs declare
    judged: dict[str, list[Inlining]] = field(default_factory=dict)  # path -> inlinings to judge
    findings: list[Finding] = field(default_factory=list)  # judged by a framework already
    links: list[Inlining] = field(default_factory=list)  # every inlining, for chains

    @property
    def inlined(self) -> dict[str, Inlining]:
        """Name -> the first config that inlines it."""
        first: dict[str, Inlining] = {}
        for items in self.judged.values():
            for item in items:
                first.setdefault(item.name, item)
        return first


def read_configs(sources: Iterable[SourceFile], root: str) -> ProjectConfigs:
    """Framework configs among ``sources`` (a project's files), and webpack plugins in any code file."""
    code = registry().code_suffixes
    configs = ProjectConfigs()
    declared: list[tuple[str, tuple[str, ...]]] = []
    for source in sources:
        at_root = posixpath.dirname(source.path) == root
        facts = framework_facts(source, at_root)
        items = [item for fact in facts for item in fact.inlinings]
        if source.path.endswith(code):
            items.extend(plugin_inlinings(source))
        if items:
            configs.judged[source.path] = items
        configs.links.extend(items)
        for fact in facts:
            configs.findings.extend(fact.findings)
            configs.links.extend(fact.links)
            if at_root and fact.prefixes:
                declared.append((posixpath.basename(source.path), fact.prefixes))
    found = [prefix for _, prefixes in sorted(declared) for prefix in prefixes]
    configs.prefixes = tuple(dict.fromkeys(prefix for prefix in found if _PREFIX_SHAPE.fullmatch(prefix)))
    return configs


def inlining_findings(source: SourceFile, items: Sequence[Inlining], read_in_browser: set[str]) -> list[Finding]:
    """Findings for what a config inlines: critical for a literal key or a variable browser code reads."""
    found = []
    for inlining in items:
        if inlining.literal is not None:
            secret = Secret(inlining.literal)
            severity, detail = Severity.CRITICAL, f"{inlining.how} puts a literal key into the client bundle"
            end = inlining.offset + len(inlining.literal.encode())
        else:
            name = inlining.name
            secret = Secret(name if name != "*" else f"{source.path}: whole environment", sensitive=False)
            end = inlining.offset + max(1, len(name))
            if name == "*":
                severity, detail = Severity.HIGH, f"{inlining.how} inlines the whole environment, FAL_KEY included"
            elif name in read_in_browser:
                severity, detail = Severity.CRITICAL, f"{inlining.how} inlines {name} and browser code reads it"
            else:
                severity, detail = Severity.HIGH, f"{inlining.how} inlines {name} into every bundle that reads it"
        found.append(make_finding(CLIENT_CREDENTIALS, source, inlining.offset, end, severity, secret, detail))
    return found


def config_blob_findings(path: str, content: bytes) -> list[Finding]:
    """What one bundler or framework config inlines, judged alone: for a history scan, where
    no project around it is known. ``next.config`` ``env``, Vite ``define`` and webpack's
    plugins need no other file to tell that a fal key goes into every bundle."""
    if not posixpath.basename(path).startswith(registry().config_stems):
        return []
    source = SourceFile(path, content, False)
    items = [item for fact in framework_facts(source, True) for item in fact.inlinings]
    return inlining_findings(source, [*items, *plugin_inlinings(source)], set())
