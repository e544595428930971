"""What bundler configuration inlines into browser code: object literals of ``define``-like
settings (a framework names which), and webpack's DefinePlugin/EnvironmentPlugin in any file."""

from __future__ import annotations

import re

from falguard.browser.framework import Inlining, SourceFile
from falguard.browser.js import STRING, Entry, object_entries, scan_to, sources, string_value
from falguard.browser.names import is_fal_key_name, is_key_value

#: Bundler configs that are no framework's: read for what they inline, never server code.
BUNDLER_CONFIG_STEMS = ("webpack.config.",)

_DEFINE_PLUGIN = re.compile(
    rb"new\s{1,8}(?:[\w$]{1,64}\.){0,2}(?P<plugin>DefinePlugin|EnvironmentPlugin)\s{0,8}\(\s{0,8}(?P<open>[\[{\"'])"
)
_WHOLE_ENV = re.compile(rb"\s*(?:process\.env|import\.meta\.env|env|loadEnv\([^)]{0,200}\))\s*")


def _defined_name(key: str) -> str:
    for prefix in ("process.env.", "import.meta.env."):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key.strip("_") if key.startswith("__") else key


def entry_inlining(path: str, content: bytes, entry: Entry, how: str, *, define: bool) -> Inlining | None:
    """What one ``key: value`` of an inlining setting puts into browser code, if it is about fal.

    ``define`` settings replace expressions (``"process.env.FAL_KEY": ...``); the others
    (``env: { FAL_KEY }``) name variables."""
    name = _defined_name(entry.key) if define else entry.key
    if (
        define
        and entry.key in ("process.env", "import.meta.env")
        and _WHOLE_ENV.fullmatch(content, entry.value_start, entry.value_end)
    ):
        return Inlining(path, entry.key_start, "*", how)
    found = sources(content, entry.value_start, entry.value_end, {})
    literals = [s for s in found if s.kind == "literal" and is_key_value(s.value)]
    if literals:
        return Inlining(path, literals[0].offset, name, how, literal=literals[0].value)
    reads = [s for s in found if s.kind == "env" and is_fal_key_name(s.value)]
    if is_fal_key_name(name) or reads:
        return Inlining(path, entry.key_start, name, how)
    return None


def object_inlinings(source: SourceFile, setting: re.Pattern[bytes], how: str, *, define: bool) -> list[Inlining]:
    """Inlinings in every object literal ``setting`` finds (the match ends at its ``{``)."""
    found = []
    for match in setting.finditer(source.content):
        for entry in object_entries(source.content, match.end() - 1):
            inlining = entry_inlining(source.path, source.content, entry, how, define=define)
            if inlining:
                found.append(inlining)
    return found


def plugin_inlinings(source: SourceFile) -> list[Inlining]:
    """``new webpack.DefinePlugin({...})`` and ``new EnvironmentPlugin([...])`` with fal keys."""
    content, path = source.content, source.path
    found: list[Inlining] = []
    for match in _DEFINE_PLUGIN.finditer(content):
        plugin = match.group("plugin").decode()
        how = f"webpack {plugin}"
        opener = match.start("open")
        if content[opener] == 0x7B:  # {
            for entry in object_entries(content, opener):
                inlining = entry_inlining(path, content, entry, how, define=plugin == "DefinePlugin")
                if inlining:
                    found.append(inlining)
        elif plugin == "EnvironmentPlugin":  # ["FAL_KEY", ...] or "FAL_KEY"
            end = scan_to(content, opener + 1) if content[opener] == 0x5B else opener + 200
            for literal in STRING.finditer(content, opener, min(end + 1, len(content))):
                value = string_value(literal)[0]
                if is_fal_key_name(value):
                    found.append(Inlining(path, literal.start(), value, how))
    return found
