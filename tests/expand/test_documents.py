"""Documents on every source: a key in a Word file split across runs, in a slide, a
spreadsheet, an OpenDocument file or a browser-printed PDF is found with its key id at
``file!/part`` (``report.pdf!/page/N``), in the working tree, the staged index (the
pre-commit hook), history and stdin; decoys stay quiet."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from falguard.expand.archives import Limits, expanded
from falguard.models import Origin, Summary
from falguard.sources import Item
from tests.expand.archives import MB, zip_of
from tests.expand.documents import chromium_or_skip, docx, odf, pptx, printed_pdf, xlsx
from tests.helpers import commit_all, git, run_cli, write
from tests.keys import fake_key_id_secret, fake_uuid

ID_SECRET = "fal-key-id-secret"


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def halves(secret: str) -> list[str]:
    """A key as Word splits it: the id and the colon in one run, the secret in two more."""
    key_id, hex32 = secret.split(":")
    return ["FAL_KEY=", f"{key_id}:", hex32[:11], hex32[11:]]


def decoys(seed: int) -> list[list[str]]:
    """What must not be reported: a key id alone, a masked key, the placeholder pair."""
    key_id = fake_uuid(random.Random(seed))
    return [
        ["Key id (safe to share): ", key_id],
        ["Masked in the dashboard: ", f"{key_id}:", "****", "c3bb"],
        ["FAL_KEY=", "FAL_KEY_ID", ":FAL_KEY_SECRET"],
    ]


#: path -> (document bytes, [(expected finding path, key)]); built once, the PDF printed once.
Documents = dict[str, tuple[bytes, list[tuple[str, str]]]]


def _pdf_html(first: str, second: str, third: str, seed: int) -> str:
    key_id = fake_uuid(random.Random(seed))
    prose = "To run the nightly job, export the key in the shell first. " * 3
    return (
        "<html><body style='font-family:sans-serif;font-size:14px'><h1>Runbook</h1>"
        f'<p>{prose}Then: export FAL_KEY="{first}" and start the worker with the usual flags.</p>'
        f"<p>The key id alone, {key_id}, is safe to share; so is FAL_KEY_ID:FAL_KEY_SECRET.</p>"
        f"<table><tr><td style='width:110px;font-size:16px'>{second}</td><td>staging</td></tr></table>"
        f"<pre style='page-break-before:always'>$ export FAL_KEY={third}\n$ fal run app.py</pre>"
        "</body></html>"
    )


@pytest.fixture(scope="module")
def documents() -> Documents:
    chromium_or_skip()
    pdf_keys = key(11), key(12), key(13)
    return {
        "docs/runbook.docx": (
            docx([["Runbook"], halves(key(1)), *decoys(101)]),
            [("docs/runbook.docx!/word/document.xml", key(1))],
        ),
        "docs/deck.pptx": (
            pptx([[["Intro"]], [halves(key(2)), *decoys(102)]], notes=f"speaker: FAL_KEY={key(3)}"),
            [
                ("docs/deck.pptx!/ppt/slides/slide2.xml", key(2)),
                ("docs/deck.pptx!/ppt/notesSlides/notesSlide1.xml", key(3)),
            ],
        ),
        "docs/budget.xlsx": (
            xlsx([["month"], halves(key(4)), *decoys(104)]),
            [("docs/budget.xlsx!/xl/sharedStrings.xml", key(4))],
        ),
        "docs/notes.odt": (odf([halves(key(5)), *decoys(105)]), [("docs/notes.odt!/content.xml", key(5))]),
        "docs/talk.odp": (odf([halves(key(6))], "presentation"), [("docs/talk.odp!/content.xml", key(6))]),
        "docs/costs.ods": (odf([halves(key(7))], "spreadsheet"), [("docs/costs.ods!/content.xml", key(7))]),
        "docs/report.pdf": (
            printed_pdf(_pdf_html(*pdf_keys, seed=111)),
            [
                ("docs/report.pdf!/page/1", pdf_keys[0]),
                ("docs/report.pdf!/page/1", pdf_keys[1]),
                ("docs/report.pdf!/page/2", pdf_keys[2]),
            ],
        ),  # fmt: skip
    }


def expected(documents: Documents) -> set[tuple[str, str]]:
    return {(path, secret.split(":")[0]) for _, keys in documents.values() for path, secret in keys}


def found(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["path"], f["key_id"]) for f in findings if f["rule"] == ID_SECRET}


def planted(repo: Path, documents: Documents) -> None:
    write(repo, ".gitignore", ".env*\n")
    for path, (data, _) in documents.items():
        write(repo, path, data)


def test_every_key_in_every_document_in_the_working_tree(repo: Path, falguard, documents: Documents) -> None:
    planted(repo, documents)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    assert found(run.json["findings"]) == expected(documents)
    assert all(f["severity"] == "critical" for f in run.json["findings"]), run.json["findings"]
    assert len(run.json["findings"]) == sum(len(keys) for _, keys in documents.values())  # no decoy reported
    for _, keys in documents.values():
        assert not any(secret in run.out for _, secret in keys)
    assert run.json["summary"]["containers"]["members_skipped"]["unreadable"] == 0
    assert run.json["summary"]["complete"] is True


def test_the_pre_commit_hook_refuses_each_staged_document(repo: Path, falguard, documents: Documents) -> None:
    write(repo, ".gitignore", ".env*\n")
    commit_all(repo, "initial")
    for path, (data, keys) in documents.items():
        write(repo, path, data)
        git(repo, "add", "-A")
        run = falguard("hook", "pre-commit", cwd=repo)
        assert run.code == 1, (path, run.out, run.err)
        for located, _ in keys:
            assert f"{located}:" in run.err + run.out
        staged = falguard("scan", "--staged", "--format", "json", cwd=repo)
        assert found(staged.json["findings"]) == {(p, s.split(":")[0]) for p, s in keys}
        git(repo, "reset", "-q")
        (repo / path).unlink()


def test_history_finds_documents_removed_since(repo: Path, falguard, documents: Documents) -> None:
    planted(repo, documents)
    added = commit_all(repo, "add the docs")
    git(repo, "rm", "-q", "-r", "docs")
    commit_all(repo, "remove the docs")
    run = falguard("scan", "--history", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    assert found(run.json["findings"]) == expected(documents)
    assert {f["commit"] for f in run.json["findings"]} == {added}
    assert all(f["in_head"] is False for f in run.json["findings"])


@pytest.mark.parametrize("name", ["docs/runbook.docx", "docs/budget.xlsx", "docs/notes.odt", "docs/report.pdf"])
def test_a_document_piped_in_is_read(tmp_path: Path, documents: Documents, name: str) -> None:
    data, keys = documents[name]
    run = run_cli("scan", "-", "--format", "json", cwd=tmp_path, input=data)
    assert run.code == 1, run.err
    wanted = {(path.replace(name, "(stdin)"), secret.split(":")[0]) for path, secret in keys}
    assert found(run.json["findings"]) == wanted


def test_a_document_inside_an_archive_is_read(repo: Path, falguard, documents: Documents) -> None:
    write(repo, "handover.zip", zip_of({"runbook.docx": documents["docs/runbook.docx"][0]}))
    run = falguard("scan", "--format", "json", cwd=repo)
    assert found(run.json["findings"]) == {("handover.zip!/runbook.docx!/word/document.xml", key(1).split(":")[0])}


# --- the XML of a document part is hostile input -------------------------------------------


def parts(data: bytes, name: str = "doc.docx", limits: Limits = Limits()) -> tuple[dict[str, bytes], Summary]:
    summary = Summary()
    items = expanded(Item(Origin(name), data), summary, limits)
    return {item.origin.path: item.content for item in items}, summary


def word(document_xml: str) -> bytes:
    return zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": document_xml})


def test_runs_are_joined_a_line_per_paragraph_and_indentation_is_not_text() -> None:
    secret = key(31)
    key_id, hex32 = secret.split(":")
    pretty = (
        '<w:document xmlns:w="w">\n  <w:body>\n    <w:p>\n      <w:r><w:t>Title</w:t></w:r>\n    </w:p>\n'
        f"    <w:p>\n      <w:r><w:t>{key_id}:</w:t></w:r>\n      <w:r><w:t>{hex32}</w:t></w:r>\n"
        '      <w:r><w:tab/><w:t xml:space="preserve"> prod</w:t></w:r>\n    </w:p>\n  </w:body>\n</w:document>\n'
    )
    found_parts, _ = parts(word(pretty))
    assert found_parts["doc.docx!/word/document.xml"] == f"Title\n{secret}\t prod\n".encode()


def test_long_attribute_values_are_read_after_the_text() -> None:
    secret = key(32)
    xml = f'<p:sld xmlns:p="p"><p:cNvPr id="4" name="Picture 3" descr="terminal: FAL_KEY={secret}"/></p:sld>'
    found_parts, _ = parts(zip_of({"[Content_Types].xml": "<Types/>", "ppt/slides/slide1.xml": xml}), "d.pptx")
    assert found_parts["d.pptx!/ppt/slides/slide1.xml"] == f"terminal: FAL_KEY={secret}\n".encode()


def test_entities_are_never_expanded_nor_fetched(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("content of a local file\n")
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "lollollollollollollollollollol">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + ']><w:document xmlns:w="w"><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:document>'
    )
    external = (
        f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "{outside.as_uri()}">]>'
        '<w:document xmlns:w="w"><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:document>'
    )
    for xml in (laughs, external):
        found_parts, summary = parts(word(xml))
        assert found_parts["doc.docx!/word/document.xml"] == xml.encode()  # scanned as the bytes it is
    assert summary.unreadable == []


def test_a_part_that_is_no_well_formed_xml_is_scanned_as_it_is() -> None:
    secret = key(33)
    broken = f'<w:document xmlns:w="w"><w:p><w:t>FAL_KEY={secret}</w:p>&nbsp;'
    found_parts, _ = parts(word(broken))
    assert found_parts["doc.docx!/word/document.xml"] == broken.encode()


def test_a_run_of_spaces_stands_for_a_few_spaces_at_most() -> None:
    xml = '<office:document-content xmlns:text="t" xmlns:office="o"><text:p>a<text:s text:c="999999999"/>b<text:s/>c</text:p></office:document-content>'
    data = zip_of({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": xml})
    found_parts, _ = parts(data, "n.odt")
    assert found_parts["n.odt!/content.xml"] == b"a        b c\n"


def test_a_document_bomb_costs_at_most_the_member_cap() -> None:
    body = '<w:document xmlns:w="w"><w:p><w:r><w:t>' + " " * (8 * MB) + "</w:t></w:r></w:p></w:document>"
    found_parts, summary = parts(word(body), limits=Limits(member_bytes=MB))
    assert "doc.docx!/word/document.xml" not in found_parts
    assert summary.members_too_large == 1


def test_a_zip_that_is_no_document_keeps_its_xml_as_it_is() -> None:
    xml = '<project>\n  <key attr="a long attribute value here">v</key>\n</project>\n'
    found_parts, _ = parts(zip_of({"pom.xml": xml}), "lib.jar")
    assert found_parts["lib.jar!/pom.xml"] == xml.encode()


def test_a_pushed_commit_with_a_document_is_scanned(repo: Path) -> None:
    write(repo, ".gitignore", ".env*\n")
    base = commit_all(repo, "initial")
    write(repo, "handbook.odt", odf([["Setup"], halves(key(41))]))
    head = commit_all(repo, "handbook")
    pushed = f"refs/heads/main {head} refs/heads/main {base}\n".encode()
    run = run_cli("hook", "pre-push", "origin", "url", cwd=repo, input=pushed)
    assert run.code == 1, run.out + run.err
    assert "handbook.odt!/content.xml:2:" in run.err + run.out


def test_a_key_deleted_with_track_changes_is_still_read() -> None:
    """Word keeps a tracked deletion in the file (``w:delText``) until the change is accepted."""
    secret = key(34)
    key_id, hex32 = secret.split(":")
    xml = (
        '<w:document xmlns:w="w"><w:body><w:p><w:r><w:t xml:space="preserve">FAL_KEY=</w:t></w:r>'
        f'<w:del w:id="1" w:author="A"><w:r><w:delText>{key_id}:</w:delText></w:r><w:r><w:delText>{hex32}</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="A"><w:r><w:t>(in the vault)</w:t></w:r></w:ins></w:p></w:body></w:document>'
    )
    found_parts, _ = parts(word(xml))
    assert found_parts["doc.docx!/word/document.xml"] == f"FAL_KEY={secret}(in the vault)\n".encode()
