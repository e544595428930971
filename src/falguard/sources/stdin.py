"""Standard input (a CI log, ``kubectl logs``, a HAR file piped in), read as it streams.

The stream is cut into blocks at line ends, so memory stays bounded however long the log
is, and every finding keeps its line number in the whole stream. Content is scanned as it
comes (a NUL byte in a log does not make it binary); UTF-16 with a byte-order mark is
decoded first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from falguard.errors import InputError
from falguard.expand.imagekind import image_kind
from falguard.expand.magic import container_kind
from falguard.models import Origin, Summary
from falguard.sources import Exclusion, Item, text_content

STDIN_NAME = "(stdin)"
BLOCK = 8 << 20  # bytes read before a block is cut at its last line end
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class StdinSource:
    stream: BinaryIO
    name: str = STDIN_NAME
    max_line: int = 100 * 1024 * 1024  # one line longer than this is refused, never cut

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        origin = Origin(self.name, source="stdin")
        line = 1
        for block in self._blocks():
            summary.bytes_scanned += len(block)
            yield Item(origin, block, first_line=line)
            line += block.count(b"\n")
        summary.files_scanned += 1

    def _rest(self, read: int) -> bytes:
        rest = self.stream.read(self.max_line + 1 - read)
        if read + len(rest) > self.max_line:
            raise InputError(f"standard input holding an archive or an image is larger than {self.max_line} bytes")
        return rest

    def _blocks(self) -> Iterator[bytes]:
        pending = b""
        first = True
        while True:
            chunk = self.stream.read(BLOCK)
            if first and chunk.startswith(_UTF16_BOMS):  # a Windows tool's log: decode it whole
                rest = self.stream.read(self.max_line + 1)
                if len(chunk) + len(rest) > self.max_line:
                    raise InputError(f"standard input in UTF-16 is larger than {self.max_line} bytes")
                yield text_content(chunk + rest) or b""
                return
            if first and (
                container_kind(chunk) or image_kind(chunk)
            ):  # an archive or an image: whole, for the pipeline
                yield chunk + self._rest(len(chunk))
                return
            first = False
            data = pending + chunk
            if not chunk:
                if data:
                    yield data
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) > self.max_line:
                raise InputError(f"standard input has a line longer than {self.max_line} bytes (--max-file-size)")
            if cut:
                yield data[:cut]
            pending = data[cut:]
