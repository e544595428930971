"""A toy key shape, ``toy_`` + 24 letters and digits, written the way a real shape is: its
pattern with its prefilter anchor, judge, judgement of a whole value, examples, steps and
masking, all in this one file. Tests add it with ``falguard.rules.registered(RULE)``.

Examples use ``{toy}``, filled by :func:`expand` with a fresh 24-character token.
"""

from __future__ import annotations

import random
import re

from falguard.models import Severity
from falguard.rules import Anchor, Rule, Verdict, looks_random, pattern
from tests.keys import expand_example, fake_token

_TOKEN = re.compile(r"toy_[A-Za-z0-9]{24}")


def mask_toy(value: str, key_id: str | None = None) -> str:
    """The prefix, which says what the key is, and the last 4 characters."""
    return "toy_****" + value[-4:]


def _severity(token: str) -> Severity | None:
    return Severity.CRITICAL if looks_random(token[4:]) else None


def judge(match: re.Match[bytes], content: bytes) -> Verdict | None:
    token = match.group("secret").decode()
    severity = _severity(token)
    if severity is None:
        return None
    return Verdict(severity, token, match.start("secret"), match.end("secret"), mask=mask_toy)


def judge_value(value: str) -> Verdict | None:
    severity = _severity(value) if _TOKEN.fullmatch(value) else None
    return None if severity is None else Verdict(severity, value, 0, len(value), mask=mask_toy)


STEPS = (
    "Revoke the toy key on the toy dashboard{which}.",
    "Keep the new toy key server-side, in the TOY_KEY environment variable.",
)

RULE = Rule(
    id="toy-key",
    severity=Severity.CRITICAL,
    title="toy key",
    description="A toy_ key: 24 letters and digits after the prefix.",
    remediation="Revoke the toy key and keep the new one in TOY_KEY on the server.",
    steps=STEPS,
    credential=True,
    patterns=(pattern(rb"(?P<secret>toy_(?<![A-Za-z0-9_]toy_)[A-Za-z0-9]{24})(?![A-Za-z0-9])", head=Anchor(b"toy_")),),
    judge=judge,
    judge_value=judge_value,
    true_examples=(
        'TOKEN = "toy_{toy}"',
        "export TOY_KEY=toy_{toy}",
        "curl -H 'X-Toy-Key: toy_{toy}' https://toy.example",
    ),
    false_examples=(
        "toy_story_and_friends_forever",
        "TOKEN = 'toy_{toy}X'",
        "TOKEN = 'my_toy_{toy}'",
        "TOKEN = 'toy_aaaaaaaaaaaaaaaaaaaaaaaa'",
    ),
)


def fake_toy_key(rng: random.Random) -> str:
    return "toy" + "_" + fake_token(rng, 24)


def expand(template: str, seed: int = 0) -> str:
    """A toy example with ``{toy}`` filled (and the fal placeholders, as for every rule)."""
    return expand_example(template.replace("{toy}", fake_token(random.Random(seed), 24)), seed)
