"""The one interface every framework module fills in: :class:`Framework`, and the small values
its hooks take and return.

A framework is data: how to recognise its projects, which of their files run in the browser,
which variables its bundler inlines, what it serves, where its fal proxy route lives and what
to do about a leak. The few hooks (functions in fields) read one file's bytes and return
values; none does I/O. Only what a framework needs is given; everything else has a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from falguard.detection.facts import Finding
from falguard.rules.common import DASHBOARD

#: The last step of every framework's fix (steps are shown in this order).
ROTATE_IF_DEPLOYED = (
    "If the key was ever deployed this way, it is public: revoke it on the fal dashboard's keys page ("
    + DASHBOARD
    + "), create one key per environment, and check usage and billing for abuse."
)


@dataclass(frozen=True)
class SourceFile:
    """A file the analysis reads: its path in the scan, its content, whether git ignores it as an env file."""

    path: str
    content: bytes
    ignored_env: bool


@dataclass(frozen=True)
class Inlining:
    """A bundler config that puts a variable (or a key) into browser code."""

    path: str
    offset: int
    name: str  # the name code reads (FAL_KEY for process.env.FAL_KEY), or "*" for everything
    how: str  # "next.config env", "Vite define", ...
    literal: str | None = None  # a key written in the config itself
    source_name: str | None = None  # the variable its value reads, when that differs from name
    effect: str = ""  # what a chain says it does; default "inlines it into the client bundle (how)"


@dataclass(frozen=True)
class ConfigFacts:
    """What one of a framework's config files says about browser exposure."""

    prefixes: tuple[str, ...] = ()  # public prefixes it declares (taken from the project root only)
    inlinings: tuple[Inlining, ...] = ()  # what it inlines into browser code: the analysis judges them
    findings: tuple[Finding, ...] = ()  # exposure the framework judges itself
    links: tuple[Inlining, ...] = ()  # chain links for those findings


@dataclass(frozen=True)
class PublicReads:
    """Values a framework sends to every visitor and browser code reads by key, such as a
    public runtime configuration; each read is a finding, and counts as a read of the
    variable that sets the key."""

    pattern: re.Pattern[bytes]  # one read; group "name" is the key; it should start with a literal
    env_name: Callable[[str], str]  # the variable that sets a key
    used: str  # detail of a key put to use in credentials: "{key}" is filled in
    read: str  # detail of a key read in browser code: "{key}" and "{context}" are filled in
    limit: int = 50  # reads reported per file


@dataclass(frozen=True)
class FileFormat:
    """A kind of file whose parts run in different places (a server-side header, browser
    ``<script>`` blocks), wherever such a file is."""

    suffix: str
    context: str  # how its browser parts reach the browser
    browser_spans: Callable[[bytes], list[tuple[int, int]]]  # (start, end) of the parts that run there
    hydrates: Callable[[bytes], list[str]]  # import specifiers of the components it hydrates in the browser
    marker: bytes  # a file holding it hydrates components: it is read even with no fal in it
    island: str  # the context of a hydrated component: "{path}" is the file that hydrates it


@dataclass(frozen=True)
class RouteSite:
    """What a framework sees of a project when it suggests its proxy route."""

    caller: str  # the first browser file that calls fal, relative to the project root
    paths: tuple[str, ...]  # every path of the project, relative to its root
    ext: str  # "ts" or "js"
    endpoints: tuple[str, ...] = ()  # the fal endpoints the project's code calls, as far as it can be read


@dataclass(frozen=True)
class Route:
    """The fal proxy route to add: where (relative to the project root), and what it contains
    (from :mod:`falguard.rules.proxy_routes`: never a route open to strangers)."""

    path: str
    content: str
    server_key: str = "set FAL_KEY on the server only"


def _nowhere(relative: str, content: bytes) -> str | None:
    return None


@dataclass(frozen=True)
class Framework:
    """One framework (or bundler) as browser exposure sees it.

    A project is this framework's if a config named by ``config_stems`` is at its root, or it
    depends on one of ``dependencies`` (and, when ``layout_dir`` is set, has that directory).
    The registry's order decides between frameworks that both match.
    """

    name: str  # registry name: Finding.framework, guidance lookups
    label: str  # how messages name it: "Next.js"
    # recognising a project
    dependencies: tuple[str, ...] = ()
    config_stems: tuple[str, ...] = ()  # "next.config."
    layout_dir: str = ""  # a dependency alone needs this directory too ("src/routes/")
    file_suffixes: tuple[str, ...] = ()  # code files of its own (".vue"), read and resolved like .js
    # what reaches the browser
    browser_context: Callable[[str, bytes], str | None] = _nowhere  # (relative path, content) -> context
    generic_fallback: bool = False  # files it does not place are browser code when they read import.meta.env
    server_only: str = ""  # regex: relative paths that never run in the browser, in any project
    public_prefixes: tuple[str, ...] = ()  # variables its bundler inlines into browser code
    public_env_modules: tuple[str, ...] = ()  # modules whose named exports are public variables
    inlines_env_reads: bool = False  # its bundler inlines every env variable browser code reads
    public_reads: PublicReads | None = None
    file_format: FileFormat | None = None
    read_config: Callable[[SourceFile, bool], ConfigFacts] | None = None  # (config, at project root)
    served_dirs: tuple[str, ...] = ()  # build output it serves, as path segments (".next/static/")
    # the fix
    proxy_route: str = ""  # regex: relative paths that are a fal proxy route
    suggest_route: Callable[[RouteSite], Route] | None = None  # None: an Express server beside the app
    steps: tuple[str, ...] = ()  # the fix of its browser findings; () for the rules' own steps
