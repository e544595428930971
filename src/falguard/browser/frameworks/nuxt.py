"""Nuxt: universal rendering puts everything outside server/ (and build-time modules) into the
client bundle, ``runtimeConfig.public`` is sent to every visitor in the page payload, and the
proxy is a Nitro route under server/api/ (``@fal-ai/server-proxy`` has no h3 adapter)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from falguard.browser.finding import CLIENT_CREDENTIALS, make_finding
from falguard.browser.framework import (
    ROTATE_IF_DEPLOYED,
    ConfigFacts,
    Framework,
    Inlining,
    PublicReads,
    Route,
    RouteSite,
    SourceFile,
)
from falguard.browser.js import Entry, object_entries, sources
from falguard.browser.names import is_fal_key_name, is_key_value
from falguard.detection.facts import Finding
from falguard.models import Secret, Severity
from falguard.rules.proxy_routes import BYOK, safe_options

_BUILD_ONLY = ("modules/",)  # Nuxt modules run at build time, in Node
_RUNTIME_CONFIG = re.compile(rb"(?<![\w$.])runtimeConfig\s{0,8}:\s{0,8}\{")
_OPEN_OBJECT = re.compile(rb"\s{0,200}\{")
#: useRuntimeConfig().public.falKey, config.public?.falKey; it starts with a literal
_RUNTIME_PUBLIC_READ = re.compile(rb"public(?<=[.]public)(?:\s{0,4}\??\.\s{0,4})(?P<name>[A-Za-z_$][\w$]{0,127})")
_PAYLOAD = "Nuxt sends it to every visitor in the page payload"


def _route(endpoints: tuple[str, ...] = ()) -> str:
    return (
        "export default defineEventHandler((event) => ...) passing the request to handleRequest from "
        '"@fal-ai/server-proxy" (it has no Nuxt/h3 adapter; wire method, headers and body from the event as its '
        "SvelteKit adapter does) with these options: { " + safe_options(endpoints) + " }, and resolveApiKey "
        "returning useRuntimeConfig(event).falKey."
    )


STEPS = (
    "Move the key out of runtimeConfig.public: declare it as private runtimeConfig.falKey in nuxt.config "
    "(server-only, set by NUXT_FAL_KEY in the server's environment) and drop NUXT_PUBLIC_FAL_KEY, so the page "
    "payload no longer carries it.",
    "Add the proxy route server/api/fal/proxy.ts: a defineEventHandler that passes the request to handleRequest "
    "from @fal-ai/server-proxy (it has no Nuxt/h3 adapter) with the options { " + safe_options() + " }, and "
    "resolveApiKey returning useRuntimeConfig(event).falKey. " + BYOK,
    'Point the client at it: fal.config({ proxyUrl: "/api/fal/proxy" }), with no credentials and no '
    "useRuntimeConfig().public key in components, pages, composables or plugins.",
    "Rebuild and redeploy, so no served payload or bundle (.output/public) still holds the key.",
    ROTATE_IF_DEPLOYED,
)


def nuxt_env_name(key: str, public: bool = True) -> str:
    """The variable that sets a Nuxt runtimeConfig key: ``falKey`` -> ``NUXT_PUBLIC_FAL_KEY``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).upper()
    return ("NUXT_PUBLIC_" if public else "NUXT_") + snake


def browser_context(relative: str, content: bytes) -> str | None:
    return None if relative.startswith(_BUILD_ONLY) else "Nuxt browser code"


@dataclass(frozen=True)
class NuxtPublic:
    """A fal key name under ``runtimeConfig.public`` in a nuxt.config: sent in every page payload."""

    inlining: Inlining
    key: str  # falKey
    severity: Severity
    reads: str | None  # the variable or literal its value comes from


def nuxt_public_keys(source: SourceFile) -> list[NuxtPublic]:
    """``runtimeConfig: { public: { falKey: ... } }`` entries with a fal key name."""
    content = source.content
    found: list[NuxtPublic] = []
    for config in _RUNTIME_CONFIG.finditer(content):
        for section in object_entries(content, config.end() - 1):
            opening = _OPEN_OBJECT.match(content, section.value_start, section.value_end)
            if section.key != "public" or opening is None:
                continue
            for entry in object_entries(content, opening.end() - 1):
                if not is_fal_key_name(entry.key):
                    continue
                found.append(_nuxt_public(source.path, content, entry))
    return found


def _nuxt_public(path: str, content: bytes, entry: Entry) -> NuxtPublic:
    name = nuxt_env_name(entry.key)
    how = f"Nuxt runtimeConfig.public.{entry.key}"
    effect = f"puts it in runtimeConfig.public.{entry.key} (sent to every visitor in the page payload)"
    found = sources(content, entry.value_start, entry.value_end, {})
    literal = next((s for s in found if s.kind == "literal" and is_key_value(s.value)), None)
    if literal is not None:
        inlining = Inlining(path, literal.offset, name, how, literal=literal.value, effect=effect)
        return NuxtPublic(inlining, entry.key, Severity.CRITICAL, "a literal key")
    read = next((s for s in found if s.kind == "env" and is_fal_key_name(s.value)), None)
    if read is not None:
        inlining = Inlining(path, entry.key_start, name, how, source_name=read.value, effect=effect)
        return NuxtPublic(inlining, entry.key, Severity.CRITICAL, read.value)
    return NuxtPublic(Inlining(path, entry.key_start, name, how, effect=effect), entry.key, Severity.HIGH, None)


def nuxt_public_findings(source: SourceFile, items: Sequence[NuxtPublic]) -> list[Finding]:
    found = []
    for item in items:
        inlining = item.inlining
        where = f"runtimeConfig.public.{item.key}"
        if inlining.literal is not None:
            secret = Secret(inlining.literal)
            end = inlining.offset + len(inlining.literal.encode())
            detail = f"a literal key in {where}: {_PAYLOAD}"
        else:
            secret = Secret(inlining.name, sensitive=False)
            end = inlining.offset + len(item.key.encode())
            if item.reads:
                detail = f"{where} holds {item.reads}: {_PAYLOAD}"
            else:
                detail = f"{where} (set by {inlining.name}) is sent to every visitor in the page payload"
        found.append(make_finding(CLIENT_CREDENTIALS, source, inlining.offset, end, item.severity, secret, detail))
    return found


def read_config(source: SourceFile, at_root: bool) -> ConfigFacts:
    keys = nuxt_public_keys(source)
    return ConfigFacts(findings=tuple(nuxt_public_findings(source, keys)), links=tuple(k.inlining for k in keys))


def suggest_route(site: RouteSite) -> Route:
    return Route(
        f"server/api/fal/proxy.{site.ext}",
        _route(site.endpoints),
        server_key="keep the key in private runtimeConfig.falKey (set by NUXT_FAL_KEY on the server)",
    )


FRAMEWORK = Framework(
    name="nuxt",
    label="Nuxt",
    dependencies=("nuxt",),
    config_stems=("nuxt.config.",),
    file_suffixes=(".vue",),
    browser_context=browser_context,
    public_prefixes=("NUXT_PUBLIC_",),
    public_reads=PublicReads(
        pattern=_RUNTIME_PUBLIC_READ,
        env_name=nuxt_env_name,
        used="reads runtimeConfig.public.{key}, which Nuxt sends to every visitor in the page payload",
        read="reads runtimeConfig.public.{key} in {context}: " + _PAYLOAD,
    ),
    read_config=read_config,
    served_dirs=(".output/public/",),
    proxy_route=r"(?:^|/)server/(?:api|routes/api)/fal/proxy(?:\.[cm]?[jt]s|/index\.[jt]s|/\[\.\.\.[^/\]]{1,40}\]\.[jt]s)\Z",
    suggest_route=suggest_route,
    steps=STEPS,
)
