"""The verification stage (``--verify``): ask fal whether each leaked credential still works.

Each distinct credential is checked once per run, with one GET any valid key may make; a
live key gets one more GET, admin-scoped, to tell an ADMIN key (it can mint keys and deploy
apps) from an API key. A live key becomes critical; a rejected one stays listed (the leak
happened, history may still want a purge) at low severity; a check that cannot finish says
why and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from falguard.detection.facts import Finding, Verification
from falguard.models import Secret, Severity
from falguard.platform.falapi import FalApi, FalApiError, Forbidden, Rejected, Unavailable
from falguard.rules import is_key_id_secret

#: A hostile repository full of keys must not turn one scan into a flood of requests.
MAX_KEYS = 500

REJECTED_NOTE = "fal rejects this key"
SCOPE_REASONS = {
    "ADMIN": "ADMIN scope: it can create and revoke keys and deploy apps, the worst case",
    "API": "API scope: it can call models on your account's credit",
}
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def credential_for(finding: Finding) -> Secret | Verification | None:
    """What to send for a finding: the credential, or why it cannot be checked (a ready
    ``unknown``), or None for a finding about no secret (an env file, a variable name)."""
    secret = finding.secret
    if not secret.sensitive:
        return None
    value = secret.reveal()
    if is_key_id_secret(value) or value.startswith("fal_"):
        return Secret(value, secret.key_id)
    if _HEX32.fullmatch(value):  # the secret half of a split pair: fal needs it joined to its id
        if secret.key_id:
            return Secret(f"{secret.key_id}:{value}", secret.key_id)
        return Verification("unknown", reason="the secret half of a split pair whose key id is not in the file")
    return Secret(value, secret.key_id)  # an unknown shape assigned to a fal name: fal decides


def check_key(api: FalApi, key: Secret) -> Verification:
    """One credential: the pricing probe, then (live keys only) the scope probe."""
    try:
        api.check(key)
    except Rejected:
        return Verification("rejected", reason=REJECTED_NOTE)
    except Forbidden:
        pass  # fal knows the key; its scope does not reach the pricing call
    except Unavailable as error:
        return Verification("unknown", reason=str(error))
    try:
        scope = api.scope(key)
    except FalApiError as error:
        return Verification("live", reason=f"fal accepts this key; its scope is unknown ({error})")
    return Verification("live", scope, SCOPE_REASONS[scope])


def check_keys(api: FalApi, keys: Iterable[Secret]) -> dict[Secret, Verification]:
    """Every distinct key once, ``api.limits.concurrency`` at a time."""
    distinct = list(dict.fromkeys(keys))
    checked, skipped = distinct[:MAX_KEYS], distinct[MAX_KEYS:]
    results: dict[Secret, Verification] = {}
    with ThreadPoolExecutor(max_workers=max(1, api.limits.concurrency), thread_name_prefix="falguard-verify") as pool:
        try:
            for key, verification in zip(checked, pool.map(lambda key: check_key(api, key), checked), strict=True):
                results[key] = verification
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    reason = f"not checked: falguard checks at most {MAX_KEYS} distinct keys per run"
    results.update((key, Verification("unknown", reason=reason)) for key in skipped)
    return results


def verified(finding: Finding, verification: Verification) -> Finding:
    """The finding as verification leaves it: live is critical, rejected is low."""
    if verification.status == "live":
        return replace(finding, severity=Severity.CRITICAL, verification=verification)
    if verification.status == "rejected":
        message = finding.message if REJECTED_NOTE in finding.message else f"{finding.message}; {REJECTED_NOTE}"
        return replace(finding, severity=Severity.LOW, message=message, verification=verification)
    return replace(finding, verification=verification)


def verify_findings(findings: list[Finding], api: FalApi) -> list[Finding]:
    """The findings, each key finding with its ``verification`` set; order is kept."""
    wanted = [credential_for(finding) for finding in findings]
    return _apply(findings, wanted, check_keys(api, _keys(wanted)))


def _keys(wanted: Iterable[Secret | Verification | None]) -> list[Secret]:
    return list(dict.fromkeys(item for item in wanted if isinstance(item, Secret)))


def _apply(
    findings: list[Finding], wanted: list[Secret | Verification | None], results: dict[Secret, Verification]
) -> list[Finding]:
    return [
        finding if item is None else verified(finding, results[item] if isinstance(item, Secret) else item)
        for finding, item in zip(findings, wanted, strict=True)
    ]


class Verifier:
    """The pipeline's verification stage for one run: each distinct key is asked about once,
    however many scans the run makes (an audit makes two), and ``notify`` says before any
    key is sent where it goes."""

    def __init__(self, url: str, notify: Callable[[str], None] = lambda line: None) -> None:
        self.url, self.notify = url, notify
        self.results: dict[Secret, Verification] = {}

    def __call__(self, findings: list[Finding]) -> list[Finding]:
        wanted = [credential_for(finding) for finding in findings]
        new = [key for key in _keys(wanted) if key not in self.results]
        if new:
            self.notify(
                f"falguard: --verify: asking {self.url} about {len(new)} distinct key{'s' if len(new) != 1 else ''}"
            )
            with FalApi(self.url) as api:
                self.results.update(check_keys(api, new))
        return _apply(findings, wanted, self.results)
