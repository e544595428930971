"""The framework registry: every framework browser exposure knows, one module each.

Adding a framework is a module here that builds a :class:`~falguard.browser.framework.Framework`
and one line in ``FRAMEWORKS``. The order decides between frameworks that both match one
project (SvelteKit, Nuxt and Astro projects use Vite; an Astro project may have a
svelte.config), so frameworks come before the bundlers they build on.

Everything the analysis needs from all frameworks at once (code suffixes, config names,
server-only paths, proxy routes, served directories) is derived here, once per registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from falguard.browser.framework import FileFormat, Framework
from falguard.browser.frameworks import astro, nextjs, nuxt, spa, sveltekit
from falguard.browser.inline import BUNDLER_CONFIG_STEMS

FRAMEWORKS: tuple[Framework, ...] = (
    nuxt.FRAMEWORK,
    astro.FRAMEWORK,
    sveltekit.FRAMEWORK,
    nextjs.FRAMEWORK,
    *spa.FRAMEWORKS,
)

#: How a directory without a package.json (and no framework config) is read: its pages/ run
#: in the browser and the proxy route it lacks is this framework's.
WITHOUT_PACKAGE = nextjs.FRAMEWORK.name

_SCRIPT_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")
_RESOLVED_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs")  # tried in this order on a relative import
#: Server code in any project: server/ and api/ directories, *.server.* modules.
_SERVER_ONLY = r"(?:^|/)(?:server|api)/|\.server\."


def _union(parts: list[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for part in parts for item in part))


@dataclass(frozen=True)
class Registry:
    """A tuple of frameworks, and what the analysis derives from all of them."""

    frameworks: tuple[Framework, ...]
    without_package_name: str = WITHOUT_PACKAGE

    def named(self, name: str) -> Framework | None:
        return next((framework for framework in self.frameworks if framework.name == name), None)

    @cached_property
    def without_package(self) -> Framework | None:
        return self.named(self.without_package_name)

    @cached_property
    def file_formats(self) -> tuple[FileFormat, ...]:
        return tuple(f.file_format for f in self.frameworks if f.file_format is not None)

    @cached_property
    def code_suffixes(self) -> tuple[str, ...]:
        """Files read as code: scripts, frameworks' own files, and file formats."""
        return _union([_SCRIPT_SUFFIXES, self.own_suffixes, tuple(f.suffix for f in self.file_formats)])

    @cached_property
    def own_suffixes(self) -> tuple[str, ...]:
        return _union([f.file_suffixes for f in self.frameworks])

    @cached_property
    def resolve_suffixes(self) -> tuple[str, ...]:
        """What a relative import may leave off, in the order tried."""
        return ("", *_RESOLVED_SUFFIXES, *self.own_suffixes, "/index.ts", "/index.tsx", "/index.js")

    @cached_property
    def config_stems(self) -> tuple[str, ...]:
        return _union([*(f.config_stems for f in self.frameworks), BUNDLER_CONFIG_STEMS])

    def configured_by(self, name: str) -> tuple[Framework, ...]:
        """The frameworks whose config file ``name`` is."""
        return tuple(f for f in self.frameworks if f.read_config is not None and name.startswith(f.config_stems))

    @cached_property
    def layout_dirs(self) -> tuple[str, ...]:
        return _union([(f.layout_dir,) for f in self.frameworks if f.layout_dir])

    @cached_property
    def server_only(self) -> re.Pattern[str]:
        """Relative paths that never run in the browser, whatever the project."""
        configs = "|".join(re.escape(stem) for stem in self.config_stems)
        parts = [_SERVER_ONLY, *(f.server_only for f in self.frameworks if f.server_only), rf"(?:^|/)(?:{configs})"]
        return re.compile("|".join(parts))

    @cached_property
    def proxy_routes(self) -> re.Pattern[str] | None:
        """Relative paths of a fal proxy route in any framework."""
        routes = [f"(?:{f.proxy_route})" for f in self.frameworks if f.proxy_route]
        return re.compile("|".join(routes)) if routes else None

    @cached_property
    def public_env_modules(self) -> frozenset[str]:
        return frozenset(module for f in self.frameworks for module in f.public_env_modules)

    @cached_property
    def served_dirs(self) -> tuple[str, ...]:
        return _union([f.served_dirs for f in self.frameworks])

    def format_of(self, path: str) -> FileFormat | None:
        return next((f for f in self.file_formats if path.endswith(f.suffix)), None)


_current: list[Registry] = []


def registry() -> Registry:
    """The registry of ``FRAMEWORKS`` as it is now (derived once, again only if it is replaced)."""
    if not _current or _current[0].frameworks is not FRAMEWORKS:
        _current[:] = [Registry(FRAMEWORKS)]
    return _current[0]


def steps_for(name: str) -> tuple[str, ...]:
    """The fix of a framework's browser findings; () for an unknown name or one that uses the rules' own steps."""
    framework = registry().named(name)
    return framework.steps if framework is not None else ()
