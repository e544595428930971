"""Reading a fal proxy route: where a ``@fal-ai/server-proxy`` handler is created, and what
its options leave open.

fal-ai/fal-js ``libs/proxy/src/``: every adapter builds its handler from a ``ProxyConfig``
(``createRouteHandler`` and ``createPageRouterHandler`` for Next.js, ``createHandler`` for
Express, ``createRouteHandler`` for Hono, ``createRequestHandler`` for SvelteKit,
``createProxy`` for Remix, ``handleRequest`` for a hand-wired one), and the default handlers
(Next.js' ``handler`` and ``route``, Express' ``handler``) are those factories with no options.
The defaults spend the site's ``FAL_KEY`` for any visitor (``allowUnauthorizedRequests: true``)
on any endpoint (``allowedEndpoints: []``).

The file is parsed with tree-sitter's TypeScript grammars (TSX first, plain TypeScript when
TSX cannot read it): object literals, spreads, a config variable declared in the same file,
``as``/``satisfies``, method shorthand. Options that come from elsewhere (an import, a
parameter) are *unknown*, never guessed. Pure: bytes in, judgements out; tree-sitter is
loaded on the first file that imports the proxy, never on a clean commit's path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from falguard.models import Value, _set

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

SPECIFIER = re.compile(r"@fal-ai/server(?:less)?-proxy(?:/(?P<adapter>[a-z]{1,16}))?\Z")
#: Per adapter module: each factory and the index of its options argument (None: a default
#: handler, created with no options at all).
FACTORIES: dict[str, dict[str, int | None]] = {
    "nextjs": {"createRouteHandler": 0, "createPageRouterHandler": 0, "handler": None, "route": None},
    "express": {"createHandler": 0, "handler": None},
    "hono": {"createRouteHandler": 0},
    "svelte": {"createRequestHandler": 0},
    "remix": {"createProxy": 0},
    "": {"handleRequest": 1},
}
#: Options of the adapters that fall back to a key of the site's own when resolveFalAuth gives none.
_SITE_KEY_OPTIONS = ("credentials", "resolveApiKey")
_SITE_KEY_WORDS = ("FAL_KEY", "useEnvironmentFalKey", "fallbackToFalKey", "resolveApiKeyFromEnv")
_VISITOR_KEY = re.compile(r"x-fal-user-key", re.IGNORECASE)
_WRAPPERS = frozenset(
    {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression", "type_assertion"}
)
_ALWAYS_TRUE = re.compile(r"\A(?:\{\s*return\s+true\s*;?\s*\}|true|Promise\.resolve\(\s*true\s*\))\Z")
_ANY_SEGMENT = re.compile(r"\A[*/]*\Z")
_OWNER_WIDE = re.compile(r"\A[^*/]+/[*/]*\Z")  # "fal-ai/**": every model of an owner
#: Where an identifier is a name being bound, not a use.
_BINDINGS = frozenset(
    {
        "import_specifier",
        "export_specifier",
        "shorthand_property_identifier_pattern",
        "pair_pattern",
        "namespace_import",
    }
)
MAX_BYTES = 512 << 10  # larger content is no route file (a bundle, a lock file): not parsed
#: What a file that creates a handler must hold before it is parsed: an import, re-export or require of the package.
_IMPORTS_PROXY = re.compile(rb"(?:\bfrom|\brequire\s{0,8}\()\s{0,8}[\"'`]@fal-ai/server(?:less)?-proxy")
_OWN_HEADER = "only requests with an Authorization header of their own pass, and the proxy forwards it, not your key"


class Site(Value):
    """One handler creation and what its options leave open (``None``: could not be read)."""

    __slots__ = ("specifier", "adapter", "factory", "start", "end", "any_visitor", "any_endpoint", "byok", "why")
    specifier: int  # offset of the import's module string (its text, after the quote)
    adapter: str  # "nextjs", "express", ...; "" for the package root (handleRequest)
    factory: str  # "createRouteHandler", "handler", ...
    start: int
    end: int
    any_visitor: bool | None  # a visitor with no credentials of their own gets the site's key spent
    any_endpoint: bool | None  # POSTs may call every fal endpoint
    byok: bool  # resolveFalAuth only ever forwards the visitor's own key
    why: str  # what opens it, or why it cannot be judged

    def __init__(
        self,
        specifier: int,
        adapter: str,
        factory: str,
        start: int,
        end: int,
        any_visitor: bool | None,
        any_endpoint: bool | None,
        byok: bool = False,
        why: str = "",
    ) -> None:
        for name, value in zip(
            self.__slots__, (specifier, adapter, factory, start, end, any_visitor, any_endpoint, byok, why), strict=True
        ):
            _set(self, name, value)


@functools.cache
def _parsers() -> tuple[Parser, Parser] | None:
    try:
        import tree_sitter
        import tree_sitter_typescript
    except ImportError:  # a runtime dependency: only a broken install lacks it (see sites)
        return None
    tsx = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_tsx()))
    typescript = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))
    return tsx, typescript


def _parse(content: bytes) -> Node | None:
    parsers = _parsers()
    if parsers is None:
        return None
    tsx = parsers[0].parse(content).root_node
    if not tsx.has_error:
        return tsx
    plain = parsers[1].parse(content).root_node
    return tsx if plain.has_error else plain


@functools.lru_cache(maxsize=8)
def sites(content: bytes) -> tuple[Site, ...]:
    """Every handler creation in ``content`` and its judgement (cached: the rule asks once per import)."""
    if len(content) > MAX_BYTES or not _IMPORTS_PROXY.search(content):
        return ()
    root = _parse(content)
    if root is None:  # no parser: every import is reported unjudged, never passed over in silence
        named = re.finditer(rb"[\"'`]@fal-ai/server(?:less)?-proxy(?:/(?P<adapter>[a-z]{1,16}))?[\"'`]", content)
        return tuple(
            Site(m.start() + 1, (m.group("adapter") or b"").decode(), "handler", m.start() + 1, m.end() - 1, None, None,
                 why="tree-sitter is not installed (pip install tree-sitter tree-sitter-typescript)")
            for m in named
        )  # fmt: skip
    return tuple(_Reader(root).sites())


def _text(node: Node) -> str:
    return bytes(node.text or b"").decode("utf-8", "replace")


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS and node.named_children:
        node = node.named_children[0]
    return node


def _string(node: Node) -> str | None:
    """A string literal's (or a template's with no substitution) text."""
    if node.type == "string" or (
        node.type == "template_string"
        and not any(child.type == "template_substitution" for child in node.named_children)
    ):
        return _text(node)[1:-1]
    return None


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


class _Reader:
    """One parsed file: its proxy imports, its declarations, and the handlers it creates."""

    def __init__(self, root: Node) -> None:
        self.named: dict[str, tuple[str, str, int]] = {}  # local name -> (adapter, export, specifier)
        self.namespaces: dict[str, tuple[str, int]] = {}  # local name -> (adapter, specifier)
        self.imported: dict[str, str] = {}  # every other imported name -> its module
        self.declared: dict[str, Node] = {}  # name -> value (or function) declared in the file
        self.reexports: list[tuple[str, str, int, Node]] = []  # export { handler as default } from ...
        self.nodes = list(_walk(root))
        for node in self.nodes:
            self._learn(node)

    # -- what the file imports and declares ---------------------------------------------

    def _learn(self, node: Node) -> None:
        if node.type in ("import_statement", "export_statement"):
            self._import(node)
        elif node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is None or value is None:
                return
            required = self._required(value)
            if required is not None:
                self._bind_require(name, *required)
            elif name.type == "identifier":
                self.declared.setdefault(_text(name), value)
        elif node.type == "function_declaration" and (name := node.child_by_field_name("name")) is not None:
            self.declared.setdefault(_text(name), node)

    def _import(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        module = _string(source) if source is not None else None
        if module is None or source is None:
            return
        found = SPECIFIER.match(module)
        if any(child.type == "type" for child in node.children):  # import type {...}: no handler
            return
        for child in _walk(node):
            if child.type in ("import_specifier", "export_specifier"):
                original = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias") or original
                if original is None or alias is None:
                    continue
                if found is None:
                    self.imported[_text(alias)] = module
                elif node.type == "export_statement":
                    self.reexports.append((found.group("adapter") or "", _text(original), source.start_byte + 1, child))
                else:
                    self.named[_text(alias)] = (found.group("adapter") or "", _text(original), source.start_byte + 1)
            elif child.type == "namespace_import" or (
                child.type == "identifier" and child.parent is not None and child.parent.type == "import_clause"
            ):
                name = child.named_children[0] if child.type == "namespace_import" else child
                if found is None:
                    self.imported[_text(name)] = module
                else:
                    self.namespaces[_text(name)] = (found.group("adapter") or "", source.start_byte + 1)

    @staticmethod
    def _required(value: Node) -> tuple[str, int] | None:
        """``require("<module>")``: the module and its string's offset."""
        value = _unwrap(value)
        if value.type != "call_expression" or _text(value.child_by_field_name("function") or value) != "require":
            return None
        arguments = value.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        module = _string(first) if first is not None else None
        return (module, first.start_byte + 1) if module is not None and first is not None else None

    def _bind_require(self, name: Node, module: str, offset: int) -> None:
        found = SPECIFIER.match(module)
        if name.type == "identifier":
            if found is None:
                self.imported[_text(name)] = module
            else:
                self.namespaces[_text(name)] = (found.group("adapter") or "", offset)
            return
        for part in name.named_children:  # const { createHandler, handler: h } = require(...)
            key = part.child_by_field_name("key") if part.type == "pair_pattern" else part
            local = part.child_by_field_name("value") if part.type == "pair_pattern" else part
            if key is None or local is None:
                continue
            if found is None:
                self.imported[_text(local)] = module
            else:
                self.named[_text(local)] = (found.group("adapter") or "", _text(key), offset)

    # -- the handlers it creates ----------------------------------------------------------

    def sites(self) -> Iterator[Site]:
        for adapter, export, specifier, node in self.reexports:
            if FACTORIES.get(adapter, {}).get(export, 0) is None:
                yield self._judge(specifier, adapter, export, node, None, default=True)
        seen: set[str] = set()
        for node in self.nodes:
            bound = self._bound(node)
            if bound is None:
                continue
            adapter, export, specifier = bound
            if export not in FACTORIES.get(adapter, {}):
                continue
            position = FACTORIES[adapter][export]
            call = node.parent if node.parent is not None and node.parent.type == "call_expression" else None
            if position is None:  # a default handler: its first use
                if export not in seen:
                    seen.add(export)
                    yield self._judge(specifier, adapter, export, node, None, default=True)
            elif call is not None and call.child_by_field_name("function") == node:
                arguments = call.child_by_field_name("arguments")
                given = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
                options = given[position] if position < len(given) else None
                yield self._judge(specifier, adapter, export, node, options)

    def _bound(self, node: Node) -> tuple[str, str, int] | None:
        """What a reference names: a factory imported by name, or a member of the namespace."""
        parent = node.parent
        if node.type == "identifier" and parent is not None:
            if parent.type in _BINDINGS or (
                parent.type == "variable_declarator" and parent.child_by_field_name("name") == node
            ):
                return None
            return self.named.get(_text(node))
        if node.type == "member_expression":
            target, field = node.child_by_field_name("object"), node.child_by_field_name("property")
            if target is None or field is None:
                return None
            if _text(target) in self.namespaces:
                adapter, specifier = self.namespaces[_text(target)]
                return adapter, _text(field), specifier
            required = self._required(target)  # require("@fal-ai/server-proxy/nextjs").handler
            found = SPECIFIER.match(required[0]) if required is not None else None
            if found is not None and required is not None:
                return found.group("adapter") or "", _text(field), required[1]
        return None

    def _judge(
        self, specifier: int, adapter: str, factory: str, node: Node, options: Node | None, default: bool = False
    ) -> Site:
        start, end = node.start_byte, node.end_byte
        if default or options is None:
            return Site(specifier, adapter, factory, start, end, True, True, why="the defaults")
        read = _Options(self)
        read.add(options)
        return judged(Site(specifier, adapter, factory, start, end, None, None), read)

    # -- following a name to its value ----------------------------------------------------

    def resolve(self, node: Node, depth: int = 0) -> Node | str:
        """The value a name stands for, or why it is unknown."""
        node = _unwrap(node)
        while node.type in ("identifier", "shorthand_property_identifier") and depth < 8:
            name = _text(node)
            if name in self.imported or name in self.named or name in self.namespaces:
                return f"{name} is imported from {self.imported.get(name, 'the proxy package')}"
            if name not in self.declared:
                return f"{name} is not declared in this file"
            node, depth = _unwrap(self.declared[name]), depth + 1
        return node


class _Options:
    """The options a handler gets, read in order: a later property or spread overrides."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.values: dict[str, Node | str] = {}  # a property's value, or why it is unknown
        self.rest: str = ""  # why properties not set are unknown (a spread from elsewhere)

    def add(self, node: Node, depth: int = 0) -> None:
        value = self.reader.resolve(node)
        if isinstance(value, str) or value.type != "object" or depth > 8:
            why = value if isinstance(value, str) else f"the options are {_text(value)[:60]!r}"
            self.values = dict.fromkeys(self.values, why)
            self.rest = why
            return
        for part in value.named_children:
            if part.type == "pair" and (key := part.child_by_field_name("key")) is not None:
                self.values[_text(key).strip("\"'")] = part.child_by_field_name("value") or part
            elif part.type == "shorthand_property_identifier":
                self.values[_text(part)] = part
            elif part.type == "method_definition" and (name := part.child_by_field_name("name")) is not None:
                self.values[_text(name)] = part
            elif part.type == "spread_element" and part.named_children:
                self.add(part.named_children[0], depth + 1)

    def get(self, name: str) -> Node | str | None:
        """A property's value node, why it is unknown, or None when it is not set (the default)."""
        found = self.values.get(name)
        if found is None:
            return self.rest or None
        if not isinstance(found, str) and found.type == "shorthand_property_identifier":
            return self.reader.resolve(found)
        if not isinstance(found, str) and found.type == "undefined":
            return None
        return found


def _endpoints(options: _Options) -> bool | str:
    """Whether POSTs may call any endpoint (True), are restricted (False), or why unknown."""
    value = options.get("allowedEndpoints")
    if value is None or isinstance(value, str):
        return value if isinstance(value, str) else True
    patterns: list[str] = []
    for element in _array_items(options.reader, value):
        if isinstance(element, str) and element.startswith("?"):
            return element[1:]
        patterns.append(str(element))
    return not patterns or any(_ANY_SEGMENT.match(p) or _OWNER_WIDE.match(p) for p in patterns)


def _array_items(reader: _Reader, node: Node, depth: int = 0) -> Iterator[str]:
    """The strings of an array literal (spreads and names followed); ``"?why"`` for one unknown."""
    value = reader.resolve(node)
    if isinstance(value, str) or value.type != "array" or depth > 4:
        yield "?" + (value if isinstance(value, str) else f"allowedEndpoints is {_text(value)[:60]!r}")
        return
    for element in value.named_children:
        if element.type == "spread_element" and element.named_children:
            yield from _array_items(reader, element.named_children[0], depth + 1)
            continue
        resolved = reader.resolve(element)
        text = None if isinstance(resolved, str) else _string(resolved)
        if text is None:
            yield "?" + (resolved if isinstance(resolved, str) else f"an endpoint is {_text(element)[:60]!r}")
            return
        yield text


def _function_text(options: _Options, name: str) -> str | None:
    """The source of a function option (followed to its declaration), None when not set, or
    ``"?why"`` when it cannot be read."""
    value = options.get(name)
    if value is None or isinstance(value, str):
        return None if value is None else "?" + value
    resolved = options.reader.resolve(value)
    return "?" + resolved if isinstance(resolved, str) else _text(resolved)


def _body(function: str) -> str:
    return function.split("=>", 1)[-1].strip() if "=>" in function else function[function.find("{") :].strip()


def judged(site: Site, options: _Options) -> Site:
    """``site`` with what its options leave open."""
    endpoints = _endpoints(options)
    auth = _function_text(options, "resolveFalAuth")
    if auth is not None and not auth.startswith("?") and _visitor_key_only(auth, options):
        return site.replace(any_visitor=False, any_endpoint=endpoints is True, byok=True, why="bring-your-own-key")
    visitor, why = _any_visitor(options, auth)
    if why == _OWN_HEADER:
        return site.replace(any_visitor=False, any_endpoint=endpoints is True, byok=True, why=why)
    if isinstance(endpoints, str):
        why = endpoints if visitor is not None else why
        return site.replace(any_visitor=visitor, why=why)
    if visitor is None:
        return site.replace(any_endpoint=endpoints, why=why)
    return site.replace(any_visitor=visitor, any_endpoint=endpoints, why=why)


def _any_visitor(options: _Options, auth: str | None) -> tuple[bool | None, str]:
    """Whether a visitor with no credentials of their own gets the site's key spent, and why
    (None and why not, when the options cannot tell)."""
    gate = options.get("allowUnauthorizedRequests")
    if isinstance(gate, str):
        return None, gate
    if gate is not None and gate.type not in ("true", "false"):
        return None, f"allowUnauthorizedRequests is {_text(gate)[:60]!r}"
    unknown_auth = auth is not None and auth.startswith("?")
    check = _function_text(options, "isAuthenticated")
    # a check from elsewhere (the app's auth module) is taken for a real one; a local one
    # that only returns true is none
    checked = check is not None and (check.startswith("?") or not _ALWAYS_TRUE.match(_body(check)))
    if gate is None or gate.type == "true":
        if unknown_auth:  # it may forward only the visitor's own key
            return None, auth[1:] if auth else ""
        if checked:
            return (
                True,
                "isAuthenticated is set, but allowUnauthorizedRequests is not false, so the proxy ignores its answer",
            )
        return True, "allowUnauthorizedRequests is not false"
    if checked:
        return False, ""
    if check is not None:
        return (None, auth[1:]) if unknown_auth and auth else (True, "isAuthenticated accepts every request")
    # the default check passes any Authorization header, and the default resolveFalAuth forwards
    # that header instead of the site's key: a stranger spends only what they send
    if auth is None:
        return False, _OWN_HEADER
    if unknown_auth:
        return None, auth[1:]
    return True, "isAuthenticated is the default (any Authorization header passes) and resolveFalAuth sends your key"


def _visitor_key_only(function: str, options: _Options) -> bool:
    """resolveFalAuth returns the visitor's own key (x-fal-user-key) and nothing of the site's."""
    if not _VISITOR_KEY.search(function) or any(word in function for word in _SITE_KEY_WORDS):
        return False
    return not any(options.get(name) is not None for name in _SITE_KEY_OPTIONS)
