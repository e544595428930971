"""The one scan pipeline: a source's items through every stage, in this order, once.

1. **source**: items with their origin (sources/), skipping what the configuration excludes;
2. **detection**: each item's content through the content rules (detect.py), looking inside
   archives and base64 on the way (expand/); for a change, only findings on the lines it
   adds are kept;
3. **analysers**: each sees every item and its findings, and may add findings about the
   whole project at the end (browser exposure, env hygiene, history attribution);
4. **exclusion** of every finding whose path the configuration excludes;
5. **suppression**: inline allow comments (set by detection), config allow entries, the
   baseline;
6. **verification** (optional): asks fal whether each key is live;
7. **sorting** (findings by a total key, the summary's notes by text: never the order
   history readers delivered them in), and advisory findings (reported, never failing)
   set apart as warnings.

Every scan (working tree, staged change, pushed commits, history, stdin, the audit) is one
call of :func:`run` with its source and analysers; a new stage is one more step here.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, overload

from falguard.config import Config
from falguard.detection.prefilter import Prefilter, built_in
from falguard.detection.prefilter import build as build_prefilter
from falguard.expand.archives import Limits, is_container
from falguard.expand.encoded import Decoder
from falguard.expand.images import ImageBudget
from falguard.expand.step import Expansion
from falguard.models import ScanResult, Summary, Suppression, Value, _set
from falguard.sources import Exclusion, Item, Source

if TYPE_CHECKING:
    from falguard.detection.baseline import Entry
    from falguard.detection.facts import Finding
    from falguard.rules import Rule


class Analyser:
    """A stage that sees every item and may add findings about the whole project.

    ``observe`` gets each item with everything detection found in it (``detected``) and
    what the pipeline keeps so far (``kept``: for a change, only its added lines), and
    returns what to keep. ``finish`` gets every kept finding once the source is exhausted
    and returns the findings the scan reports. Both default to passing findings through.
    """

    def observe(self, item: Item, detected: list[Finding], kept: list[Finding]) -> list[Finding]:
        return kept

    def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
        return findings


#: The verification stage: findings in, the same findings with their verification out.
Verifier = Callable[[list["Finding"]], list["Finding"]]


class Stages(Value):
    """What the later stages need beyond the configuration."""

    __slots__ = ("baseline", "verifier", "advisory")
    baseline: Mapping[tuple[str, str], Entry]
    verifier: Verifier | None
    advisory: frozenset[str]  # rule ids reported as warnings, never failing

    def __init__(
        self,
        baseline: Mapping[tuple[str, str], Entry] | None = None,
        verifier: Verifier | None = None,
        advisory: frozenset[str] = frozenset(),
    ) -> None:
        _set(self, "baseline", {} if baseline is None else baseline)
        _set(self, "verifier", verifier)
        _set(self, "advisory", advisory)


def sort_key(finding: Finding) -> tuple[str, int, int, str, str, int, int, str, str, str]:
    """Where, then what: a total order (two keys in two tag messages sit at the same place),
    so reports never depend on the order the history readers delivered findings in."""
    place = (finding.path, finding.line, finding.column, finding.rule, finding.commit or "")
    return (
        *place,
        finding.end_line or 0,
        finding.end_column or 0,
        finding.fingerprint,
        finding.source,
        finding.message,
    )


def rules_for(config: Config) -> tuple[Rule, ...]:
    from falguard.rules import build_rules

    return build_rules(config.extra_public_prefixes, config.extra_key_names)


class ScanRules(Sequence["Rule"]):
    """A configuration's content rules (:func:`rules_for`), built the first time they are
    read: a scan whose every item the prefilter turns away (a clean commit) loads no rule."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @functools.cached_property
    def _rules(self) -> tuple[Rule, ...]:
        return rules_for(self.config)

    @overload
    def __getitem__(self, index: int) -> Rule: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Rule]: ...
    def __getitem__(self, index: int | slice) -> Rule | Sequence[Rule]:
        return self._rules[index]

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)


def decoder_of(config: Config) -> Decoder:
    """The rules and prefilter of a scan with ``config`` (for content inside base64 too)."""
    rules = ScanRules(config)
    return Decoder(rules, prefilter_of(config, rules))


def prefilter_of(config: Config, rules: Sequence[Rule]) -> Prefilter:
    """The prefilter of a scan's rules: the built-in rules' one, written out, while no rule
    module is loaded and the configuration adds nothing (the registry then holds only the
    built-in rules: nothing has registered another, see ``rules.registered``)."""
    if "falguard.rules" not in sys.modules and not (config.extra_public_prefixes or config.extra_key_names):
        return built_in()
    return build_prefilter(rules)


def exclusion(config: Config) -> Exclusion:
    """A predicate for paths the configuration excludes (gitignore semantics)."""
    if not config.exclude:
        return lambda path: False
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(config.exclude)
    return lambda path: spec.match_file(path)


def run(
    source: Source,
    config: Config,
    analysers: Sequence[Analyser] = (),
    stages: Stages = Stages(),
    result: ScanResult | None = None,
    decoder: Decoder | None = None,
) -> ScanResult:
    """Scan ``source`` through every stage; ``result`` may already hold a summary to add to;
    ``decoder``: :func:`decoder_of` ``config``, when the source needed it first."""
    result = result if result is not None else ScanResult()
    excluded = exclusion(config)
    images = ImageBudget(config.max_images, config.max_image_megapixels)
    images.progress = _image_progress
    expansion = Expansion(decoder or decoder_of(config), Limits.for_max_size(config.max_file_size), images)
    findings = detect_items(source.items(result.summary, excluded), expansion, analysers, result.summary)
    if result.summary.images_read and sys.stderr.isatty():
        sys.stderr.write("\r\033[K")  # the images' progress line, erased
    for analyser in analysers:
        findings = analyser.finish(findings, result)
    result.findings = [finding for finding in findings if not excluded(finding.path)]
    suppress(result, config, stages.baseline)
    if stages.verifier is not None:
        result.findings = stages.verifier(result.findings)
    if stages.advisory:
        result.warnings = [f for f in result.findings if f.rule in stages.advisory]
        result.findings = [f for f in result.findings if f.rule not in stages.advisory]
    for found in (result.findings, result.suppressed, result.warnings, result.baselined):
        found.sort(key=sort_key)
    for noted in (result.summary.skipped_paths, result.summary.unreadable):
        noted.sort()  # a history scan's readers (and the items they yield) note them as they come
    return result


def _image_progress(count: int, label: str) -> None:
    """A line on a terminal's stderr, redrawn as each image is read (OCR takes a while)."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\rfalguard: images: {count:,} read, now {label[-70:]}\033[K")
        sys.stderr.flush()


def detect_items(
    items: Iterable[Item], expansion: Expansion, analysers: Sequence[Analyser], summary: Summary
) -> list[Finding]:
    """Detection over every item (inside archives and base64 too), each analyser observing
    each item's findings; an archive is observed as the item it is, with no content."""
    found: list[Finding] = []
    for item in items:
        detected = expansion.findings(item, summary) if item.content else []
        kept = detected if item.added is None else [f for f in detected if f.line in item.added]
        observed = item.replace(content=b"") if is_container(item.content) else item
        for analyser in analysers:
            kept = analyser.observe(observed, detected, kept)
        found.extend(kept)
    return found


def suppress(result: ScanResult, config: Config, baseline: Mapping[tuple[str, str], Entry]) -> ScanResult:
    """Move allowed findings to ``suppressed`` and baselined ones to ``baselined``, counting them."""
    if not result.findings:
        return result  # nothing to move (and no baseline module to load on a clean hook run)
    from dataclasses import replace  # findings are dataclasses (falguard.detection.facts)

    from falguard.detection.findings import identity  # loaded with the first finding

    active: list[Finding] = []
    matched = {identity(finding) for finding in result.baselined}
    for finding in result.findings:
        key = identity(finding)
        entry = baseline.get(key) if baseline else None  # no baseline module to load when there is none
        if entry is not None:
            result.summary.baselined += key not in matched  # one count per baseline entry
            matched.add(key)
            result.baselined.append(
                replace(finding, suppression=Suppression("baseline", entry.note, entry.accepted_by))
            )
            continue
        if finding.suppression is None:
            allowed = config.allowed(finding.fingerprint)
            if allowed is not None:
                finding = replace(finding, suppression=Suppression("config", allowed.reason, allowed.by))
        if finding.suppression is not None:
            result.suppressed.append(finding)
        else:
            active.append(finding)
    result.findings = active
    return result
