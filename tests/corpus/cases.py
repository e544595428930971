"""The corpus's cases: shapes seen in public code (searched 2026-12-01 in public repositories
and issue threads: fal's clients and examples, apps calling fal from Python, JS/TS, Go,
notebooks, CI, containers, infrastructure files, setup notes), each rewritten as a small case
of our own, and the decoys written beside them.

Placeholders are listed in :mod:`tests.corpus`. A public variable's name is written with
``{FAL}`` (``NEXT_PUBLIC_{FAL}_KEY``) so that this file itself scans clean.
"""

from __future__ import annotations

from tests.corpus import Case

ID_SECRET = "fal-key-id-secret"
FAL_KEY = "fal-key"
PAIR = "fal-key-pair"
ASSIGNMENT = "fal-key-assignment"
PUBLIC = "public-fal-key"

#: Found in the working tree, missed in history: the base64 of a bare key in a blob that never
#: mentions fal holds no literal the history prefilter could search for.
HISTORY_BASE64 = "history only: base64 of a bare key in a blob that never mentions fal passes no prefilter"

# --- Python, notebooks ---------------------------------------------------------------------

PYTHON = (
    Case(
        "py-environ-assign",
        "app/generate.py",
        'import os\nimport fal_client\n\nos.environ["FAL_KEY"] = "{uuid}:{hex32}"\n'
        'result = fal_client.subscribe("fal-ai/flux/dev", arguments={"prompt": "a cat"})\n',
        ID_SECRET,
        shape="python: the env variable set from a literal before the client reads it",
    ),
    Case(
        "py-getenv-default",
        "settings.py",
        'FAL_KEY = os.getenv("FAL_KEY", "{uuid}:{hex32}")\n',
        ID_SECRET,
        shape="python: a literal as the getenv fallback",
    ),
    Case(
        "py-client-key-kwarg",
        "worker/images.py",
        'client = fal_client.SyncClient(key="{uuid}:{hex32}")\n',
        ID_SECRET,
        shape="python: fal_client's client built with a key argument",
    ),
    Case(
        "py-copy-of-file",
        "generate copy.py",
        'import fal_client\nFAL_KEY = "{uuid}:{hex32}"\n',
        ID_SECRET,
        shape="a copy of a source file left beside it",
    ),
    Case(
        "py-value-next-line",
        "config.py",
        'FAL_KEY = (\n    "{uuid}:{hex32}"\n)\n',
        ID_SECRET,
        shape="python: the value on the line after the name",
    ),
    Case(
        "py-split-pair",
        "fal_setup.py",
        'FAL_KEY_ID = "{uuid}"\nFAL_KEY_SECRET = "{hex32}"\n',
        PAIR,
        shape="python: the older split pair",
    ),
    Case(
        "py-fal-ai-key-secret",
        "backend/settings.py",
        'FAL_AI_KEY_ID = "{uuid}"\nFAL_AI_KEY_SECRET = "{hex32}"\n',
        PAIR,
        shape="python: the pair under FAL_AI_ names",
    ),
    Case(
        "py-fstring-join",
        "fal_auth.py",
        'KEY_ID = "{uuid}"\nKEY_SECRET = "{hex32}"\nos.environ["FAL_KEY"] = f"{KEY_ID}:{KEY_SECRET}"\n',
        PAIR,
        shape="python: halves joined by an f-string",
    ),
    Case(
        "py-dict-key-id",
        "creds.py",
        'fal_creds = {"key": "{hex32}", "id": "{uuid}"}\n',
        PAIR,
        shape="python: an { id, key } credentials dict",
    ),
    Case(
        "py-implicit-concat",
        "client.py",
        'FAL_KEY = (\n    "{uuid}"\n    ":{hex32}"\n)\n',
        ID_SECRET,
        shape="python: adjacent string literals across lines",
    ),
    Case(
        "py-plus-concat",
        "run.py",
        'key = "{uuid}" + ":" + "{hex32}"\nfal_client.api_key = key\n',
        ID_SECRET,
        shape="python: + concatenation",
    ),
    Case(
        "py-backslash-continuation",
        "job.py",
        'FAL_KEY = "{uuid}:" \\\n    "{hex32}"\n',
        ID_SECRET,
        shape="python: a backslash-continued line of literals",
    ),
    Case(
        "ipynb-environ",
        "notebooks/flux.ipynb",
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1, "source": '
        '["import os\\n", "os.environ[\\"FAL_KEY\\"] = \\"{uuid}:{hex32}\\"\\n", "import fal_client"]}], '
        '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
        ID_SECRET,
        shape="notebook JSON: the key in a code cell's source lines",
    ),
    Case(
        "ipynb-env-magic",
        "demo.ipynb",
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": ["%env FAL_KEY=fal_{token}\\n"]}], '
        '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
        FAL_KEY,
        shape="notebook: the %env magic with a fal_ key",
    ),
)

# --- JavaScript, TypeScript, Go, C -----------------------------------------------------------

CODE = (
    Case(
        "js-config-credentials",
        "server/fal.js",
        'import { fal } from "@fal-ai/client";\nfal.config({ credentials: "{uuid}:{hex32}" });\n',
        ID_SECRET,
        shape="js: fal.config with a literal key on the server",
    ),
    Case(
        "ts-keyid-keysecret",
        "lib/fal.ts",
        'import { fal } from "@fal-ai/client";\n'
        'fal.config({\n  credentials: { keyId: "{uuid}", keySecret: "{hex32}" },\n});\n',
        PAIR,
        shape="ts: keyId/keySecret credentials object",
    ),
    Case(
        "ts-const-pair",
        "services/credentials.ts",
        "export const FAL_KEY_ID = '{uuid}';\nexport const FAL_KEY_SECRET = '{hex32}';\n",
        PAIR,
        shape="ts: exported consts of the split pair (fal-js's own demo history)",
    ),
    Case(
        "js-id-key-object",
        "generate.js",
        "fal.config({ credentials: { id: '{uuid}', key: '{hex32}' } });\n",
        PAIR,
        shape="js: { id, key } credentials",
    ),
    Case(
        "js-fal-secret-const",
        "api/falclient.js",
        'const falKeyId = "{uuid}";\nconst falSecret = "{hex32}";\n',
        PAIR,
        shape="js: camelCase halves",
    ),
    Case(
        "js-grpc-metadata",
        "example.ts",
        'const md = new grpc.Metadata();\nmd.add("auth-key-id", "{uuid}");\nmd.add("auth-key", "{hex32}");\n',
        PAIR,
        shape="ts: gRPC metadata of fal's older isolate clients (fal-js's initial commit)",
    ),
    Case(
        "go-metadata-pairs",
        "client/main.go",
        'md := metadata.Pairs("auth-key-id", "{uuid}", "auth-key", "{hex32}")\n',
        PAIR,
        shape="go: gRPC metadata.Pairs",
    ),
    Case(
        "go-const-key",
        "cmd/gen/main.go",
        'package main\n\nconst falKey = "{uuid}:{hex32}"\n',
        ID_SECRET,
        shape="go: a const",
    ),
    Case(
        "go-header",
        "internal/fal/http.go",
        'req.Header.Set("Authorization", "Key {uuid}:{hex32}")\n',
        ID_SECRET,
        shape="go: the Authorization header written out",
    ),
    Case(
        "js-fetch-header-fal-token",
        "src/api.js",
        'await fetch(url, { headers: { Authorization: "Key fal_{token}" } });\n',
        FAL_KEY,
        shape="js: fetch with a fal_ key in the header",
    ),
    Case(
        "ts-authorization-unknown-shape",
        "src/queue.ts",
        'import { fal } from "@fal-ai/client";\nconst headers = { Authorization: `Key {token}` };\n',
        ASSIGNMENT,
        severity="high",
        shape="ts: a key of unknown shape in the Authorization header",
    ),
    Case(
        "js-process-env-assign",
        "scripts/seed.mjs",
        'process.env.FAL_KEY = "{uuid}:{hex32}";\n',
        ID_SECRET,
        shape="js: process.env set from a literal",
    ),
    Case(
        "vite-client-read",
        "src/falClient.ts",
        "import { fal } from '@fal-ai/client'\nfal.config({ credentials: import.meta.env.VITE_{FAL}_KEY })\n",
        PUBLIC,
        severity="high",
        shape="vite: the client configured from a public variable",
    ),
    Case(
        "js-create-client-fal-token",
        "worker/src/fal.ts",
        'import { createFalClient } from "@fal-ai/client";\nexport const fal = createFalClient({ credentials: "fal_{token}" });\n',
        FAL_KEY,
        shape="ts: createFalClient with a literal fal_ key (Cloudflare worker)",
    ),
    Case(
        "next-config-env",
        "next.config.js",
        'module.exports = {\n  env: {\n    FAL_KEY: "{uuid}:{hex32}",\n  },\n};\n',
        ID_SECRET,
        shape="next.config env (inlined into the bundle)",
    ),
    Case(
        "rust-const",
        "src/fal.rs",
        'const FAL_KEY: &str = "{uuid}:{hex32}";\n',
        ID_SECRET,
    ),
    Case(
        "swift-let",
        "App/FalService.swift",
        'let falKey = "{uuid}:{hex32}"\n',
        ID_SECRET,
        shape="mobile app source",
    ),
    Case(
        "gradle-build-config",
        "app/build.gradle",
        'buildConfigField "String", "FAL_KEY", "\\"{uuid}:{hex32}\\""\n',
        ID_SECRET,
        shape="android: a build config field",
    ),
    Case(
        "py-test-with-real-key",
        "tests/test_fal_api.py",
        'from lib.fal_client import FalClient\n\n# key copied from the database\nFAL_KEY = "{uuid}:{hex32}"\n',
        ID_SECRET,
        shape="a test file holding a real key (a code review thread)",
    ),
    Case(
        "postman-header",
        "collections/fal.postman_collection.json",
        '{"request": {"header": [{"key": "Authorization", "value": "Key {uuid}:{hex32}", "type": "text"}]}}\n',
        ID_SECRET,
        shape="an API client's exported collection",
    ),
    Case(
        "js-plus-concat",
        "lib/key.js",
        'const credentials = "{uuid}" + ":" + "{hex32}";\n',
        ID_SECRET,
        shape="js: + concatenation",
    ),
    Case(
        "js-template-literal-parts",
        "lib/auth.ts",
        'const secret = "{hex32}";\nconst credentials = `{uuid}:${secret}`;\n',
        ID_SECRET,
        shape="ts: a template literal with a literal key id",
    ),
    Case(
        "c-implicit-concat",
        "native/fal.c",
        'static const char *FAL_KEY = "{uuid}:"\n                            "{hex32}";\n',
        ID_SECRET,
        shape="c: adjacent literals across lines",
    ),
)

# --- env files ------------------------------------------------------------------------------

ENV = (
    Case("env-dotenv", ".env", "FAL_KEY={uuid}:{hex32}\n", ID_SECRET, shape=".env"),
    Case("env-local-fal-token", ".env.local", 'FAL_KEY="fal_{token}"\n', FAL_KEY, shape=".env.local"),
    Case("env-tracked-critical", ".env", "FAL_KEY={uuid}:{hex32}\n", "env-tracked", shape="the committed .env itself"),
    Case("env-dev-vars", ".dev.vars", "FAL_KEY={uuid}:{hex32}\n", ID_SECRET, shape="Cloudflare Wrangler's .dev.vars"),
    Case(
        "env-tracked-dev-vars",
        "worker/.dev.vars",
        "FAL_KEY={uuid}:{hex32}\n",
        "env-tracked",
        shape="Wrangler's .dev.vars committed (a real leak): an env file by another name",
    ),
    Case(
        "env-tracked-streamlit",
        "app/.streamlit/secrets.toml",
        'FAL_KEY = "fal_{token}"\n',
        "env-tracked",
    ),
    Case("env-copy", ".env copy", "FAL_KEY={uuid}:{hex32}\n", ID_SECRET, shape="a copy of .env"),
    Case("env-bak", ".env.bak", "FAL_KEY={uuid}:{hex32}\n", ID_SECRET, shape=".env.bak"),
    Case("env-old", "prod.env.old", "FAL_KEY='{uuid}:{hex32}'\n", ID_SECRET, shape="*.env.old"),
    Case("env-split-pair", ".env.production", "FAL_KEY_ID={uuid}\nFAL_KEY_SECRET={hex32}\n", PAIR, shape="split pair"),
    Case(
        "env-public-next",
        ".env.production.local",
        "NEXT_PUBLIC_{FAL}_KEY={uuid}:{hex32}\n",
        PUBLIC,
        shape="next.js: the key in a public variable",
    ),
    Case("env-public-vite", "web/.env", "VITE_{FAL}_KEY=fal_{token}\n", PUBLIC, shape="vite: a public variable"),
    Case("env-fal-api-secret", ".env.staging", "FAL_API_KEY_ID={uuid}\nFAL_API_SECRET={hex32}\n", PAIR),
    Case("shell-export", "scripts/run.sh", '#!/bin/sh\nexport FAL_KEY="{uuid}:{hex32}"\npython app.py\n', ID_SECRET),
    Case("fish-set", "config.fish", 'set -gx FAL_KEY "fal_{token}"\n', FAL_KEY, shape="fish shell config"),
    Case(
        "streamlit-secrets",
        ".streamlit/secrets.toml",
        'FAL_KEY = "{uuid}:{hex32}"\n',
        ID_SECRET,
        shape="streamlit's secrets.toml",
    ),
    Case("wrangler-vars", "wrangler.toml", 'name = "app"\n\n[vars]\nFAL_KEY = "{uuid}:{hex32}"\n', ID_SECRET),
    Case("shell-default-expansion", "bin/gen.sh", 'FAL_KEY="${FAL_KEY:-{uuid}:{hex32}}"\n', ID_SECRET),
    Case("envrc", ".envrc", "export FAL_KEY=fal_{token}\n", FAL_KEY, shape="direnv"),
    Case("powershell", "scripts/setup.ps1", '$env:FAL_KEY = "{uuid}:{hex32}"\n', ID_SECRET),
    Case("windows-batch", "run.bat", "set FAL_KEY={uuid}:{hex32}\r\npython app.py\r\n", ID_SECRET),
    Case(
        "shell-export-pair-one-line",
        "notes/deploy.sh",
        'export FAL_KEY_ID="{uuid}" FAL_KEY_SECRET="{hex32}"\n',
        PAIR,
        shape="fal-serverless era setup notes",
    ),
    Case(
        "vscode-launch-env",
        ".vscode/launch.json",
        '{"configurations": [{"name": "api", "type": "python", "env": {"FAL_KEY": "{uuid}:{hex32}"}}]}\n',
        ID_SECRET,
    ),
    Case(
        "shell-backslash-continuation",
        "deploy.sh",
        'export FAL_KEY="{uuid}:\\\n{hex32}"\n',
        ID_SECRET,
        shape="shell: a double-quoted value continued with a backslash",
    ),
    Case(
        "env-base64-fal-name",
        ".env.prod",
        "FAL_KEY_B64={b64key}\n",
        ID_SECRET,
        shape="a base64 value under a fal name",
    ),
)

# --- CI, containers, infrastructure ---------------------------------------------------------

INFRA = (
    Case(
        "gha-env-literal",
        ".github/workflows/generate.yml",
        "on: push\njobs:\n  gen:\n    runs-on: ubuntu-latest\n    env:\n      FAL_KEY: {uuid}:{hex32}\n"
        "    steps:\n      - run: python gen.py\n",
        ID_SECRET,
        shape="github actions: the key written into env:",
    ),
    Case(
        "gha-secret-half",
        ".github/workflows/e2e.yml",
        "env:\n  FAL_KEY_ID: {uuid}\n  FAL_KEY_SECRET: {hex32}\n",
        PAIR,
    ),
    Case("gitlab-ci", ".gitlab-ci.yml", 'variables:\n  FAL_KEY: "fal_{token}"\n', FAL_KEY),
    Case(
        "dockerfile-env",
        "Dockerfile",
        "FROM python:3.12-slim\nENV FAL_KEY={uuid}:{hex32}\nCMD python app.py\n",
        ID_SECRET,
        shape="dockerfile: ENV NAME=value",
    ),
    Case(
        "dockerfile-env-space",
        "docker/Dockerfile",
        "FROM node:20\nENV FAL_KEY {token}\n",
        ASSIGNMENT,
        severity="high",
        shape="dockerfile: ENV NAME value, a key of unknown shape",
    ),
    Case(
        "compose-list",
        "docker-compose.yml",
        "services:\n  api:\n    image: app\n    environment:\n      - FAL_KEY={uuid}:{hex32}\n",
        ID_SECRET,
    ),
    Case(
        "compose-map-pair",
        "compose.yaml",
        "services:\n  api:\n    environment:\n      FAL_KEY_ID: {uuid}\n      FAL_KEY_SECRET: {hex32}\n",
        PAIR,
    ),
    Case(
        "k8s-secret-stringdata",
        "k8s/fal-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: fal\ntype: Opaque\nstringData:\n"
        '  FAL_KEY: "{uuid}:{hex32}"\n',
        ID_SECRET,
    ),
    Case(
        "k8s-secret-data-base64",
        "k8s/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: fal\ndata:\n  FAL_KEY: {b64key}\n",
        ID_SECRET,
        shape="kubernetes Secret: data: is base64",
    ),
    Case(
        "k8s-secret-generic-token-base64",
        "deploy/secrets.yaml",
        "kind: Secret\ndata:\n  API_TOKEN: {b64key}\n",
        ID_SECRET,
        known_missing=HISTORY_BASE64,
        shape="a base64 value under a name that does not say fal",
    ),
    Case(
        "helm-values",
        "chart/values.yaml",
        'replicaCount: 1\nfal:\n  apiKey: "{uuid}:{hex32}"\n',
        ID_SECRET,
        shape="helm values",
    ),
    Case("helm-values-token", "charts/gen/values.yaml", "falKey: {token}\n", ASSIGNMENT, severity="high"),
    Case(
        "terraform-default",
        "infra/variables.tf",
        'variable "fal_key" {\n  type      = string\n  sensitive = true\n  default   = "{uuid}:{hex32}"\n}\n',
        ID_SECRET,
        shape="terraform: a sensitive variable's default",
    ),
    Case("tfvars", "infra/prod.tfvars", 'fal_api_key = "fal_{token}"\n', FAL_KEY, shape="terraform tfvars"),
    Case(
        "yaml-flow-map",
        "deploy/app.yaml",
        'env: {FAL_KEY: "{uuid}:{hex32}", LOG_LEVEL: info}\n',
        ID_SECRET,
    ),
    Case(
        "yaml-quoted-continuation",
        "ops/values.yaml",
        'secrets:\n  falKey: "{uuid}:\\\n    {hex32}"\n',
        ID_SECRET,
        shape="yaml: a double-quoted scalar continued with an escaped line break",
    ),
    Case(
        "json-config",
        "config/default.json",
        '{"port": 3000, "falKey": "{uuid}:{hex32}"}\n',
        ID_SECRET,
    ),
    Case(
        "url-query",
        "docs/debug.txt",
        "GET https://example.com/run?fal_key={uuid}%3A{hex32}&prompt=cat\n",
        ID_SECRET,
        shape="a key pasted into a query string",
    ),
)

# --- documentation --------------------------------------------------------------------------

DOCS = (
    Case(
        "readme-curl",
        "README.md",
        '# Demo\n\n```sh\ncurl -H "Authorization: Key {uuid}:{hex32}" https://fal.run/fal-ai/flux/dev\n```\n',
        ID_SECRET,
        shape="readme: a curl example with a real key",
    ),
    Case(
        "markdown-table",
        "docs/ENV.md",
        "| variable | value |\n|---|---|\n| FAL_KEY | `{uuid}:{hex32}` |\n",
        ID_SECRET,
    ),
    Case(
        "plan-bullet",
        "docs/PLAN.md",
        "### Infrastructure\n- **fal admin key**: `{uuid}:{hex32}`\n",
        ID_SECRET,
        shape="setup notes: a key in a bullet, no variable name",
    ),
    Case(
        "setup-notes-prose",
        "SETUP.md",
        "Use this fal key for now: {uuid}:{hex32} (rotate later)\n",
        ID_SECRET,
        shape="diagnostics notes pasted with a key",
    ),
)

# --- containers -----------------------------------------------------------------------------

CONTAINED = (
    Case(
        "zip-env",
        "backup.zip",
        "FAL_KEY={uuid}:{hex32}\n",
        ID_SECRET,
        container="zip",
        member="project/.env",
    ),
    Case(
        "tar-settings",
        "release.tar",
        'FAL_KEY = "{uuid}:{hex32}"\n',
        ID_SECRET,
        container="tar",
        member="app/settings.py",
    ),
    Case(
        "tgz-env",
        "site.tar.gz",
        "FAL_KEY={uuid}:{hex32}\n",
        ID_SECRET,
        container="tgz",
        member="site/.env.production",
    ),
    Case(
        "gz-env",
        "env.gz",
        "FAL_KEY={uuid}:{hex32}\n",
        ID_SECRET,
        container="gz",
    ),
    Case(
        "wrangler-sqlite",
        ".wrangler/state/v3/d1/db.sqlite",
        "FAL_KEY={uuid}:{hex32}",
        ID_SECRET,
        container="sqlite",
        shape="wrangler's local state database, committed",
    ),
)

# --- decoys: nothing high or critical -------------------------------------------------------

DECOYS = (
    Case("decoy-env-example", ".env.example", 'FAL_KEY="FAL_KEY_ID:FAL_KEY_SECRET"\n', shape="fal-js's template"),
    Case("decoy-env-your-key", ".env", "FAL_KEY=your-fal-key\n", shape="a committed .env with a placeholder"),
    Case("decoy-env-xxx", "api/.env", "FAL_KEY=xxx\nPORT=3000\n"),
    Case("decoy-env-angle", "docs/.env.sample", "FAL_KEY=<FAL_KEY>\n"),
    Case("decoy-env-nothing-secret", "tests/apps/.env", "FOO=env\n", shape="flask's test fixture"),
    Case("decoy-env-fal-dots", ".env.development", "FAL_KEY=fal_...\n"),
    Case("decoy-env-fal-xxx", "web/.env.local", "FAL_KEY=fal_xxxxxxxxxxxxxxxxxxxxxxxx\n"),
    Case(
        "decoy-env-masked-uuid",
        "svc/.env",
        "FAL_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    ),
    Case("decoy-env-zero-key", ".env.test", "FAL_KEY={zero_uuid}:{zero_hex32}\n", shape="an all-zero test key"),
    Case("decoy-env-sequential-key", "e2e/.env", "FAL_KEY={seq_uuid}:{seq_hex32}\n", shape="a sequential test key"),
    Case("decoy-env-key-id-only", "ops/.env", "FAL_KEY_ID={uuid}\n", shape="the key id alone is not secret"),
    Case("decoy-py-zero-key", "tests/test_client.py", 'FAKE_KEY = "{zero_uuid}:{zero_hex32}"\n'),
    Case("decoy-py-environ-read", "app/main.py", 'import os\nimport fal_client\nkey = os.environ["FAL_KEY"]\n'),
    Case("decoy-py-getenv", "app/util.py", 'FAL_KEY = os.getenv("FAL_KEY") or os.getenv("FAL_API_KEY")\n'),
    Case(
        "decoy-py-identifiers",
        "fal/auth.py",
        "import fal_client\nfal_key_id = settings.fal_key_id\nfal_key_secret = settings.fal_key_secret\n"
        "fal_jwt_token = fal_jwt_token_from_environment()\n",
    ),
    Case("decoy-py-test-key", "tests/conftest.py", 'FAL_KEY = "fal_test_key"\n'),
    Case("decoy-request-id", "logs/run.py", 'import fal_client\nrequest_id = "{uuid}"\n', shape="a request id"),
    Case("decoy-request-id-header", "docs/response.txt", "x-fal-request-id: {uuid}\n"),
    Case("decoy-webhook-secret", "hooks.py", 'import fal_client\nWEBHOOK_SECRET = "{hex32}"\n'),
    Case("decoy-other-key-secret", "payments.ts", 'stripe.config({ keySecret: "{hex32}" })\n'),
    Case(
        "decoy-lockfile-uuid",
        "package-lock.json",
        '{"name": "app", "lockfileVersion": 3, "packages": {"node_modules/uuid": '
        '{"version": "9.0.1", "resolved": "https://registry.npmjs.org/uuid/-/uuid-9.0.1.tgz", '
        '"id": "{uuid}", "integrity": "sha512-{hex32}"}}}\n',
        shape="ids and digests in a lock file",
    ),
    Case("decoy-hex-digest", "checksums.txt", 'md5 {hex32}  fal-0.1.0.tar.gz\netag: "{hex32}"\n'),
    Case("decoy-uuid-then-hex", "data/rows.csv", "id,hash\n{uuid},{hex32}\n", shape="a UUID column beside a digest"),
    Case(
        "decoy-gha-secret-ref",
        ".github/workflows/ci.yml",
        "jobs:\n  test:\n    env:\n      FAL_KEY: ${{ secrets.FAL_KEY }}\n    steps:\n"
        "      - run: echo FAL_KEY=${{ secrets.FAL_KEY }} >> $GITHUB_ENV\n",
    ),
    Case(
        "decoy-compose-interpolated",
        "docker-compose.yaml",
        "services:\n  a:\n    environment:\n      - FAL_KEY=${FAL_KEY}\n",
    ),
    Case(
        "decoy-k8s-secret-ref",
        "k8s/deployment.yaml",
        "env:\n  - name: FAL_KEY\n    valueFrom:\n      secretKeyRef:\n        name: fal\n        key: FAL_KEY\n",
    ),
    Case(
        "decoy-terraform-no-default",
        "tf/vars.tf",
        'variable "fal_key" {\n  type      = string\n  sensitive = true\n}\n',
    ),
    Case("decoy-helm-empty", "chart/values.yaml", 'fal:\n  apiKey: ""\n  existingSecret: fal-credentials\n'),
    Case("decoy-js-process-env", "src/fal.ts", "fal.config({ credentials: process.env.FAL_KEY });\n"),
    Case(
        "decoy-proxy-route",
        "app/api/fal/proxy/route.ts",
        'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs";\n'
        "export const { GET, POST, PUT } = createRouteHandler({\n"
        '  allowedEndpoints: ["fal-ai/flux/dev"],\n  allowUnauthorizedRequests: false,\n'
        "  isAuthenticated: async () => Boolean(await auth()),\n});\n",
        shape="a proxy route holds no key; this one is no faucet either (an open one is fal-proxy-open)",
    ),
    Case(
        "decoy-server-fallback-read",
        "libs/proxy/src/handler.ts",
        "const FAL_KEY = process.env.{FAL}_KEY || process.env.NEXT_PUBLIC_{FAL}_KEY;\n"
        "const FAL_KEY_SECRET =\n  process.env.{FAL}_KEY_SECRET || process.env.NEXT_PUBLIC_{FAL}_KEY_SECRET;\n",
        shape="a server-side proxy that accepts the old public names as a fallback (fal-js before 2024-01)",
    ),
    Case(
        "decoy-user-key-playground",
        "app/playground.tsx",
        'const key = localStorage.getItem("falKey");\nheaders["x-fal-user-key"] = key;\n',
        shape="a visitor's own key, in their browser",
    ),
    Case("decoy-readme-placeholder", "docs/setup.md", '```sh\nexport FAL_KEY="your-api-key-here"\n```\n'),
    Case("decoy-readme-cli-output", "docs/keys.md", "`fal keys create` prints `FAL_KEY='<key_id>:<key_secret>'`.\n"),
    Case(
        "decoy-k8s-base64-placeholder", "k8s/example-secret.yaml", "kind: Secret\ndata:\n  FAL_KEY: eW91ci1mYWwta2V5\n"
    ),
    Case(
        "decoy-notebook-image-output",
        "viz.ipynb",
        '{"cells": [{"cell_type": "code", "metadata": {}, "source": ["import fal_client"], "outputs": '
        '[{"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo{token}{token}"}}]}], '
        '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
    ),
    Case(
        "decoy-cloudflare-env",
        "worker/index.ts",
        'import { env } from "cloudflare:workers";\nconst fal = createFalClient({ credentials: env.FAL_KEY });\n',
    ),
    Case("decoy-deno-env", "main.ts", 'const key = Deno.env.get("FAL_KEY") ?? "";\n'),
    Case("decoy-rust-env", "src/main.rs", 'let key = std::env::var("FAL_KEY").expect("FAL_KEY");\n'),
    Case(
        "decoy-provider-env-name",
        "packages/fal/src/provider.ts",
        "const apiKey = loadApiKey({ apiKey: options.apiKey, environmentVariableName: 'FAL_API_KEY' });\n",
    ),
    Case("decoy-monkeypatch", "tests/test_gen.py", 'monkeypatch.setenv("FAL_KEY", "test-key")\n'),
    Case("decoy-pydantic-field", "app/config.py", 'FAL_KEY: str = Field(default="", env="FAL_KEY")\n'),
    Case("decoy-doctor-key-id", "docs/doctor.txt", "fal doctor\nKey ID: {uuid}\nScope: API\n"),
    Case(
        "decoy-serverless-placeholders",
        "README.md",
        'export FAL_KEY_ID="your-key-id" FAL_KEY_SECRET="your-key-secret"\n',
        shape="fal-serverless era setup notes",
    ),
    Case("decoy-sentry-dsn", ".env.ci", "SENTRY_DSN=https://{hex32}@o1.ingest.sentry.io/1\nFAL_KEY=\n"),
    Case(
        "decoy-fake-key-generator",
        "tests/keys.py",
        'FAL_KEY = f"{uuid.uuid4()}:{secrets.token_hex(16)}"\n',
    ),
    Case(
        "decoy-env-other-secret",
        "services/api/.env",
        "OPENAI_API_KEY=sk-{token}\nFAL_KEY=\n",
        shape="a committed .env with another service's secret: medium, not a fal key",
    ),
    Case(
        "decoy-requirements-hashes",
        "requirements.txt",
        "fal-client==0.5.6 \\\n    --hash=sha256:{hex32}{hex32}\n",
    ),
    Case(
        "decoy-lfs-pointer",
        "weights/fal_lora.safetensors",
        "version https://git-lfs.github.com/spec/v1\noid sha256:{hex32}{hex32}\nsize 1024\n",
    ),
    Case("decoy-model-id", "models.py", 'import fal_client\nMODEL = "fal_ai_sdxl_1690489104504"\n'),
)

CASES: tuple[Case, ...] = (*PYTHON, *CODE, *ENV, *INFRA, *DOCS, *CONTAINED, *DECOYS)
