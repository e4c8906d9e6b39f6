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
    # Nesting depth, 0 at the top, for headings and list paragraphs (Markdown, Word).
    level: int | None = None


@dataclass(frozen=True)
class Document:
    path: Path
    lines: list[Line]
    # Whether a sentence may run on over several lines (text, Markdown, PDF). A Word paragraph is
    # one line as written, so its lines are never joined.
    wrapped: bool = True


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise DocumentError(path, f"cannot read: {e.strerror or e}") from e


def read_document(path: Path, data: bytes | None = None) -> Document:
    """Read a minutes file (from `data` when the caller has its bytes already); raise
    DocumentError naming the file and the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {suffix or '(none)'}")
    if data is None:
        data = read_bytes(path)
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
    return Document(path, lines, wrapped=suffix not in WORD_SUFFIXES)


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


def _text_lines(path: Path, data: bytes, markdown: bool) -> list[Line]:
    """One Line per source line; form feeds (as pdftotext writes them) advance the page."""
    text = decode_text(path, data)
    lines = []
    page = 1 if "\f" in text else None
    # Not str.splitlines: it also breaks at form feeds, which mark pages here.
    raws = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(raws[:-1] if raws[-1] == "" else raws, start=1):
        if "\f" in raw and page is not None:
            page += raw.count("\f")
            raw = raw.replace("\f", "")
        lines.append(Line(number, raw, page))
    return _markdown_lines(lines) if markdown else lines


def _markdown_lines(lines: list[Line]) -> list[Line]:
    """Markdown rendered to plain text line by line: headings and list items keep their level,
    markup (emphasis, links, list markers) goes. Ordered list items keep their number, which is
    how minutes number agenda points."""
    from markdown_it import MarkdownIt

    out = list(lines)
    open_lists: list[str] = []
    block: tuple[str | None, int | None, str] = (None, None, "")
    for token in MarkdownIt("commonmark").parse("\n".join(line.text for line in lines)):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            open_lists.append(token.type)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            open_lists.pop()
        elif token.type == "heading_open":
            block = ("heading", int(token.tag[1]) - 1, "")
        elif token.type == "list_item_open":
            if open_lists[-1] == "ordered_list_open":
                block = (None, None, f"{token.info}{token.markup} ")
            else:
                block = ("list", len(open_lists) - 1, "")
        elif token.type == "hr" and token.map:
            out[token.map[0]] = Line(token.map[0] + 1, "", lines[token.map[0]].page)
        elif token.type == "inline" and token.map:
            style, level, prefix = block
            for offset, text in enumerate(_inline_text(token).split("\n")):
                source = lines[token.map[0] + offset]
                if offset == 0:
                    out[source.number - 1] = Line(source.number, prefix + text, source.page, style, level)
                else:
                    out[source.number - 1] = Line(source.number, text, source.page)
            block = (None, None, "")
    return out


def _inline_text(token) -> str:
    """The text of a Markdown inline token without its markup; soft and hard breaks become newlines."""
    parts = []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def _pdf_lines(path: Path, data: bytes) -> list[Line]:
    """The text layer page by page. Layout mode keeps vertical space as blank lines, which is how a
    paragraph gap shows in a PDF; the plain mode is the fallback for pages layout mode fails on."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [_page_text(page) for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as e:
        raise DocumentError(path, f"unreadable PDF: {e}") from e
    if not any(p.strip() for p in pages):
        raise DocumentError(path, "PDF has no text layer (a scan?); run OCR on it first")
    lines: list[Line] = []
    for page_number, page_text in enumerate(pages, start=1):
        for raw in page_text.splitlines():
            # Layout mode pads columns with runs of spaces; one space is what the words mean.
            lines.append(Line(len(lines) + 1, " ".join(raw.split()), page_number))
    return lines


def _page_text(page) -> str:
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # pypdf's layout mode is experimental and fails on some font setups
        return page.extract_text() or ""


_WORD_LEVEL = re.compile(r"(\d+)$")


def _docx_lines(path: Path, data: bytes) -> list[Line]:
    """Paragraphs, including those in tables (protocol headers are often laid out as tables), in
    document order. Headings and list paragraphs carry their level."""
    import io
    import zipfile

    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError(path, f"unreadable Word file: {e}") from e
    lines: list[Line] = []
    for block in document.iter_inner_content():
        for paragraph in _table_paragraphs(block) if isinstance(block, Table) else [block]:
            style, level = _docx_style(paragraph)
            for raw in paragraph.text.split("\n"):
                lines.append(Line(len(lines) + 1, raw, None, style, level))
    return lines


def _table_paragraphs(table):
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) not in seen:  # a merged cell is listed once per grid column it spans
                seen.add(id(cell._tc))
                yield from cell.paragraphs


def _docx_style(paragraph) -> tuple[str | None, int | None]:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    number = _WORD_LEVEL.search(name)
    if name.startswith(("Heading", "Rubrik")):
        return "heading", int(number.group(1)) - 1 if number else 0
    if name == "Title":
        return "heading", 0
    numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if numbering is not None and numbering.ilvl is not None:
        return "list", numbering.ilvl.val
    if name.startswith(("List Bullet", "List Number", "List Paragraph", "Liststycke")) or numbering is not None:
        return "list", int(number.group(1)) - 1 if number else 0
    return None, None
