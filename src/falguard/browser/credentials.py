"""``fal.config({ credentials })`` and ``createFalClient({ credentials })`` in browser code, and
reads of a framework's public runtime configuration there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from falguard.browser.clientcode import browser_spans
from falguard.browser.finding import CLIENT_CREDENTIALS, make_finding
from falguard.browser.framework import Inlining, PublicReads, SourceFile
from falguard.browser.frameworks import registry
from falguard.browser.js import Source, named_imports, scan_to, sources, within
from falguard.browser.names import is_fal_key_name, is_key_value, is_public
from falguard.browser.projects import Project
from falguard.detection.facts import Finding
from falguard.models import Secret, Severity
from falguard.rules import looks_like_test_value

# each starts with a literal, so the regex engine skips ahead quickly
_CONFIG_CALL = re.compile(rb"config\s{0,8}\(")
_FAL_BEFORE_CONFIG = re.compile(rb"(?<![\w$])fal\s{0,8}\.\s{0,8}\Z")
_CREATE_CLIENT_CALL = re.compile(rb"createFalClient(?<![\w$.]createFalClient)\s{0,8}\(")
_CREDENTIALS = re.compile(rb"(?<![\w$.])credentials(?![\w$])\s{0,8}(?P<colon>:)?")


def config_calls(content: bytes) -> Iterator[int]:
    """Offsets just inside the parenthesis of every ``fal.config(`` and ``createFalClient(``."""
    for match in _CONFIG_CALL.finditer(content):
        if _FAL_BEFORE_CONFIG.search(content, max(0, match.start() - 24), match.start()):
            yield match.end()
    for match in _CREATE_CLIENT_CALL.finditer(content):
        yield match.end()


@dataclass(frozen=True)
class Analysis:
    """One project's facts, shared by the finders."""

    project: Project
    prefixes: tuple[str, ...]  # every public prefix in this project
    inlined: dict[str, Inlining]  # name -> the config that inlines it

    @property
    def public_reads(self) -> PublicReads | None:
        framework = self.project.framework
        return framework.public_reads if framework is not None else None


def public_env_imports(content: bytes) -> dict[str, str]:
    """Local name -> variable, for names imported from a framework's public env modules."""
    return named_imports(content, registry().public_env_modules)


def _classify(source: Source, analysis: Analysis) -> tuple[Severity, str] | None:
    if source.kind == "literal":
        if not is_key_value(source.value):
            return None
        if looks_like_test_value(source.value.rpartition(":")[2]):
            return Severity.LOW, "a literal test key"
        return Severity.CRITICAL, "a literal key"
    name = source.value
    if source.kind == "runtime":
        reads = analysis.public_reads
        return None if reads is None else (Severity.CRITICAL, reads.used.replace("{key}", name))
    if is_public(name, analysis.prefixes):
        return Severity.CRITICAL, f"reads {name}, which the bundler inlines into the page"
    inlining = analysis.inlined.get(name) or analysis.inlined.get("*")
    if inlining is not None:
        return Severity.HIGH, f"reads {name}, which {inlining.how} ({inlining.path}) inlines into the page"
    framework = analysis.project.framework
    if framework is not None and framework.inlines_env_reads:
        return Severity.HIGH, f"reads {name}, which {framework.label} inlines into the page"
    return None


def _worst(
    content: bytes, start: int, end: int, env_imports: dict[str, str], analysis: Analysis
) -> tuple[Severity, str, Source] | None:
    """The most exposed of the values a credentials expression is made of."""
    runtime = analysis.public_reads.pattern if analysis.public_reads is not None else None
    worst: tuple[Severity, str, Source] | None = None
    for candidate in sources(content, start, end, env_imports, runtime):
        verdict = _classify(candidate, analysis)
        if verdict and (worst is None or verdict[0] > worst[0]):
            worst = (verdict[0], verdict[1], candidate)
    return worst


def credential_findings(source: SourceFile, context: str, analysis: Analysis) -> list[Finding]:
    """``fal.config({ credentials })`` / ``createFalClient({ credentials })`` in browser code."""
    content = source.content
    env_imports = public_env_imports(content)
    spans = browser_spans(source.path, content)
    found: list[Finding] = []
    for call in config_calls(content):
        if not within(call, spans):
            continue  # e.g. an .astro file's frontmatter: server code
        close = scan_to(content, call)
        for credentials in _CREDENTIALS.finditer(content, call, close):
            if credentials.group("colon"):
                start = credentials.end()
                end = scan_to(content, start, b",")
            else:
                start, end = credentials.start(), credentials.start() + len(b"credentials")
            worst = _worst(content, start, end, env_imports, analysis)
            if worst is None:
                continue  # a user's own key typed into the page, a token fetched at run time...
            severity, detail, origin = worst
            if origin.kind == "literal":
                secret = Secret(origin.value)
            elif origin.kind == "runtime" and analysis.public_reads is not None:
                secret = Secret(analysis.public_reads.env_name(origin.value), sensitive=False)
            else:
                secret = Secret(origin.value, sensitive=False)
            found.append(
                make_finding(
                    CLIENT_CREDENTIALS, source, origin.offset, origin.end, severity, secret, f"{detail}, in {context}"
                )
            )
    return found


def public_read_findings(source: SourceFile, context: str, reads: PublicReads) -> list[Finding]:
    """Reads of a public runtime configuration's fal keys in browser code: a public key put to use."""
    found: list[Finding] = []
    for match in reads.pattern.finditer(source.content):
        key = match.group("name").decode()
        if len(found) >= reads.limit:
            break
        if is_fal_key_name(key):
            detail = reads.read.replace("{key}", key).replace("{context}", context)
            secret = Secret(reads.env_name(key), sensitive=False)
            found.append(
                make_finding(
                    CLIENT_CREDENTIALS, source, match.start(), match.end("name"), Severity.HIGH, secret, detail
                )
            )
    return found
