"""The repository list is untrusted input: only https, ssh and file reach git, and nothing
git could read as an option or a remote helper gets that far."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from falguard.errors import GitError, InputError
from falguard.git import mirror as git_mirror
from falguard.org.repos import parse_entry, parse_list
from tests.helpers import git

ACCEPTED = [
    ("https://github.com/acme/app.git", "https", "https://github.com/acme/app.git"),
    ("https://user@ghe.example.com/acme/app", "https", "https://user@ghe.example.com/acme/app"),
    ("ssh://git@github.com/acme/app.git", "ssh", "ssh://git@github.com/acme/app.git"),
    ("git@github.com:acme/app.git", "ssh", "git@github.com:acme/app.git"),
    ("file:///srv/git/app.git", "file", "file:///srv/git/app.git"),
    ("/srv/git/app.git", "file", "/srv/git/app.git"),
    ("  app.git  ", "file", "/base/app.git"),
]

REFUSED = [
    ("ext::sh -c touch% /tmp/pwned", "remote helper"),
    ("ext::sh", "remote helper"),
    ("fd::17", "remote helper"),
    ("https::example.com/repo", "remote helper"),
    ("--upload-pack=touch /tmp/pwned", "git option"),
    ("-u touch /tmp/pwned", "git option"),
    ("file:///srv/app.git --upload-pack=touch%20/tmp/pwned", "git option"),
    ("https://example.com/app.git --config=core.sshCommand=x", "git option"),
    ("ssh://-oProxyCommand=touch%20/tmp/pwned/app", "not a usable host"),
    ("ssh://git@-oProxyCommand=x/app", "not a usable host"),
    ("-oProxyCommand=touch:app", "git option"),
    ("git@host:-x", "not a usable ssh address"),
    ("http://example.com/app.git", "http transport is not allowed"),
    ("git://example.com/app.git", "git transport is not allowed"),
    ("ftp://example.com/app.git", "ftp transport is not allowed"),
    ("https://user:hunter2@example.com/app.git", "credentials in a URL"),
    ("file://otherhost/srv/app.git", "a file URL names a path on this machine"),
    ("https://example.com/", "not a usable repository path"),
    ("/srv/app\x1b[2J.git", "control characters"),
]


@pytest.mark.parametrize(("entry", "transport", "url"), ACCEPTED)
def test_accepted_entries(entry: str, transport: str, url: str) -> None:
    spec = parse_entry(entry, Path("/base"))
    assert (spec.transport, spec.url) == (transport, url)


@pytest.mark.parametrize(("entry", "why"), REFUSED)
def test_refused_entries(entry: str, why: str) -> None:
    with pytest.raises(InputError, match=why) as raised:
        parse_entry(entry)
    assert "hunter2" not in str(raised.value)


def test_a_list_with_one_hostile_entry_is_refused_whole_naming_the_line() -> None:
    with pytest.raises(InputError, match=r"^repos.txt:3: refused: .*remote helper"):
        parse_list(
            ["# comment", "https://github.com/acme/a", "ext::sh -c id", "https://github.com/acme/b"], "repos.txt"
        )
    assert [s.url for s in parse_list(["/a", "", "/a", "# x", "/b"])] == ["/a", "/b"]


@pytest.mark.parametrize(
    "entry",
    [
        "ext::sh -c touch% {marker}",
        "--upload-pack=touch {marker}",
        "file://{origin} --upload-pack=touch%20{marker}",
        "ssh://-oProxyCommand=touch%20{marker}/x",
    ],
)
def test_hostile_entries_run_nothing_and_exit_2(tmp_path: Path, falguard, monkeypatch, entry: str) -> None:
    marker, origin, cache = tmp_path / "pwned", tmp_path / "origin.git", tmp_path / "cache"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{origin}\n" + entry.format(marker=marker, origin=origin) + "\n")
    for args in (("--repos", str(listing)), ("--repos", "-")):
        monkeypatch.setattr(sys, "stdin", io.StringIO(listing.read_text()))
        run = falguard("audit", *args, "--cache-dir", str(cache), cwd=tmp_path)
        assert run.code == 2 and run.out == ""
        assert run.err.startswith("falguard: error: ") and ":2: refused: " in run.err and run.err.count("\n") == 1
    assert not marker.exists() and not cache.exists()


def test_git_itself_refuses_every_other_transport_for_mirrors(tmp_path: Path) -> None:
    """Defence in depth: even past the list's checks, a user's own `protocol.ext.allow` and a
    helper address cannot make a mirror clone run a program."""
    marker = tmp_path / "pwned"
    (tmp_path / "gitconfig").write_text('[protocol "ext"]\n\tallow = always\n[protocol]\n\tallow = always\n')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
        for url in (f"ext::sh -c touch% {marker}", f"-utouch {marker}"):
            with pytest.raises(GitError):
                git_mirror.clone_mirror(url, tmp_path / "m1.git")
        with pytest.raises(GitError, match="transport 'ext' not allowed"):
            git_mirror.mirror_transfer(["clone", "--mirror", "--", f"ext::sh -c touch% {marker}", "m2.git"], tmp_path)
        with pytest.raises(GitError, match="transport 'git' not allowed|not allowed"):
            git_mirror.mirror_transfer(["clone", "--mirror", "--", "git://127.0.0.1:9/x", "m3.git"], tmp_path)
    assert not marker.exists()
