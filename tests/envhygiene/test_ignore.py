"""falguard's ignore verdicts against git's own (`git check-ignore --no-index`), on real repositories."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from falguard import git as falguard_git
from falguard.envhygiene.ignore import IgnoreRules, Scope, compile_pattern, parse_patterns, pathspec_regex, plain_regex
from falguard.errors import GitError
from falguard.git import objects as git_objects
from tests.helpers import git, write

# --- what git says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    ignored: bool
    source: str
    line: int
    pattern: str


def git_verdicts(repo: Path, paths: list[str]) -> dict[str, Verdict | None]:
    """`git check-ignore --no-index -v -n -z --stdin` for every path, in one call."""
    proc = subprocess.run(
        ["git", "check-ignore", "--no-index", "-v", "-n", "-z", "--stdin"],
        cwd=repo,
        input=b"".join(p.encode() + b"\0" for p in paths),
        capture_output=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    fields = proc.stdout.split(b"\0")[:-1]
    verdicts: dict[str, Verdict | None] = {}
    for i in range(0, len(fields), 4):
        source, line, pattern, path = (f.decode() for f in fields[i : i + 4])
        verdicts[path] = None if not pattern else Verdict(not pattern.startswith("!"), source, int(line), pattern)
    return verdicts


def our_verdicts(repo: Path, paths: list[str], directories: set[str]) -> dict[str, Verdict | None]:
    found = falguard_git.find_repo(repo)
    assert found is not None
    rules = IgnoreRules.for_repo(found)
    verdicts: dict[str, Verdict | None] = {}
    for path in paths:
        match = rules.match(path, is_dir=path in directories)
        verdicts[path] = (
            None
            if match is None
            else Verdict(match.ignored, match.pattern.source, match.pattern.line, match.pattern.text)
        )
    return verdicts


def comparable(verdict: Verdict | None, excludes_file: str) -> tuple[object, ...] | None:
    """git names the excludes file as configured; compare the rest exactly."""
    if verdict is None:
        return None
    source = "<excludes>" if verdict.source in (excludes_file, str(Path(excludes_file).resolve())) else verdict.source
    return (verdict.ignored, source, verdict.line, verdict.pattern)


# --- generated repositories ------------------------------------------------------------------

DIRS = ["a", "b", "A", "dir", ".env.d", "sub"]
FILES = [".env", ".env.local", ".env.example", ".envrc", "prod.env", "x", "a", "B.txt", "x.env.bak"]
SEGMENTS = [
    "a", "b", "A", "dir", "sub", "x", "*", "**", "?", "[ab]", "[!a]", "[a-c]", "*.env", ".env*", ".env",
    ".env.*", "a*", "*a", "prod.env", ".env.d", "*.*", "**.env", "\\!x", "[",
]  # fmt: skip

paths_strategy = st.lists(
    st.tuples(st.lists(st.sampled_from(DIRS), max_size=3), st.sampled_from(FILES)).map(
        lambda t: "/".join([*t[0], t[1]])
    ),
    min_size=1,
    max_size=10,
    unique=True,
)


@st.composite
def patterns(draw: st.DrawFn) -> str:
    segments = draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3))
    body = "/".join(segments)
    if draw(st.booleans()) and draw(st.booleans()):
        body = "/" + body
    if draw(st.integers(0, 3)) == 0:
        body += "/"
    if draw(st.integers(0, 2)) == 0:
        body = "!" + body
    tail = draw(st.sampled_from(["", "", "", " ", "  ", "\r", "\\ "]))
    return body + tail


ignore_file = st.lists(st.one_of(patterns(), st.sampled_from(["", "# comment", "#.env"])), max_size=6)


@dataclass(frozen=True)
class Case:
    files: list[str]
    root: list[str]
    nested: dict[str, list[str]]
    info_exclude: list[str]
    excludes_file: list[str] | None
    ignorecase: bool


@st.composite
def cases(draw: st.DrawFn) -> Case:
    files = draw(paths_strategy)
    # a name is a file or a directory, never both
    directories = {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
    files = [f for f in files if f not in directories]
    nested_dirs = draw(st.lists(st.sampled_from(sorted(directories)), max_size=3, unique=True)) if directories else []
    return Case(
        files=files,
        root=draw(ignore_file),
        nested={d: draw(ignore_file) for d in nested_dirs},
        info_exclude=draw(st.lists(patterns(), max_size=3)),
        excludes_file=draw(st.one_of(st.none(), st.lists(patterns(), max_size=3))),
        ignorecase=draw(st.booleans()),
    )


def build(root: Path, case: Case) -> tuple[list[str], set[str], str]:
    git(root, "init", "-q")
    git(root, "config", "core.ignorecase", "true" if case.ignorecase else "false")
    for path in case.files:
        write(root, path, "")
    write(root, ".gitignore", "\n".join(case.root) + "\n")
    for directory, lines in case.nested.items():
        write(root, f"{directory}/.gitignore", "\n".join(lines))
    write(root, ".git/info/exclude", "\n".join(case.info_exclude) + "\n")
    excludes = str(root.parent / "global-ignore")
    if case.excludes_file is not None:
        Path(excludes).write_text("\n".join(case.excludes_file) + "\n")
        git(root, "config", "core.excludesFile", excludes)
    directories = {"/".join(f.split("/")[:i]) for f in case.files for i in range(1, f.count("/") + 1)}
    return sorted({*case.files, *directories}), directories, excludes


def _case(files: list[str], root: list[str], **kwargs: object) -> Case:
    defaults: dict[str, object] = {"nested": {}, "info_exclude": [], "excludes_file": None, "ignorecase": False}
    return Case(files, root, **{**defaults, **kwargs})  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
# cases a random run may not reach, each of which broke an earlier version
@example(case=_case(["a/.env", "a/x", "a/b/.env"], ["a/**", "!a/.env"]))
@example(case=_case(["a/.env", "a/x", "b/a/x"], ["a/", "!a/.env", "!a/x"]))
@example(case=_case(["a/.env"], [], excludes_file=["!a/", "![/[ab]/"]))
@example(case=_case(["a/.env", "x"], ["[/[ab]/", "x\r", "!"], info_exclude=["*.env"]))
@example(case=_case(["a/b/.env.local", "a/.env"], ["!a/"], nested={"a": ["b/", "!.env"]}, info_exclude=["*.env*"]))
@example(case=_case(["A/.ENV", "a/.env"], [".env", "a/"], ignorecase=True))
def test_verdicts_equal_git_check_ignore(case: Case) -> None:
    base = Path(tempfile.mkdtemp(prefix="falguard-ignore-"))
    try:
        root = base / "repo"
        root.mkdir()
        paths, directories, excludes = build(root, case)
        expected = git_verdicts(root, paths)
        actual = our_verdicts(root, paths, directories)
        for path in paths:
            assert comparable(actual[path], excludes) == comparable(expected[path], excludes), (path, case)
    finally:
        shutil.rmtree(base)


# --- each source and rule, spelled out ---------------------------------------------------------


def rules_for(repo: Path) -> IgnoreRules:
    found = falguard_git.find_repo(repo)
    assert found is not None
    return IgnoreRules.for_repo(found)


def test_nested_gitignore_applies_below_its_directory_only(repo: Path) -> None:
    write(repo, "app/.gitignore", ".env.local\n/.env\n")
    rules = rules_for(repo)
    assert rules.is_ignored("app/.env.local")
    assert rules.is_ignored("app/deep/.env.local")
    assert rules.is_ignored("app/.env")
    assert not rules.is_ignored("app/deep/.env")  # anchored to app/
    assert not rules.is_ignored(".env.local")
    assert rules.match("app/.env.local").pattern.source == "app/.gitignore"  # type: ignore[union-attr]


def test_deeper_gitignore_wins_over_the_root(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, "app/.gitignore", "!.env.local\n")
    rules = rules_for(repo)
    assert rules.is_ignored(".env.local")
    assert not rules.is_ignored("app/.env.local")
    assert rules.is_ignored("app/.env")


def test_negation_and_a_file_inside_an_excluded_directory(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n!.env.example\nsecrets/\n!secrets/.env.example\nconf/*\n!conf/.env.example\n")
    rules = rules_for(repo)
    assert rules.is_ignored(".env.local")
    assert not rules.is_ignored(".env.example")
    # a negation cannot re-include a file whose directory is excluded...
    decided = rules.match("secrets/.env.example")
    assert decided is not None and decided.ignored and decided.inherited and decided.matched == "secrets"
    # ...but can when only the directory's contents are
    assert not rules.is_ignored("conf/.env.example")
    assert rules.is_ignored("conf/.env")


def test_directory_only_patterns_do_not_match_files(repo: Path) -> None:
    write(repo, ".gitignore", ".env/\n")
    write(repo, ".env", "")
    rules = rules_for(repo)
    assert not rules.is_ignored(".env")
    assert rules.is_ignored(".env", is_dir=True)
    assert rules.is_ignored(".env/x")


def test_info_exclude_in_the_common_dir_of_a_linked_worktree(repo: Path, tmp_path: Path) -> None:
    write(repo, "README", "x\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "init")
    write(repo, ".git/info/exclude", ".env*\n")
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    rules = rules_for(linked)
    decided = rules.match(".env.local")
    assert decided is not None and decided.ignored and decided.scope is Scope.CLONE
    assert decided.pattern.source.endswith("info/exclude")


def test_core_excludes_file(repo: Path, tmp_path: Path) -> None:
    excludes = tmp_path / "my-ignore"
    excludes.write_text("*.env\n")
    git(repo, "config", "core.excludesFile", str(excludes))
    decided = rules_for(repo).match("deploy/prod.env")
    assert decided is not None and decided.ignored and decided.scope is Scope.MACHINE


def test_core_excludes_file_with_a_tilde(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    write(home, "ignores", ".envrc\n")
    monkeypatch.setenv("HOME", str(home))
    git(repo, "config", "core.excludesFile", "~/ignores")
    assert rules_for(repo).is_ignored(".envrc")


def test_default_excludes_file_under_xdg_config_home(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    write(xdg, "git/ignore", ".env\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert rules_for(repo).is_ignored(".env")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert not rules_for(repo).is_ignored(".env")
    write(Path(str(tmp_path / "home")), ".config/git/ignore", ".env\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert rules_for(repo).is_ignored(".env")


def test_core_ignorecase(repo: Path) -> None:
    write(repo, ".gitignore", ".ENV*\n")
    git(repo, "config", "core.ignorecase", "false")
    assert not rules_for(repo).is_ignored(".env.local")
    git(repo, "config", "core.ignorecase", "true")
    assert rules_for(repo).is_ignored(".env.local")
    assert git_verdicts(repo, [".env.local"])[".env.local"] is not None


def test_shared_rules_leave_out_local_sources(repo: Path) -> None:
    write(repo, ".git/info/exclude", ".env\n")
    rules = rules_for(repo)
    assert rules.is_ignored(".env")
    assert not rules.shared().is_ignored(".env")


def test_a_symlinked_gitignore_is_not_followed(repo: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "elsewhere", ".env\n")
    (repo / ".gitignore").symlink_to(outside)
    assert not rules_for(repo).is_ignored(".env")
    assert git_verdicts(repo, [".env"])[".env"] is None


@pytest.mark.parametrize(
    "line,expected",
    [
        ("# comment", None),
        ("", None),
        ("!", None),
        ("/", None),
        ("x[", None),  # invalid range: git discards it
        ("!.env.example", ("!.env.example", True, False)),
        (".env/", (".env/", False, True)),
    ],
)
def test_pattern_parsing(line: str, expected: tuple[str, bool, bool] | None) -> None:
    pattern = compile_pattern(line, ".gitignore", 1)
    if expected is None:
        assert pattern is None
    else:
        assert pattern is not None and (pattern.text, pattern.negated, pattern.directory_only) == expected


def test_file_reading_as_git_does() -> None:
    data = "\ufeff.env  \n\\#x\n.env.local\r\nfoo\\ \n".encode()
    patterns = parse_patterns(data, ".gitignore")
    assert [(p.line, p.text) for p in patterns] == [(1, ".env"), (2, "\\#x"), (3, ".env.local"), (4, "foo\\ ")]
    assert patterns[1].matches("#x", False)
    assert patterns[3].matches("foo ", False)


# --- plain patterns, translated without pathspec -----------------------------------------------

PLAIN_CHARS = "ab.*?/ -_"
OTHER_CHARS = "!#[]\\\t"
PATH_SEGMENTS = ["a", "b", ".a", "a.b", "ab", "ba", " a", "a b", "-_", "!a", "#", "aa.bb", "a-b"]


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(
        st.text(alphabet=PLAIN_CHARS, min_size=1, max_size=8),
        st.text(alphabet=PLAIN_CHARS + OTHER_CHARS, min_size=1, max_size=8),
    ),
    paths=st.lists(st.lists(st.sampled_from(PATH_SEGMENTS), min_size=1, max_size=4).map("/".join), max_size=12),
    ignorecase=st.booleans(),
)
@example(body="a/", paths=["a", "x/a"], ignorecase=False)
@example(body="/a", paths=["a", "x/a"], ignorecase=False)
@example(body="a*", paths=["ab", "a/b", "x/a", "x/ba"], ignorecase=True)
@example(body="a?b", paths=["a/b", "a.b", "x/a-b"], ignorecase=False)
def test_plain_patterns_match_what_pathspec_matches(body: str, paths: list[str], ignorecase: bool) -> None:
    """A body falguard translates itself matches exactly the paths pathspec's regex matches."""
    ours = plain_regex(body)
    if ours is None:
        return
    theirs = pathspec_regex(body)
    assert theirs is not None and theirs != "."
    flags = re.IGNORECASE if ignorecase else 0
    for path in paths:
        assert bool(re.fullmatch(ours, path, flags)) == bool(re.fullmatch(theirs, path, flags)), (body, path)


@pytest.mark.parametrize("body", [".env*", ".env.example", "__pycache__", "*.py?", "/build", "app/.env", "a b"])
def test_common_gitignore_lines_are_plain(body: str) -> None:
    assert plain_regex(body) is not None


@pytest.mark.parametrize("body", ["*", "a/*", "**/x", "a/**", "[ab]", "\\#x", "a/", "!x", "/", "a//b", "x\t"])
def test_other_patterns_are_left_to_pathspec(body: str) -> None:
    assert plain_regex(body) is None


# --- the ignore configuration, from one git command ---------------------------------------------

CONFIG_CASES = [
    [],
    [("core.ignorecase", "true")],
    [("core.ignorecase", "Yes")],
    [("core.ignorecase", "off")],
    [("core.ignorecase", "")],
    [("core.ignorecase", "2")],
    [("core.ignorecase", "false"), ("core.ignorecase", "true")],
    [("core.IgnoreCase", "TRUE")],
    [("core.excludesFile", "~/global-ignore")],
    [("core.excludesFile", "~")],
    [("core.excludesFile", "relative/ignore")],
    [("core.excludesFile", "/absolute/ignore")],
    [("core.excludesFile", "")],
    [("core.excludesFile", "%(prefix)/etc/ignore")],
    [("core.excludesFile", "first"), ("core.excludesFile", "second"), ("core.ignorecase", "on")],
]


@pytest.mark.parametrize("entries", CONFIG_CASES)
def test_the_ignore_configuration_is_what_git_says_of_each_value(repo: Path, entries: list[tuple[str, str]]) -> None:
    """One ``git config --get-regexp`` for both values gives what ``git config --bool/--path
    --get`` gives for each (values git alone can type are asked of it again)."""
    from falguard.envhygiene.ignore import IGNORE_CONFIG
    from falguard.git.objects import _config

    found = falguard_git.find_repo(repo)
    assert found is not None
    for name, value in entries:
        git(repo, "config", "--add", name, value)
    assert git_objects.config_values(found, *IGNORE_CONFIG) == [
        _config(found, kind, name) for kind, name in IGNORE_CONFIG
    ]


def test_a_value_git_refuses_is_refused_with_gits_own_error(repo: Path) -> None:
    found = falguard_git.find_repo(repo)
    assert found is not None
    git(repo, "config", "core.ignorecase", "maybe")
    with pytest.raises(GitError) as raised:
        git_objects.config_values(found, ("--bool", "core.ignorecase"), ("--path", "core.excludesFile"))
    assert "bad boolean config value 'maybe' for 'core.ignorecase'" in str(raised.value)
