"""Reading minutes files into numbered lines, whatever their format.

Every reader returns a `Document`: the text as lines, each with its 1-based line number and, where
the format has pages, its page. The parser only ever sees lines, so a PDF, a Word file and a text
file of the same minutes yield the same items. Each reader also passes on what its format knows
about structure: headings and their levels, list items, table rows, paragraph gaps (blank lines)
and pages. One module per format: `text` (plain text and the shared decoding), `markdown`, `pdf`
and `word`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kb.errors import DocumentError
from kb.readers.lines import Document, Line
from kb.readers.text import decode_text

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}
WORD_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | PDF_SUFFIXES | WORD_SUFFIXES

__all__ = ["DEFAULT_LIMITS", "Document", "Limits", "Line", "SUPPORTED_SUFFIXES", "decode_text", "is_supported",
           "read_bytes", "read_document"]


@dataclass(frozen=True)
class Limits:
    """What one file may cost to read; a file beyond a limit is skipped with a line naming it.

    A zip bomb of a Word file or a PDF stream that inflates without end would otherwise take all
    memory, and a few hundred kilobytes of compressed paragraphs minutes of parsing."""

    # Bytes on disk; for a Word file also the whole of it unpacked, and for a PDF each
    # compressed stream unpacked.
    max_file_bytes: int = 256 * 2**20
    # Characters of text read from one file (about 2,000 dense pages); the XML of a Word file's
    # text is held to 8 bytes for each, before it is parsed.
    max_text_chars: int = 5_000_000

    def too_large(self, path: Path, size: int) -> DocumentError:
        return DocumentError(path, f"too large: {_mb(size)}, over the limit of {_mb(self.max_file_bytes)} "
                                   "per file (kb index --max-file-mb)")

    def too_much_text(self, path: Path, what: str = "") -> DocumentError:
        return DocumentError(path, f"more than {self.max_text_chars:,} characters of text{what}, the limit per "
                                   "file (kb index --max-text-mb)")


DEFAULT_LIMITS = Limits()


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_bytes(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file (a FIFO or device is refused without waiting on it), at most
    `limits.max_file_bytes` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise DocumentError(path, f"cannot read: {e.strerror or e}") from e
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(path, "not a regular file")
        if info.st_size > limits.max_file_bytes:
            raise limits.too_large(path, info.st_size)
        try:
            data = file.read(limits.max_file_bytes + 1)
        except OSError as e:
            raise DocumentError(path, f"cannot read: {e.strerror or e}") from e
    if len(data) > limits.max_file_bytes:
        raise limits.too_large(path, len(data))
    return data


def read_document(path: Path, data: bytes | None = None, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read a minutes file (from `data` when the caller has its bytes already); raise
    DocumentError naming the file and the problem. NUL characters are dropped wherever a format
    let them through."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {suffix or '(none)'}")
    if data is None:
        data = read_bytes(path, limits)
    if not data.strip():
        raise DocumentError(path, "empty file")
    if suffix in TEXT_SUFFIXES | MARKDOWN_SUFFIXES and len(data) > 4 * limits.max_text_chars:
        raise limits.too_much_text(path)  # no character takes more than 4 bytes
    metadata: dict[str, str] = {}
    if suffix in PDF_SUFFIXES:
        from kb.readers.pdf import pdf_lines

        lines = pdf_lines(path, data, limits)
    elif suffix in WORD_SUFFIXES:
        from kb.readers.word import docx_lines

        lines = docx_lines(path, data, limits)
    elif suffix in MARKDOWN_SUFFIXES:
        from kb.readers.markdown import markdown_lines

        lines, metadata = markdown_lines(path, data)
    else:
        from kb.readers.text import plain_text_lines

        lines = plain_text_lines(path, data)
    if sum(len(line.text) for line in lines) > limits.max_text_chars:
        raise limits.too_much_text(path)
    if any("\x00" in line.text for line in lines):
        lines = [Line(line.number, line.text.replace("\x00", ""), line.page, line.style, line.level) for line in lines]
    if not any(line.text.strip() for line in lines):
        raise DocumentError(path, "no text found")
    return Document(path, lines, wrapped=suffix not in WORD_SUFFIXES, metadata=metadata,
                    markup=suffix not in WORD_SUFFIXES and suffix not in PDF_SUFFIXES)
