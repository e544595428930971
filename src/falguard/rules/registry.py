"""The one judge of "is this value a fal key?", over the content rules the registry
(:mod:`falguard.rules`) has in force.

A leaf of the rules package: rule modules that judge a value by the other rules (a public
variable holding any fal key, :mod:`falguard.rules.public_fal_key`) call it without importing
the registry that lists them.
"""

from __future__ import annotations

from falguard.rules.common import Rule, Verdict

#: The content rules in priority order, as :mod:`falguard.rules` last set them.
_in_force: list[tuple[Rule, ...]] = [()]


def use(rules: tuple[Rule, ...]) -> None:
    """Judge values by ``rules`` from now on (the registry calls this when its rules change)."""
    _in_force[0] = rules


def credential_in(value: str) -> Verdict | None:
    """Whether a whole literal (a string in code, an env value) is a fal key: the verdict of
    the first credential rule, in priority order, that takes it, or ``None``."""
    for rule in _in_force[0]:
        if rule.credential and rule.judge_value is not None:
            verdict = rule.judge_value(value)
            if verdict is not None:
                return verdict
    return None
