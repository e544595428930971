"""PDFs beyond their text layer: a page that is only an image is counted as not read without
OCR, or handed to the OCR step through its interface; corrupt PDFs and a missing engine are
"could not read"; a hook run with no PDF staged never loads the engine."""

from __future__ import annotations

import base64
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from falguard.expand import pdf, pictures
from tests.cli.test_hookrun import hook_run, loaded
from tests.expand import ocr_standin
from tests.expand.documents import chromium_or_skip, docx, printed_pdf
from tests.helpers import commit_all, git, ignoring_env, write
from tests.keys import fake_key_id_secret


def key(seed: int) -> str:
    return fake_key_id_secret(random.Random(seed))


def screenshot_png(width: int = 480, height: int = 120) -> bytes:
    """A light image with dark bars, like a terminal line in a screenshot."""
    pixels = bytes(
        40 if (y // 10) % 3 == 1 and 20 < x < width - 20 else 235 for y in range(height) for x in range(width)
    )
    return pdf.png_grey(width, height, pixels, width)


@pytest.fixture(scope="module")
def image_only_pdf() -> bytes:
    chromium_or_skip()
    data = base64.b64encode(screenshot_png()).decode()
    page = "<style>@page { size: letter }</style>"
    return printed_pdf(f"<html>{page}<body style='margin:0'><img src='data:image/png;base64,{data}'></body></html>")


@pytest.fixture
def standin_reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    monkeypatch.setattr(pictures, "READER", ocr_standin.__name__)
    ocr_standin.CALLS.clear()
    ocr_standin.TEXT_ON_THE_IMAGE.clear()
    yield ocr_standin.TEXT_ON_THE_IMAGE


def test_an_image_only_page_is_counted_not_read_without_ocr(
    repo: Path, falguard, image_only_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pictures, "READER", "falguard.expand.no_ocr_installed")  # as without the images extra
    ignoring_env(repo)
    write(repo, "scans/screenshot.pdf", image_only_pdf)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0, run.err
    assert run.json["summary"]["images"]["not_read"] == 1
    text = falguard("scan", cwd=repo)
    assert "1 image not read (install falguard-scanner[images])" in text.out + text.err


def test_an_image_only_page_goes_to_the_ocr_step(
    repo: Path, falguard, image_only_pdf: bytes, standin_reader: list[bytes]
) -> None:
    secret = key(21)
    standin_reader.append(f"$ export FAL_KEY={secret}\n".encode())
    ignoring_env(repo)
    write(repo, "scans/screenshot.pdf", image_only_pdf)
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    [(label, width, height, dark)] = ocr_standin.CALLS
    assert label == "scans/screenshot.pdf!/page/1" and dark > 0
    assert (width, height) == (round(612 * pdf.RENDER_SCALE), round(792 * pdf.RENDER_SCALE))  # US Letter at 144 dpi
    [finding] = run.json["findings"]
    assert (finding["path"], finding["key_id"]) == ("scans/screenshot.pdf!/page/1", secret.split(":")[0])
    assert run.json["summary"]["images"]["not_read"] == 0


def test_pages_with_a_text_layer_are_never_rendered(repo: Path, falguard, standin_reader: list[bytes]) -> None:
    chromium_or_skip()
    ignoring_env(repo)
    write(repo, "notes.pdf", printed_pdf(f"<p>FAL_KEY={key(22)}</p><p>and a picture of nothing</p>"))
    run = falguard("scan", "--format", "json", cwd=repo)
    assert [f["path"] for f in run.json["findings"]] == ["notes.pdf!/page/1"]
    assert ocr_standin.CALLS == []


def test_the_pdfs_own_text_runs_are_scanned_too(repo: Path, falguard) -> None:
    """The document information a browser writes (the page's title), link targets and form
    values live outside the pages' text: the PDF's own text runs are scanned as well."""
    chromium_or_skip()
    ignoring_env(repo)
    secret = key(23)
    write(repo, "print.pdf", printed_pdf(f"<title>deploy FAL_KEY={secret}</title><p>Nothing on the page.</p>"))
    run = falguard("scan", "--format", "json", cwd=repo)
    [finding] = run.json["findings"]
    assert (finding["path"], finding["key_id"]) == ("print.pdf", secret.split(":")[0])


def test_a_corrupt_pdf_is_could_not_read(repo: Path, falguard) -> None:
    ignoring_env(repo)
    write(
        repo,
        "broken.pdf",
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer <<>>\n%%EOF\n" + bytes(64),
    )
    run = falguard("scan", "--format", "json", cwd=repo)
    assert run.code == 0, run.err
    [reason] = run.json["summary"]["unreadable"]
    assert reason.startswith("broken.pdf: PDF could not be read (")
    assert run.json["summary"]["complete"] is False
    assert "Traceback" not in run.err


def test_without_its_engine_a_pdf_is_could_not_read(
    repo: Path, falguard, monkeypatch: pytest.MonkeyPatch, image_only_pdf: bytes
) -> None:
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # import pypdfium2 raises ImportError
    ignoring_env(repo)
    write(repo, "report.pdf", image_only_pdf)
    run = falguard("scan", "--format", "json", cwd=repo)
    [reason] = run.json["summary"]["unreadable"]
    assert reason.startswith("report.pdf: PDF not read (its reader, pypdfium2, is not installed")


def test_the_hook_loads_the_pdf_engine_only_for_a_staged_pdf(repo: Path, image_only_pdf: bytes) -> None:
    write(repo, ".gitignore", ".env*\n")
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    write(repo, "docs/runbook.docx", docx([["FAL_KEY=", "not-a-key"]]))
    git(repo, "add", "-A")
    code, modules = hook_run(repo)
    assert code == 0 and loaded(modules, "falguard.expand.documents") and not loaded(modules, "pypdfium2")
    write(repo, "docs/scan.pdf", image_only_pdf)
    git(repo, "add", "-A")
    code, modules = hook_run(repo)
    assert code == 0 and loaded(modules, "pypdfium2")


def test_the_png_a_page_is_handed_as_decodes_to_its_pixels() -> None:
    pixels = bytes(range(256)) * 3
    width, height, decoded = ocr_standin._grey_png(pdf.png_grey(256, 3, pixels, 256))
    assert (width, height, decoded) == (256, 3, pixels)
    padded = b"".join(pixels[row * 256 : (row + 1) * 256] + b"\xff" * 8 for row in range(3))  # a bitmap's stride
    assert ocr_standin._grey_png(pdf.png_grey(256, 3, padded, 264))[2] == pixels
