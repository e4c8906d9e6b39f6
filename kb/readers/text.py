"""Plain text: one Line per source line, in whatever encoding the file came in."""

from __future__ import annotations

from pathlib import Path

from kb.errors import DocumentError
from kb.readers.lines import Line


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


def text_lines(path: Path, data: bytes) -> list[Line]:
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
    return lines
