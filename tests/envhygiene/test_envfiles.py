"""Which files are env files, which are templates, and which environment a file configures."""

from __future__ import annotations

import pytest

from falguard.envhygiene.envfiles import env_files_in, environment_of, is_env_file, is_env_template


@pytest.mark.parametrize(
    "path,env,template",
    [
        (".env", True, False),
        ("apps/web/.env.local", True, False),
        (".env.production.local", True, False),
        ("deploy/prod.env", True, False),
        (".envrc", True, False),
        (".env.example", True, True),
        ("x/.env.local.sample", True, True),
        (".env.template", True, True),
        (".env.dist", True, True),
        (".env.defaults", True, True),
        (".env.EXAMPLE", True, True),
        (".environment", False, False),
        ("env", False, False),
        (".env/config", False, False),
        ("src/dotenv.py", False, False),
        ("worker/.dev.vars", True, False),
        (".dev.vars.staging", True, False),
        (".dev.vars.example", True, True),
        (".streamlit/secrets.toml", True, False),
        ("app/.streamlit/secrets.toml", True, False),
        ("secrets.toml", False, False),
        (".streamlit/config.toml", False, False),
        (".env copy", True, False),
        (".env copy 2", True, False),
        (".env.bak", True, False),
        (".env.save", True, False),
        ("deploy/prod.env.old", True, False),
        (".env.example.bak", True, True),
        ("notes.env.md", False, False),
        ("src/.envy", False, False),
    ],
)
def test_env_files_and_templates(path: str, env: bool, template: bool) -> None:
    assert (is_env_file(path), is_env_template(path)) == (env, template)


@pytest.mark.parametrize(
    "path,environment",
    [
        (".env.development", "development"),
        (".env.development.local", "development"),
        (".env.dev", "development"),
        (".env.production", "production"),
        (".env.production.local", "production"),
        ("prod.env", "production"),
        ("config/production.env", "production"),
        (".env.staging", "staging"),
        (".env.test.local", "test"),
        (".env.preview", "preview"),
        (".env", None),
        (".env.local", None),
        (".envrc", None),
        (".env.production.example", None),  # a template configures nothing
        (".env.dev.prod", None),  # ambiguous
        ("docker-compose.prod.yml", "production"),
        ("deploy/staging/values.yaml", "staging"),
        ("k8s/overlays/production/secret.yaml", "production"),
        ("fly.staging.toml", "staging"),
        ("config/test.yml", None),  # "test" counts only in env file names
        ("tests/fixtures/config.json", None),
        ("src/production.py", None),  # not a configuration file
        ("devices.yaml", None),
    ],
)
def test_environment_of(path: str, environment: str | None) -> None:
    assert environment_of(path) == environment


def test_env_files_in_filters_and_deduplicates() -> None:
    paths = ["a/.env", "README.md", ".env.example", "a/.env", "prod.env", ".envrc"]
    assert env_files_in(paths) == [".envrc", "a/.env", "prod.env"]
