"""Reading minutes files into numbered lines, whatever their format.

Every reader returns a `Document`: the text as lines, each with its 1-based line number and, where
the format has pages, its page. The parser only ever sees lines, so a PDF, a Word file and a text
file of the same minutes yield the same items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.errors import DocumentError

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}
WORD_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | WORD_SUFFIXES


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    page: int | None = None
    # "heading" or "list" where the format says so (Markdown, Word); None for plain lines.
    style: str | None = None


@dataclass(frozen=True)
class Document:
    path: Path
    lines: list[Line]


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_document(path: Path) -> Document:
    """Read a minutes file; raise DocumentError naming the file and the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(path, f"cannot read: {e.strerror or e}") from e
    if not data.strip():
        raise DocumentError(path, "empty file")
    if suffix in PDF_SUFFIXES:
        lines = _pdf_lines(path, data)
    elif suffix in WORD_SUFFIXES:
        lines = _docx_lines(path, data)
    else:
        lines = _text_lines(path, data, markdown=suffix in {".md", ".markdown"})
    if not any(line.text.strip() for line in lines):
        raise DocumentError(path, "no text found")
    return Document(path, lines)


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1; binary data is refused."""
    if b"\x00" in data[:8192]:
        raise DocumentError(path, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def _text_lines(path: Path, data: bytes, markdown: bool) -> list[Line]:
    text = decode_text(path, data)
    lines = []
    page = 1 if "\f" in text else None
    for number, raw in enumerate(text.splitlines(), start=1):
        if "\f" in raw and page is not None:
            page += raw.count("\f")
            raw = raw.replace("\f", "")
        style = None
        if markdown and _MD_HEADING.match(raw):
            raw, style = _MD_HEADING.sub("", raw).rstrip("# "), "heading"
        lines.append(Line(number, raw, page, style))
    return lines


def _pdf_lines(path: Path, data: bytes) -> list[Line]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as e:
        raise DocumentError(path, f"unreadable PDF: {e}") from e
    if not any(p.strip() for p in pages):
        raise DocumentError(path, "PDF has no text layer (a scan?); run OCR on it first")
    lines: list[Line] = []
    for page_number, page_text in enumerate(pages, start=1):
        for raw in page_text.splitlines():
            lines.append(Line(len(lines) + 1, raw, page_number))
    return lines


def _docx_lines(path: Path, data: bytes) -> list[Line]:
    import io
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError(path, f"unreadable Word file: {e}") from e
    lines: list[Line] = []
    for paragraph in document.paragraphs:
        style_name = (paragraph.style.name if paragraph.style is not None else "") or ""
        style = None
        if style_name.startswith(("Heading", "Title", "Rubrik")):
            style = "heading"
        elif style_name.startswith(("List", "Liststycke")) or paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
            style = "list"
        for raw in paragraph.text.split("\n"):
            lines.append(Line(len(lines) + 1, raw, None, style))
    return lines
