"""Word (.docx): one Line per paragraph (and per line break inside one), with the heading, list and
table structure and the page breaks the file records."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from kb.errors import DocumentError
from kb.readers.lines import Line, bold_headings, bold_title

_WORD_LEVEL = re.compile(r"(\d+)$")
# The parts of a Word file that hold its text; their XML is held to XML_BYTES_PER_CHAR bytes for
# each character of text allowed (Word's markup around a character of text rarely takes more).
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
XML_BYTES_PER_CHAR = 8
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_lines(path: Path, data: bytes, limits=None) -> list[Line]:
    """Paragraphs, including those in tables (protocol headers are often laid out as tables), in
    document order. Headings and list paragraphs carry their level; table paragraphs that are not
    headings are style "table"."""
    import docx
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    from kb.readers import DEFAULT_LIMITS

    _check_unpacked_size(path, data, limits or DEFAULT_LIMITS)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as e:
        raise DocumentError(path, f"unreadable Word file: {_first_line(e)}") from e
    pages = _paragraph_pages(document.element.body)
    lines: list[Line] = []
    for block in document.iter_inner_content():
        in_table = isinstance(block, Table)
        for paragraph in _table_paragraphs(block) if in_table else [block]:
            style, level = _docx_style(paragraph)
            if in_table and style != "heading":
                style, level = "table", None
            if style is None and not in_table and _bold_title(paragraph):
                style, level = "bold", None
            page = pages.get(paragraph._p)
            for raw in paragraph.text.split("\n"):
                lines.append(Line(len(lines) + 1, raw, page, style, level))
    return bold_headings(lines)


def _bold_title(paragraph) -> bool:
    """A paragraph set in bold throughout that reads as a title (`bold_title`)."""
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs or not bold_title(paragraph.text):
        return False
    return all(run.bold or (run.bold is None and paragraph.style is not None and paragraph.style.font.bold) for run in runs)


def _check_unpacked_size(path: Path, data: bytes, limits) -> None:
    """Refuse a Word file before parsing it when it unpacks to more than the limits allow: all of
    it (a zip bomb), or the XML of its text (megabytes of paragraphs packed into kilobytes). The
    sizes are those the archive declares; Python's zipfile never unpacks a member beyond its
    declared size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise DocumentError(path, f"unreadable Word file: {_first_line(e)}") from e
    total = sum(member.file_size for member in members)
    if total > limits.max_file_bytes:
        raise DocumentError(path, f"unpacks to {total / 2**20:,.0f} MB, over the limit of "
                                  f"{limits.max_file_bytes / 2**20:,.0f} MB per file (kb index --max-file-mb)")
    xml = sum(member.file_size for member in members if _TEXT_PARTS.fullmatch(member.filename))
    if xml > XML_BYTES_PER_CHAR * limits.max_text_chars:
        raise limits.too_much_text(path, f" ({xml / 2**20:,.1f} MB of XML)")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _paragraph_pages(body) -> dict:
    """The page each paragraph starts on, counted from the page breaks the file records; empty when
    it records none. Word writes where its last layout broke pages (w:lastRenderedPageBreak, which
    includes the pages started by hard breaks); files from other tools only have the hard breaks
    (w:br w:type="page"). A paragraph that starts with a break is on the page after it."""
    rendered = next(body.iter(f"{_W}lastRenderedPageBreak"), None) is not None
    if not rendered and not body.xpath('.//w:br[@w:type="page"]'):
        return {}
    page, pages, has_text = 1, {}, set()
    for element in body.iter(f"{_W}p", f"{_W}t", f"{_W}br", f"{_W}lastRenderedPageBreak"):
        if element.tag == f"{_W}p":
            pages[element] = page
        elif element.tag == f"{_W}t":
            paragraph = element.getparent()
            while paragraph is not None and paragraph.tag != f"{_W}p":
                paragraph = paragraph.getparent()
            if element.text and paragraph is not None and paragraph not in has_text:
                has_text.add(paragraph)
                pages[paragraph] = page
        elif element.tag == f"{_W}lastRenderedPageBreak" or (not rendered and element.get(f"{_W}type") == "page"):
            page += 1
    return pages


def _table_paragraphs(table):
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            # A merged cell is listed once per grid column it spans. The set holds the elements
            # themselves: the id of a proxy that is let go can come back for another cell.
            if cell._tc not in seen:
                seen.add(cell._tc)
                yield from cell.paragraphs


def _docx_style(paragraph) -> tuple[str | None, int | None]:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    number = _WORD_LEVEL.search(name)
    if name.startswith(("Heading", "Rubrik")):
        return "heading", int(number.group(1)) - 1 if number else 0
    if name == "Title":
        return "heading", 0
    outline = _outline_level(paragraph)
    if outline is not None and outline < 9:  # 9 is body text
        return "heading", outline
    numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if numbering is not None and numbering.ilvl is not None:
        return "list", numbering.ilvl.val
    if name.startswith(("List Bullet", "List Number", "List Paragraph", "Liststycke")) or numbering is not None:
        return "list", int(number.group(1)) - 1 if number else 0
    return None, None


def _outline_level(paragraph) -> int | None:
    """The outline level (w:outlineLvl) set on the paragraph, else on its style or a style that one
    is based on."""
    values = paragraph._p.xpath("./w:pPr/w:outlineLvl/@w:val")
    style = paragraph.style
    while not values and style is not None:
        values = style.element.xpath("./w:pPr/w:outlineLvl/@w:val")
        style = style.base_style
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None
