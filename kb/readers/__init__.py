"""Reading minutes files into numbered lines, whatever their format.

Every reader returns a `Document`: the text as lines, each with its 1-based line number and, where
the format has pages, its page. The parser only ever sees lines, so a PDF, a Word file and a text
file of the same minutes yield the same items. Each reader also passes on what its format knows
about structure: headings and their levels, list items, table rows, paragraph gaps (blank lines)
and pages. One module per format: `text` (plain text and the shared decoding), `markdown`, `pdf`
and `word`.
"""

from __future__ import annotations

from pathlib import Path

from kb.errors import DocumentError
from kb.readers.lines import Document, Line
from kb.readers.text import decode_text

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}
WORD_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | PDF_SUFFIXES | WORD_SUFFIXES

__all__ = ["Document", "Line", "SUPPORTED_SUFFIXES", "decode_text", "is_supported", "read_bytes", "read_document"]


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
    metadata: dict[str, str] = {}
    if suffix in PDF_SUFFIXES:
        from kb.readers.pdf import pdf_lines

        lines = pdf_lines(path, data)
    elif suffix in WORD_SUFFIXES:
        from kb.readers.word import docx_lines

        lines = docx_lines(path, data)
    elif suffix in MARKDOWN_SUFFIXES:
        from kb.readers.markdown import markdown_lines

        lines, metadata = markdown_lines(path, data)
    else:
        from kb.readers.text import text_lines

        lines = text_lines(path, data)
    if not any(line.text.strip() for line in lines):
        raise DocumentError(path, "no text found")
    return Document(path, lines, wrapped=suffix not in WORD_SUFFIXES, metadata=metadata)
