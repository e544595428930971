"""Is a path ignored? The answer git gives, from every source git reads.

Patterns are compiled with pathspec's gitignore matching (:class:`pathspec.GitIgnoreSpec`'s
pattern class), but for the plainest ones (literal characters, ``*`` and ``?`` within a
segment), which falguard translates itself so that a ``.gitignore`` of such lines (``.env*``,
``!.env.example``, ``__pycache__/``) does not load pathspec on the hook's path. The order in
which they are consulted follows git (``dir.c``), which a single ``GitIgnoreSpec`` cannot
express:

* sources by precedence: the ``.gitignore`` files from the path's own directory up to the
  root (deepest first), then ``$GIT_COMMON_DIR/info/exclude``, then ``core.excludesFile``
  (default ``$XDG_CONFIG_HOME/git/ignore`` or ``~/.config/git/ignore``); within a source the
  last matching pattern wins, and the first source with a match decides;
* a pattern matches a path itself, never "everything under" it: git decides a path inside a
  directory by first deciding the directory, and a file inside an excluded directory stays
  excluded whatever a later ``!pattern`` says (git never even reads that directory's
  ``.gitignore``);
* ``core.ignorecase`` matches case-insensitively.

Lines are read as git reads them: a UTF-8 BOM is skipped, one trailing CR is dropped,
trailing spaces are trimmed unless escaped, ``#`` starts a comment, patterns with an invalid
range are discarded, and a symlinked ``.gitignore`` in the work tree is not followed.
"""

from __future__ import annotations

import enum
import os
import re
import stat
import warnings
from collections.abc import Sequence
from pathlib import Path

from falguard import git
from falguard.git import objects as git_objects
from falguard.models import Record, Value, _set


class Scope(enum.Enum):
    """Who an ignore source protects."""

    SHARED = "shared"  # a .gitignore: committed, the same for everyone
    CLONE = "clone"  # .git/info/exclude: this clone only
    MACHINE = "machine"  # core.excludesFile: every repository of this user on this machine


class Pattern(Value):
    """One pattern line of an ignore file."""

    __slots__ = ("source", "line", "text", "negated", "directory_only", "regex", "prefix", "anything")
    source: str  # as git -v shows it: ".gitignore", "sub/.gitignore", the exclude file's path
    line: int
    text: str  # the pattern as written (trailing spaces trimmed)
    negated: bool
    directory_only: bool
    regex: re.Pattern[str]
    prefix: bool  # ends in "/**": matches everything strictly below a directory
    anything: bool  # "*" or "**/*": matches every path

    def __init__(
        self,
        source: str,
        line: int,
        text: str,
        negated: bool,
        directory_only: bool,
        regex: re.Pattern[str],
        prefix: bool,
        anything: bool,
    ) -> None:
        _set(self, "source", source)
        _set(self, "line", line)
        _set(self, "text", text)
        _set(self, "negated", negated)
        _set(self, "directory_only", directory_only)
        _set(self, "regex", regex)
        _set(self, "prefix", prefix)
        _set(self, "anything", anything)

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether this pattern matches ``path`` (relative to the pattern's base) itself."""
        if self.directory_only and not is_dir:
            return False
        if self.anything:
            return True
        if self.prefix:
            return self.regex.search(path) is not None
        return self.regex.fullmatch(path) is not None


class PatternFile(Value):
    """The patterns of one ignore file, and the directory they are relative to."""

    __slots__ = ("source", "base", "scope", "patterns")
    source: str
    base: str  # "" or "dir/sub/" (with the trailing slash)
    scope: Scope
    patterns: tuple[Pattern, ...]

    def __init__(self, source: str, base: str, scope: Scope, patterns: tuple[Pattern, ...]) -> None:
        _set(self, "source", source)
        _set(self, "base", base)
        _set(self, "scope", scope)
        _set(self, "patterns", patterns)

    def last_match(self, path: str, is_dir: bool) -> Pattern | None:
        relative = path[len(self.base) :]
        for pattern in reversed(self.patterns):
            if pattern.matches(relative, is_dir):
                return pattern
        return None


class Match(Value):
    """The pattern that decided a path, and the path it matched (the path or a parent)."""

    __slots__ = ("pattern", "scope", "matched", "inherited")
    pattern: Pattern
    scope: Scope
    matched: str  # the path itself, or the excluded parent directory that decided it
    inherited: bool  # True when ``matched`` is a parent directory

    def __init__(self, pattern: Pattern, scope: Scope, matched: str, inherited: bool = False) -> None:
        _set(self, "pattern", pattern)
        _set(self, "scope", scope)
        _set(self, "matched", matched)
        _set(self, "inherited", inherited)

    @property
    def ignored(self) -> bool:
        return not self.pattern.negated

    def describe(self) -> str:
        where = f"{self.pattern.source}:{self.pattern.line} ({self.pattern.text})"
        return f"{where}, which excludes its directory {self.matched}/" if self.inherited else where


# --- parsing ---------------------------------------------------------------------------------


def _trim_trailing_spaces(line: str) -> str:
    """git's ``trim_trailing_spaces``: drop unescaped trailing spaces (not tabs)."""
    last_space: int | None = None
    i = 0
    while i < len(line):
        char = line[i]
        if char == " ":
            if last_space is None:
                last_space = i
        elif char == "\\":
            i += 1
            if i >= len(line):
                return line
            last_space = None
        else:
            last_space = None
        i += 1
    return line if last_space is None else line[:last_space]


def _bracket_end(body: str, start: int) -> int | None:
    """Index of the ``]`` closing the bracket expression opened at ``start``, as wildmatch reads it."""
    i = start + 1
    if i < len(body) and body[i] in "!^":
        i += 1
    if i < len(body) and body[i] == "]":
        i += 1
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body.startswith("[:", i):
            close = body.find(":]", i + 2)
            if close != -1:
                i = close + 2
                continue
        if body[i] == "]":
            return i
        i += 1
    return None


def _drop_slashes_in_brackets(body: str) -> str:
    """``[/ab]`` never matches ``/`` (git matches with WM_PATHNAME), so it means ``[ab]``.

    pathspec splits a pattern on every ``/`` first, even inside brackets; git does not. The
    slash still makes the pattern anchored, as git decides that from any ``/`` in it.
    """
    out: list[str] = []
    i = 0
    changed = False
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i : i + 2])
            i += 2
            continue
        end = _bracket_end(body, i) if body[i] == "[" else None
        if end is not None:
            inner = body[i : end + 1]
            changed = changed or "/" in inner
            out.append(inner.replace("/", ""))
            i = end + 1
            continue
        out.append(body[i])
        i += 1
    result = "".join(out)
    if changed and "/" not in result:
        result = "/" + result  # still anchored
    return result


def _pathspec_body(body: str) -> str:
    """Shield a pattern body from what pathspec reads differently than git."""
    if "[" in body and "/" in body:
        body = _drop_slashes_in_brackets(body)
    if body.startswith(("!", "#")):
        body = "\\" + body  # git strips one "!"; what follows is literal
    if body and body[-1].isspace() and body[-1] != " ":
        # git keeps a trailing tab; pathspec would strip it: say it as a bracket expression
        escaped = body.endswith("\\" + body[-1]) and not body.endswith("\\\\" + body[-1])
        body = body[: -2 if escaped else -1] + f"[{body[-1]}]"
    return body


def plain_regex(body: str) -> str | None:
    """The regex for a pattern body of literal characters with ``*`` and ``?`` inside segments
    (what git's wildmatch makes of it, and what pathspec would give), or None for any other
    body: brackets, escapes, ``**``, a segment that is only ``*``, a leading ``!`` or ``#``,
    trailing white space, an empty segment. A body with a slash is anchored at the base."""
    if (
        not body.strip("/")
        or any(char in body for char in "[]\\")
        or "**" in body
        or "//" in body
        or body.endswith("/")
        or body[-1].isspace()
        or body.startswith(("!", "#"))
        or "*" in body.split("/")
    ):
        return None
    start = "^" if "/" in body else "^(?:.+/)?"
    glob = {"*": "[^/]*", "?": "[^/]"}
    return start + "".join(glob.get(char) or re.escape(char) for char in body.removeprefix("/")) + "$"


def pathspec_regex(body: str) -> str | None:
    """The regex pathspec's gitignore pattern class makes of ``body``, or None when git would
    discard the pattern (an invalid range, a pattern pathspec cannot read)."""
    from pathspec.patterns.gitignore import GitIgnorePatternError
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" for a literal "[" in a range
        try:
            compiled = GitIgnoreSpecPattern(_pathspec_body(body))
        except (GitIgnorePatternError, ValueError):
            return None
    if compiled.regex is None:
        return None  # an invalid range: git discards the pattern
    regex = compiled.regex.pattern
    assert isinstance(regex, str)
    return regex


def compile_pattern(text: str, source: str, line: int, *, ignorecase: bool = False) -> Pattern | None:
    """One line of an ignore file as git parses it, or None when git would skip it."""
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    body = text[1:] if negated else text
    directory_only = body.endswith("/")
    if directory_only:
        body = body[:-1]
    if not body:
        return None
    regex = plain_regex(body) or pathspec_regex(body)
    if regex is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" for a literal "[" in a range
        compiled_regex = re.compile(regex, re.IGNORECASE if ignorecase else 0)
    return Pattern(
        source=source,
        line=line,
        text=text,
        negated=negated,
        directory_only=directory_only,
        regex=compiled_regex,
        prefix=body == "**" or body.endswith("/**"),
        anything=regex == ".",
    )


def parse_patterns(data: bytes, source: str, *, ignorecase: bool = False) -> tuple[Pattern, ...]:
    """Every pattern of an ignore file's content, with its line number."""
    text = data.decode("utf-8", "surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    patterns: list[Pattern] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if not raw or raw.startswith("#"):
            continue
        pattern = compile_pattern(_trim_trailing_spaces(raw), source, number, ignorecase=ignorecase)
        if pattern is not None:
            patterns.append(pattern)
    return tuple(patterns)


def _read_nofollow(path: Path) -> bytes | None:
    """The file's bytes; None if it is missing, not a regular file, a symlink or unreadable."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


#: What the ignore rules read from git's configuration, ``(kind, name)`` as
#: :func:`falguard.git.config_values` takes them.
IGNORE_CONFIG = (("--bool", "core.ignorecase"), ("--path", "core.excludesFile"))


# --- the rule set ----------------------------------------------------------------------------


class IgnoreRules(Record):
    """Every ignore source of one work tree, with git's precedence.

    ``.gitignore`` files are read from disk lazily, the first time a path below their
    directory is asked about, as git reads them during its walk.
    """

    __slots__ = ("root", "ignorecase", "extra", "read_gitignore", "_gitignores")
    root: Path
    ignorecase: bool
    extra: tuple[PatternFile, ...]  # info/exclude, then core.excludesFile
    read_gitignore: bool
    _gitignores: dict[str, PatternFile | None]

    def __init__(
        self,
        root: Path,
        ignorecase: bool = False,
        extra: tuple[PatternFile, ...] = (),
        read_gitignore: bool = True,
        _gitignores: dict[str, PatternFile | None] | None = None,
    ) -> None:
        self.root = root
        self.ignorecase = ignorecase
        self.extra = extra
        self.read_gitignore = read_gitignore
        self._gitignores = {} if _gitignores is None else _gitignores

    @classmethod
    def for_directory(cls, root: str | os.PathLike[str], *, ignorecase: bool = False) -> IgnoreRules:
        """Only the ``.gitignore`` files under ``root`` (a plain directory, or the shared rules)."""
        return cls(Path(root), ignorecase=ignorecase)

    @classmethod
    def for_repo(cls, repo: git.Repo, values: Sequence[str | None] | None = None) -> IgnoreRules:
        """Every source git uses for ``repo``'s work tree (``values``: the :data:`IGNORE_CONFIG`
        values, when the caller asked git for them already)."""
        assert repo.toplevel is not None
        ignorecase_value, configured_excludes = (
            values if values is not None else git_objects.config_values(repo, *IGNORE_CONFIG)
        )
        ignorecase = ignorecase_value == "true"
        extra: list[PatternFile] = []
        info_exclude = repo.common_dir / "info" / "exclude"
        data = _read_file(info_exclude)
        if data is not None:
            source = _display(info_exclude, repo.toplevel)
            extra.append(PatternFile(source, "", Scope.CLONE, parse_patterns(data, source, ignorecase=ignorecase)))
        excludes_file = global_excludes_file(repo, configured_excludes)
        data = _read_file(excludes_file) if excludes_file is not None else None
        if excludes_file is not None and data is not None:
            source = str(excludes_file)
            extra.append(PatternFile(source, "", Scope.MACHINE, parse_patterns(data, source, ignorecase=ignorecase)))
        return cls(repo.toplevel, ignorecase=ignorecase, extra=tuple(extra))

    def shared(self) -> IgnoreRules:
        """The same work tree with only its ``.gitignore`` files: what the whole team gets."""
        return IgnoreRules(self.root, ignorecase=self.ignorecase, _gitignores=self._gitignores)

    def with_gitignore(self, directory: str, content: bytes) -> IgnoreRules:
        """A copy in which ``directory``'s ``.gitignore`` has ``content`` (to try an edit)."""
        copy = IgnoreRules(self.root, self.ignorecase, self.extra, self.read_gitignore, dict(self._gitignores))
        copy._gitignores[directory] = self._pattern_file(directory, content)
        return copy

    def _pattern_file(self, directory: str, data: bytes) -> PatternFile:
        source = f"{directory}.gitignore"
        return PatternFile(source, directory, Scope.SHARED, parse_patterns(data, source, ignorecase=self.ignorecase))

    def _gitignore(self, directory: str) -> PatternFile | None:
        """The ``.gitignore`` of ``directory`` ("" or "a/b/"), read once."""
        if directory not in self._gitignores:
            data = _read_nofollow(self.root / directory / ".gitignore") if self.read_gitignore else None
            self._gitignores[directory] = None if data is None else self._pattern_file(directory, data)
        return self._gitignores[directory]

    def _sources(self, path: str) -> list[PatternFile]:
        """The pattern files that apply to ``path``, highest precedence first."""
        parts = path.split("/")[:-1]
        directories = ["/".join(parts[:depth]) + "/" if depth else "" for depth in range(len(parts), -1, -1)]
        files = [pattern_file for d in directories if (pattern_file := self._gitignore(d)) is not None]
        return [*files, *self.extra]

    def _own_match(self, path: str, is_dir: bool) -> Match | None:
        for pattern_file in self._sources(path):
            pattern = pattern_file.last_match(path, is_dir)
            if pattern is not None:
                return Match(pattern, pattern_file.scope, path)
        return None

    def match(self, path: str, *, is_dir: bool = False) -> Match | None:
        """The pattern that decides ``path`` (relative, ``/``-separated), or None if none does.

        A path inside an excluded directory is decided by that directory's pattern.
        """
        path = path.strip("/")
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            decided = self._own_match(parent, True)
            if decided is not None and decided.ignored:
                return Match(decided.pattern, decided.scope, parent, inherited=True)
        return self._own_match(path, is_dir)

    def is_ignored(self, path: str, *, is_dir: bool = False) -> bool:
        decided = self.match(path, is_dir=is_dir)
        return decided is not None and decided.ignored


def global_excludes_file(repo: git.Repo, configured: str | None) -> Path | None:
    """``core.excludesFile`` as configured (with ``~`` expanded by git), or git's default location."""
    if configured is not None:
        path = Path(configured)
        return path if path.is_absolute() else repo.cwd / path
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "git" / "ignore"
    home = os.environ.get("HOME")
    return Path(home) / ".config" / "git" / "ignore" if home else None


def _display(path: Path, toplevel: Path) -> str:
    try:
        return path.resolve().relative_to(toplevel.resolve()).as_posix()
    except ValueError:
        return str(path)
