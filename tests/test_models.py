"""The values every scan makes (models.Value and Record) behave as the dataclasses they
replace: equal and hashed by their fields, frozen, copied with a change, pickled."""

from __future__ import annotations

import copy
import pickle

import pytest

from falguard.config import AllowEntry, Config
from falguard.models import Origin, ScanResult, Summary, Suppression
from falguard.sources import Item


def test_a_value_is_equal_and_hashed_by_its_fields() -> None:
    assert Origin("a.py", source="staged") == Origin("a.py", None, "staged")
    assert Origin("a.py") != Origin("b.py")
    assert Origin("a.py") != Suppression("a.py")  # another class, never equal
    assert len({Origin("a.py"), Origin("a.py"), Origin("b.py")}) == 2
    assert repr(Suppression("config", "fixture")) == "Suppression(kind='config', reason='fixture', by='')"


def test_a_value_is_frozen() -> None:
    origin = Origin("a.py")
    with pytest.raises(AttributeError):
        origin.path = "b.py"
    with pytest.raises(AttributeError):
        del origin.path
    with pytest.raises(AttributeError):
        origin.other = 1  # type: ignore[attr-defined]


def test_replace_copies_with_the_changes_and_refuses_unknown_fields() -> None:
    item = Item(Origin("a.py"), b"x", added=frozenset({1}))
    changed = item.replace(content=b"", added=None)
    assert (changed.origin, changed.content, changed.added, item.content) == (Origin("a.py"), b"", None, b"x")
    with pytest.raises(TypeError):
        item.replace(colour="blue")


def test_a_record_is_mutable_unhashable_and_compared_by_its_fields() -> None:
    summary = Summary(files_scanned=2, unreadable=["x"])
    summary.files_scanned += 1
    assert summary == Summary(files_scanned=3, unreadable=["x"])
    assert Summary().unreadable is not Summary().unreadable  # a fresh list each
    with pytest.raises(TypeError):
        hash(summary)
    assert ScanResult().summary == Summary()


def test_values_survive_pickling_and_copying() -> None:
    """A configuration goes to the audit's worker processes; a result comes back."""
    config = Config(exclude=("vendor/",), allow=(AllowEntry("ab" * 8, "fixture"),), origins={"exclude": "cli"})
    result = ScanResult(summary=Summary(files_scanned=4, skipped_paths=["big.bin"]), fatal="corrupt")
    for value in (config, result, Item(Origin("a.py"), b"x")):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.copy(value) == value and copy.deepcopy(value) == value


def test_a_value_extending_another_has_both_fields_and_caches_are_no_fields() -> None:
    """A rule is a RuleInfo with patterns; a pattern's compiled regex is made on first use and
    is not part of what it is."""
    from falguard.rules import RULES, Rule

    rule = RULES[0]
    copy_ = rule.replace(patterns=())
    assert isinstance(copy_, Rule) and copy_.id == rule.id and copy_.title == rule.title
    assert copy_.patterns == () and copy_ != rule and copy_.replace(patterns=rule.patterns) == rule
    pattern = rule.patterns[0]
    fresh = pattern.replace()
    assert pattern.regex is pattern.regex  # compiled once
    assert fresh == pattern and hash(fresh) == hash(pattern)
    assert "_regex" not in repr(pattern)
