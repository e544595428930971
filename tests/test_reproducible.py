"""Reports are reproducible byte for byte: a history scan reads with several cat-file readers
in threads, and nothing a report says may depend on which of them delivered first, nor on
how many there are, nor on whether hyperscan is installed.

Nothing is left out of the comparisons: neither the JSON nor the SARIF carries the time of
the run (the dates they hold are the commits'), so whole documents are compared.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from falguard.config import Config
from falguard.git import history as git_history
from falguard.report import ReportContext, audit_renderer, renderer
from falguard.scans import audit as audits
from falguard.scans import historyscan
from falguard.sources import history
from tests.conftest import isolate_git
from tests.helpers import commit_all, git, run_cli, write
from tests.keys import fake_fal_key, fake_key_id_secret

#: Blobs larger than this are skipped and noted in ``skipped_paths``, by whichever reader met them.
MAX_SIZE = 100_000
PUBLIC = "NEXT_PUBLIC_" + "FAL_KEY"  # split, so falguard's own tree scans clean
PUBLIC_PATHS = ["web/.env.production", "app/.env.local", "site/config.js", "a/b/.env"]


def build(repo: Path) -> None:
    """Keys in many files and commits, one exposed to the browser at several paths, one added
    at two paths by one commit, keys in commit and tag messages at the same place, split and
    base64-encoded keys, and oversized blobs at paths every reader gets a share of."""
    rng = random.Random(2026)
    git(repo, "init", "-q", "-b", "main")
    exposed, twice, *keys = (fake_key_id_secret(rng) for _ in range(7))
    for path in PUBLIC_PATHS:
        if ".env" in path:
            write(repo, path, f"{PUBLIC}={exposed}\n")
        else:
            write(repo, path, f'process.env.{PUBLIC} ??= "{exposed}";\n')
    write(repo, "example.js", f'const key = "{twice}";\n')
    write(repo, "docs/usage.md", "Call fal.run('fal-ai/flux/dev') from the server.\n")  # names fal, holds no key
    write(repo, "example.ts", f'const key: string = "{twice}";\n')
    for n in range(12):
        write(repo, f"src/mod{n}.py", f'FAL_KEY = "{keys[n % 3]}"  # {n}\n')
    commit_all(repo, "initial")
    for n in range(12):
        write(repo, f"lib/f{n}.js", f"fal.config({{ credentials: process.env.{PUBLIC} }}); // {n}\n")
    key_id, secret = keys[3].split(":")
    write(repo, "split.js", f'const k = "{key_id}" + ":" + "{secret}";\n')
    write(repo, "encoded.txt", "data: " + base64.b64encode(f"FAL_KEY={keys[4]}\n".encode()).decode() + "\n")
    for n in range(8):
        write(repo, f"big/b{n}.txt", chr(ord("a") + n) * (MAX_SIZE + 1))
    commit_all(repo, "second")
    for n in range(4):  # four keys, each at the same place of a tag message
        git(repo, "tag", "-a", f"v{n}", "-m", f"release {fake_key_id_secret(rng)}")
    shared = fake_key_id_secret(rng)
    for n in range(3):  # one key in three tag messages, each at another column
        git(repo, "tag", "-a", f"w{n}", "-m", f"{'x' * n}note {shared}")
    again = fake_key_id_secret(rng)
    for n in range(3):  # one key in three commit messages of the same second
        write(repo, f"n{n}.txt", str(n))
        commit_all(repo, f"{'y' * n}again {again}")
    for n in range(6):
        write(repo, f"src/mod{n}.py", "import os\nFAL_KEY = os.environ['FAL_KEY']\n")
    commit_all(repo, "read the key from the environment")
    git(repo, "checkout", "-q", "-b", "side")
    write(repo, "side/.env", f"FAL_KEY={fake_fal_key(rng)}\n{PUBLIC}={exposed}\n")
    commit_all(repo, "side")
    git(repo, "checkout", "-q", "main")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_git(tmp_path_factory.mktemp("home"), patch)
        patch.setenv("GIT_AUTHOR_DATE", "2026-03-04T10:20:00+00:00")
        patch.setenv("GIT_COMMITTER_DATE", "2026-03-04T10:20:00+00:00")
        repo = tmp_path_factory.mktemp("reproducible") / "repo"
        repo.mkdir()
        build(repo)
        yield repo


def reports(repo: Path) -> dict[str, str]:
    """Every report of one history scan and one audit, by format."""
    config = Config(max_file_size=MAX_SIZE)
    context = ReportContext(fail_on=config.fail_on)
    result = historyscan.scan_history(str(repo), config=config)
    told = audits.tell(audits.collect(str(repo), config))
    rendered = {name: renderer(name)(result, context) for name in ("json", "sarif", "text", "github")}
    for name in ("json", "text"):
        render = audit_renderer(name)
        assert render is not None
        rendered[f"audit {name}"] = render(told, context)
    return rendered


def test_history_reports_do_not_depend_on_the_readers(planted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    stream = git_history.ObjectStream

    def counted(*args: Any, **kwargs: Any) -> Any:
        started.append(kwargs.get("workers", 1))
        return stream(*args, **kwargs)

    monkeypatch.setattr(git_history, "ObjectStream", counted)
    seen = []
    for workers in (1, 3, 4, 7, 4):  # the split between readers, and their timing, change
        monkeypatch.setattr(history, "READ_WORKERS", workers)
        seen.append(reports(planted))
    assert {1, 3, 4, 7} <= set(started)  # the blob readers of each run are as many as asked
    first = seen[0]
    for other in seen:
        for name, text in first.items():
            assert other[name] == text, name
    document = json.loads(first["json"])
    findings = document["findings"]
    # what the scans had to agree on is there: oversized blobs that several readers met,
    # several keys in tag messages, a key exposed at several paths, a key added at two
    assert len(document["summary"]["skipped_paths"]) == 8
    assert sum(f["path"] == "(tag message)" for f in findings) == 5
    exposed = [f for f in findings if f["rule"] == "public-fal-key" and f["secret"] != PUBLIC]
    assert [f["path"] for f in exposed] == [min(PUBLIC_PATHS)]
    assert exposed[0]["paths"][: len(PUBLIC_PATHS)] == sorted(PUBLIC_PATHS)
    (twice,) = [f for f in findings if f.get("paths") == ["example.js", "example.ts"]]
    assert twice["path"] == "example.js"


def _cli_history(repo: Path, fmt: str, **env: str) -> str:
    run = run_cli("scan", "--history", "--max-file-size", str(MAX_SIZE), "--format", fmt, cwd=repo, env=env)
    assert run.code == 1, run.err
    return run.out


def test_the_command_gives_the_same_bytes_with_and_without_hyperscan(planted: Path) -> None:
    expected = reports(planted)
    for env in ({}, {"FALGUARD_NO_HYPERSCAN": "1"}):
        assert _cli_history(planted, "json", **env) == expected["json"]
        assert _cli_history(planted, "sarif", **env) == expected["sarif"]


def test_merged_reports_do_not_depend_on_the_order_of_the_files(
    planted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, falguard: Any
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-03-04T10:20:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-03-04T10:20:00+00:00")
    saved = []
    for index, repo in enumerate([planted, tmp_path / "beta", tmp_path / "gamma"]):
        if repo != planted:
            repo.mkdir()
            git(repo, "init", "-q")
            write(repo, "app.py", f"K = '{fake_key_id_secret(random.Random(index))}'\n")
            commit_all(repo)
        report = tmp_path / f"{index}.json"
        run = falguard("audit", "--max-file-size", str(MAX_SIZE), "--format", "json", "-o", str(report), cwd=repo)
        assert run.code == 1, run.err
        saved.append(str(report))
    for fmt in ("json", "text"):
        outputs = set()
        for order in (saved, saved[::-1], saved[1:] + saved[:1]):
            run = falguard("report", "--merge", *order, "--format", fmt, cwd=tmp_path)
            assert run.code == 1, run.err
            outputs.add(run.out)
        assert len(outputs) == 1, fmt


def test_history_reports_do_not_depend_on_where_the_finder_pass_runs(
    planted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blob readers' finder pass (Prescan, on their threads), which also keeps blobs that
    hold nothing from the pipeline, and the pipeline's own, and the scan that makes none (the
    first 16 MB of a scan), report the same."""
    from falguard.detection import fastfind
    from falguard.expand.encoded import Decoder, Prescan
    from falguard.scans import pipeline

    decoder_of = pipeline.decoder_of
    passes: list[bool] = []
    made = Prescan.__call__

    def counted(self: Prescan, content: bytes, looked_through: int) -> Any:
        found = made(self, content, looked_through)
        passes.append(found is not None)
        return found

    def eager(config: Config) -> Decoder:  # the pass from the first byte on
        decoder = decoder_of(config)
        return Decoder(decoder.rules, decoder.prefilter, one_pass_after=0)

    quiet: list[bool] = []
    judged = Prescan.quiet

    def counted_quiet(self: Prescan, scanned: Any) -> bool:
        quiet.append(judged(self, scanned))
        return quiet[-1]

    monkeypatch.setattr(Prescan, "__call__", counted)
    monkeypatch.setattr(Prescan, "quiet", counted_quiet)
    monkeypatch.setattr(pipeline, "decoder_of", eager)
    in_readers = reports(planted)
    if fastfind.scanner_of((b"fal(?=_)",)) is not None:  # hyperscan: the readers made the pass
        assert sum(passes) >= 20, passes
        assert any(quiet) and not all(quiet)  # docs/usage.md went no further than its reader
    else:
        assert passes and not any(passes)
    monkeypatch.setattr(Prescan, "__call__", lambda self, content, looked_through: None)
    in_pipeline = reports(planted)
    monkeypatch.setattr(pipeline, "decoder_of", decoder_of)
    unhurried = reports(planted)
    for name, text in in_readers.items():
        assert in_pipeline[name] == text == unhurried[name], name
