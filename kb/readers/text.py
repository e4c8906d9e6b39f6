"""Plain text: the shared decoding, and one Line per source line."""

from __future__ import annotations

import codecs
import threading
from functools import lru_cache
from pathlib import Path

from kb.errors import DocumentError
from kb.readers.lines import BULLET_ENTRY, Line, list_levels

# Legacy single-byte encodings a Swedish text that is not UTF-8 may be in, the likeliest first: the
# one that reads the most Swedish letters out of the bytes UTF-8 rejects is used (the first on a
# tie). charset-normalizer was tried for this and misjudged short Swedish samples (Windows-1252
# read as DOS cp850: "M÷te"), and could not tell cp850 from Windows-1252 on longer ones.
LEGACY_ENCODINGS = ["cp1252", "mac_roman", "cp850"]
_SWEDISH_LETTERS = frozenset("åäöÅÄÖéÉüÜ")
_BOMS = [  # UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
]
# NUL bytes in more than this share of a file make it binary, wherever they are.
BINARY_NUL_SHARE = 0.01


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16/32 with a BOM. Bytes that are not UTF-8 are read in
    a legacy encoding (Windows-1252, unless the Mac's or DOS's reads more Swedish letters out of
    them), byte run by byte run: a UTF-8 file with a stray Windows-1252 byte keeps its UTF-8 ("för", not
    "fÃ¶r"), whether the stray byte is in the first line or the millionth. NULs are dropped;
    a file with NULs near its start, or many of them, is binary and refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).replace("\x00", "")
            except UnicodeDecodeError as e:
                raise DocumentError(path, f"damaged {encoding.upper()} text ({e.reason} at byte {e.start})") from None
    if b"\x00" in data[:8192] or data.count(b"\x00") > BINARY_NUL_SHARE * len(data):
        raise DocumentError(path, "binary file, not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors=_legacy_handler(_legacy_encoding(data)))
    return text.replace("\x00", "")


def _legacy_encoding(data: bytes) -> str:
    """The legacy encoding that reads the most Swedish letters out of the bytes UTF-8 rejects."""
    _rejected.runs = []
    try:
        data[: 4 * 2**20].decode("utf-8", errors="kb-collect")
        sample = b"".join(_rejected.runs)
    finally:
        _rejected.runs = []
    scores = [sum(char in _SWEDISH_LETTERS for char in sample.decode(name, errors="ignore")) for name in LEGACY_ENCODINGS]
    return LEGACY_ENCODINGS[scores.index(max(scores))]


_rejected = threading.local()


def _collect(error: UnicodeDecodeError):
    _rejected.runs.append(error.object[error.start : error.end])
    return "", error.end


codecs.register_error("kb-collect", _collect)


@lru_cache(maxsize=None)
def _legacy_handler(encoding: str) -> str:
    """A codec error handler that reads the bytes UTF-8 rejects in `encoding` (Latin-1 for any
    byte that encoding leaves undefined); returns its registered name."""
    name = f"kb-legacy-{encoding}"

    def handler(error: UnicodeDecodeError):
        chunk = error.object[error.start : error.end]
        try:
            return chunk.decode(encoding), error.end
        except UnicodeDecodeError:
            return chunk.decode("latin-1"), error.end

    codecs.register_error(name, handler)
    return name


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


def plain_text_lines(path: Path, data: bytes) -> list[Line]:
    """A plain text's lines, its bullet lines as list items levelled by their indent
    (`list_levels`) where they stand at two indents or more: pandoc's plain text marks every
    level "-"."""
    lines = text_lines(path, data)
    entries = {i: m.group(1) for i, line in enumerate(lines) if (m := BULLET_ENTRY.match(line.text))}
    indents = {i: len(lines[i].text.expandtabs(4)) - len(lines[i].text.expandtabs(4).lstrip()) for i in entries}
    for i, level in list_levels(indents, 1).items():
        lines[i] = Line(lines[i].number, entries[i], lines[i].page, "list", level)
    return lines
