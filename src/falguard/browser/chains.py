"""Chains: one variable or key from its definition in an env file, through the config that
inlines it and the browser code that reads it, to the served bundle that holds it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from falguard.browser.clientcode import browser_spans
from falguard.browser.credentials import public_env_imports
from falguard.browser.finding import CLIENT_CREDENTIALS
from falguard.browser.framework import Inlining
from falguard.browser.index import ProjectIndex
from falguard.browser.js import ENV_READ, within
from falguard.browser.names import is_fal_key_name
from falguard.browser.projects import Project
from falguard.detection.facts import ChainLink, Finding
from falguard.detection.positions import Cursor, line_of
from falguard.envhygiene.envfiles import is_env_file, is_env_template
from falguard.models import Secret
from falguard.sources.buildoutput import is_served

_ENV_LINE = re.compile(
    rb"(?m)^[ \t]{0,16}(?:export[ \t]{1,8})?(?P<name>[A-Za-z_][A-Za-z0-9_]{0,127})[ \t]{0,8}=[ \t]{0,8}(?P<value>[^\r\n#]{0,300})"
)
_SERVED = "contains the key (served to every visitor)"

#: links of one chain, each with the secrets (names or key values) a finding there must be about
#: Each link with the secrets (variable names or key values, compared as ``Secret``s, never
#: revealed) a finding at that place must be about to belong to the chain.
Links = list[tuple[ChainLink, frozenset[Secret]]]


@dataclass(frozen=True)
class Definition:
    path: str
    line: int
    name: str
    value: str


def definitions(index: ProjectIndex) -> list[Definition]:
    """fal variables defined in env files (templates excluded)."""
    found = []
    for path, source in index.files.items():
        if not is_env_file(path) or is_env_template(path):
            continue
        for match in _ENV_LINE.finditer(source.content):
            name = match.group("name").decode()
            if is_fal_key_name(name):
                value = match.group("value").decode("utf-8", "replace").strip().strip("\"'`").strip()
                found.append(Definition(path, line_of(source.content, match.start("name")), name, value))
    return found


@dataclass(frozen=True)
class Read:
    """Browser code reading a fal variable."""

    path: str
    line: int
    name: str


def browser_reads(index: ProjectIndex, browser: dict[str, str], owner: dict[str, Project]) -> list[Read]:
    """Every env read of a fal name in browser code (a read of a framework's public runtime
    configuration counts as a read of the variable that sets it)."""
    found = []
    for path in browser:
        content = index.files[path].content
        spans = browser_spans(path, content)
        line = Cursor(content).line_of
        for match in ENV_READ.finditer(content):
            name = match.group("name").decode()
            if is_fal_key_name(name) and within(match.start(), spans):
                found.append(Read(path, line(match.start()), name))
        framework = owner[path].framework
        reads = framework.public_reads if framework is not None else None
        line = Cursor(content).line_of
        for match in reads.pattern.finditer(content) if reads is not None else ():
            key = match.group("name").decode()
            if is_fal_key_name(key) and within(match.start(), spans) and reads is not None:
                found.append(Read(path, line(match.start()), reads.env_name(key)))
        for local, name in public_env_imports(content).items():
            if is_fal_key_name(name):
                offset = content.find(local.encode())
                found.append(Read(path, line_of(content, offset), name))
    return found


def link_chains(findings: list[Finding], links_by_subject: dict[str, Links]) -> list[Finding]:
    """Give every finding at a link of a chain that chain.

    ``links_by_subject`` maps a chain's subject (a variable or a key) to its links, each with
    the secrets (names or key values) a finding at that place must be about to belong.
    """
    at: dict[tuple[str, int], list[tuple[tuple[ChainLink, ...], frozenset[Secret]]]] = {}
    for links in links_by_subject.values():
        chain = tuple(link for link, _ in links)
        if len({(link.path, link.line) for link in chain}) < 2:
            continue
        for link, secrets in links:
            at.setdefault((link.path, link.line), []).append((chain, secrets))
    linked = []
    for finding in findings:
        chain_here: tuple[ChainLink, ...] = ()
        for chain, secrets in at.get((finding.path, finding.line), ()):
            if finding.secret in secrets and len(chain) > len(chain_here):
                chain_here = chain
        linked.append(replace(finding, chain=chain_here) if chain_here else finding)
    return linked


@dataclass(frozen=True)
class Facts:
    """What chains are made of: env definitions, browser reads, config inlinings, and the
    served copies of keys (by value)."""

    defined: Sequence[Definition]
    reads: Sequence[Read]
    inlined: Sequence[Inlining]
    browser: dict[str, str]
    served: dict[Secret, list[Finding]]
    index: ProjectIndex


def _name_links(name: str, facts: Facts) -> Links:
    """Definitions, config inlinings, browser reads, then served copies of one variable."""
    # a config can feed the subject from another variable: runtimeConfig.public.falKey = process.env.FAL_KEY
    fed = {name} | {i.source_name for i in facts.inlined if i.name == name and i.source_name}
    values = frozenset(Secret(d.value) for d in facts.defined if d.name in fed and d.value)
    subjects = frozenset(Secret(name, sensitive=False) for name in fed) | values
    links: Links = []
    for d in sorted((d for d in facts.defined if d.name in fed), key=lambda d: (d.path, d.line)):
        links.append((ChainLink(d.path, d.line, f"defines {d.name}"), subjects))
    for i in sorted((i for i in facts.inlined if i.name == name), key=lambda i: (i.path, i.offset)):
        line = line_of(facts.index.files[i.path].content, i.offset)
        links.append((ChainLink(i.path, line, i.effect or f"inlines it into the client bundle ({i.how})"), subjects))
    for read in sorted((r for r in facts.reads if r.name == name), key=lambda r: (r.path, r.line)):
        links.append((ChainLink(read.path, read.line, f"reads it in {facts.browser[read.path]}"), subjects))
    served = [f for value in values for f in facts.served.get(value, ())]
    for finding in sorted(served, key=lambda f: (f.path, f.line, f.column)):
        links.append((ChainLink(finding.path, finding.line, _SERVED), subjects))
    return links


def chains(findings: Sequence[Finding], facts: Facts) -> dict[str, Links]:
    """Links per subject: every fal variable, then every literal key in browser code."""
    result: dict[str, Links] = {}
    names = {d.name for d in facts.defined} | {r.name for r in facts.reads}
    names |= {i.name for i in facts.inlined if i.name != "*"}
    for name in sorted(names):
        links = _name_links(name, facts)
        if links:
            result[f"name:{name}"] = links
    for finding in findings:  # a literal key in browser code, then in the bundle
        if finding.rule == CLIENT_CREDENTIALS and finding.secret.sensitive and finding.path in facts.browser:
            value = finding.secret
            here = f"holds the key in {facts.browser[finding.path]}"
            links = [(ChainLink(finding.path, finding.line, here), frozenset({value}))]
            for copy in sorted(facts.served.get(value, ()), key=lambda f: (f.path, f.line)):
                links.append((ChainLink(copy.path, copy.line, _SERVED), frozenset({value})))
            result.setdefault(f"key:{finding.path}:{finding.line}", links)
    return result


def served_by_value(findings: Sequence[Finding]) -> dict[Secret, list[Finding]]:
    """Findings of keys in build output, by key."""
    served: dict[Secret, list[Finding]] = {}
    for finding in findings:
        if finding.secret.sensitive and is_served(finding.path):
            served.setdefault(finding.secret, []).append(finding)
    return served
