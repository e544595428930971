"""Keys in screenshots (expand/images.py with the images extra): rendered at test time by
headless Chromium (tests/screens.py) and Pillow, with fresh fake keys, scanned by the CLI."""

from __future__ import annotations

import base64
import io
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from falguard.expand.imagekind import image_kind, image_size
from tests.chromium import available
from tests.helpers import commit_all, git, run_cli, write
from tests.keys import fake_hex32, fake_uuid
from tests.screens import Scene, all_scenes, jpeg, render, scaled

HIGH = ("high", "critical")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Scene]]:
    """Every scene as a PNG, a JPEG at quality 70 and a PNG scaled to 75 %."""
    reason = available()
    if reason:
        if os.environ.get("FALGUARD_REQUIRE_BROWSER"):
            pytest.fail(f"FALGUARD_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(f"the screenshot tests need headless Chromium: {reason}")
    directory = tmp_path_factory.mktemp("screenshots")
    scenes = all_scenes(seed=random.SystemRandom().randrange(1 << 30))
    by_file: dict[str, Scene] = {}
    for name, png in render(scenes, directory).items():
        scene = next(s for s in scenes if s.name == name)
        data = png.read_bytes()
        (directory / f"{name}-q70.jpg").write_bytes(jpeg(data, 70))
        (directory / f"{name}-75.png").write_bytes(scaled(data, 0.75))
        by_file.update({f"{name}.png": scene, f"{name}-q70.jpg": scene, f"{name}-75.png": scene})
    return directory, by_file


def scan_json(path: Path, *args: str) -> dict[str, Any]:
    run = run_cli("scan", "--no-git", str(path), "--format", "json", *args, cwd=path if path.is_dir() else path.parent)
    assert run.code in (0, 1), run.err
    document: dict[str, Any] = run.json
    return document


def test_every_key_in_every_screenshot_is_found_with_its_key_id(screenshots: tuple[Path, dict[str, Scene]]) -> None:
    directory, scenes = screenshots
    report = scan_json(directory)
    assert report["summary"]["images"]["read"] == len(scenes)
    for file, scene in scenes.items():
        high = [f for f in report["findings"] if Path(f["path"]).name == file and f["severity"] in HIGH]
        key_ids = sorted(f["key_id"] for f in high if f["key_id"])
        assert key_ids == sorted(scene.key_ids), (
            f"{file}: {[(f['rule'], f['secret']) for f in high]}; {read(directory / file, scene)}"
        )
        # a fal_ token is found; it has no key id, and no shape to correct its letters by (in a sans-serif
        # font I and l are one glyph: docs/documents-and-images.md), so its masked tail is not compared
        tokens = [f for f in high if f["rule"] == "fal-key" and f["severity"] == "critical"]
        assert len(tokens) == len(scene.fal_tokens), f"{file}: {read(directory / file, scene)}"
        assert len(high) == len(scene.key_ids) + len(scene.fal_tokens), f"{file}: decoys must not be high"
        for finding in high:
            assert finding["line"] >= 1 and finding["column"] >= 1  # the row of text in the image, and where in it
            assert not any(secret in json.dumps(report) for secret in scene.secrets), "never a full secret"


def read(path: Path, scene: Scene) -> str:
    """What the image step read in ``path``, secrets masked (for a failure's message)."""
    from falguard.expand.images import ImageBudget, image_text
    from falguard.models import Summary

    text = (image_text(path.read_bytes(), path.name, Summary(), ImageBudget()) or b"").decode()
    for secret in scene.secrets:
        text = text.replace(secret, secret[:4] + "****")
    return f"text read: {text!r}"


def pillow_screenshot(text_lines: list[str], *, size: int = 18, dark: bool = False) -> Any:
    from PIL import Image, ImageDraw, ImageFont

    try:
        font: Any = ImageFont.truetype("DejaVuSansMono.ttf", size)  # Debian's fonts-dejavu-core (.ci/run)
    except OSError:
        font = ImageFont.load_default(size)
    image = Image.new("RGB", (1000, 60 + len(text_lines) * (size + 10)), "#111" if dark else "#fff")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(text_lines):
        draw.text((20, 20 + index * (size + 10)), line, font=font, fill="#ddd" if dark else "#222")
    return image


def encoded(image: Any, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture
def key() -> tuple[str, str]:
    rng = random.SystemRandom()
    return fake_uuid(rng), fake_hex32(rng)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "JPEG"])
def test_gif_first_frame_webp_and_jpeg(fmt: str, key: tuple[str, str], tmp_path: Path) -> None:
    key_id, secret = key
    shot = pillow_screenshot(["$ cat .env", f"FAL_KEY={key_id}:{secret}"], dark=fmt == "GIF")
    options: dict[str, Any] = {"quality": 80} if fmt != "GIF" else {}
    if fmt == "GIF":  # two frames: the key is in the first, the second is blank
        options = {"save_all": True, "append_images": [pillow_screenshot([""])], "duration": 500}
    data = encoded(shot, fmt, **options)
    assert image_kind(data) == fmt.lower() and image_size(data) == shot.size
    write(tmp_path, f"shot.{fmt.lower()}", data)
    report = scan_json(tmp_path)
    assert [f["key_id"] for f in report["findings"] if f["severity"] in HIGH] == [key_id]


def test_a_notebook_s_image_output_is_read(key: tuple[str, str], tmp_path: Path) -> None:
    key_id, secret = key
    png = encoded(pillow_screenshot([f"key = '{key_id}:{secret}'"], size=16), "PNG")
    b64 = base64.b64encode(png).decode()
    cell = {"cell_type": "code", "source": ["show()"], "metadata": {}, "execution_count": 1}
    cell["outputs"] = [{"output_type": "display_data", "data": {"image/png": b64, "text/plain": ["<Figure>"]}}]
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path, "analysis.ipynb", json.dumps(notebook, indent=1))
    report = scan_json(tmp_path)
    high = [f for f in report["findings"] if f["severity"] in HIGH]
    assert [f["key_id"] for f in high] == [key_id]
    assert high[0]["path"].endswith("analysis.ipynb!/output-1.png")


def test_small_images_and_photographs_are_skipped_unread(tmp_path: Path) -> None:
    from PIL import Image

    write(tmp_path, "icon.png", encoded(Image.new("RGB", (32, 32), "red"), "PNG"))
    # a photograph's colours vary over the whole frame (noise alone averages out to grey in a thumbnail)
    gradient = Image.linear_gradient("L").resize((800, 600))
    photo = Image.merge("RGB", [gradient, Image.effect_noise((800, 600), 40), gradient.rotate(90)])
    write(tmp_path, "photo.jpg", encoded(photo, "JPEG", quality=85))
    images = scan_json(tmp_path)["summary"]["images"]
    assert images == {"read": 0, "not_read": 0, "skipped": 2, "over_budget": 0, "unreadable": 0}


def test_an_image_that_does_not_decode_is_said_not_crashed_on(tmp_path: Path) -> None:
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (1200).to_bytes(4, "big") + (700).to_bytes(4, "big")
    write(tmp_path, "broken.png", header + os.urandom(2000))
    report = scan_json(tmp_path)
    assert report["summary"]["images"]["unreadable"] == 1
    assert any("broken.png (image could not be decoded" in line for line in report["summary"]["skipped_paths"])
    assert report["summary"]["complete"], "the file was read: its text is what is unknown, and that is said"


@pytest.fixture
def three_shots(key: tuple[str, str], tmp_path: Path) -> Path:
    for index in range(3):
        write(tmp_path, f"shot-{index}.png", encoded(pillow_screenshot([f"id {index}: {key[0]}"]), "PNG"))
    return tmp_path


def test_the_image_limits_bound_the_scan_and_say_so(three_shots: Path) -> None:
    report = scan_json(three_shots, "--max-images", "1")
    assert report["summary"]["images"]["read"] == 1 and report["summary"]["images"]["over_budget"] == 2
    assert sum("past the scan's OCR limits" in line for line in report["summary"]["skipped_paths"]) == 2
    none = scan_json(three_shots, "--max-image-megapixels", "0")["summary"]["images"]
    assert none["read"] == 0 and none["over_budget"] == 3
    text = run_cli("scan", "--no-git", ".", "--max-images", "2", cwd=three_shots)
    assert "2 images read, 1 past the image limits (--max-images, --max-image-megapixels)" in text.err + text.out


def test_without_the_extra_images_are_counted_as_not_read(three_shots: Path) -> None:
    """A Python whose ``rapidocr`` cannot be imported (a shadowing module that is no package)."""
    blocker = three_shots / "blocked"
    write(blocker, "sitecustomize.py", "import sys\nsys.modules['rapidocr'] = None\n")
    env = {"PYTHONPATH": f"{blocker}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    run = run_cli("scan", "--no-git", ".", cwd=three_shots, env=env)
    assert "3 images not read (install falguard-scanner[images])" in run.out + run.err
    json_run = run_cli("scan", "--no-git", ".", "--format", "json", cwd=three_shots, env=env)
    assert json_run.json["summary"]["images"]["not_read"] == 3


@pytest.fixture
def repo_with_screenshot(repo: Path, key: tuple[str, str]) -> Iterator[tuple[Path, bytes]]:
    write(repo, "README.md", "# app\n")
    commit_all(repo, "initial")
    png = encoded(pillow_screenshot(["$ export FAL_KEY=" + ":".join(key)], size=16), "PNG")
    yield repo, png


def test_the_pre_commit_hook_reads_a_staged_screenshot(repo_with_screenshot: tuple[Path, bytes]) -> None:
    repo, png = repo_with_screenshot
    write(repo, "docs/setup.png", png)
    git(repo, "add", "docs/setup.png")
    run = run_cli("hook", "pre-commit", cwd=repo)
    assert run.code == 1 and "docs/setup.png" in run.out + run.err


def test_history_reads_each_image_blob_once(repo_with_screenshot: tuple[Path, bytes], key: tuple[str, str]) -> None:
    repo, png = repo_with_screenshot
    write(repo, "docs/setup.png", png)
    commit_all(repo, "add a screenshot")
    write(repo, "docs/copy-of-setup.png", png)
    write(repo, "README.md", "# app, again\n")
    commit_all(repo, "copy it")
    run = run_cli("scan", "--history", "--format", "json", cwd=repo)
    assert run.json["summary"]["images"]["read"] == 1
    assert {f["key_id"] for f in run.json["findings"] if f["severity"] in HIGH} == {key[0]}


def test_the_engine_reads_with_no_network_and_no_download(key: tuple[str, str], tmp_path: Path) -> None:
    """The models ship inside the engine's wheel: a Python in which every connection fails
    (and a fresh, empty home and cache) still reads the key."""
    guard = tmp_path / "guard"
    write(
        guard,
        "sitecustomize.py",
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('falguard test: no network')\n"
        "socket.socket.connect = refuse\n"
        "socket.socket.connect_ex = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n",
    )
    shot = tmp_path / "shots"
    write(shot, "key.png", encoded(pillow_screenshot(["FAL_KEY=" + ":".join(key)]), "PNG"))
    home = tmp_path / "home"
    home.mkdir()
    env = {"PYTHONPATH": f"{guard}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "HOME": str(home)}
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    run = run_cli("scan", "--no-git", ".", "--format", "json", cwd=shot, env=env)
    assert run.code == 1, run.err
    assert [f["key_id"] for f in run.json["findings"]] == [key[0]]
    assert not any(home.iterdir()), "nothing written to the home directory or a cache"


def test_an_image_piped_to_standard_input_is_read_whole(key: tuple[str, str], tmp_path: Path) -> None:
    png = encoded(pillow_screenshot(["token", "FAL_KEY=" + ":".join(key), "\n" * 3]), "PNG")
    assert b"\n" in png  # a text reader would cut it at a line end
    run = run_cli("scan", "-", "--format", "json", cwd=tmp_path, input=png)
    assert [f["key_id"] for f in run.json["findings"]] == [key[0]]
    assert run.json["summary"]["images"]["read"] == 1


def test_a_screenshot_inside_an_archive_is_read(key: tuple[str, str], tmp_path: Path) -> None:
    import zipfile

    png = encoded(pillow_screenshot(["FAL_KEY=" + ":".join(key)]), "PNG")
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.writestr("docs/shots/setup.png", png)
    report = scan_json(tmp_path)
    assert [(f["key_id"], f["path"].endswith("bundle.zip!/docs/shots/setup.png")) for f in report["findings"]] == [
        (key[0], True)
    ]


def test_a_pdf_holding_only_a_screenshot(key: tuple[str, str], tmp_path: Path) -> None:
    """A screenshot printed to PDF by Chromium: the page has no text layer, so the PDF reader
    hands it to the OCR step (expand/ocr.py's read_image), which finds the key."""
    from tests.expand.documents import chromium_or_skip, printed_pdf

    chromium_or_skip()
    png = encoded(pillow_screenshot(["$ fal keys create", "FAL_KEY='" + ":".join(key) + "'"], size=18), "PNG")
    page = (
        f"<html><body style='margin:0'><img src='data:image/png;base64,{base64.b64encode(png).decode()}'></body></html>"
    )
    write(tmp_path, "runbook-scan.pdf", printed_pdf(page))
    report = scan_json(tmp_path)
    high = [f for f in report["findings"] if f["severity"] in HIGH]
    assert [(f["key_id"], f["path"].endswith("runbook-scan.pdf!/page/1")) for f in high] == [(key[0], True)]
    assert report["summary"]["images"]["read"] == 1
