"""Single-page apps: a bundler (Vite, Create React App, Parcel, Vue CLI, Gatsby, Expo) puts
the app's source directories into the bundle and inlines its public variables; the proxy is
an Express server beside the app (the default route).

A project that uses a framework above in the registry (SvelteKit, Nuxt and Astro use Vite)
is that framework's, not an SPA."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from falguard.browser.framework import ConfigFacts, Framework, SourceFile
from falguard.browser.inline import object_inlinings

_SOURCE_DIRS = ("src/", "app/", "components/")
_DEFINE = re.compile(rb"(?<![\w$.])define\s{0,8}:\s{0,8}\{")
_ENV_PREFIX = re.compile(rb"(?<![\w$.])envPrefix\s{0,8}:\s{0,8}(?P<value>\[[^\]]{0,400}\]|[\"'][^\"'\n]{1,64}[\"'])")
_QUOTED = re.compile(rb"[\"']([^\"'\n]{1,64})[\"']")


def _in_source_dirs(label: str) -> Callable[[str, bytes], str | None]:
    def browser_context(relative: str, content: bytes) -> str | None:
        return f"{label} browser source" if relative.startswith(_SOURCE_DIRS) else None

    return browser_context


def read_vite_config(source: SourceFile, at_root: bool) -> ConfigFacts:
    """``envPrefix`` (more public prefixes) and ``define`` (inlined expressions) in vite.config."""
    prefixes = [
        quoted.group(1).decode("utf-8", "replace")
        for match in _ENV_PREFIX.finditer(source.content)
        for quoted in _QUOTED.finditer(match.group("value"))
    ]
    inlinings = object_inlinings(source, _DEFINE, "Vite define", define=True)
    return ConfigFacts(prefixes=tuple(prefixes), inlinings=tuple(inlinings))


def _spa(name: str, label: str, dependency: str, prefix: str, served: str) -> Framework:
    return Framework(
        name=name,
        label=label,
        dependencies=(dependency,),
        browser_context=_in_source_dirs(label),
        generic_fallback=True,
        public_prefixes=(prefix,) if prefix else (),
        served_dirs=(served,) if served else (),
    )


#: Vite comes last: a vite.config beside another bundler is usually vitest's.
FRAMEWORKS = (
    _spa("create-react-app", "Create React App", "react-scripts", "REACT_APP_", "build/"),
    replace(_spa("parcel", "Parcel", "parcel", "", "dist/"), inlines_env_reads=True),
    replace(_spa("vue-cli", "Vue CLI", "@vue/cli-service", "VUE_APP_", "dist/"), file_suffixes=(".vue",)),
    _spa("gatsby", "Gatsby", "gatsby", "GATSBY_", ""),  # it serves public/, which is not read as build output
    _spa("expo", "Expo", "expo", "EXPO_PUBLIC_", "dist/"),
    replace(
        _spa("vite", "Vite", "vite", "VITE_", "dist/"), config_stems=("vite.config.",), read_config=read_vite_config
    ),
)
