"""PDF through pdfplumber: one Line per text line in reading order, a blank Line where the layout
leaves a paragraph gap, and typography as structure: lines set larger than the body text, or short
lines set all in bold, are headings, levelled by size."""

from __future__ import annotations

import io
import logging
import re
import statistics
import unicodedata
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.errors import DocumentError
from kb.readers.lines import BULLET_ENTRY, Line, list_levels

# Two characters closer than this share of the font size are one word. pdfplumber's default, 3
# points whatever the size, runs words together in tightly justified lines ("Jagharintekunnat":
# word gaps of 2.5 points at 10 points, typeset by LaTeX); 0.15 of the size still joins kerned
# and letter-spaced characters. Measured on the 28 PDFs of the corpora and tests: 20 run-together
# lines split into their words, no word split apart.
WORD_GAP = 0.15

# pdfminer and pdfplumber log every oddity they work around ("invalid pdf header", "EOF marker
# not found", ...), some at ERROR; the text is what matters here, and a file that cannot be read
# is reported once, by kb.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False
    logging.getLogger(_name).setLevel(logging.CRITICAL + 1)

_BOLD = re.compile(r"bold|black|heavy|-bi?$", re.IGNORECASE)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ft", "ﬆ": "st"})
# LaTeX without T1 font encoding sets "ö" as an "o" with a separate accent glyph over it, and the
# text layer keeps them apart, the accent before or after its letter by a fraction of a point:
# "mo¨tet", "p˚a", "Ordf¨orande". An accent next to a letter it belongs on is put on it; on
# a Chalmers section's 55-page protocol every å, ä and ö was so split.
_ACCENTS = {"¨": ("\u0308", "aouAOU"), "˚": ("\u030a", "aA"), "´": ("\u0301", "eE"), "`": ("\u0300", "eE")}
_SPLIT_ACCENT = re.compile(rf"(?:(?<=[^\W\d_])[{''.join(_ACCENTS)}]|[{''.join(_ACCENTS)}](?=[^\W\d_]))")
# Not text, in a text layer: an unmapped glyph, the (object) replacement characters, a soft hyphen
# inside a word (one at a line's end is kept, as a hyphen).
_LINE_END_GLYPH = re.compile(r"(?<=[^\W\d_])\(cid:\d+\)$")
_ILLEGIBLE = re.compile(r"\(cid:\d+\)|[\ufffc\ufffd\ufffe\uffff]|\xad(?!$)")
# A heading set in bold at the body size is short and is not a sentence or a clause of one.
BOLD_HEADING_MAX_WORDS = 14
_CLAUSE_END = (".", ",", ";", ":")
# A gap between lines this much larger than the usual line pitch is a paragraph gap.
PARAGRAPH_GAP = 1.4
# Larger than the body text by at least this much (points) is a heading size.
HEADING_SIZE_STEP = 1.0
# A size with this many lines, this share of them this long, sets running text (`_body_sizes`).
BODY_SIZE_LINES = 20
BODY_LONG_SHARE = 0.3
BODY_LONG_CHARS = 60
# An OCR text layer (a scan made searchable: Tesseract and the tools built on it write its words
# in an invisible "GlyphLessFont") gives each word the size of its box on the scan, which wanders
# a point or two from line to line: there only a size half again the body's is a heading. A
# signed and scanned board protocol had a third of its body lines taken for headings (9 and 10
# points, body 9), each cutting an item.
OCR_FONT = "GlyphLessFont"
OCR_HEADING_RATIO = 1.5
# Tesseract reads the section sign of a point's number as "&", "$", "£", "8" or "S": "& 4
# Godkännande av röstlängd", "$9 Revisorernas berättelse", "£ 21. Avslutning", "812 Beslut i
# frågan om ansvarsfrihet" and "8 12. Beslut ..." (§ 12) in a housing cooperative's two scanned
# annual protocols, whose points had run together. In an OCR text layer, "&", "$" or "£" before a
# line's number and title, or its number alone, is "§"; so is an "8", "3" or "S" when the number
# is the next one after the last point's, or the first ("$16" and "814" alone on their lines over
# points without titles, "81. Föreningsstämmans öppnande", in another cooperative's scans).
_OCR_SECTION = re.compile(r"^[&$£]\s*(?=\d{1,3}\.?(?:\s+[^\W\d_]|\s*$))")
_OCR_LIKE_SECTION = re.compile(r"^[83S]\s*(?=(\d{1,2})\.?(?:\s+[^\W\d_]|\s*$))")
_SECTION_NUMBER = re.compile(r"^§\s*(\d{1,3})\.?(?:\s|$)")
# A point's number and title set in a column left of its text ("§6 Godkännande av" | "Mötet
# beslöt"): the gap before the text, in font sizes (a word gap is a quarter of one; in the Typst
# template that sets its minutes so, the gap is 2.2 to 9).
HANGING_GAP = 2.0
_HANGING_NUMBER = re.compile(r"^(?:§\s*\d{1,3}|\d{1,3}\s*§|\d{1,3}(?:\.\d+)*\.?)\s+[^\W\d_]")
# Bullets whose left edges are this close (points) are one list level; LaTeX's and Word's list
# levels step 12 to 36 points.
LIST_INDENT_TOLERANCE = 3.0


@dataclass
class _PdfLine:
    page: int
    frame: int  # 0 for text read as the page stands, 1 for sideways text turned upright
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    sizes: Counter  # font size (rounded to 0.5pt) -> characters
    bold: bool  # every character in a bold face
    ocr: bool = False  # most characters in an OCR text layer's invisible font

    @property
    def size(self) -> float:
        return self.sizes.most_common(1)[0][0]


class StreamTooLarge(Exception):
    """A compressed stream in a PDF unpacks to more than the limit (a zip bomb, or near one)."""


# A stream whose data is damaged is unpacked byte by byte by pdfminer, in time that grows with the
# square of its size: that path is held to much less.
DAMAGED_STREAM_BYTES = 2 * 2**20


class _BoundedZlib:
    """zlib as pdfminer sees it: each stream it inflates is held to `limit` bytes, so a PDF whose
    few kilobytes unpack to gigabytes is refused instead of filling memory."""

    error = zlib.error

    def __init__(self, limit: int):
        self.limit = limit

    def __getattr__(self, name):
        return getattr(zlib, name)

    def decompress(self, data, *args, **kwargs) -> bytes:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, self.limit + 1)
        if len(out) > self.limit:
            raise StreamTooLarge(self.limit)
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")  # as zlib.decompress says it
        return out

    def decompressobj(self, *args, **kwargs):
        return _BoundedInflater(zlib.decompressobj(*args, **kwargs), min(self.limit, DAMAGED_STREAM_BYTES))


class _BoundedInflater:
    def __init__(self, inflater, limit: int):
        self._inflater, self._limit, self._total = inflater, limit, 0

    def __getattr__(self, name):
        return getattr(self._inflater, name)

    def decompress(self, data, *args) -> bytes:
        out = self._inflater.decompress(data, *args)
        self._total += len(out)
        if self._total > self._limit:
            raise StreamTooLarge(self._limit)
        return out


_zlib = _BoundedZlib(256 * 2**20)


@contextmanager
def _streams_held_to(limit: int):
    import pdfminer.pdftypes

    pdfminer.pdftypes.zlib = _zlib
    before, _zlib.limit = _zlib.limit, limit
    try:
        yield
    finally:
        _zlib.limit = before


def pdf_lines(path: Path, data: bytes, limits=None) -> list[Line]:
    from kb.readers import DEFAULT_LIMITS

    pages = _read_pages(path, data, limits or DEFAULT_LIMITS)
    found = [line for page in pages for line in page]
    if not found:
        raise DocumentError(path, "PDF has no text layer (a scan?); run OCR on it first")
    body = Counter()
    for line in found:
        body.update(line.sizes)
    body_size = body.most_common(1)[0][0]
    _section_signs(found)
    styles = _headings(found, body_size, _heading_step(found, body_size))
    entries = {id(line): m.group(1) for line in found
               if id(line) not in styles and (m := BULLET_ENTRY.match(line.text))}
    lists = list_levels({id(line): line.x0 for line in found if id(line) in entries}, LIST_INDENT_TOLERANCE)
    usual_pitch, body_height = _usual_pitch(pages, body_size)
    lines: list[Line] = []
    for page in pages:
        previous = None
        for line in page:
            if previous is not None and (line.frame != previous.frame or _gap(previous, line, usual_pitch, body_height)):
                lines.append(Line(len(lines) + 1, "", line.page))
            style, level = styles.get(id(line), (None, None))
            text = line.text
            if id(line) in lists:
                style, level, text = "list", lists[id(line)], entries[id(line)]
            lines.append(Line(len(lines) + 1, text, line.page, style, level))
            previous = line
    return lines


def _gap(upper: _PdfLine, lower: _PdfLine, usual_pitch: float, body_height: float) -> bool:
    """Whether the space between two lines is clearly more than the usual space between lines."""
    return bool(usual_pitch) and lower.top - upper.bottom > (usual_pitch - body_height) + (PARAGRAPH_GAP - 1) * usual_pitch


def _read_pages(path: Path, data: bytes, limits) -> list[list[_PdfLine]]:
    """The text lines of each page; any failure of the PDF libraries on this file is a
    DocumentError naming it. Reading stops as soon as the text passes the limit."""
    import pdfplumber
    from pdfplumber.utils import chars_to_textmap

    pages: list[list[_PdfLine]] = []
    chars_read = 0
    try:
        with _streams_held_to(limits.max_file_bytes), pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                lines = []
                for frame, chars in enumerate(_upright_and_turned(page.chars, float(page.width), float(page.height))):
                    chars, doubled = _without_overprint(chars)
                    raws = chars_to_textmap(chars, x_tolerance_ratio=WORD_GAP).extract_text_lines(return_chars=True) if chars else []
                    lines += [line for raw in _hanging_headings(raws) if (line := _pdf_line(number, frame, raw, doubled))]
                pages.append(lines)
                page.close()  # drop the page's parsed objects; long PDFs otherwise stay in memory
                chars_read += sum(len(line.text) for line in lines)
                if chars_read > limits.max_text_chars:
                    raise limits.too_much_text(path, f" by page {number}")
    except DocumentError:
        raise
    except RecursionError as e:
        raise DocumentError(path, "unreadable PDF: its objects nest too deeply") from e
    except Exception as e:  # pdfminer raises anything from PSEOF to KeyError on a damaged file
        bomb = next((c for c in _causes(e) if isinstance(c, StreamTooLarge)), None)
        if bomb is not None:
            raise DocumentError(path, f"a compressed stream in it unpacks to more than {bomb.args[0] / 2**20:g} MB, "
                                      "the limit (kb index --max-file-mb)") from e
        raise DocumentError(path, _problem(e)) from e
    if not pages:
        raise DocumentError(path, "unreadable PDF: no pages found")
    return pages


def _hanging_headings(raws: list[dict]) -> list[dict]:
    """Lines apart where a point's number and title hang in a column left of its text ("§6
    Godkännande av" | "Mötet beslöt", and the title's next lines "föregående", "mötesprotokoll"
    beside the text's): the title, all its lines joined, before the text, which keeps its lines.
    A line so read starts with a point's number and has a gap of HANGING_GAP times its size before
    the text; the title's further lines stand between the number and the text's column. A student
    section's Typst template sets its minutes so, and its titles and texts had run together line
    by line ("§6 Godkännande av Mötet beslöt föregående att godkänna ...")."""
    out: list[dict] = []
    title: dict | None = None  # the hanging title being read, and where its columns are
    right = max((raw["x1"] for raw in raws), default=0.0)
    for raw in raws:
        numbered = _HANGING_NUMBER.match(raw.get("text", "")) is not None
        if not numbered and title is None:
            out.append(raw)  # most lines: no point's number, no title being read
            continue
        chars = sorted(raw.get("chars", []), key=lambda c: c["x0"])
        size = max((float(c["size"]) for c in chars), default=0.0)
        cut = next((i for i in range(1, len(chars)) if chars[i]["x0"] - chars[i - 1]["x1"] >= HANGING_GAP * size), None)
        left = _sub_line(chars[:cut]) if cut and numbered else None
        # the text's column is the wider (a time or page number at the right margin is no text)
        if left is not None and _HANGING_NUMBER.match(left["text"]) \
                and right - chars[cut]["x0"] > chars[cut]["x0"] - chars[0]["x0"]:
            title = {"raw": left, "number_x": chars[0]["x0"], "text_x": chars[cut]["x0"], "bottom": raw["bottom"]}
            out += [left, _sub_line(chars[cut:])]
            continue
        if title is None:
            out.append(raw)
            continue
        beside = [c for c in chars if c["x1"] <= title["text_x"] - HANGING_GAP * size]
        rest = chars[len(beside):]
        if beside and title["number_x"] + 2 < chars[0]["x0"] \
                and raw["top"] - title["bottom"] < 1.5 * size \
                and (not rest or rest[0]["x0"] >= title["text_x"] - 3):
            # the title's next line, alone in its column or beside a line of the text's column
            title["raw"]["text"] += " " + _sub_line(beside)["text"]
            title["raw"]["chars"] += beside
            title["bottom"] = raw["bottom"]
            if rest:
                out.append(_sub_line(rest))
            continue
        if chars and chars[0]["x0"] < title["text_x"] - 2:
            title = None  # something else in the title's column: the title has ended
        out.append(raw)
    return out


def _sub_line(chars: list[dict]) -> dict:
    """Some of a line's characters as a line of their own."""
    from pdfplumber.utils import chars_to_textmap

    found = chars_to_textmap(chars, x_tolerance_ratio=WORD_GAP).extract_text_lines(return_chars=True)
    text = " ".join(line["text"] for line in found)
    return {"chars": list(chars), "text": text, "top": min(c["top"] for c in chars), "bottom": max(c["bottom"] for c in chars),
            "x0": min(c["x0"] for c in chars), "x1": max(c["x1"] for c in chars)}


def _upright_and_turned(chars: list[dict], width: float, height: float) -> tuple[list[dict], list[dict]]:
    """The page's characters that read left to right, and its sideways ones (a wide table printed
    along the page, a signature field in the margin) turned the way a reader turns the page."""
    sideways = [c for c in chars if not c.get("upright", True)]
    if not sideways:
        return chars, []
    steps = [b["top"] - a["top"] for a, b in zip(sideways, sideways[1:])]
    if statistics.median(steps) < 0:  # reading upwards: turn the page clockwise
        def box(c):
            return height - c["bottom"], height - c["top"], c["x0"], c["x1"]
    else:  # reading downwards: turn it anticlockwise
        def box(c):
            return c["top"], c["bottom"], width - c["x1"], width - c["x0"]
    turned = []
    for c in sideways:
        x0, x1, top, bottom = box(c)
        turned.append({**c, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
                       "width": x1 - x0, "height": bottom - top, "size": bottom - top, "upright": True})
    return [c for c in chars if c.get("upright", True)], turned


def _without_overprint(chars: list[dict]) -> tuple[list[dict], set[int]]:
    """The characters without those printed a second time at (almost) the same place, as some
    tools fake bold, and the ids of the characters that were (bold, then). pdfplumber's
    dedupe_chars does the first too but costs more than all the rest of the reading."""
    by_place: dict[tuple[str, int], list[dict]] = {}
    for char in chars:
        by_place.setdefault((char["text"], round(char["top"])), []).append(char)
    twice, doubled = set(), set()
    for group in by_place.values():
        if len(group) > 1:
            group.sort(key=lambda char: char["x0"])
            kept = group[0]
            for char in group[1:]:
                if char["x0"] - kept["x0"] < min(1.0, (kept["x1"] - kept["x0"]) / 2):
                    twice.add(id(char))
                    doubled.add(id(kept))
                else:
                    kept = char
    return ([char for char in chars if id(char) not in twice] if twice else chars), doubled


def _causes(error: BaseException):
    """The error, what it wraps (pdfplumber wraps pdfminer's errors in its own) and its causes."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        yield error
        wrapped = error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
        error = wrapped or error.__cause__ or error.__context__


def _problem(error: Exception) -> str:
    cause = error.args[0] if type(error).__name__ == "PdfminerException" and error.args else error
    if isinstance(cause, Exception) and type(cause).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError"):
        return "encrypted PDF; it needs a password to be read"
    detail = str(cause).strip()
    name = type(cause).__name__ if isinstance(cause, Exception) else type(error).__name__
    return f"unreadable PDF: {name}{': ' + detail if detail and detail != name else ''}"


def _pdf_line(page: int, frame: int, raw: dict, doubled: set[int]) -> _PdfLine | None:
    chars = [c for c in raw.get("chars", []) if c.get("text", "").strip()]
    text = _accented(_legible(" ".join(raw.get("text", "").translate(_LIGATURES).split())))
    if not chars or not text:
        return None
    sizes = Counter()
    for c in chars:
        sizes[round(float(c["size"]) * 2) / 2] += 1
    bold = all(_BOLD.search(c.get("fontname", "")) or id(c) in doubled for c in chars)
    ocr = 2 * sum(OCR_FONT in c.get("fontname", "") for c in chars) > len(chars)
    return _PdfLine(page, frame, text, float(raw["top"]), float(raw["bottom"]), float(raw["x0"]), float(raw["x1"]), sizes, bold, ocr)


def _section_signs(lines: list[_PdfLine]) -> None:
    """The section signs an OCR text layer misread, put back (see _OCR_SECTION)."""
    last = None
    for line in lines:
        if line.ocr:
            line.text = _OCR_SECTION.sub("§ ", line.text)
            like = _OCR_LIKE_SECTION.match(line.text)
            # The first point only as "81.", "81" alone or "81 Styrelsens ...": "31 medlemmar" is a count.
            after = line.text[like.end() + 1:like.end() + 3] if like else ""
            first = last is None and like is not None and like.group(1) == "1" and line.text[0] in "8S" \
                and (after[:1] in (".", "") or after[:1] == " " and after[1:].isupper())
            if like and (last is not None and int(like.group(1)) == last + 1 or first):
                line.text = "§ " + line.text[like.end():]
        number = _SECTION_NUMBER.match(line.text)
        if number:
            last = int(number.group(1))


def _legible(text: str) -> str:
    """The line without what a text layer holds that is no text: pdfminer's "(cid:16)" for a glyph
    it cannot map, the replacement and object-replacement characters ("lag\ufffeligt"), and soft
    hyphens inside a word ("Café\xadmästare"); a soft hyphen that ends the line is a hyphen, so
    that the word is joined with the next line's as a hyphenated one is, and so is an unmapped
    glyph right after a word at the line's end (Typst's hyphen in LUDD's PDF variant:
    "styrelsensverk(cid:47)" / "samhetsberättelse")."""
    text = _ILLEGIBLE.sub("", _LINE_END_GLYPH.sub("-", text))
    return text[:-1] + "-" if text.endswith("\xad") else text


def _accented(text: str) -> str:
    """Split accents put back on their letters: the letter before if it takes the accent, else
    the one after ("mo¨tet" -> "mötet", "p˚a" -> "på", "¨ata" -> "äta")."""
    if not _SPLIT_ACCENT.search(text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        accent = _ACCENTS.get(char)
        if accent is not None:
            combining, bases = accent
            if out and out[-1] in bases:
                out[-1] = unicodedata.normalize("NFC", out[-1] + combining)
                i += 1
                continue
            if i + 1 < len(text) and text[i + 1] in bases:
                out.append(unicodedata.normalize("NFC", text[i + 1] + combining))
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _heading_step(lines: list[_PdfLine], body_size: float) -> float:
    """How much larger than the body text a heading is: HEADING_SIZE_STEP points, or in an OCR
    text layer (most lines in its invisible font) half the body size again."""
    scanned = 2 * sum(line.ocr for line in lines) > len(lines)
    return (OCR_HEADING_RATIO - 1) * body_size if scanned else HEADING_SIZE_STEP


def _headings(lines: list[_PdfLine], body_size: float, step: float = HEADING_SIZE_STEP) -> dict[int, tuple[str, int]]:
    """Style and level by line (id): most characters of the line at least `step` points larger
    than the body text, or the whole line bold at body size, short, not ending a clause and not a line of a
    bold paragraph. Level 0 is the largest heading size; bold body-size headings come after the
    sized ones."""
    sized: dict[int, float] = {}
    bold: list[int] = []
    right, left = _text_edges(lines, body_size)
    body = _body_sizes(lines)
    for i, line in enumerate(lines):
        large = Counter({s: n for s, n in line.sizes.items() if s >= body_size + step and s not in body})
        if 2 * sum(large.values()) > sum(line.sizes.values()) and not (line.ocr and _scrawl(line.text)):
            sized[i] = large.most_common(1)[0][0]
        elif _bold_heading(line, body_size) and not _in_bold_paragraph(lines, i, body_size, right - 0.15 * (right - left)):
            bold.append(i)
    ranks = {size: level for level, size in enumerate(sorted(set(sized.values()), reverse=True))}
    styles = {id(lines[i]): ("heading", ranks[size]) for i, size in sized.items()}
    styles.update({id(lines[i]): ("heading", len(ranks)) for i in bold})
    return styles


def _body_sizes(lines: list[_PdfLine]) -> set[float]:
    """Sizes that set running text, whatever the size with most characters: at least
    BODY_SIZE_LINES lines, a share BODY_LONG_SHARE of them BODY_LONG_CHARS long or more. Headings
    are short. A city's 47-page protocol set its paragraphs at 12 points and its pay tables,
    attached after them, at 11: every line of the protocol had been a heading, and its points
    had run together into items of up to 4,356 characters."""
    counts: dict[float, list[int]] = {}
    for line in lines:
        counts.setdefault(line.size, []).append(len(line.text))
    return {size for size, lengths in counts.items()
            if len(lengths) >= BODY_SIZE_LINES and sum(n >= BODY_LONG_CHARS for n in lengths) >= BODY_LONG_SHARE * len(lengths)}


def _scrawl(text: str) -> bool:
    """Whether an OCR line is handwriting read as letters: a few fragments of at most three
    characters ("Tan Ph", "7 mm Mm", "Prb", "fu fll": initials in a scanned protocol's signature
    boxes, read at 20 to 69 points against a body of 10, had become the section of eight points)."""
    words = text.split()
    return 0 < len(words) <= 3 and all(len(word) <= 3 for word in words) and "§" not in text


def _bold_heading(line: _PdfLine, body_size: float) -> bool:
    return (
        line.bold
        and line.size >= body_size - 0.5
        and len(line.text.split()) <= BOLD_HEADING_MAX_WORDS
        and not line.text.endswith(_CLAUSE_END)
        and not line.text[0].islower()
    )


def _in_bold_paragraph(lines: list[_PdfLine], i: int, body_size: float, margin: float) -> bool:
    """Whether a bold line runs on from the line above or into the line below, as the lines of a
    paragraph set in bold do: the upper line reaches the right margin and the lower one follows on
    the same page, also in bold."""
    def runs_on(upper: _PdfLine, lower: _PdfLine) -> bool:
        return (
            (upper.page, upper.frame) == (lower.page, lower.frame) and upper.bold and lower.bold and lower.size >= body_size - 0.5
            and upper.x1 >= margin and not upper.text.endswith(_CLAUSE_END)
            and lower.top - upper.bottom < (upper.bottom - upper.top)
        )

    return (i + 1 < len(lines) and runs_on(lines[i], lines[i + 1])) or (i > 0 and runs_on(lines[i - 1], lines[i]))


def _text_edges(lines: list[_PdfLine], body_size: float) -> tuple[float, float]:
    """Where the body text's lines usually end and start (the right and left margins)."""
    body = [line for line in lines if line.size == body_size and len(line.text.split()) >= 5]
    if len(body) < 2:
        return float("inf"), 0.0
    rights = sorted(line.x1 for line in body)
    lefts = sorted(line.x0 for line in body)
    return rights[int(0.9 * (len(rights) - 1))], lefts[int(0.1 * (len(lefts) - 1))]


def _usual_pitch(pages: list[list[_PdfLine]], body_size: float) -> tuple[float, float]:
    """The document's usual distance from one body line to the next within a paragraph (the lower
    quartile, as many pairs of lines straddle paragraph gaps), and the usual height of a body line."""
    pitches, heights = [], []
    for page in pages:
        for upper, lower in zip(page, page[1:]):
            if upper.size == body_size == lower.size and upper.frame == lower.frame and lower.top > upper.top:
                pitches.append(lower.top - upper.top)
        heights += [line.bottom - line.top for line in page if line.size == body_size]
    if not pitches:
        return 0.0, 0.0
    usual = statistics.quantiles(pitches, n=4)[0] if len(pitches) >= 4 else min(pitches)
    return usual, statistics.median(heights)
