"""High or critical findings where there is no fal key, met in real repositories and in the
corpus, each in its real shape (placeholders filled at run time), quietened in its rule."""

from __future__ import annotations

import random

from falguard.detection.detect import detect
from falguard.models import Origin, Severity
from tests.keys import fake_key_id_secret, fake_token

PUBLIC = "NEXT_PUBLIC_" + "FAL"


def found(text: str, path: str) -> list[tuple[str, Severity]]:
    return [(f.rule, f.severity) for f in detect(text.encode(), Origin(path))]


# fal-ai/fal-js libs/nextjs/src/handler.ts (2023): the server-side proxy takes the old public
# names as a fallback of the server-side ones; three high findings on fal-js's history


def test_public_variable_read_as_the_fallback_of_the_server_variable_is_medium() -> None:
    handler = (
        f"const FAL_KEY = process.env.FAL_KEY || process.env.{PUBLIC}_KEY;\n"
        f"const FAL_KEY_ID = process.env.FAL_KEY_ID ?? process.env.{PUBLIC}_KEY_ID;\n"
        f"const FAL_KEY_SECRET =\n  process.env.FAL_KEY_SECRET || process.env.{PUBLIC}_KEY_SECRET;\n"
    )
    assert found(handler, "libs/nextjs/src/handler.ts") == [("public-fal-key", Severity.MEDIUM)] * 3


def test_public_variable_read_first_or_after_another_name_stays_high() -> None:
    first = f"fal.config({{ credentials: process.env.{PUBLIC}_KEY || process.env.FAL_KEY }});"
    assert found(first, "src/fal.ts") == [("public-fal-key", Severity.HIGH)]
    other = f"const key = process.env.FAL_KEY_ID || process.env.{PUBLIC}_KEY;"
    assert found(other, "src/fal.ts") == [("public-fal-key", Severity.HIGH)]
    unrelated = f"const key = process.env.API_KEY || process.env.{PUBLIC}_KEY;"
    assert found(unrelated, "src/fal.ts") == [("public-fal-key", Severity.HIGH)]


def test_public_variable_defined_after_a_fallback_stays_critical_with_a_key() -> None:
    key = fake_key_id_secret(random.Random(3))
    text = f"process.env.FAL_KEY || process.env.{PUBLIC}_KEY\n{PUBLIC}_KEY={key}\n"
    assert ("public-fal-key", Severity.CRITICAL) in found(text, ".env.local")


# Kubernetes example Secrets: data: values are base64, here of a template value


def test_base64_of_a_placeholder_under_a_fal_name_is_not_a_key() -> None:
    secret = "apiVersion: v1\nkind: Secret\ndata:\n  FAL_KEY: eW91ci1mYWwta2V5\n"  # "your-fal-key"
    assert found(secret, "k8s/example-secret.yaml") == []
    changeme = "kind: Secret\ndata:\n  FAL_API_KEY: Y2hhbmdlbWUtZmFsLWtleQ==\n"  # "changeme-fal-key"
    assert found(changeme, "k8s/secret.yaml") == []


def test_random_base64_looking_value_under_a_fal_name_stays_high() -> None:
    token = fake_token(random.Random(4), 40)
    assert found(f"kind: Secret\ndata:\n  FAL_KEY: {token}\n", "k8s/secret.yaml") == [
        ("fal-key-assignment", Severity.HIGH)
    ]
