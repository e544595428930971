"""--verify: live, rejected and unknown told apart against a local stand-in for fal's API."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from falguard.config import KEYS
from falguard.errors import InputError
from falguard.models import Secret
from falguard.platform.falapi import DEFAULT_URL, FalApi, Limits, api_url
from falguard.platform.verify import check_key
from tests.falapi_standin import StandIn
from tests.helpers import Run, commit_all, git, ignoring_env, write
from tests.keys import fake_hex32, fake_token, fake_uuid


def client(standin: StandIn, timeout: float = 5.0) -> FalApi:
    return FalApi(standin.url, Limits(timeout=timeout))


def every_secret(standin: StandIn) -> list[str]:
    return [key.credential for key in standin.keys.values()]


# --- the client ----------------------------------------------------------------------------


def test_live_rejected_and_unknown_are_told_apart(standin: StandIn) -> None:
    admin, api = standin.add_key("ADMIN"), standin.add_key("API")
    broken = standin.add_key("API")
    standin.failing[broken.credential] = 500
    with client(standin) as fal:
        assert check_key(fal, Secret(admin.credential)).status == "live"
        assert check_key(fal, Secret(api.credential)).status == "live"
        rejected = check_key(fal, Secret(standin.unknown_key()))
        unknown = check_key(fal, Secret(broken.credential))
    assert (rejected.status, rejected.reason) == ("rejected", "fal rejects this key")
    assert unknown.status == "unknown" and "HTTP 500" in unknown.reason


def test_admin_scope_is_told_from_api_scope(standin: StandIn) -> None:
    admin, api = standin.add_key("ADMIN"), standin.add_key("API")
    with client(standin) as fal:
        admin_verdict = check_key(fal, Secret(admin.credential))
        api_verdict = check_key(fal, Secret(api.credential))
    assert admin_verdict.scope == "ADMIN" and "create and revoke keys and deploy apps" in admin_verdict.reason
    assert api_verdict.scope == "API"
    # one pricing probe and one admin-scoped probe each, both GET, the key only in the header
    assert [(r.method, r.path) for r in standin.requests] == [("GET", "/v1/models/pricing"), ("GET", "/v1/keys")] * 2
    assert standin.requests[0].query == {"endpoint_id": ["fal-ai/flux/dev"]}
    assert standin.requests[1].query == {"limit": ["1"]}


def test_a_rejected_key_gets_no_scope_probe(standin: StandIn) -> None:
    with client(standin) as fal:
        check_key(fal, Secret(standin.unknown_key()))
    assert [r.path for r in standin.requests] == ["/v1/models/pricing"]


def test_a_429_is_retried_after_retry_after(standin: StandIn) -> None:
    key = standin.add_key("API")
    standin.throttle, standin.retry_after = 1, "1"
    with client(standin) as fal:
        verdict = check_key(fal, Secret(key.credential))
    assert verdict.status == "live"
    assert [r.path for r in standin.requests] == ["/v1/models/pricing", "/v1/models/pricing", "/v1/keys"]


def test_a_503_is_retried(standin: StandIn) -> None:
    key = standin.add_key("API")
    with client(standin) as fal:
        standin.failures["GET"] = 503
        first = check_key(fal, Secret(key.credential))
        standin.failures.clear()
    assert first.status == "unknown" and "HTTP 503" in first.reason
    assert len(standin.sent("GET", "/v1/models/pricing")) == 3  # the first try and two retries


def test_a_retry_after_beyond_the_timeout_is_unknown(standin: StandIn) -> None:
    key = standin.add_key("API")
    standin.throttle, standin.retry_after = 5, "30"
    with client(standin, timeout=2) as fal:
        verdict = check_key(fal, Secret(key.credential))
    assert verdict.status == "unknown"
    assert verdict.reason.startswith("rate limited by fal (HTTP 429")
    assert len(standin.requests) == 1  # it did not wait 30 s to try again


def test_a_hanging_endpoint_ends_as_unknown_within_the_timeout(standin: StandIn) -> None:
    key = standin.add_key("API")
    standin.hang_all = True  # the stand-in holds every request for 60 s
    with client(standin, timeout=1) as fal:
        verdict = check_key(fal, Secret(key.credential))
    assert verdict.status == "unknown"
    assert verdict.reason == "timeout: no answer within 1 s"


def test_a_redirect_is_not_followed(standin: StandIn) -> None:
    key = standin.add_key("API")
    with StandIn() as elsewhere:
        standin.redirect_to = elsewhere.url + "/models/pricing"
        with client(standin) as fal:
            verdict = check_key(fal, Secret(key.credential))
        assert elsewhere.requests == []
    assert verdict.status == "unknown" and "redirect (HTTP 302), not followed" in verdict.reason


def test_a_closed_port_is_a_network_error() -> None:
    with StandIn() as gone:
        url = gone.url
    with FalApi(url, Limits(timeout=2)) as fal:
        verdict = check_key(fal, Secret(fake_uuid(random.Random(1)) + ":" + fake_hex32(random.Random(2))))
    assert verdict.status == "unknown" and verdict.reason.startswith("network error")


def test_list_keys_reads_every_page(standin: StandIn) -> None:
    admin = standin.add_key("ADMIN")
    for _ in range(4):
        standin.add_key("API")
    with client(standin) as fal:
        listed = fal.list_keys(Secret(admin.credential))
    assert [key.key_id for key in listed] == [key.key_id for key in standin.keys.values()]
    assert listed[0].creator == "alice <alice@example.com>"
    assert len(standin.sent("GET", "/v1/keys")) == 3  # five keys, two a page
    assert all(r.query["expand"] == ["creator_info"] for r in standin.requests)


# --- the endpoint comes from the command line or the environment only ------------------------


def test_api_url_defaults_to_fal_and_accepts_loopback_http() -> None:
    assert api_url(None, {}) == DEFAULT_URL
    assert api_url(None, {"FALGUARD_FAL_API_URL": "http://127.0.0.1:9/v1/"}) == "http://127.0.0.1:9/v1"
    assert api_url("http://[::1]:9/v1", {}) == "http://[::1]:9/v1"
    assert api_url("http://localhost:9", {"FALGUARD_FAL_API_URL": "ignored"}) == "http://localhost:9"


@pytest.mark.parametrize(
    "url",
    ["http://api.fal.ai/v1", "http://10.0.0.1/v1", "ftp://127.0.0.1/", "https://user:pw@api.fal.ai/v1", "not a url"],
)
def test_api_url_refuses_unsafe_urls(url: str) -> None:
    with pytest.raises(InputError):
        api_url(url, {})


def test_plain_http_to_another_host_is_refused_in_one_line(repo: Path, falguard: Any, standin: StandIn) -> None:
    write(repo, "app.py", f'FAL_KEY = "{standin.add_key().credential}"\n')
    result = falguard("scan", "--verify", "--fal-api-url", "http://example.com/v1", cwd=repo)
    assert result.code == 2 and result.out == ""
    assert result.err == (
        "falguard: error: --fal-api-url: refusing plain http to example.com: keys would travel unencrypted "
        "(http is allowed only to 127.0.0.1, ::1 and localhost)\n"
    )
    assert standin.requests == []


def test_the_environment_variable_is_checked_too(
    repo: Path, falguard: Any, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FALGUARD_FAL_API_URL", "http://192.0.2.1/v1")
    result = falguard("audit", "--verify", str(repo), cwd=repo)
    assert result.code == 2 and "FALGUARD_FAL_API_URL: refusing plain http to 192.0.2.1" in result.err


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".falguard.toml", 'fal-api-url = "{url}"\n'),
        (".falguard.toml", 'verify-url = "{url}"\n'),
        (".falguard.toml", '[verify]\nurl = "{url}"\n'),
        ("pyproject.toml", '[tool.falguard]\nfal-api-url = "{url}"\n'),
        ("pyproject.toml", '[tool.falguard]\nFALGUARD_FAL_API_URL = "{url}"\n'),
    ],
)
def test_a_hostile_repository_config_cannot_set_the_endpoint(
    repo: Path, falguard: Any, standin: StandIn, name: str, text: str
) -> None:
    key = standin.add_key("ADMIN")
    write(repo, "app.py", f'FAL_KEY = "{key.credential}"\n')
    with StandIn() as attacker:
        write(repo, name, text.format(url=attacker.url))
        result = falguard("scan", "--verify", "--format", "json", cwd=repo)
        assert attacker.requests == []
    assert result.code == 2 and "unknown key" in result.err and result.err.count("\n") == 1
    assert standin.requests == []


def test_no_configuration_key_can_name_an_endpoint() -> None:
    assert not [key for key in KEYS if any(word in key for word in ("url", "endpoint", "host", "api", "verify"))]


# --- the verification stage in the scans ---------------------------------------------------------


def leaky_repo(repo: Path, standin: StandIn) -> dict[str, str]:
    """A repository with a live ADMIN key, a live API key (twice), a dead key and a split pair."""
    rng = random.Random(5)
    admin, api = standin.add_key("ADMIN"), standin.add_key("API")
    pair = standin.add_key("API")
    pair_id, pair_secret = pair.credential.split(":")
    dead = standin.unknown_key()
    ignoring_env(repo)
    write(repo, "ops.py", f'FAL_KEY = "{admin.credential}"\n')
    write(repo, "app.py", f'FAL_KEY = "{api.credential}"\nBACKUP_FAL_KEY = "{api.credential}"\n')
    write(repo, "old.py", f'FAL_KEY = "{dead}"\n')
    write(repo, "pair.js", f"const FAL_KEY_ID = '{pair_id}';\nconst FAL_KEY_SECRET = '{pair_secret}';\n")
    write(repo, "lonely.js", f"const FAL_KEY_SECRET = '{fake_hex32(rng)}';\n")
    return {"admin": admin.credential, "api": api.credential, "pair": pair.credential, "dead": dead}


def by_path(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {finding["path"]: finding for finding in document["findings"] if "verification" in finding}


def test_scan_verify_sets_status_scope_and_severity(repo: Path, falguard: Any, standin: StandIn) -> None:
    keys = leaky_repo(repo, standin)
    result = falguard("scan", "--verify", "--format", "json", cwd=repo)
    found = by_path(result.json)
    assert found["ops.py"]["verification"]["status"] == "live"
    assert found["ops.py"]["verification"]["scope"] == "ADMIN" and found["ops.py"]["severity"] == "critical"
    assert found["app.py"]["verification"]["scope"] == "API"
    assert found["old.py"]["verification"] == {"status": "rejected", "scope": None, "reason": "fal rejects this key"}
    assert found["old.py"]["severity"] == "low" and found["old.py"]["message"].endswith("; fal rejects this key")
    assert found["pair.js"]["verification"]["status"] == "live"  # the split pair, joined as id:secret
    assert found["lonely.js"]["verification"]["status"] == "unknown"
    assert "split pair whose key id is not in the file" in found["lonely.js"]["verification"]["reason"]
    assert result.json["summary"]["verification"] == {
        "keys": 5, "live": 3, "rejected": 1, "unknown": 1, "live_admin": 1,
    }  # fmt: skip
    # each distinct credential once: 4 pricing probes, 3 scope probes (live keys only)
    assert len(standin.sent("GET", "/v1/models/pricing")) == 4
    assert len(standin.sent("GET", "/v1/keys")) == 3
    assert sorted(r.authorization for r in standin.sent(path="/v1/models/pricing")) == sorted(
        f"Key {value}" for value in keys.values()
    )
    assert result.code == 1


def test_only_get_is_sent_and_keys_only_in_the_authorization_header(
    repo: Path, falguard: Any, standin: StandIn
) -> None:
    leaky_repo(repo, standin)
    falguard("scan", "--verify", cwd=repo)
    assert standin.requests and {r.method for r in standin.requests} == {"GET"}
    for request in standin.requests:
        elsewhere = request.target + json.dumps(request.headers) + request.body.decode()
        assert not any(secret in elsewhere or secret.split(":")[-1] in elsewhere for secret in every_secret(standin))


def test_a_token_and_an_unknown_shape_are_sent_as_they_are(repo: Path, falguard: Any, standin: StandIn) -> None:
    token = standin.add_key("API", token=True)
    other = standin.add_key("API", credential=fake_token(random.Random(9), 48))
    ignoring_env(repo)
    write(repo, "a.py", f'client = make("{token.credential}")\nfal_key = "{other.credential}"\n')
    result = falguard("scan", "--verify", "--format", "json", cwd=repo)
    assert [f["verification"]["status"] for f in result.json["findings"]] == ["live", "live"]


def test_text_sarif_and_github_show_the_verdict(repo: Path, falguard: Any, standin: StandIn) -> None:
    leaky_repo(repo, standin)
    text = falguard("scan", "--verify", cwd=repo)
    assert "  verified: LIVE (ADMIN scope: it can create and revoke keys and deploy apps, the worst case)" in text.out
    assert "  verified: REJECTED (fal rejects this key)" in text.out
    assert "falguard: verified 5 keys with fal: 3 live (1 with ADMIN scope), 1 rejected, 1 unknown" in text.out
    sarif = json.loads(falguard("scan", "--verify", "--format", "sarif", cwd=repo).out)
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in sarif["runs"][0]["results"]}
    assert results["ops.py"]["properties"]["verification"]["scope"] == "ADMIN"
    assert (
        results["old.py"]["level"] == "note" and "Verified with fal: REJECTED" in results["old.py"]["message"]["text"]
    )
    github = falguard("scan", "--verify", "--format", "github", cwd=repo).out
    assert "verified with fal: LIVE (API scope" in github
    for output in (text.out, text.err, json.dumps(sarif), github):
        assert not any(secret in output for secret in every_secret(standin))


def test_the_audit_puts_live_keys_first(repo: Path, falguard: Any, standin: StandIn) -> None:
    dead = standin.unknown_key()
    live = standin.add_key("API")
    ignoring_env(repo)
    write(repo, "old.py", f'FAL_KEY = "{dead}"\n')
    commit_all(repo)
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # the dead key was pushed: most urgent
    write(repo, "new.py", f'FAL_KEY = "{live.credential}"\n')  # the live one is in the working tree only
    plain = falguard("audit", "--format", "json", cwd=repo).json["audit"]["stories"]
    assert [story["key_id"] for story in plain] == [dead.split(":")[0], live.key_id]
    assert "verification" not in plain[0]
    verified = falguard("audit", "--verify", "--format", "json", cwd=repo).json["audit"]
    assert [story["key_id"] for story in verified["stories"]] == [live.key_id, dead.split(":")[0]]
    assert verified["stories"][0]["verification"]["status"] == "live"
    assert any(line.startswith("Live keys: rotate them first") for line in verified["ticket"])
    text = falguard("audit", "--verify", cwd=repo).out
    assert "   verified: LIVE (API scope" in text and "Verified 2 keys with fal: 1 live, 1 rejected, 0 unknown" in text


def test_suppressed_findings_are_not_sent(repo: Path, falguard: Any, standin: StandIn) -> None:
    key = standin.add_key("API")
    ignoring_env(repo)
    write(repo, "a.py", f'FAL_KEY = "{key.credential}"  # falguard:allow fal-key-id-secret reason="a fixture"\n')
    result = falguard("scan", "--verify", cwd=repo)
    assert result.code == 0 and standin.requests == []


def test_at_most_max_keys_are_checked(
    repo: Path, falguard: Any, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("falguard.platform.verify.MAX_KEYS", 2)
    ignoring_env(repo)
    write(repo, "a.py", "".join(f'FAL_KEY_{n} = "{standin.add_key().credential}"\n' for n in range(3)))
    findings = falguard("scan", "--verify", "--format", "json", cwd=repo).json["findings"]
    assert [f["verification"]["status"] for f in findings] == ["live", "live", "unknown"]
    assert "at most 2 distinct keys" in findings[2]["verification"]["reason"]


# --- nothing is sent, and nothing is loaded, without --verify ----------------------------------


def test_nothing_is_sent_without_verify(repo: Path, falguard: Any, standin: StandIn) -> None:
    leaky_repo(repo, standin)
    commit_all(repo)
    write(repo, "staged.py", f'FAL_KEY = "{standin.add_key().credential}"\n')
    git(repo, "add", "staged.py")
    runs: list[Run] = [
        falguard("scan", cwd=repo),
        falguard("scan", "--format", "json", "--fal-api-url", standin.url, cwd=repo),
        falguard("scan", "--staged", cwd=repo),
        falguard("scan", "--history", cwd=repo),
        falguard("audit", cwd=repo),
        falguard("hook", "pre-commit", cwd=repo),
    ]
    assert [run.code for run in runs] == [1, 1, 1, 1, 1, 1]
    assert standin.requests == []
    assert all("verification" not in finding for finding in runs[1].json["findings"])
    assert "verification" not in runs[1].json["summary"]


def test_a_plain_scan_does_not_import_urllib3(repo: Path, standin: StandIn) -> None:
    write(repo, "app.py", f'FAL_KEY = "{standin.add_key().credential}"\n')
    probe = (
        "import sys\nfrom falguard.cli import main\n"
        "for args in (['scan', '.'], ['scan', '--staged'], ['hook', 'pre-commit'], ['scan', '--help']):\n"
        "    main(args)\n"
        "print('urllib3 loaded' if any(m.split('.')[0] == 'urllib3' for m in sys.modules) else 'urllib3 not loaded',"
        " file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, check=False)
    assert proc.stderr.strip().endswith("urllib3 not loaded")
    assert standin.requests == []
