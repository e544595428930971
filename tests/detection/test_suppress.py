"""Inline allow comments in every comment syntax, scoped to the rules they name."""

from __future__ import annotations

import random

import pytest

from falguard.detection.detect import detect
from falguard.models import Origin
from tests.keys import fake_fal_key, fake_key_id_secret

PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"


def kis() -> str:
    return fake_key_id_secret(random.Random(1))


@pytest.mark.parametrize(
    "template",
    [
        "key = '{k}'  # falguard:allow",
        "const key = '{k}'; // falguard:allow",
        "key: {k} # falguard:allow",
        "<!-- falguard:allow --> <meta content='{k}'>",
        "/* falguard:allow */ k = '{k}'",
        "k = '{k}' -- falguard:allow",
        "# falguard:allow-next-line\nkey = '{k}'",
        "// falguard:allow-next-line fal-key-id-secret\nkey = '{k}'",
    ],
)
def test_allow_comments_in_any_syntax(template: str) -> None:
    (finding,) = detect(template.format(k=kis()).encode(), Origin("f"))
    assert finding.suppression is not None and finding.suppression.kind == "inline"


def test_reason_is_carried() -> None:
    content = f'key = "{kis()}"  # falguard:allow reason="test fixture"\n'.encode()
    (finding,) = detect(content, Origin("f"))
    assert finding.suppression is not None and finding.suppression.reason == "test fixture"


def test_allow_naming_a_rule_does_not_hide_another_rule() -> None:
    key = fake_fal_key(random.Random(2))
    content = f"{PUBLIC}={key}  # falguard:allow fal-key\n".encode()
    found = {f.rule: f.suppression for f in detect(content, Origin(".env"))}
    assert found["fal-key"] is not None
    assert found["public-fal-key"] is None


def test_allow_naming_several_rules() -> None:
    key = fake_fal_key(random.Random(3))
    content = f"{PUBLIC}={key}  # falguard:allow fal-key, public-fal-key reason=demo\n".encode()
    assert all(f.suppression is not None and f.suppression.reason == "demo" for f in detect(content, Origin(".env")))


def test_the_first_comment_that_covers_a_rule_gives_the_reason() -> None:
    key = fake_fal_key(random.Random(4))
    own = " // falguard:allow public-fal-key reason=a  falguard:allow reason=b  falguard:allow fal-key reason=c"
    above = "// falguard:allow-next-line fal-key reason=d  falguard:allow-next-line reason=e\n"
    for prefix, expected in (
        ("", {"fal-key": "b", "public-fal-key": "a"}),
        (above, {"fal-key": "b", "public-fal-key": "a"}),
    ):
        content = f"{prefix}{PUBLIC}={key}{own}\n".encode()
        found = {f.rule: f.suppression.reason if f.suppression else None for f in detect(content, Origin(".env"))}
        assert found == expected
    content = f"{above}{PUBLIC}={key} // falguard:allow public-fal-key reason=a\n".encode()
    found = {f.rule: f.suppression.reason if f.suppression else None for f in detect(content, Origin(".env"))}
    assert found == {"fal-key": "d", "public-fal-key": "a"}
    content = (
        f"// falguard:allow-next-line public-fal-key reason=d  falguard:allow-next-line reason=e\n{PUBLIC}={key}\n"
    )
    found = {f.rule: f.suppression.reason if f.suppression else None for f in detect(content.encode(), Origin(".env"))}
    assert found == {"fal-key": "e", "public-fal-key": "d"}


def test_allow_on_another_line_does_not_apply() -> None:
    content = f"# falguard:allow\n\nkey = '{kis()}'\n".encode()
    (finding,) = detect(content, Origin("f"))
    assert finding.suppression is None
    content = f"key = '{kis()}'\n# falguard:allow-next-line\n".encode()
    (finding,) = detect(content, Origin("f"))
    assert finding.suppression is None


def test_allowed_findings_do_not_fail_but_are_reported_in_json(repo, falguard) -> None:
    from tests.helpers import ignoring_env, write

    ignoring_env(repo)

    write(repo, "fixture.py", f"KEY = '{kis()}'  # falguard:allow reason=\"test fixture\"\n")
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0
    assert run.json["findings"] == []
    (allowed,) = run.json["suppressed"]
    assert allowed["suppression"] == {"kind": "inline", "reason": "test fixture"}
    text = falguard("scan", cwd=repo)
    assert "1 allowed" in text.out
    sarif = falguard("scan", "--format", "sarif", cwd=repo)
    assert '"justification": "test fixture"' in sarif.out
