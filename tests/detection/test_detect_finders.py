"""Patterns run from their finders (detect.found) find exactly what the plain engine finds,
with the finders' hits from ``re`` and, where it is installed, from hyperscan (fastfind).

The reference is the same engine with every finder taken away: each pattern then runs with
``finditer`` over the whole content or over its keyword windows, and fal-key's possessive
run is a greedy one again. Both are given fal-dense content (fal's SDK names fal on nearly
every line), the rules' near misses and true shapes in every case, at every distance from
their keywords, and content larger than one lowercasing chunk.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from falguard.detection import detect, fastfind
from falguard.detection.detect import CHUNK, verdicts
from falguard.models import Origin, replace
from falguard.rules import RULES, Rule, build_rules
from tests.keys import expand_example, fake_fal_key, fake_hex32, fake_key_id_secret, fake_token, fake_uuid


@pytest.fixture(autouse=True, scope="module")
def _one_pass_at_every_size() -> Iterator[None]:
    """Small documents too have their finders' hits from hyperscan, where it is installed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect, "ONE_PASS_FROM", 0)
        patch.setattr(detect, "ENGINE_FROM", 0)
        yield


def _recompile(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules as the plain engine runs them: no finders, fal-key's run greedy."""
    plain = []
    for rule in rules:
        patterns = tuple(
            replace(p, finder=None, expression=p.expression.replace(b"{16,200}+", b"{16,200}")) for p in rule.patterns
        )
        plain.append(replace(rule, patterns=patterns))
    return tuple(plain)


def _same(content: bytes, rules: tuple[Rule, ...] = RULES, path: str = "src/app.py") -> list[str]:
    origin = Origin(path)
    fast = [(rule.id, verdict) for rule, verdict in verdicts(content, origin, rules)]
    plain = [(rule.id, verdict) for rule, verdict in verdicts(content, origin, _recompile(rules))]
    assert fast == plain
    if fastfind.scanner([p.finder.search for r in rules for p in r.patterns if p.finder]) is not None:
        os.environ["FALGUARD_NO_HYPERSCAN"] = "1"
        try:
            assert [(rule.id, verdict) for rule, verdict in verdicts(content, origin, rules)] == plain
        finally:
            del os.environ["FALGUARD_NO_HYPERSCAN"]
    return [rule_id for rule_id, _ in fast]


def test_hyperscan_gives_every_finder_the_hits_re_gives() -> None:
    finders = [p.finder.search for r in RULES for p in r.patterns if p.finder]
    scan = fastfind.scanner(finders)
    if scan is None:
        pytest.skip("hyperscan is not installed")
    for seed in range(100):
        content = _document(seed) + _document(seed).upper()
        hits = scan(content)
        for finder in finders:
            assert hits[finder.pattern] == [m.start() for m in finder.finditer(content.lower())]


def test_without_hyperscan_there_is_no_one_pass_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FALGUARD_NO_HYPERSCAN", "1")
    assert fastfind.scanner([p.finder.search for r in RULES for p in r.patterns if p.finder]) is None


def _case(rng: random.Random, text: str) -> str:
    choice = rng.random()
    if choice < 0.6:
        return text
    if choice < 0.75:
        return text.upper()
    if choice < 0.9:
        return text.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def _fragment(rng: random.Random) -> str:
    uuid, hex32, token, key = fake_uuid(rng), fake_hex32(rng), fake_token(rng), fake_key_id_secret(rng)
    short = hex32[: rng.randrange(28, 33)]
    quote = rng.choice(["'", '"', "", "`"])
    space = rng.choice(["", " ", "  ", "\t", " " * 9])
    shapes = [
        "import fal_client\n",
        "from fal import function, App  # fal-ai/fal\n",
        "result = fal_client.submit('fal-ai/flux/dev', arguments={'prompt': 'cat'})\n",
        "if falsy or default_value: return False\n",
        f"FAL_KEY{space}={space}{quote}{token}{quote}\n",
        f"fal_key = {quote}{token[: rng.randrange(8, 40)]}{quote}\n",
        f"{_case(rng, 'fal')}{rng.choice(['_', '-', ''])}{_case(rng, rng.choice(['api_key', 'key', 'secret', 'token', 'credentials', 'ai_key']))}: {token}\n",
        f"export FAL_AI_API_KEY={token}\n",
        f"{rng.choice(['NEXT_PUBLIC_', 'VITE_', 'REACT_APP_', 'EXPO_PUBLIC_', 'PUBLIC_', 'STORYBOOK_'])}FAL_KEY{rng.choice(['', '_ID', '_SECRET'])}={rng.choice([token, key, uuid, hex32, ''])}\n",
        "const k = process.env"
        + rng.choice([".", '["', "['"])
        + "NEXT_PUBLIC_FAL_KEY"
        + rng.choice(["", '"]'])
        + ";\n",
        f"import {{ a,{' ' * rng.randrange(0, 220)}PUBLIC_FAL_KEY }} from '$env/static/public';\n",
        f"{' ' * rng.randrange(0, 20)}ENV {rng.choice(['FAL_KEY', 'NEXT_PUBLIC_FAL_KEY', 'MY_APP_FAL_API_KEY'])}{space or ' '}{token}\n",
        f"{_case(rng, 'authorization')}:{space}{quote}Key {rng.choice([token, key, '$FAL_KEY'])}\n",
        f'md.add("auth-key-id", "{uuid}");\nmd.add("auth-key",{space}"{rng.choice([hex32, short])}");\n',
        f"fal.config({{credentials: {{id: '{uuid}', key: '{rng.choice([hex32, short])}'}}}})\n",
        f'creds = {{"key": "{rng.choice([hex32, short])}",{space}"id": "{uuid}"}}\n',
        f"{rng.choice(['FAL_KEY_SECRET', 'keySecret', 'webhook_secret', 'falSecret', 'SECRET'])}{space}={space}{quote}{rng.choice([hex32, short])}{quote}\n",
        f"FAL_KEY_ID={uuid}\n",
        f"x = '{uuid}:{short}'\n",
        f"-{hex32[:12]}:{hex32[12:]}{rng.choice(['', 'g', 'ff'])}",
        f"k='{key}',",
        f"https://example.com/run?fal_key={key.replace(':', '%3A')}&prompt=cat\n",
        f"{fake_fal_key(rng)}{rng.choice(['', ' ', 'x' * 170])}\n",
        "fal" + "_" + "ab" * rng.randrange(5, 140) + " ",
        "FAL_KEY=" + "x" * rng.randrange(200, 320) + "\n",
        # values about as long as the assignment finder asks for, after each way of assigning
        _case(rng, "fal_key")
        + rng.choice(["", '"', "]", '"]'])
        + space
        + rng.choice([":=", "=>", "??=", "=", ":"])
        + space
        + quote
        + rng.choice(["=", ""])
        + token[: rng.randrange(12, 20)]
        + rng.choice(["", "\u00e9", "\u0085", "-x"])
        + quote
        + "\n",
        f"ENV {rng.choice(['ENV_', 'X_', ''])}FAL_KEY{space or ' '}{token[: rng.randrange(12, 20)]}\n",
        f"{rng.choice(['', 'x', 'MY_'])}{rng.choice(['PUBLIC', 'VITE', 'NEXT_PUBLIC'])}{rng.choice(['_', ''])}FAL_{rng.choice(['', 'AI_', 'API_', 'AI_API_'])}KEY=${{FAL_KEY}}\n",
        f"key = '{rng.choice([key, token])}'  # falguard:allow\n",
        " " * rng.randrange(100, 1500),
        "\n".join("def f(): return None" for _ in range(rng.randrange(1, 60))) + "\n",
        f'import {{ createRouteHandler }} from "@fal-ai/server-proxy/nextjs";\n'
        f"export const {{ GET, POST, PUT }} = createRouteHandler({rng.choice(['', '{ allowedEndpoints: [] }'])});\n",
    ]
    return rng.choice(shapes)


def _spaced(rng: random.Random) -> str:
    """A pair shape with every gap as wide as the patterns allow (or one more)."""
    uuid, hex32 = fake_uuid(rng), fake_hex32(rng)

    def gap(widest: int = 8) -> str:
        return rng.choice([" ", "\t", "\n"]) * rng.choice([0, widest, widest + 1, rng.randrange(widest + 1)])

    def q() -> str:
        return rng.choice(["'", '"', ""])

    shapes = [
        f"{{id{q()}{gap()}:{gap()}'{uuid}'{gap()},{gap()}{q()}key{q()}{gap()}:{gap()}'{hex32}'}}",
        f'{{key{q()}{gap()}:{gap()}"{hex32}"{gap()},{gap()}{q()}id{q()}{gap()}:{gap()}"{uuid}"}}',
        f"{gap(16).replace(chr(10), ' ')}ENV{gap().replace(chr(10), ' ') or ' '}NEXT_PUBLIC_FAL_KEY {fake_token(rng)}\n",
        f"{gap(16).replace(chr(10), ' ')}ENV{gap().replace(chr(10), ' ') or ' '}{('A' * rng.choice([1, 32]) + '_') * rng.randrange(6)}FAL_KEY {fake_token(rng)}\n",
        f"import{gap().replace(chr(10), ' ')}{{{'x' * rng.choice([0, 199, 200, 201])} EXPO_PUBLIC_FAL_KEY }}\n",
        f"FAL_KEY_SECRET{q()}{q()}{gap()}={gap()}{q()}{hex32}\n",
        f"Authorization{q()}{gap()}:{gap()}{q()}Key{gap()}{fake_token(rng)}\n",
        f'md.add("auth-key"{gap()},{gap()}"{hex32}")\n',
    ]
    return rng.choice(shapes)


def _document(seed: int, fragments: int = 40) -> bytes:
    rng = random.Random(seed)
    return "".join(_fragment(rng) if rng.random() < 0.7 else _spaced(rng) for _ in range(fragments)).encode()


def test_seeded_fal_dense_documents_give_the_same_verdicts() -> None:
    found: set[str] = set()
    for seed in range(400):
        found.update(_same(_document(seed)))
    # the corpus reaches every content rule, so a changed finding anywhere would show
    assert found == {rule.id for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_example_gives_the_same_verdicts(rule: Rule) -> None:
    # keys whole and in pieces (every junction fal-key-id-secret's finder must see) and their
    # near misses, alone and with the other examples around them
    examples = [expand_example(t, seed) for seed in range(3) for t in (*rule.true_examples, *rule.false_examples)]
    for example in examples:
        _same(example.encode())
    _same("\n".join(examples).encode())


def test_content_larger_than_a_chunk_gives_the_same_verdicts() -> None:
    # shapes across the boundary of the first lowercasing chunk, at a different offset each time
    filler = b"def f(): return None\n" * (CHUNK // 21)
    for seed in range(6):
        content = filler[: CHUNK - 3000 - 97 * seed] + _document(seed, 80)
        assert len(content) > CHUNK
        assert _same(content)


def test_configured_rules_give_the_same_verdicts() -> None:
    rules = build_rules(extra_public_prefixes=("MY_PUBLIC_", "WEIRD"), extra_key_names=("MY_FAL_TOKEN",))
    for seed in range(60):
        _same(
            _document(seed)
            + b"MY_PUBLIC_FAL_KEY=x\nWEIRDFAL_KEY=y\nMY_FAL_TOKEN="
            + fake_token(random.Random(seed)).encode(),
            rules,
        )


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=1 << 30),
    count=st.integers(min_value=1, max_value=30),
    cut=st.integers(min_value=0, max_value=400),
)
def test_any_mix_and_truncation_gives_the_same_verdicts(seed: int, count: int, cut: int) -> None:
    content = _document(seed, count)
    _same(content)
    _same(content[cut:])  # starting inside a shape
    _same(content[: len(content) - cut])  # ending inside one
