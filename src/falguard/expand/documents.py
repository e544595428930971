"""The text of office documents: Word, PowerPoint and Excel files (OOXML) and OpenDocument
text, presentations and spreadsheets (ODF), all zips of XML parts.

A document is opened as the zip it is (:mod:`falguard.expand.members`); each of its XML
parts is then read as the text a reader sees rather than as markup: the character data of
its elements joined in document order, a line per paragraph (Word's ``w:p``, DrawingML's
``a:p``, ODF's ``text:p``/``text:h``, a spreadsheet's shared string, cell or row). So a key
that Word split across runs (``<w:r><w:t>id:</w:t></w:r><w:r><w:t>secret</w:t></w:r>``) is
whole again, on the paragraph's line. Attribute values long enough to hold a key (alt text,
field instructions, hyperlink targets) follow the text, one a line. A finding's location is
the part: ``runbook.docx!/word/document.xml``, line N = the Nth paragraph.

The XML is hostile input: it is parsed by expat with no DTD allowed (a ``<!DOCTYPE`` or an
entity declaration stops the parse, so no entity is ever expanded or fetched), and the text
is never longer than the part's bytes allow. A part that does not parse is scanned as the raw
bytes it is (what falguard did before it read documents), so nothing in it goes unscanned.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection
from xml.parsers import expat

OOXML = "ooxml"
ODF = "odf"

#: Elements whose end ends a line: paragraphs, headings, shared strings, cells and rows.
_LINE_ENDS = frozenset({"p", "h", "si", "c", "row", "tr", "table-cell", "list-item", "br", "cr", "line-break"})
#: Elements that stand for a tab or a space.
_TABS = frozenset({"tab"})
_SPACES = frozenset({"s"})  # ODF's run of spaces, ``text:c`` of them
#: An attribute value this long may hold a key (a UUID is 36 characters): it is read too.
_ATTRIBUTE_MIN = 20
_MAX_SPACES = 8  # one ``text:s`` never stands for more (the text stays about as long as the XML)


class _Unsafe(Exception):
    """The part declares a DTD or an entity: it is not read as a document."""


def document_kind(names: Collection[str]) -> str | None:
    """OOXML (``[Content_Types].xml`` at the root) or ODF (``mimetype`` and ``content.xml``),
    from a zip's member names, or None for any other zip."""
    if "[Content_Types].xml" in names:
        return OOXML
    if "mimetype" in names and ("content.xml" in names or "styles.xml" in names):
        return ODF
    return None


def is_text_part(name: str) -> bool:
    """Whether a document's member is an XML part read as text (every ``.xml`` part: the
    body, slides, notes, comments, headers, shared strings, sheets, properties)."""
    return posixpath.splitext(name)[1].lower() == ".xml"


def xml_text(data: bytes) -> bytes | None:
    """The text of one XML part, a line per paragraph, then its long attribute values, or
    None when it is not well-formed XML or declares a DTD (the caller scans the raw bytes)."""
    reader = _TextReader()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.characters
    parser.buffer_text = True
    parser.ordered_attributes = True
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Unsafe, ValueError):
        return None
    return reader.text()


def _refuse(*_: object) -> None:
    raise _Unsafe


class _TextReader:
    """Collects character data and line ends as expat reports them (attributes as a flat
    list: ``ordered_attributes``). What an element stands for is looked up once per name."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.attributes: list[str] = []
        self.roles: dict[str, str] = {}

    def role(self, name: str) -> str:
        role = self.roles.get(name)
        if role is None:
            local = name.rpartition(":")[2]
            role = "tab" if local in _TABS else "space" if local in _SPACES else "line" if local in _LINE_ENDS else ""
            self.roles[name] = role
        return role

    def start(self, name: str, attributes: list[str]) -> None:
        role = self.role(name)
        if role == "tab":
            self.pieces.append("\t")
        elif role == "space":
            self.pieces.append(" " * _space_count(attributes))
        for index in range(1, len(attributes), 2):
            value = attributes[index]
            if len(value) >= _ATTRIBUTE_MIN and not attributes[index - 1].startswith("xmlns"):
                self.attributes.append(" ".join(value.split()))

    def end(self, name: str) -> None:
        if self.role(name) == "line" and self.pieces and self.pieces[-1] != "\n":
            self.pieces.append("\n")

    def characters(self, data: str) -> None:
        if "\n" in data and not data.strip():
            return  # indentation between elements, not text
        self.pieces.append(data)

    def text(self) -> bytes:
        body = "".join(self.pieces)
        if body and not body.endswith("\n"):
            body += "\n"
        return (body + "".join(value + "\n" for value in self.attributes)).encode("utf-8", "backslashreplace")


def _space_count(attributes: list[str]) -> int:
    """How many spaces an ODF ``text:s`` stands for (its ``text:c``, 1 by default), bounded."""
    pairs = zip(attributes[0::2], attributes[1::2], strict=True)
    count = next((value for name, value in pairs if name.rpartition(":")[2] == "c"), "1")
    return min(int(count), _MAX_SPACES) if count.isdigit() else 1
