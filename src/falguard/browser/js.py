"""Reading JavaScript, boundedly: brackets, object literals, strings, env reads.

JavaScript is read with bounded regular expressions and a small bracket scanner, not parsed:
every helper looks at a bounded number of bytes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from falguard.browser.names import is_fal_key_name

_SCAN_LIMIT = 16384  # bytes a bracket scan looks at before giving up
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


def within(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


#: process.env.X, import.meta.env.X, env.X ($env/dynamic/public, loadEnv), env["X"]; it starts
#: with the literal "env" so the regex engine skips ahead quickly
ENV_READ = re.compile(rb"env(?<![\w$]env)(?:\.|\[\s{0,4}[\"'`])(?P<name>[A-Za-z_][A-Za-z0-9_]{0,127})")
_NAMED_IMPORT = re.compile(
    rb"import\s{0,8}\{(?P<names>[^}]{0,800})\}\s{0,8}from\s{0,8}[\"'](?P<spec>[^\"'\n]{1,200})[\"']"
)
STRING = re.compile(rb"\"(?P<dq>[^\"\\\n]{1,300})\"|'(?P<sq>[^'\\\n]{1,300})'|`(?P<bq>[^`\\$]{1,300})`")
_IDENTIFIER = re.compile(rb"(?<![\w$.])[A-Za-z_$][\w$]{0,127}(?![\w$])")
_JS_WORDS = frozenset(
    b"const let var new typeof await async function return true false null undefined this process import "
    b"meta env window globalThis localStorage sessionStorage JSON String".split()
)


def string_value(match: re.Match[bytes]) -> tuple[str, int, int]:
    """(text, start, end) of a ``STRING`` match, quotes excluded."""
    group = "dq" if match.group("dq") else "sq" if match.group("sq") else "bq"
    return match.group(group).decode("utf-8", "replace"), match.start(group), match.end(group)


def named_imports(content: bytes, modules: Collection[str]) -> dict[str, str]:
    """Local name -> imported name, for ``import { A, B as C } from "<module>"`` of ``modules``."""
    names: dict[str, str] = {}
    if not modules:
        return names
    for match in _NAMED_IMPORT.finditer(content):
        if match.group("spec").decode("utf-8", "replace") not in modules:
            continue
        for part in match.group("names").decode("utf-8", "replace").split(","):
            original, _, alias = part.strip().partition(" as ")
            if original.strip():
                names[(alias or original).strip()] = original.strip()
    return names


@dataclass(frozen=True)
class Source:
    """Where a credentials expression gets its value: a literal or a variable read."""

    kind: str  # literal | env | runtime (a framework's public runtime configuration)
    value: str  # the literal, the variable's name, or the runtime configuration's key
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


def sources(
    content: bytes,
    start: int,
    end: int,
    env_imports: dict[str, str],
    runtime: re.Pattern[bytes] | None = None,
    depth: int = 0,
) -> list[Source]:
    """The literals and variable reads an expression is made of, following ``const x = ...``
    in the same file up to two levels; ``runtime`` finds reads of a public runtime configuration."""
    found: list[Source] = []
    for match in ENV_READ.finditer(content, start, end):
        found.append(Source("env", match.group("name").decode(), match.start(), match.end("name")))
    for match in STRING.finditer(content, start, end):
        found.append(Source("literal", *string_value(match)))
    for match in runtime.finditer(content, start, end) if runtime is not None else ():
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
                found.extend(sources(content, declared[0], declared[1], env_imports, runtime, depth + 1))
    return found
