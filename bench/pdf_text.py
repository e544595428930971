"""PDF text layers: the libraries side by side on a browser-printed PDF, and falguard on it.

Prints a runbook of ``--pages`` pages (60 keys wrapped as a browser wraps them) to PDF with
headless Chromium, then for each PDF library installed (``pypdfium2``, falguard's; ``pypdf``,
pure Python, for comparison: ``pip install pypdf`` in a scratch environment) measures its
import in a fresh Python, the first read of the document and the best of ``--repeat`` reads
(per page), and counts the keys whose text came out whole. Last, ``falguard scan`` of the PDF
against a scan of the HTML it was printed from (the same 60 findings): what reading a PDF adds;
and the pre-commit hook with one staged file: the runbook's text as ``.txt``, as a Word
document of one paragraph per line (written as tests/expand/documents.py writes them), and as
the PDF (the same runbook without keys, so the hook passes).

    python bench/pdf_text.py [--pages 5] [--repeat 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import falguard_command, machine

CHROMIUM = "/usr/bin/chromium"
KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{32}")

_READ = {
    "pypdfium2": (
        "import pypdfium2\n"
        "def read(data):\n"
        "    document = pypdfium2.PdfDocument(data)\n"
        "    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]\n"
        "    return [p.replace('\\ufffe', '-') for p in pages]\n"
    ),
    "pypdf": (
        "import io, pypdf\n"
        "def read(data):\n"
        "    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]\n"
    ),
}
_TIMED = (
    "import re, sys, time\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "start = time.perf_counter()\n"
    "{reader}"
    "imported = time.perf_counter()\n"
    "pages = read(data)\n"
    "first = time.perf_counter()\n"
    "best = min((lambda s: (read(data), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range({repeat}))\n"
    "joined = re.sub(r'(?<=[0-9A-Za-z]-)\\r?\\n(?=[0-9A-Za-z])', '', '\\n'.join(pages).replace('\\r\\n', '\\n'))\n"
    "print(imported - start, first - imported, best, len(pages), len(re.findall(sys.argv[2], joined)))\n"
)


def printed(pages: int, scratch: Path) -> tuple[Path, int]:
    keys = 12 * pages
    prose = "Run the job with the key exported in the shell, then check the dashboard. " * 2
    rows = "".join(
        f'<p>{i}. {prose}export FAL_KEY="{uuid.uuid4()}:{uuid.uuid4().hex}" and go on.</p>' for i in range(keys)
    )
    html = scratch / "runbook.html"
    html.write_text(f"<html><body style='font-family:sans-serif'><h1>Runbook</h1>{rows}</body></html>")
    pdf = scratch / "runbook.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={scratch}/profile", f"--print-to-pdf={pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return pdf, keys


def library(name: str, pdf: Path, repeat: int, runs: int = 3) -> str:
    results = []
    for _ in range(runs):
        code = _TIMED.format(reader=_READ[name], repeat=repeat)
        out = subprocess.run([sys.executable, "-c", code, str(pdf), KEY.pattern], capture_output=True, text=True)
        if out.returncode:
            return f"{name}: failed: {out.stderr.strip().splitlines()[-1]}"
        results.append([float(v) for v in out.stdout.split()])
    imports = [r[0] * 1000 for r in results]
    pages, keys = int(results[0][3]), int(results[0][4])
    per_page = statistics.median(r[2] for r in results) * 1000 / pages
    first = statistics.median(r[1] for r in results) * 1000
    return (
        f"{name:10} import {min(imports):5.0f}-{max(imports):5.0f} ms; first read {first:6.1f} ms; "
        f"then {per_page:5.2f} ms a page ({pages} pages); keys whole: {keys}"
    )


def scan_seconds(target: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([*falguard_command(), "scan", "--format", "json", str(target)], capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def hook_ms(repo: Path, staged: str, repeat: int) -> tuple[float, float]:
    subprocess.run(["git", "reset", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", staged], cwd=repo, check=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run = subprocess.run([*falguard_command(), "hook", "pre-commit"], cwd=repo, capture_output=True)
        times.append(time.perf_counter() - start)
        assert run.returncode == 0, run.stderr
    return statistics.median(times) * 1000, min(times) * 1000


def hook_with_a_staged_document(scratch: Path, pages: int, repeat: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.expand.documents import docx

    repo = scratch / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text(".env*\n")
    lines = ["Run the job with the key exported in the shell, then check the dashboard."] * (40 * pages)
    (repo / "runbook.txt").write_text("\n".join(lines) + "\n")
    (repo / "runbook.docx").write_bytes(docx([[line] for line in lines]))
    html = scratch / "clean.html"
    html.write_text("<h1>Runbook</h1>" + "".join(f"<p>{line}</p>" for line in lines))
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={scratch}/profile", f"--print-to-pdf={repo / 'runbook.pdf'}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    for staged in ("runbook.txt", "runbook.docx", "runbook.pdf"):
        median, fastest = hook_ms(repo, staged, repeat)
        print(f"hook pre-commit, {staged:12} staged: median {median:4.0f} ms, min {fastest:4.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="falguard-bench-pdf-") as name:
        scratch = Path(name)
        pdf, keys = printed(args.pages, scratch)
        print(f"{pdf.stat().st_size:,} bytes printed by Chromium, {keys} keys")
        for lib in _READ:
            print(library(lib, pdf, args.repeat) if importlib.util.find_spec(lib) else f"{lib}: not installed")
        plain = scratch / "html" / "runbook.html"
        plain.parent.mkdir()
        plain.write_bytes((scratch / "runbook.html").read_bytes())
        only = scratch / "pdf"
        only.mkdir()
        (only / "runbook.pdf").write_bytes(pdf.read_bytes())
        as_pdf, as_text = scan_seconds(only, args.repeat), scan_seconds(plain.parent, args.repeat)
        print(
            f"falguard scan (median of {args.repeat}): the PDF {as_pdf * 1000:.0f} ms, its HTML {as_text * 1000:.0f} ms"
        )
        hook_with_a_staged_document(scratch, args.pages, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
