"""Browser exposure: what code runs in the browser, what bundlers inline, and the chain from
an env file to the bundle users download.

This is project-level analysis over the files of one scan. A :class:`ProjectIndex` watches
the scan's items go by and keeps what can matter (project files such as ``package.json``
and ``vite.config.ts``, and code and env files that mention fal); :func:`analyse` then finds

- ``client-credentials``: ``fal.config({ credentials })`` / ``createFalClient({ credentials })``
  in browser code with a literal key, a public variable or an env read a bundler inlines,
  and bundler configs that inline a fal key (``next.config`` ``env``, Vite ``define``,
  webpack ``DefinePlugin``/``EnvironmentPlugin``);
- ``fal-proxy-missing``: browser code calling fal with no ``proxyUrl`` and no proxy route;
- ``public-fal-key`` findings under a project's own public prefixes (Vite ``envPrefix``,
  SvelteKit ``kit.env.publicPrefix``);

and links findings about the same variable or key into one chain. Pure: no I/O, no git.
JavaScript is read with bounded regular expressions and a small bracket scanner, not parsed:
every helper looks at a bounded number of bytes.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from falguard.buildoutput import is_served
from falguard.detect import detect, keyword_hits
from falguard.envfiles import is_env_file, is_env_template
from falguard.guidance import framework_remediation
from falguard.models import ChainLink, Finding, Origin, Secret, Severity
from falguard.rules import (
    ALL_RULES,
    FAL_CONTEXT_RE,
    FAL_NAME,
    PUBLIC_PREFIXES,
    build_rules,
    credential_in,
    looks_like_test_value,
    repository_finding,
)
from falguard.sources import Item
from falguard.suppress import inline_suppression

CODE_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte", ".astro")
_CONFIG_STEMS = (
    "package.json",
    "next.config.",
    "vite.config.",
    "svelte.config.",
    "webpack.config.",
    "nuxt.config.",
    "astro.config.",
)
_SCAN_LIMIT = 16384  # bytes a bracket scan looks at before giving up

CLIENT_CREDENTIALS = "client-credentials"
PROXY_MISSING = "fal-proxy-missing"
PUBLIC_RULE = "public-fal-key"


# --- what a scan saw ---------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    path: str
    content: bytes
    ignored_env: bool


@dataclass
class ProjectIndex:
    """Every path a scan covered, and the content of the files browser analysis reads."""

    paths: list[str] = field(default_factory=list)
    files: dict[str, SourceFile] = field(default_factory=dict)

    def watch(self, items: Iterable[Item]) -> Iterator[Item]:
        """Pass items through unchanged, remembering what analysis needs."""
        for item in items:
            self.add(item)
            yield item

    def add(self, item: Item) -> None:
        path = item.origin.path
        self.paths.append(path)
        if item.origin.served or "/node_modules/" in "/" + path:
            return  # served files are judged by their findings alone
        name = posixpath.basename(path)
        keep = name == "package.json" or name.startswith(_CONFIG_STEMS)
        if not keep and (name.endswith(CODE_SUFFIXES) or is_env_file(path)):
            keep = bool(keyword_hits(item.content, FAL_CONTEXT_RE, first_only=True))
            keep = keep or (name.endswith(".astro") and b"client:" in item.content)  # islands it hydrates
        if keep:
            self.files[path] = SourceFile(path, item.content, item.origin.ignored_env)


# --- projects ------------------------------------------------------------------------------

_SPA_DEPENDENCIES = {
    "vite": "Vite",
    "react-scripts": "Create React App",
    "parcel": "Parcel",
    "@vue/cli-service": "Vue CLI",
    "gatsby": "Gatsby",
    "expo": "Expo",
}


@dataclass(frozen=True)
class Project:
    """A directory with a package.json (or the scan's root): one app and its bundler."""

    root: str  # "" for the top of the scan, else "apps/web"
    dependencies: frozenset[str]
    config_files: frozenset[str]  # names of bundler configs at the root
    has_routes: bool = False  # src/routes/ exists (SvelteKit's layout)

    def has_config(self, stem: str) -> bool:
        return any(name.startswith(stem) for name in self.config_files)

    @property
    def next(self) -> bool:
        return "next" in self.dependencies or self.has_config("next.config.")

    @property
    def sveltekit(self) -> bool:
        return self.has_config("svelte.config.") or ("@sveltejs/kit" in self.dependencies and self.has_routes)

    @property
    def nuxt(self) -> bool:
        return "nuxt" in self.dependencies or self.has_config("nuxt.config.")

    @property
    def astro(self) -> bool:
        return "astro" in self.dependencies or self.has_config("astro.config.")

    @property
    def spa(self) -> str | None:
        """The single-page-app bundler, if this is one (SvelteKit, Nuxt, Astro use Vite but are not SPAs)."""
        if self.next or self.sveltekit or self.nuxt or self.astro:
            return None
        for dependency, label in _SPA_DEPENDENCIES.items():
            if dependency in self.dependencies:
                return label
        return "Vite" if self.has_config("vite.config.") else None

    @property
    def unknown(self) -> bool:
        return not (self.next or self.sveltekit or self.nuxt or self.astro or self.spa or self.dependencies)

    def relative(self, path: str) -> str:
        return path[len(self.root) + 1 :] if self.root else path

    def join(self, relative: str) -> str:
        return f"{self.root}/{relative}" if self.root else relative

    def contains(self, path: str) -> bool:
        return not self.root or path.startswith(self.root + "/")


def _dependencies(package_json: bytes) -> frozenset[str]:
    try:
        document = json.loads(package_json)
    except (ValueError, UnicodeDecodeError):
        return frozenset()
    if not isinstance(document, dict):
        return frozenset()
    names: set[str] = set()
    for key in ("dependencies", "devDependencies"):  # a library's peerDependencies are not its bundler
        table = document.get(key)
        if isinstance(table, dict):
            names.update(str(name) for name in table)
    return frozenset(names)


def find_projects(index: ProjectIndex) -> list[Project]:
    """Projects, deepest root first, so the first that contains a path is its project."""
    roots = {""}
    for path in index.paths:
        if posixpath.basename(path) == "package.json" and "/node_modules/" not in "/" + path and not is_served(path):
            roots.add(posixpath.dirname(path))
    configs: dict[str, set[str]] = {root: set() for root in roots}
    for path in index.paths:
        directory, name = posixpath.split(path)
        if directory in configs and name.startswith(_CONFIG_STEMS[1:]):
            configs[directory].add(name)
    projects = []
    for root in roots:
        package = index.files.get(posixpath.join(root, "package.json") if root else "package.json")
        dependencies = _dependencies(package.content) if package else frozenset()
        routes = (root + "/" if root else "") + "src/routes/"
        projects.append(
            Project(root, dependencies, frozenset(configs[root]), any(p.startswith(routes) for p in index.paths))
        )
    return sorted(projects, key=lambda project: (-project.root.count("/") - bool(project.root), project.root))


def project_of(path: str, projects: Sequence[Project]) -> Project:
    return next(project for project in projects if project.contains(path))


# --- reading JavaScript, boundedly ---------------------------------------------------------

_OPENERS = b"([{"
_CLOSERS = b")]}"


def _string_end(content: bytes, start: int, limit: int) -> int:
    quote = content[start]
    index = start + 1
    while index < limit:
        byte = content[index]
        if byte == 0x5C:  # backslash
            index += 2
            continue
        if byte == quote or (byte == 0x0A and quote != 0x60):
            return index + 1
        index += 1
    return limit


def scan_to(content: bytes, start: int, stops: bytes = b"") -> int:
    """The offset of the first ``stops`` byte at nesting depth 0 after ``start``, or of the
    bracket closing the enclosing group; strings and comments are skipped."""
    limit = min(len(content), start + _SCAN_LIMIT)
    depth = 0
    index = start
    while index < limit:
        byte = content[index]
        if byte in b"'\"`":
            index = _string_end(content, index, limit)
            continue
        if byte == 0x2F and index + 1 < limit and content[index + 1] in b"/*":
            if content[index + 1] == 0x2F:
                newline = content.find(b"\n", index, limit)
                index = limit if newline == -1 else newline
            else:
                close = content.find(b"*/", index + 2, limit)
                index = limit if close == -1 else close + 2
            continue
        if depth == 0 and byte in stops:
            return index
        if byte in _OPENERS:
            depth += 1
        elif byte in _CLOSERS:
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return limit


_KEY = re.compile(
    rb"(?:\.\.\.)?(?:(?P<ident>[A-Za-z_$][\w$]{0,127})|\"(?P<dq>[^\"\n]{0,200})\"|'(?P<sq>[^'\n]{0,200})'|\[)"
)
_GAP = re.compile(rb"(?:\s{1,200}|//[^\n]{0,2000}|/\*(?:[^*]|\*(?!/)){0,4000}\*/|,){1,50}")


@dataclass(frozen=True)
class Entry:
    """One property of an object literal: ``key: value`` (shorthand ``{ key }`` has value = key)."""

    key: str
    key_start: int
    value_start: int
    value_end: int


def object_entries(content: bytes, open_brace: int) -> list[Entry]:
    """The top-level properties of the object literal whose ``{`` is at ``open_brace``."""
    entries: list[Entry] = []
    close = scan_to(content, open_brace + 1)
    index = open_brace + 1
    while index < close and len(entries) < 500:
        gap = _GAP.match(content, index, close)
        index = gap.end() if gap else index
        match = _KEY.match(content, index, close)
        if index >= close or match is None or not match.group():
            break
        group = next((name for name in ("ident", "dq", "sq") if match.group(name) is not None), None)
        key_end = match.end() if group else scan_to(content, match.end()) + 1  # past a computed [key]
        after = scan_to(content, key_end, b":,")
        if group and after < close and content[after] == 0x3A:  # key: value
            value_end = scan_to(content, after + 1, b",")
            entries.append(
                Entry(match.group(group).decode("utf-8", "replace"), match.start(group), after + 1, value_end)
            )
            index = value_end
            continue
        if group == "ident" and not match.group().startswith(b"...") and not content[key_end:after].strip():
            entries.append(Entry(match.group(group).decode(), match.start(group), match.start(group), key_end))
        index = scan_to(content, key_end, b",") if after < close and content[after] == 0x3A else after
    return entries


def _position(content: bytes, offset: int) -> tuple[int, int, int]:
    """(line, column in characters, offset of the line's start) of a byte offset."""
    line_start = content.rfind(b"\n", 0, offset) + 1
    line = content.count(b"\n", 0, offset) + 1
    column = len(content[line_start:offset].decode("utf-8", "replace")) + 1
    return line, column, line_start


# --- names and values ----------------------------------------------------------------------

_FAL_NAME_RE = re.compile(rb"_{0,2}" + FAL_NAME + rb"_{0,2}")


def is_fal_key_name(name: str) -> bool:
    """``FAL_KEY``, ``NEXT_PUBLIC_FAL_KEY_SECRET``, ``falApiKey``: names that hold fal credentials."""
    return bool(_FAL_NAME_RE.fullmatch(name.encode()))


def is_key_value(value: str) -> bool:
    """A literal that is a credential, not a placeholder, an identifier or a key id alone."""
    return credential_in(value) is not None


def nuxt_env_name(key: str, public: bool = True) -> str:
    """The variable that sets a Nuxt runtimeConfig key: ``falKey`` -> ``NUXT_PUBLIC_FAL_KEY``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).upper()
    return ("NUXT_PUBLIC_" if public else "NUXT_") + snake


def _public(name: str, prefixes: Sequence[str]) -> bool:
    return any(name.startswith(prefix) for prefix in prefixes)


#: process.env.X, import.meta.env.X, env.X ($env/dynamic/public, loadEnv), env["X"]; it starts
#: with the literal "env" so the regex engine skips ahead quickly
_ENV_READ = re.compile(rb"env(?<![\w$]env)(?:\.|\[\s{0,4}[\"'`])(?P<name>[A-Za-z_][A-Za-z0-9_]{0,127})")
#: useRuntimeConfig().public.falKey, config.public?.falKey (Nuxt); it starts with a literal too
_RUNTIME_PUBLIC_READ = re.compile(rb"public(?<=[.]public)(?:\s{0,4}\??\.\s{0,4})(?P<name>[A-Za-z_$][\w$]{0,127})")
_ENV_IMPORT = re.compile(
    rb"import\s{0,8}\{(?P<names>[^}]{0,800})\}\s{0,8}from\s{0,8}[\"']\$env/(?:static|dynamic)/public[\"']"
)
_STRING = re.compile(rb"\"(?P<dq>[^\"\\\n]{1,300})\"|'(?P<sq>[^'\\\n]{1,300})'|`(?P<bq>[^`\\$]{1,300})`")
_IDENTIFIER = re.compile(rb"(?<![\w$.])[A-Za-z_$][\w$]{0,127}(?![\w$])")
_JS_WORDS = frozenset(
    b"const let var new typeof await async function return true false null undefined this process import "
    b"meta env window globalThis localStorage sessionStorage JSON String".split()
)


def public_env_imports(content: bytes) -> dict[str, str]:
    """Local name -> variable, for names imported from ``$env/static/public`` (SvelteKit)."""
    names: dict[str, str] = {}
    for match in _ENV_IMPORT.finditer(content):
        for part in match.group("names").decode("utf-8", "replace").split(","):
            original, _, alias = part.strip().partition(" as ")
            if original.strip():
                names[(alias or original).strip()] = original.strip()
    return names


@dataclass(frozen=True)
class Source:
    """Where a credentials expression gets its value: a literal or a variable read."""

    kind: str  # literal | env | runtime (Nuxt runtimeConfig.public)
    value: str  # the literal, the variable's name, or the runtimeConfig.public key
    offset: int
    end: int


def _declaration(content: bytes, name: str, before: int) -> tuple[int, int] | None:
    pattern = re.compile(
        rb"(?<![\w$.])(?:const|let|var)\s{1,8}" + re.escape(name.encode()) + rb"\s{0,8}(?::[^=;\n]{1,120})?=(?!=)"
    )
    found = None
    for match in pattern.finditer(content, 0, min(len(content), before + 4096)):
        found = match
    if found is None:
        return None
    return found.end(), scan_to(content, found.end(), b";\n,")


def sources(content: bytes, start: int, end: int, env_imports: dict[str, str], depth: int = 0) -> list[Source]:
    """The literals and variable reads an expression is made of, following ``const x = ...``
    in the same file up to two levels."""
    found: list[Source] = []
    for match in _ENV_READ.finditer(content, start, end):
        found.append(Source("env", match.group("name").decode(), match.start(), match.end("name")))
    for match in _STRING.finditer(content, start, end):
        group = "dq" if match.group("dq") else "sq" if match.group("sq") else "bq"
        found.append(
            Source("literal", match.group(group).decode("utf-8", "replace"), match.start(group), match.end(group))
        )
    for match in _RUNTIME_PUBLIC_READ.finditer(content, start, end):
        key = match.group("name").decode()
        if is_fal_key_name(key):
            found.append(Source("runtime", key, match.start(), match.end("name")))
    for match in _IDENTIFIER.finditer(content, start, end):
        word = match.group()
        if word in _JS_WORDS or any(s.offset <= match.start() < s.end for s in found):
            continue
        name = word.decode()
        if name in env_imports:
            found.append(Source("env", env_imports[name], match.start(), match.end()))
        elif depth < 2:
            declared = _declaration(content, name, match.start())
            if declared and not (declared[0] <= start < declared[1]):
                found.extend(sources(content, declared[0], declared[1], env_imports, depth + 1))
    return found


# --- which code runs in the browser --------------------------------------------------------

_USE_CLIENT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s{1,200}|//[^\n]{0,500}\n|/\*(?:[^*]|\*(?!/)){0,2000}\*/){0,20}[\"']use client[\"']"
)
_SERVER_ONLY = re.compile(
    r"(?:^|/)(?:server|api)/|\.server\.|(?:^|/)\+server\.|(?:^|/)route\.[cm]?[jt]sx?$|(?:^|/)middleware\.[cm]?[jt]s$"
    r"|(?:^|/)(?:next|vite|svelte|webpack|nuxt|astro)\.config\."
)
_PAGES = re.compile(r"(?:src/)?pages/(?!api/)")
_NUXT_BUILD_ONLY = ("modules/",)  # Nuxt modules run at build time, in Node

# Astro: the frontmatter between --- fences runs on the server; <script> blocks run in the browser
_ASTRO_FENCE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s{0,200}---[ \t]{0,20}\r?\n")
_ASTRO_FENCE_CLOSE = re.compile(rb"^---[ \t]{0,20}\r?$", re.MULTILINE)
_ASTRO_SCRIPT = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)
_ASTRO_TAG = re.compile(rb"<(?P<tag>[A-Z][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63})?)(?=[\s/>])")
_ASTRO_ISLAND_LIMIT = 500  # client:* directives looked at per file
_NUXT_READ_LIMIT = 50  # runtimeConfig.public reads reported per file
_ASTRO_IMPORT = re.compile(
    rb"import\s{1,8}(?P<default>[A-Za-z_$][\w$]{0,127})?\s{0,8},?\s{0,8}(?:\{(?P<names>[^}]{0,800})\})?"
    rb"\s{0,8}from\s{0,8}[\"'](?P<spec>[^\"'\n]{1,200})[\"']"
)


def astro_frontmatter_end(content: bytes) -> int:
    """Where an .astro file's server-side frontmatter ends (0 if it has none)."""
    fence = _ASTRO_FENCE.match(content)
    if fence is None:
        return 0
    close = _ASTRO_FENCE_CLOSE.search(content, fence.end())
    return len(content) if close is None else close.end()


def astro_scripts(content: bytes) -> list[tuple[int, int]]:
    """The (start, end) of every <script> block's body after the frontmatter: browser code."""
    spans: list[tuple[int, int]] = []
    index = astro_frontmatter_end(content)
    lowered = content.lower()
    while len(spans) < 200:
        opening = _ASTRO_SCRIPT.search(content, index)
        if opening is None:
            break
        tag_end = content.find(b">", opening.end())
        if tag_end == -1:
            break
        if tag_end - opening.end() > 2000:  # not a tag: move on, every byte is looked at once
            index = tag_end
            continue
        close = lowered.find(b"</script", tag_end + 1)
        end = len(content) if close == -1 else close
        spans.append((tag_end + 1, end))
        index = end
    return spans


def astro_islands(content: bytes) -> list[str]:
    """Import specifiers of the components an .astro file hydrates in the browser (``client:*``)."""
    head = astro_frontmatter_end(content)
    imported: dict[str, str] = {}
    for match in _ASTRO_IMPORT.finditer(content, 0, head):
        spec = match.group("spec").decode("utf-8", "replace")
        if match.group("default"):
            imported[match.group("default").decode()] = spec
        for part in (match.group("names") or b"").decode("utf-8", "replace").split(","):
            original, _, alias = part.strip().partition(" as ")
            if original.strip():
                imported[(alias or original).strip()] = spec
    tags: set[str] = set()
    seen = head  # each backward look starts after the last one: linear time
    directive = content.find(b"client:", head)
    for _ in range(_ASTRO_ISLAND_LIMIT):
        if directive == -1:
            break
        opening = content.rfind(b"<", seen, directive)
        tag = _ASTRO_TAG.match(content, opening) if opening != -1 and directive - opening <= 2000 else None
        if tag and content.find(b">", opening, directive) == -1:
            tags.add(tag.group("tag").decode().split(".")[0])
        seen = directive
        directive = content.find(b"client:", directive + 7)
    return sorted({imported[tag] for tag in tags if tag in imported})


def browser_spans(path: str, content: bytes) -> list[tuple[int, int]]:
    """The parts of a browser file that run in the browser: all of it, or an .astro file's scripts."""
    return astro_scripts(content) if path.endswith(".astro") else [(0, len(content))]


def _within(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def browser_context(relative: str, content: bytes, project: Project) -> str | None:
    """How a file ends up in the browser ("a client component"...), or None if it does not."""
    if not relative.endswith(CODE_SUFFIXES):
        return None
    if relative.endswith(".astro"):
        return "an Astro <script> block" if astro_scripts(content) else None
    if _USE_CLIENT.match(content):
        return "a client component"
    if _SERVER_ONLY.search(relative):
        return None
    if (project.next or project.unknown) and _PAGES.match(relative):
        return "a Pages Router page"
    if project.sveltekit and relative.startswith("src/") and not relative.startswith("src/hooks"):
        return "SvelteKit browser code"
    if project.nuxt:  # universal rendering: everything outside server/ is also in the client bundle
        return None if relative.startswith(_NUXT_BUILD_ONLY) else "Nuxt browser code"
    spa = project.spa
    if spa and relative.startswith(("src/", "app/", "components/")):
        return f"{spa} browser source"
    if project.astro:  # only <script> blocks, client:* islands and what they import
        return None
    if not project.next and not project.sveltekit and b"import.meta.env" in content:
        return "browser code (it reads import.meta.env)"
    return None


_RELATIVE_IMPORT = re.compile(rb"(?:from|import|require\()\s{0,8}[\"'](?P<spec>(?:\.{1,2}/|@/|~/)[^\"'\n]{1,200})[\"']")
_RESOLVE_SUFFIXES = (
    "",
    ".ts",
    ".tsx",
    ".js",
    ".jsx",
    ".mjs",
    ".vue",
    ".svelte",
    "/index.ts",
    "/index.tsx",
    "/index.js",
)


def _resolve(importer: str, spec: str, project: Project, known: set[str]) -> str | None:
    if spec.startswith(("@/", "~/")):
        bases = [project.join("src/" + spec[2:]), project.join(spec[2:]), project.join("app/" + spec[2:])]
    else:
        bases = [posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))]
    for base in bases:
        for suffix in _RESOLVE_SUFFIXES:
            if base + suffix in known:
                return base + suffix
    return None


def browser_files(index: ProjectIndex, projects: Sequence[Project]) -> dict[str, str]:
    """Path -> context for every kept code file that runs in the browser, following imports
    from browser files (a module a client component imports is in the client bundle)."""
    found: dict[str, str] = {}
    for path, source in index.files.items():
        project = project_of(path, projects)
        context = browser_context(project.relative(path), source.content, project)
        if context:
            found[path] = context
    known = set(index.files)
    for path, source in sorted(index.files.items()):  # Astro islands: client:load and the like
        if path.endswith(".astro"):
            for spec in astro_islands(source.content):
                target = _resolve(path, spec, project_of(path, projects), known)
                if target and target not in found and not target.endswith(".astro"):
                    found[target] = f"an Astro island ({path} hydrates it with client:*)"
    frontier = list(found)
    for _ in range(3):
        following: list[str] = []
        for importer in frontier:
            project = project_of(importer, projects)
            content = index.files[importer].content
            spans = browser_spans(importer, content)
            for match in _RELATIVE_IMPORT.finditer(content):
                if not _within(match.start(), spans):
                    continue  # an .astro file's frontmatter imports run on the server
                target = _resolve(importer, match.group("spec").decode("utf-8", "replace"), project, known)
                if target and target not in found and not _SERVER_ONLY.search(project.relative(target)):
                    found[target] = f"a module {importer} imports into the browser bundle"
                    following.append(target)
        frontier = following
    return found


# --- bundler configuration -----------------------------------------------------------------


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


_NEXT_ENV = re.compile(rb"(?<![\w$.])env\s{0,8}:\s{0,8}\{")
_VITE_DEFINE = re.compile(rb"(?<![\w$.])define\s{0,8}:\s{0,8}\{")
_DEFINE_PLUGIN = re.compile(
    rb"new\s{1,8}(?:[\w$]{1,64}\.){0,2}(?P<plugin>DefinePlugin|EnvironmentPlugin)\s{0,8}\(\s{0,8}(?P<open>[\[{\"'])"
)
_WHOLE_ENV = re.compile(rb"\s*(?:process\.env|import\.meta\.env|env|loadEnv\([^)]{0,200}\))\s*")


def _defined_name(key: str) -> str:
    for prefix in ("process.env.", "import.meta.env."):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key.strip("_") if key.startswith("__") else key


def _entry_inlining(path: str, content: bytes, entry: Entry, how: str, *, define: bool) -> Inlining | None:
    name = _defined_name(entry.key) if define else entry.key
    if (
        define
        and entry.key in ("process.env", "import.meta.env")
        and _WHOLE_ENV.fullmatch(content, entry.value_start, entry.value_end)
    ):
        return Inlining(path, entry.key_start, "*", how)
    literals = [
        s
        for s in sources(content, entry.value_start, entry.value_end, {})
        if s.kind == "literal" and is_key_value(s.value)
    ]
    if literals:
        return Inlining(path, literals[0].offset, name, how, literal=literals[0].value)
    reads = [
        s
        for s in sources(content, entry.value_start, entry.value_end, {})
        if s.kind == "env" and is_fal_key_name(s.value)
    ]
    if is_fal_key_name(name) or reads:
        return Inlining(path, entry.key_start, name, how)
    return None


def inlinings(source: SourceFile, project: Project) -> list[Inlining]:
    """What one config file inlines into browser code."""
    content, path = source.content, source.path
    name = posixpath.basename(path)
    found: list[Inlining] = []
    regions: list[tuple[re.Pattern[bytes], str, bool]] = []
    if name.startswith("next.config.") and posixpath.dirname(path) == project.root:
        regions.append((_NEXT_ENV, "next.config env", False))
    if name.startswith("vite.config."):
        regions.append((_VITE_DEFINE, "Vite define", True))
    for pattern, how, define in regions:
        for match in pattern.finditer(content):
            for entry in object_entries(content, match.end() - 1):
                inlining = _entry_inlining(path, content, entry, how, define=define)
                if inlining:
                    found.append(inlining)
    for match in _DEFINE_PLUGIN.finditer(content):
        plugin = match.group("plugin").decode()
        how = f"webpack {plugin}"
        opener = match.start("open")
        if content[opener] == 0x7B:  # {
            for entry in object_entries(content, opener):
                inlining = _entry_inlining(path, content, entry, how, define=plugin == "DefinePlugin")
                if inlining:
                    found.append(inlining)
        elif plugin == "EnvironmentPlugin":  # ["FAL_KEY", ...] or "FAL_KEY"
            end = scan_to(content, opener + 1) if content[opener] == 0x5B else opener + 200
            for literal in _STRING.finditer(content, opener, min(end + 1, len(content))):
                value = (literal.group("dq") or literal.group("sq") or literal.group("bq") or b"").decode()
                if is_fal_key_name(value):
                    found.append(Inlining(path, literal.start(), value, how))
    return found


_BUNDLER_CONFIG_NAMES = ("next.config.", "vite.config.", "webpack.config.")


def config_blob_findings(path: str, content: bytes) -> list[Finding]:
    """What one bundler config inlines, judged alone: for a history scan, where no project
    around it is known. ``next.config`` ``env``, Vite ``define`` and webpack's plugins need
    no other file to tell that a fal key goes into every bundle."""
    name = posixpath.basename(path)
    if not name.startswith(_BUNDLER_CONFIG_NAMES):
        return []
    project = Project(root=posixpath.dirname(path), dependencies=frozenset(), config_files=frozenset({name}))
    source = SourceFile(path, content, False)
    return inlining_findings(source, inlinings(source, project), set())


_RUNTIME_CONFIG = re.compile(rb"(?<![\w$.])runtimeConfig\s{0,8}:\s{0,8}\{")
_OPEN_OBJECT = re.compile(rb"\s{0,200}\{")


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
            detail = f"a literal key in {where}: Nuxt sends it to every visitor in the page payload"
        else:
            secret = Secret(inlining.name, sensitive=False)
            end = inlining.offset + len(item.key.encode())
            if item.reads:
                detail = f"{where} holds {item.reads}: Nuxt sends it to every visitor in the page payload"
            else:
                detail = f"{where} (set by {inlining.name}) is sent to every visitor in the page payload"
        found.append(_finding(CLIENT_CREDENTIALS, source, inlining.offset, end, item.severity, secret, detail))
    return found


def nuxt_read_findings(source: SourceFile, context: str) -> list[Finding]:
    """``useRuntimeConfig().public.falKey`` in Nuxt browser code: a public key put to use."""
    found: list[Finding] = []
    for match in _RUNTIME_PUBLIC_READ.finditer(source.content):
        key = match.group("name").decode()
        if len(found) >= _NUXT_READ_LIMIT:
            break
        if is_fal_key_name(key):
            detail = (
                f"reads runtimeConfig.public.{key} in {context}: Nuxt sends it to every visitor in the page payload"
            )
            secret = Secret(nuxt_env_name(key), sensitive=False)
            found.append(
                _finding(CLIENT_CREDENTIALS, source, match.start(), match.end("name"), Severity.HIGH, secret, detail)
            )
    return found


_ENV_PREFIX = re.compile(rb"(?<![\w$.])envPrefix\s{0,8}:\s{0,8}(?P<value>\[[^\]]{0,400}\]|[\"'][^\"'\n]{1,64}[\"'])")
_PUBLIC_PREFIX = re.compile(rb"(?<![\w$.])publicPrefix\s{0,8}:\s{0,8}[\"'](?P<value>[^\"'\n]{1,64})[\"']")
_PREFIX_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def project_prefixes(index: ProjectIndex, project: Project) -> tuple[str, ...]:
    """Public prefixes a project's own config declares: Vite ``envPrefix``, SvelteKit
    ``kit.env.publicPrefix``."""
    found: list[str] = []
    for name in sorted(project.config_files):
        source = index.files.get(project.join(name))
        if source is None:
            continue
        if name.startswith("vite.config."):
            for match in _ENV_PREFIX.finditer(source.content):
                found.extend(
                    m.group(1).decode() for m in re.finditer(rb"[\"']([^\"'\n]{1,64})[\"']", match.group("value"))
                )
        if name.startswith("svelte.config."):
            found.extend(m.group("value").decode() for m in _PUBLIC_PREFIX.finditer(source.content))
    return tuple(dict.fromkeys(prefix for prefix in found if _PREFIX_SHAPE.fullmatch(prefix)))


# --- findings ------------------------------------------------------------------------------


def _finding(
    rule_id: str,
    source: SourceFile,
    start: int,
    end: int,
    severity: Severity,
    secret: Secret,
    detail: str,
) -> Finding:
    info = ALL_RULES[rule_id]
    line, column, line_start = _position(source.content, start)
    line_end = source.content.find(b"\n", start)
    stop = end if line_end == -1 else min(end, line_end)
    return Finding(
        rule=rule_id,
        severity=severity,
        path=source.path,
        line=line,
        column=column,
        end_column=column + len(source.content[start:stop].decode("utf-8", "replace")),
        secret=secret,
        message=f"{info.title}: {detail}",
        remediation=info.remediation,
        suppression=inline_suppression(source.content, line_start, rule_id),
    )


# each starts with a literal, so the regex engine skips ahead quickly
_CONFIG_CALL = re.compile(rb"config\s{0,8}\(")
_FAL_BEFORE_CONFIG = re.compile(rb"(?<![\w$])fal\s{0,8}\.\s{0,8}\Z")
_CREATE_CLIENT_CALL = re.compile(rb"createFalClient(?<![\w$.]createFalClient)\s{0,8}\(")


def config_calls(content: bytes) -> Iterator[int]:
    """Offsets just inside the parenthesis of every ``fal.config(`` and ``createFalClient(``."""
    for match in _CONFIG_CALL.finditer(content):
        if _FAL_BEFORE_CONFIG.search(content, max(0, match.start() - 24), match.start()):
            yield match.end()
    for match in _CREATE_CLIENT_CALL.finditer(content):
        yield match.end()


_CREDENTIALS = re.compile(rb"(?<![\w$.])credentials(?![\w$])\s{0,8}(?P<colon>:)?")


@dataclass(frozen=True)
class Analysis:
    """One project's facts, shared by the finders."""

    project: Project
    prefixes: tuple[str, ...]  # every public prefix in this project
    inlined: dict[str, Inlining]  # name -> the config that inlines it


def _classify(source: Source, analysis: Analysis) -> tuple[Severity, str] | None:
    if source.kind == "literal":
        if not is_key_value(source.value):
            return None
        if looks_like_test_value(source.value.rpartition(":")[2]):
            return Severity.LOW, "a literal test key"
        return Severity.CRITICAL, "a literal key"
    name = source.value
    if source.kind == "runtime":
        if not analysis.project.nuxt:
            return None
        return (
            Severity.CRITICAL,
            f"reads runtimeConfig.public.{name}, which Nuxt sends to every visitor in the page payload",
        )
    if _public(name, analysis.prefixes):
        return Severity.CRITICAL, f"reads {name}, which the bundler inlines into the page"
    inlining = analysis.inlined.get(name) or analysis.inlined.get("*")
    if inlining is not None:
        return Severity.HIGH, f"reads {name}, which {inlining.how} ({inlining.path}) inlines into the page"
    if analysis.project.spa == "Parcel":
        return Severity.HIGH, f"reads {name}, which Parcel inlines into the page"
    return None


def credential_findings(source: SourceFile, context: str, analysis: Analysis) -> list[Finding]:
    """``fal.config({ credentials })`` / ``createFalClient({ credentials })`` in browser code."""
    content = source.content
    env_imports = public_env_imports(content)
    spans = browser_spans(source.path, content)
    found: list[Finding] = []
    for call in config_calls(content):
        if not _within(call, spans):
            continue  # an .astro file's frontmatter: server code
        close = scan_to(content, call)
        for credentials in _CREDENTIALS.finditer(content, call, close):
            if credentials.group("colon"):
                start = credentials.end()
                end = scan_to(content, start, b",")
            else:
                start, end = credentials.start(), credentials.start() + len(b"credentials")
            worst: tuple[Severity, str, Source] | None = None
            for candidate in sources(content, start, end, env_imports):
                verdict = _classify(candidate, analysis)
                if verdict and (worst is None or verdict[0] > worst[0]):
                    worst = (verdict[0], verdict[1], candidate)
            if worst is None:
                continue  # a user's own key typed into the page, a token fetched at run time...
            severity, detail, origin = worst
            name = nuxt_env_name(origin.value) if origin.kind == "runtime" else origin.value
            secret = Secret(origin.value) if origin.kind == "literal" else Secret(name, sensitive=False)
            found.append(
                _finding(
                    CLIENT_CREDENTIALS, source, origin.offset, origin.end, severity, secret, f"{detail}, in {context}"
                )
            )
    return found


def inlining_findings(source: SourceFile, items: Sequence[Inlining], read_in_browser: set[str]) -> list[Finding]:
    found = []
    for inlining in items:
        if inlining.literal is not None:
            secret = Secret(inlining.literal)
            severity, detail = Severity.CRITICAL, f"{inlining.how} puts a literal key into the client bundle"
            end = inlining.offset + len(inlining.literal.encode())
        else:
            name = inlining.name
            secret = Secret(name if name != "*" else f"{source.path}: whole environment", sensitive=False)
            end = inlining.offset + max(1, len(name))
            if name == "*":
                severity, detail = Severity.HIGH, f"{inlining.how} inlines the whole environment, FAL_KEY included"
            elif name in read_in_browser:
                severity, detail = Severity.CRITICAL, f"{inlining.how} inlines {name} and browser code reads it"
            else:
                severity, detail = Severity.HIGH, f"{inlining.how} inlines {name} into every bundle that reads it"
        found.append(_finding(CLIENT_CREDENTIALS, source, inlining.offset, end, severity, secret, detail))
    return found


_FAL_CLIENT_IMPORT = re.compile(rb"[\"']@fal-ai/(?:client|serverless-client)[\"']")
_PROXY_IMPORT = re.compile(rb"@fal-ai/(?:server-proxy|serverless-proxy)")
_NEXT_ROUTE = re.compile(
    r"(?:^|/)(?:src/)?(?:app/api/fal/proxy/route\.[cm]?[jt]sx?|pages/api/fal/proxy(?:\.[cm]?[jt]sx?|/index\.[jt]sx?|/\[\.\.\.[^/\]]{1,40}\]\.[jt]sx?))\Z"
    r"|(?:^|/)server/(?:api|routes/api)/fal/proxy(?:\.[cm]?[jt]s|/index\.[jt]s|/\[\.\.\.[^/\]]{1,40}\]\.[jt]s)\Z"  # Nuxt (Nitro)
)
#: @fal-ai/server-proxy has adapters for Next.js, Express, SvelteKit, Remix, Hono and Lambda, none
#: for Nuxt (h3) or Astro: those routes hand the request to the package's generic handleRequest
_NUXT_ROUTE_CONTENT = (
    'export default defineEventHandler((event) => ...) passing the request to handleRequest from "@fal-ai/server-proxy" '
    "(it has no Nuxt/h3 adapter; wire method, headers and body from the event as its SvelteKit adapter does), with "
    "resolveApiKey returning useRuntimeConfig(event).falKey."
)
_ASTRO_ROUTE_CONTENT = (
    "export const prerender = false (it needs an SSR adapter) and export const ALL = ({ request }) => ... passing the "
    'request to handleRequest from "@fal-ai/server-proxy" (it has no Astro adapter; wire it as its SvelteKit adapter '
    "does), with resolveApiKey returning import.meta.env.FAL_KEY (server-only in Astro)."
)


def _browser_fal_import(path: str, content: bytes) -> int | None:
    """Offset of an ``@fal-ai/client`` import in the browser part of a browser file."""
    spans = browser_spans(path, content)
    return next((m.start() for m in _FAL_CLIENT_IMPORT.finditer(content) if _within(m.start(), spans)), None)


def has_proxy(index: ProjectIndex, project: Project) -> bool:
    """A fal proxy route in this project, or a server-proxy anywhere in the scan."""
    for path, source in index.files.items():
        if is_env_file(path):
            continue
        if project.contains(path) and _NEXT_ROUTE.search(project.relative(path)):
            if _PROXY_IMPORT.search(source.content) or any(
                word in source.content for word in (b"x-fal-target-url", b"FAL_KEY", b"falKey")
            ):
                return True
        if _PROXY_IMPORT.search(source.content) and not _FAL_CLIENT_IMPORT.search(source.content):
            return True
    return False


_ROUTER_DIR = re.compile(r"\A(?P<base>(?:[^/]{1,255}/){0,16}?)(?P<kind>app|pages)/")


def suggested_route(index: ProjectIndex, project: Project, caller: str) -> tuple[str, str]:
    """(file to add, what it contains) for this project's framework, beside the calling code."""
    relative = [project.relative(path) for path in index.paths if project.contains(path)]
    typescript = any(path == "tsconfig.json" or path.endswith((".ts", ".tsx")) for path in relative)
    ext = "ts" if typescript else "js"
    if project.nuxt:
        return project.join(f"server/api/fal/proxy.{ext}"), _NUXT_ROUTE_CONTENT
    if project.astro:
        return project.join(f"src/pages/api/fal/proxy.{ext}"), _ASTRO_ROUTE_CONTENT
    if project.sveltekit:
        return project.join(f"src/routes/api/fal/proxy/+server.{ext}"), (
            'import { createRequestHandler } from "@fal-ai/server-proxy/svelte"; '
            "export const { GET, POST, PUT } = createRequestHandler();"
        )
    if project.next or project.unknown:
        router = _ROUTER_DIR.match(project.relative(caller))
        if router:  # beside the calling code: apps/web/app/..., src/pages/...
            src, app_router = router.group("base"), router.group("kind") == "app"
        else:
            src = "src/" if any(path.startswith(("src/app/", "src/pages/")) for path in relative) else ""
            app_router = any(path.startswith(f"{src}app/") for path in relative) or not any(
                path.startswith(f"{src}pages/") for path in relative
            )
        if app_router:
            return project.join(f"{src}app/api/fal/proxy/route.{ext}"), (
                'import { createRouteHandler } from "@fal-ai/server-proxy/nextjs"; '
                "export const { GET, POST, PUT } = createRouteHandler(); "
                "(releases before createRouteHandler: import { route } and export const { GET, POST, PUT } = route;)"
            )
        return project.join(f"{src}pages/api/fal/proxy.{ext}"), (
            'import { createPageRouterHandler } from "@fal-ai/server-proxy/nextjs"; '
            "export default createPageRouterHandler(); "
            '(older releases: export { handler as default } from "@fal-ai/server-proxy/nextjs";)'
        )
    return project.join(f"server/fal-proxy.{ext}"), (
        'an Express server with import * as falProxy from "@fal-ai/server-proxy/express" and '
        "app.all(falProxy.route, falProxy.handler), serving /api/fal/proxy next to your app"
    )


def proxy_findings(
    index: ProjectIndex, project: Project, browser: dict[str, str], owner: dict[str, Project]
) -> list[Finding]:
    """Browser code that calls fal with no proxyUrl anywhere and no proxy route to point it at."""
    callers = sorted(
        path
        for path in browser
        if owner[path] is project and _browser_fal_import(path, index.files[path].content) is not None
    )
    if not callers:
        return []
    if any(b"proxyUrl" in source.content for path, source in index.files.items() if project.contains(path)):
        return []
    if has_proxy(index, project):
        return []
    route, content = suggested_route(index, project, callers[0])
    first = index.files[callers[0]]
    line, column, _ = _position(first.content, _browser_fal_import(first.path, first.content) or 0)
    finding = repository_finding(
        PROXY_MISSING,
        first.path,
        f"{first.path} calls fal from the browser with no proxyUrl, and {route} does not exist",
        line=line,
        column=column,
        subject=route,
    )
    server_key = (
        "keep the key in private runtimeConfig.falKey (set by NUXT_FAL_KEY on the server)"
        if project.nuxt
        else "set FAL_KEY on the server only"
    )
    remediation = (
        f"Add {route} containing: {content} Then {server_key} and call "
        'fal.config({ proxyUrl: "/api/fal/proxy" }) in browser code.'
    )
    return [replace(finding, remediation=remediation)]


# --- chains --------------------------------------------------------------------------------

_ENV_LINE = re.compile(
    rb"(?m)^[ \t]{0,16}(?:export[ \t]{1,8})?(?P<name>[A-Za-z_][A-Za-z0-9_]{0,127})[ \t]{0,8}=[ \t]{0,8}(?P<value>[^\r\n#]{0,300})"
)


@dataclass(frozen=True)
class Definition:
    path: str
    line: int
    name: str
    value: str


def definitions(index: ProjectIndex) -> list[Definition]:
    """fal variables defined in env files (templates excluded)."""
    found = []
    for path, source in index.files.items():
        if not is_env_file(path) or is_env_template(path):
            continue
        for match in _ENV_LINE.finditer(source.content):
            name = match.group("name").decode()
            if is_fal_key_name(name):
                value = match.group("value").decode("utf-8", "replace").strip().strip("\"'`").strip()
                found.append(Definition(path, source.content.count(b"\n", 0, match.start("name")) + 1, name, value))
    return found


def link_chains(
    findings: list[Finding], links_by_subject: dict[str, list[tuple[ChainLink, frozenset[str]]]]
) -> list[Finding]:
    """Give every finding at a link of a chain that chain.

    ``links_by_subject`` maps a chain's subject (a variable or a key) to its links, each with
    the secrets (names or key values) a finding at that place must be about to belong.
    """
    at: dict[tuple[str, int], list[tuple[tuple[ChainLink, ...], frozenset[str]]]] = {}
    for links in links_by_subject.values():
        chain = tuple(link for link, _ in links)
        if len({(link.path, link.line) for link in chain}) < 2:
            continue
        for link, secrets in links:
            at.setdefault((link.path, link.line), []).append((chain, secrets))
    linked = []
    for finding in findings:
        chain_here: tuple[ChainLink, ...] = ()
        for chain, secrets in at.get((finding.path, finding.line), ()):
            if finding.secret.reveal() in secrets and len(chain) > len(chain_here):
                chain_here = chain
        linked.append(replace(finding, chain=chain_here) if chain_here else finding)
    return linked


def chains(
    defined: list[Definition],
    findings: list[Finding],
    browser: dict[str, str],
    reads: list[tuple[str, int, str]],
    inlined: list[Inlining],
    index: ProjectIndex,
) -> dict[str, list[tuple[ChainLink, frozenset[str]]]]:
    """Links per subject: definitions, config inlinings, browser reads, then served copies."""
    served_by_value: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.secret.sensitive and is_served(finding.path):
            served_by_value.setdefault(finding.secret.reveal(), []).append(finding)
    result: dict[str, list[tuple[ChainLink, frozenset[str]]]] = {}
    names = {d.name for d in defined} | {name for _, _, name in reads} | {i.name for i in inlined if i.name != "*"}
    for name in sorted(names):
        # a config can feed the subject from another variable: runtimeConfig.public.falKey = process.env.FAL_KEY
        fed = {name} | {i.source_name for i in inlined if i.name == name and i.source_name}
        values = frozenset(d.value for d in defined if d.name in fed and d.value)
        subjects = frozenset(fed) | values
        links: list[tuple[ChainLink, frozenset[str]]] = []
        for d in sorted((d for d in defined if d.name in fed), key=lambda d: (d.path, d.line)):
            links.append((ChainLink(d.path, d.line, f"defines {d.name}"), subjects))
        for i in sorted((i for i in inlined if i.name == name), key=lambda i: (i.path, i.offset)):
            line = index.files[i.path].content.count(b"\n", 0, i.offset) + 1
            links.append(
                (ChainLink(i.path, line, i.effect or f"inlines it into the client bundle ({i.how})"), subjects)
            )
        for path, line, _read in sorted(r for r in reads if r[2] == name):
            links.append((ChainLink(path, line, f"reads it in {browser[path]}"), subjects))
        served = [f for value in values for f in served_by_value.get(value, ())]
        for finding in sorted(served, key=lambda f: (f.path, f.line, f.column)):
            links.append(
                (ChainLink(finding.path, finding.line, "contains the key (served to every visitor)"), subjects)
            )
        if links:
            result[f"name:{name}"] = links
    for finding in findings:  # a literal key in browser code, then in the bundle
        if finding.rule == CLIENT_CREDENTIALS and finding.secret.sensitive and finding.path in browser:
            value = finding.secret.reveal()
            links = [
                (ChainLink(finding.path, finding.line, f"holds the key in {browser[finding.path]}"), frozenset({value}))
            ]
            for copy in sorted(served_by_value.get(value, ()), key=lambda f: (f.path, f.line)):
                links.append(
                    (ChainLink(copy.path, copy.line, "contains the key (served to every visitor)"), frozenset({value}))
                )
            result.setdefault(f"key:{finding.path}:{finding.line}", links)
    return result


def _line_counter(content: bytes) -> Callable[[int], int]:
    """Line numbers of increasing offsets, counting each newline once (dense reads stay linear)."""
    last_offset, last_line = 0, 1

    def line(offset: int) -> int:
        nonlocal last_offset, last_line
        if offset < last_offset:
            return content.count(b"\n", 0, offset) + 1
        last_line += content.count(b"\n", last_offset, offset)
        last_offset = offset
        return last_line

    return line


def browser_reads(index: ProjectIndex, browser: dict[str, str]) -> list[tuple[str, int, str]]:
    """(path, line, name) for every env read of a fal name in browser code (a Nuxt
    ``runtimeConfig.public.falKey`` read counts as a read of ``NUXT_PUBLIC_FAL_KEY``)."""
    found = []
    for path in browser:
        content = index.files[path].content
        spans = browser_spans(path, content)
        line = _line_counter(content)
        for match in _ENV_READ.finditer(content):
            name = match.group("name").decode()
            if is_fal_key_name(name) and _within(match.start(), spans):
                found.append((path, line(match.start()), name))
        line = _line_counter(content)
        for match in _RUNTIME_PUBLIC_READ.finditer(content):
            key = match.group("name").decode()
            if is_fal_key_name(key) and _within(match.start(), spans):
                found.append((path, line(match.start()), nuxt_env_name(key)))
        for local, name in public_env_imports(content).items():
            if is_fal_key_name(name):
                offset = content.find(local.encode())
                found.append((path, content.count(b"\n", 0, offset) + 1, name))
    return found


# --- the whole analysis --------------------------------------------------------------------


def _extra_public_findings(
    sources: Iterable[SourceFile], prefixes: Sequence[str], extra_key_names: Sequence[str]
) -> list[Finding]:
    """public-fal-key over a project's files with its own public prefixes added."""
    rules = [rule for rule in build_rules(prefixes, extra_key_names) if rule.id == PUBLIC_RULE]
    found: list[Finding] = []
    for source in sources:
        found.extend(detect(source.content, Origin(source.path, ignored_env=source.ignored_env), rules))
    return found


def analyse(  # noqa: C901  (split by the browser-package change)
    index: ProjectIndex,
    findings: list[Finding],
    extra_public_prefixes: Sequence[str] = (),
    extra_key_names: Sequence[str] = (),
) -> list[Finding]:
    """The scan's findings, extended by browser-exposure findings and linked into chains."""
    projects = find_projects(index)
    owner = {path: project_of(path, projects) for path in index.files}
    browser = browser_files(index, projects)
    seen = {(f.path, f.line, f.column, f.rule) for f in findings}
    added: list[Finding] = []

    def add(new: Iterable[Finding]) -> None:
        for finding in new:
            key = (finding.path, finding.line, finding.column, finding.rule)
            if key not in seen:
                seen.add(key)
                added.append(finding)

    all_inlined: list[Inlining] = []
    analyses: dict[str, Analysis] = {}
    for project in projects:
        own = project_prefixes(index, project)
        prefixes = (*PUBLIC_PREFIXES, *extra_public_prefixes, *own)
        mine = [source for path, source in index.files.items() if owner[path] is project]
        if any(p not in PUBLIC_PREFIXES and p not in extra_public_prefixes for p in own):
            add(_extra_public_findings(mine, (*extra_public_prefixes, *own), extra_key_names))
        inlined: dict[str, Inlining] = {}
        per_file: dict[str, list[Inlining]] = {}
        for source in mine:
            path = source.path
            if path.endswith(CODE_SUFFIXES):
                items = inlinings(source, project)
                if items:
                    per_file[path] = items
                    for item in items:
                        inlined.setdefault(item.name, item)
                    all_inlined.extend(items)
            if posixpath.basename(path).startswith("nuxt.config."):
                public_keys = nuxt_public_keys(source)
                add(nuxt_public_findings(source, public_keys))
                all_inlined.extend(item.inlining for item in public_keys)
        analyses[project.root] = Analysis(project, prefixes, inlined)
        read_here = {
            match.group("name").decode()
            for path in browser
            if owner[path] is project
            for match in _ENV_READ.finditer(index.files[path].content)
        }
        for path, items in sorted(per_file.items()):
            add(inlining_findings(index.files[path], items, read_here))
    for path, context in sorted(browser.items()):
        add(credential_findings(index.files[path], context, analyses[owner[path].root]))
    for path, context in sorted(browser.items()):  # after credentials: a fal.config use there is critical
        if owner[path].nuxt:
            add(nuxt_read_findings(index.files[path], context))
    for project in projects:
        add(proxy_findings(index, project, browser, owner))
    combined = [*findings, *added]
    subjects = chains(definitions(index), combined, browser, browser_reads(index, browser), all_inlined, index)
    return with_framework_remediation(link_chains(combined, subjects), projects)


_FRAMEWORK_RULES = (CLIENT_CREDENTIALS, PUBLIC_RULE)


def with_framework_remediation(findings: list[Finding], projects: Sequence[Project]) -> list[Finding]:
    """Browser findings (and chains) in a Nuxt or Astro project get that framework's fix."""
    result = []
    for finding in findings:
        project = project_of(finding.path, projects)
        framework = "nuxt" if project.nuxt else "astro" if project.astro else None
        if framework and (finding.rule in _FRAMEWORK_RULES or finding.chain):
            finding = replace(finding, remediation=framework_remediation(framework))
        result.append(finding)
    return result
