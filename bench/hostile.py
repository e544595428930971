"""Time stays linear on hostile input: adversarial near misses, dense findings, huge files.

For each adversarial pattern, builds content of two sizes (--small and --large megabytes,
default 10 and 40) by repeating one unit, scans each as the pipeline scans a file (detection
and base64 decoding, ``falguard.expand.step``) and prints the throughput of both, the ratio
of their seconds per megabyte (about 1.0 means linear time, 4.0 would mean quadratic) and how
many times the time of plain source of the smaller size it takes (the near misses should stay
within 3x), through the pipeline and in detection alone (``falguard.detection.detect``): each pattern
and plain source are timed in turn, so the load of a shared machine weighs on both alike.
Times are CPU seconds, best of --repeat (3). Then opens archive bombs (a zip and a gzip of
10 GB and 40 GB of zeros: each costs at most its caps), and times the whole command,
``falguard scan``, on a 200 MB text file and on a 50 MB file that is one single line, in a
temporary repository.

    python bench/hostile.py [--small 10] [--large 40] [--repeat 3] [--only PATTERN]... [--skip-bombs] [--skip-files]

Fake keys are assembled at run time; nothing key-shaped is written outside a temporary
directory.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import random
import struct
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

from common import falguard_command, machine
from falguard.detection.detect import detect
from falguard.detection.prefilter import build as build_prefilter
from falguard.expand.archives import Limits
from falguard.expand.encoded import Decoder
from falguard.expand.step import Expansion
from falguard.models import Origin, Summary
from falguard.rules import RULES
from falguard.sources import Item

MB = 1_000_000


def _hex(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(count))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _key(rng: random.Random) -> str:
    return f"{_uuid(rng)}:{_hex(rng, 32)}"


def _fal(rng: random.Random) -> str:
    return (
        "fal" + "_" + "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789") for _ in range(40))
    )


#: name -> (what it attacks, a function building one repeated unit)
PATTERNS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "key-one-hex-short": (
        "id:secret with 31 hex: the literal-anchored rule runs to the end every time",
        lambda rng: f"x = '{_uuid(rng)}:{_hex(rng, 31)}'\n",
    ),
    "dash-hex-runs": (
        "'-' + 12 hex + ':' + hex, no line breaks: every dash is a candidate",
        lambda rng: f"-{_hex(rng, 12)}:{_hex(rng, 31)}g",
    ),
    "fal-token-too-long": (
        "fal_ + 260 token characters: the bounded repeat backtracks 200 steps per start",
        lambda rng: "fal" + "_" + _hex(rng, 260) + " ",
    ),
    "near-miss-mix": (
        "fal_ + 15 characters, a key one hex short, FAL_KEY= + 15 characters: each one short of its rule",
        lambda rng: rng.choice(
            [
                "t = 'fal" + "_" + _hex(rng, 15) + "'\n",
                f"x = '{_uuid(rng)}:{_hex(rng, 31)}'\n",
                "FAL_KEY=" + _hex(rng, 15) + "\n",
            ]
        ),
    ),
    "placeholder-assignments": (
        "FAL_KEY=<placeholder> on every line: every context rule has a candidate",
        lambda rng: rng.choice(
            ["FAL_KEY=your-api-key\n", "FAL_KEY_ID=your-key-id\n", "NEXT_PUBLIC_" + "FAL_KEY=${FAL_KEY}\n"]
        ),
    ),
    "keywords-spaced-apart": (
        "a fal keyword every 1.3 kB: the most separate keyword windows",
        lambda rng: "const falKey = x;" + " " * 1300 + "\n",
    ),
    "long-assignment-values": (
        "FAL_KEY= followed by 300 value characters: the 256-character value bound",
        lambda rng: "FAL_KEY=" + "x" * 300 + "\n",
    ),
    "findings-one-line": (
        "a real-shaped key every 80 bytes on ONE line (a hostile minified bundle)",
        lambda rng: f"k='{_key(rng)}',",
    ),
    "findings-many-lines": (
        "a real-shaped key on every line",
        lambda rng: f"k = '{_key(rng)}'\n",
    ),
    "concat-pieces": (
        'a million `"a" + "b" +` pieces: string concatenation with no key in it',
        lambda rng: '"a" + "b" + ',
    ),
    "concat-after-key-id": (
        "a key id, then 40 one-hex pieces joined by +: every key id walks its longest bounded join",
        lambda rng: f'k = "{_uuid(rng)}:" + ' + " + ".join(f'"{_hex(rng, 1)}"' for _ in range(40)) + "\n",
    ),
    "adjacent-literals": (
        "a key id, then a long chain of adjacent two-hex literals across lines (Python, C)",
        lambda rng: f'("{_uuid(rng)}:"\n' + "".join(f' "{_hex(rng, 2)}"\n' for _ in range(30)) + ")\n",
    ),
    "nested-parentheses": (
        "a key id piece inside 500 nested parentheses, its secret outside them",
        lambda rng: "(" * 500 + f'"{_uuid(rng)}:"' + ")" * 500 + f' + "{_hex(rng, 32)}"\n',
    ),
    "interpolated-names": (
        "template literals interpolating names never assigned: every key id looks a name up nearby",
        lambda rng: f"k = `{_uuid(rng)}:${{secret{rng.randrange(1000)}}}`;\n",
    ),
    "yaml-block-key-ids": (
        "a YAML block scalar of key ids each ending early: every line looks back for its header",
        lambda rng: "  " + "\n  ".join(f"{_uuid(rng)}:{_hex(rng, 8)}" for _ in range(40)) + "\nk: |\n",
    ),
    "joined-keys-many-lines": (
        "a key in two pieces on every line",
        lambda rng: f'k = "{_uuid(rng)}:" + "{_hex(rng, 32)}"\n',
    ),
    "allow-comments-one-line": (
        "fal_ keys each followed by an allow comment, on one line",
        lambda rng: f"/*{_fal(rng)}*/ /* falguard:allow */",
    ),
    "base64-allowed-one-line": (
        "base64 of FAL_KEY=<key>, each followed by an allow comment, on one line: every decoded key reads its line's comments",
        lambda rng: "'" + base64.b64encode(f"FAL_KEY={_key(rng)}".encode()).decode() + "', /* falguard:allow */ ",
    ),
    "base64-of-random-bytes": (
        "base64 lines of random bytes (76 columns): every line is decoded and rejected",
        lambda rng: base64.b64encode(rng.randbytes(57)).decode() + "\n",
    ),
    "base64-nested-keys": (
        "a fal key in base64 in base64 in base64 in base64 on every line: decoded to the depth limit",
        lambda rng: _nested(f"FAL_KEY={_key(rng)}", 4) + "\n",
    ),
    "base64-one-huge-run": (
        "one run of the base64 alphabet with no line break: longer than any value, rejected at once",
        lambda rng: base64.b64encode(f"fal_{_hex(rng, 30)}".encode()).decode().rstrip("="),
    ),
}


def _nested(text: str, depth: int) -> str:
    for _ in range(depth):
        text = base64.b64encode(text.encode()).decode()
    return text


def build(unit: Callable[[random.Random], str], size: int) -> bytes:
    rng = random.Random(0)
    units = [unit(rng).encode() for _ in range(64)]  # a little variety, cheap to repeat
    block = b"".join(units)
    return (block * (size // len(block) + 1))[:size]


EXPANSION = Expansion(Decoder(RULES, build_prefilter(RULES)))


def pipeline(content: bytes) -> int:
    """Findings of the expansion step (detection and base64 decoding) on ``content``."""
    return len(EXPANSION.findings(Item(Origin("bench.js"), content), Summary()))


def detection(content: bytes) -> int:
    """Findings of detection alone on ``content``."""
    return len(detect(content, Origin("bench.js"), EXPANSION.decoder.rules))


def _cpu(scan: Callable[[bytes], int], content: bytes) -> tuple[float, int]:
    start = time.process_time()
    findings = scan(content)
    return time.process_time() - start, findings


def seconds(content: bytes, repeat: int = 3, scan: Callable[[bytes], int] = pipeline) -> tuple[float, int]:
    """The best of ``repeat`` runs, in CPU seconds (the machine may be shared), and the findings."""
    runs = [_cpu(scan, content) for _ in range(repeat)]
    return min(elapsed for elapsed, _ in runs), runs[-1][1]


def in_turn(
    plain: bytes, content: bytes, repeat: int, scan: Callable[[bytes], int] = pipeline
) -> tuple[float, float, int]:
    """CPU seconds of ``scan`` on ``plain`` and on ``content``, timed one after the other
    ``repeat`` times (the best of each), and the findings in ``content``."""
    best_plain = best = float("inf")
    findings = 0
    for _ in range(repeat):
        best_plain = min(best_plain, _cpu(scan, plain)[0])
        elapsed, findings = _cpu(scan, content)
        best = min(best, elapsed)
    return best_plain, best, findings


def plain_text(size: int) -> bytes:
    """Ordinary source of ``size`` bytes: Python's standard library, concatenated."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts, total = [], 0
    for path in sorted(stdlib.rglob("*.py")):
        if "site-packages" in path.parts or not path.is_file():
            continue
        parts.append(path.read_bytes())
        total += len(parts[-1])
        if total >= size:
            break
    return (b"".join(parts) * (size // max(total, 1) + 1))[:size]


def zip_bomb(gigabytes: int) -> bytes:
    """``gigabytes`` of zeros as 10 MB members of one zip (one member deflated, its bytes repeated)."""
    member, chunk = bytearray(), bytes(10 * MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(chunk) + compressor.flush()
    crc = zlib.crc32(chunk)
    central = bytearray()
    count = gigabytes * 100
    for index in range(count):
        name = f"zeros/{index:05d}.bin".encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), len(chunk), len(name), 0)
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), len(chunk), len(name),
            0, 0, 0, 0, 0, len(member),
        ) + name  # fmt: skip
        member += header + name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(member), 0)
    return bytes(member + central + end)


def gzip_bomb(gigabytes: int) -> bytes:
    """``gigabytes`` of zeros as one gzip stream (gzip members concatenated are one stream)."""
    return gzip.compress(bytes(MB)) * (gigabytes * 1000)


def bombs() -> None:
    """Archive bombs: each costs what its caps allow (the default caps: 100 MiB a member,
    256 MiB an archive), whatever it expands to."""
    limits = Limits()
    print(f"archive bombs (caps: {limits.member_bytes // MB} MB a member, {limits.total_bytes // MB} MB an archive)")
    for name, build_bomb in (("zip", zip_bomb), ("gzip", gzip_bomb)):
        for gigabytes in (10, 40):
            bomb = build_bomb(gigabytes)
            summary = Summary()
            start = time.perf_counter()
            EXPANSION.findings(Item(Origin(f"bomb.{name}"), bomb), summary)
            elapsed = time.perf_counter() - start
            print(
                f"  {name} of {gigabytes} GB of zeros ({len(bomb) / MB:.1f} MB): {elapsed:.2f} s, "
                f"{summary.members_scanned} members scanned, {summary.members_too_large} skipped as too large"
            )


def adversarial(small: int, large: int, only: list[str], repeat: int) -> None:
    plain = plain_text(small * MB)
    plain_s, _ = seconds(plain, repeat)
    detect_s, _ = seconds(plain, repeat, detection)
    print(
        f"plain text (standard library source), {small} MB: {plain_s:.3f} s ({small / plain_s:.0f} MB/s), "
        f"detection alone {detect_s:.3f} s; each pattern's x plain is against plain text timed in turn with it"
    )
    print(
        f"{'pattern':26} {'MB/s @' + str(small) + 'MB':>12} {'MB/s @' + str(large) + 'MB':>12} {'s/MB ratio':>10}"
        f" {'x plain @' + str(small) + 'MB':>14} {'detection alone':>15} {'findings':>9}"
    )
    for name, (_, unit) in PATTERNS.items():
        if only and name not in only:
            continue
        content = build(unit, small * MB)
        beside_s, small_s, _ = in_turn(plain, content, repeat)
        detect_plain_s, detect_s, _ = in_turn(plain, content, repeat, detection)
        large_s, found = seconds(build(unit, large * MB), repeat)
        ratio = (large_s / large) / (small_s / small)
        print(
            f"{name:26} {small / small_s:12.1f} {large / large_s:12.1f} {ratio:10.2f} {small_s / beside_s:14.1f}"
            f" {detect_s / detect_plain_s:15.1f} {found:9d}"
        )


def _scan(directory: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([*falguard_command(), "scan", *args], cwd=directory, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode())
    return elapsed


def big_files() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        (repo / ".gitignore").write_text(".env*\n")
        unit = b"var a=function(b){return b*2},c=[1,2,3].map(a);\n"
        text = repo / "big.js"
        text.write_bytes(unit * (200 * MB // len(unit)))
        elapsed = _scan(repo, "--max-file-size", "256MB")
        print(
            f"200 MB text file, {200 * MB // len(unit):,} lines: {elapsed:.2f} s ({200 / elapsed:.0f} MB/s, whole command)"
        )
        text.unlink()
        line = repo / "bundle.min.js"
        line.write_bytes(unit.rstrip(b"\n") * (50 * MB // (len(unit) - 1)) + f";k='{_key(random.Random(1))}'".encode())
        elapsed = _scan(repo)
        print(f"50 MB single line, key at the end: {elapsed:.2f} s ({50 / elapsed:.0f} MB/s, whole command)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10, help="megabytes of the smaller input (default 10)")
    parser.add_argument("--large", type=int, default=40, help="megabytes of the larger input (default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing, the best kept (default 3)")
    parser.add_argument("--skip-bombs", action="store_true", help="skip the archive bombs")
    parser.add_argument("--skip-files", action="store_true", help="skip the 200 MB and 50 MB whole-command runs")
    parser.add_argument(
        "--only", action="append", default=[], choices=sorted(PATTERNS), metavar="PATTERN",
        help="time only this adversarial pattern (repeatable; default: every one)",
    )  # fmt: skip
    options = parser.parse_args()
    print(f"machine: {machine()}")
    adversarial(options.small, options.large, options.only, options.repeat)
    if not options.skip_bombs:
        bombs()
    if not options.skip_files:
        big_files()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
