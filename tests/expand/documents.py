"""Office documents and PDFs built at test time: Word, PowerPoint, Excel and OpenDocument
files written as the zips of XML parts they are (as Word, PowerPoint, Excel and LibreOffice
write them: no whitespace between elements, text split into runs), and PDFs printed by
headless Chromium from HTML, as a browser prints a page."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import zipfile
from html import escape
from pathlib import Path

from tests.chromium import CHROMIUM, available

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
_S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"'
)
_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def _zip(members: dict[str, str], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:  # ODF: the mimetype first and stored, as the format asks
            archive.writestr(zipfile.ZipInfo("mimetype"), stored_first, compress_type=zipfile.ZIP_STORED)
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _runs(pieces: list[str], prefix: str = "w") -> str:
    """One run per piece, each with its own properties and a proofing mark between them, as
    Word splits text it spell-checked or formatted in steps."""
    runs = []
    for index, piece in enumerate(pieces):
        bold = f"<{prefix}:rPr><{prefix}:b/></{prefix}:rPr>" if index % 2 else ""
        runs.append(f'<{prefix}:r>{bold}<{prefix}:t xml:space="preserve">{escape(piece)}</{prefix}:t></{prefix}:r>')
        if prefix == "w":
            runs.append('<w:proofErr w:type="spellStart"/>')
    return "".join(runs)


def docx(paragraphs: list[list[str]]) -> bytes:
    """A Word document: each paragraph a list of runs."""
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr>{_runs(runs)}</w:p>' for runs in paragraphs)
    document = f"{_XML}<w:document {_W}><w:body>{body}<w:sectPr/></w:body></w:document>"
    return _zip({"[Content_Types].xml": _TYPES, "_rels/.rels": "<Relationships/>", "word/document.xml": document})


def pptx(slides: list[list[list[str]]], notes: str = "") -> bytes:
    """A PowerPoint deck: each slide a list of paragraphs, each a list of runs (DrawingML)."""
    members = {"[Content_Types].xml": _TYPES}
    for number, paragraphs in enumerate(slides, 1):
        text = "".join(f"<a:p>{_runs(runs, 'a')}</a:p>" for runs in paragraphs)
        members[f"ppt/slides/slide{number}.xml"] = (
            f"{_XML}<p:sld {_A} {_P}><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>{text}"
            "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
    if notes:
        members["ppt/notesSlides/notesSlide1.xml"] = (
            f"{_XML}<p:notes {_A} {_P}><p:cSld><p:spTree><p:sp><p:txBody>"
            f"<a:p>{_runs([notes], 'a')}</a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>"
        )
    return _zip(members)


def xlsx(shared: list[list[str]]) -> bytes:
    """An Excel workbook whose sheet points at shared strings, each one rich text in runs."""
    items = "".join("<si>" + "".join(f"<r><t>{escape(run)}</t></r>" for run in runs) + "</si>" for runs in shared)
    strings = f'{_XML}<sst {_S} count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>'
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(len(shared)))
    sheet = f"{_XML}<worksheet {_S}><sheetData>{rows}</sheetData></worksheet>"
    return _zip({"[Content_Types].xml": _TYPES, "xl/sharedStrings.xml": strings, "xl/worksheets/sheet1.xml": sheet})


def odf(paragraphs: list[list[str]], kind: str = "text") -> bytes:
    """An OpenDocument file (text, presentation or spreadsheet): each paragraph a ``text:p``
    holding its pieces as mixed content, every other one in a ``text:span``."""

    def paragraph(pieces: list[str]) -> str:
        inner = "".join(
            f'<text:span text:style-name="T{i}">{escape(p)}</text:span>' if i % 2 else escape(p)
            for i, p in enumerate(pieces)
        )
        return f"<text:p>{inner}</text:p>"

    body = "".join(paragraph(pieces) for pieces in paragraphs)
    if kind == "spreadsheet":
        body = f'<table:table table:name="S"><table:table-row><table:table-cell>{body}</table:table-cell></table:table-row></table:table>'
    content = f"{_XML}<office:document-content {_ODF}><office:body><office:{kind}>{body}</office:{kind}></office:body></office:document-content>"
    manifest = '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'
    return _zip(
        {"content.xml": content, "META-INF/manifest.xml": manifest},
        stored_first=f"application/vnd.oasis.opendocument.{kind}",
    )


def chromium_or_skip() -> None:
    """Skip a test that prints PDFs where there is no Chromium (fail instead in CI, which has it)."""
    import pytest  # here: bench/pdf_text.py builds its documents with this module, without pytest

    reason = available()
    if reason:
        if os.environ.get("FALGUARD_REQUIRE_BROWSER"):
            pytest.fail(f"FALGUARD_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(f"printing a PDF needs headless Chromium: {reason}")


def printed_pdf(html: str) -> bytes:
    """``html`` printed to PDF by headless Chromium, as a user's browser prints a page."""
    with tempfile.TemporaryDirectory(prefix="falguard-print-") as scratch:
        page, out = Path(scratch) / "page.html", Path(scratch) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
             f"--user-data-dir={scratch}/profile", f"--print-to-pdf={out}", page.as_uri()],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
        return out.read_bytes()
