"""The one pipeline: a toy source through every stage, in order."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

from falguard.config import AllowEntry, Config
from falguard.detection.baseline import entry_for, identity
from falguard.detection.facts import Finding, Verification
from falguard.models import Origin, ScanResult, Severity, Summary, Suppression
from falguard.scans import pipeline
from falguard.scans.pipeline import Analyser, Stages
from falguard.sources import Exclusion, Item
from tests.keys import fake_key_id_secret


@dataclass(frozen=True)
class ListSource:
    """A source is one small class: items in, counting what it skips."""

    files: dict[str, str]

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        for path, text in self.files.items():
            if excluded(path):
                summary.excluded += 1
                continue
            summary.files_scanned += 1
            yield Item(Origin(path), text.encode())


def keys(n: int) -> list[str]:
    return [fake_key_id_secret(random.Random(seed)) for seed in range(n)]


def test_detection_exclusion_and_sorting() -> None:
    a, b, c = keys(3)
    source = ListSource({"z.py": f"k = '{a}'\n", "vendor/x.py": f"k = '{b}'\n", "a.py": f"\n\nk = '{c}'\n"})
    result = pipeline.run(source, Config(exclude=("vendor/",)))
    assert [(f.path, f.line) for f in result.findings] == [("a.py", 3), ("z.py", 1)]
    assert result.summary.excluded == 1 and result.summary.files_scanned == 2


def test_added_lines_keep_only_what_a_change_adds() -> None:
    a, b = keys(2)

    class Change(ListSource):
        def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
            yield Item(Origin("f.py"), f"x = '{a}'\ny = '{b}'\n".encode(), added=frozenset({2}))

    assert [f.line for f in pipeline.run(Change({}), Config()).findings] == [2]


def test_suppression_then_verification_then_advisory() -> None:
    a, b, c, d = keys(4)
    files = {"a.py": f"k = '{a}'\n", "b.py": f"k = '{b}'  # falguard:allow\n", "c.py": f"k = '{c}'\n"}
    source = ListSource({**files, "d.py": f"k = '{d}'\n"})
    first = pipeline.run(source, Config())
    by_path = {f.path: f for f in [*first.findings, *first.suppressed]}
    seen: list[list[str]] = []

    def verifier(findings: list[Finding]) -> list[Finding]:
        seen.append([f.path for f in findings])
        return [replace(f, verification=Verification("rejected"), severity=Severity.LOW) for f in findings]

    config = Config(allow=(AllowEntry(by_path["c.py"].fingerprint, "test fixture"),))
    entry = entry_for(by_path["a.py"], note="revoked 2026-11-30")
    stages = Stages(baseline={identity(by_path["a.py"]): entry}, verifier=verifier)
    result = pipeline.run(source, config, (), stages)
    assert result.summary.baselined == 1
    assert [(f.path, f.suppression) for f in result.baselined] == [
        ("a.py", Suppression("baseline", "revoked 2026-11-30"))
    ]
    assert sorted(f.path for f in result.suppressed) == ["b.py", "c.py"]
    assert seen == [["d.py"]]  # only what still counts is verified
    assert [f.path for f in result.findings] == ["d.py"]
    assert all(f.verification == Verification("rejected") for f in result.findings)


def test_analysers_observe_every_item_and_finish_once() -> None:
    (a,) = keys(1)

    class Counter(Analyser):
        def __init__(self) -> None:
            self.paths: list[str] = []

        def observe(self, item: Item, detected: list[Finding], kept: list[Finding]) -> list[Finding]:
            self.paths.append(item.origin.path)
            return kept

        def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
            return findings + [replace(findings[0], rule="env-tracked", path="zz")]

    counter = Counter()
    result = pipeline.run(
        ListSource({"a.py": f"k = '{a}'\n", "b.py": "x\n"}),
        Config(),
        [counter],
        Stages(advisory=frozenset({"env-tracked"})),
    )
    assert counter.paths == ["a.py", "b.py"]
    assert [f.path for f in result.findings] == ["a.py"] and [f.path for f in result.warnings] == ["zz"]
