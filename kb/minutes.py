"""Parsing minutes into a meeting and its items.

An item is what a user wants back as one answer: one organisation's or speaker's contribution, or
one agenda point, with its heading and bullets. The parser works on numbered lines (see
`kb.readers`) in three passes:

1. join lines wrapped mid-sentence into logical lines and tag each as bullet, numbered point,
   heading or plain text;
2. cut the logical lines into items wherever a contribution or agenda point starts;
3. turn items that are only a title ("Organisationer", "Avstämning läget i länet – Region JH")
   into the section of the items that follow.

Every non-empty source line ends up in exactly one item's line range or in the meeting header.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kb.readers import Document, Line

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "jan"), ("februari", "feb"), ("mars", "mar"), ("april", "apr"),
            ("maj",), ("juni", "jun"), ("juli", "jul"), ("augusti", "aug"),
            ("september", "sep", "sept"), ("oktober", "okt"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_PATTERNS = [
    # 14 december 2020, 18 mars (year optional)
    (re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I), "dmy"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "iso"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})[ -](\d{4})\b"), "d/m y"),
]

MAJOR_BULLETS = "▪•●■◦▫"
MINOR_BULLETS = "–—-*"
_BULLET = re.compile(rf"^\s*([{MAJOR_BULLETS}{re.escape(MINOR_BULLETS)}])\s*(.*)$")
_NUMBERED = re.compile(r"^\s*(§\s*\d+[a-z]?|\d+(?:\.\d+)*\.?)\s+(\S.*)$")
_TERMINAL = (".", "!", "?", ":", ";")

# Personal names: two or more capitalised words ("Martin Hellström", "Lars-Åke Wassö").
_UPPER = "A-ZÅÄÖÉÜ"
_LOWER = "a-zåäöéüèáíóú"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}"
_NAMES = rf"{_NAME}(?:\s*(?:,|och)\s*{_NAME})*"
_PARTY = r"\((?:S|M|C|V|L|KD|MP|SD)\)"
_SPEAKER_PATTERNS = [
    # "Almi, Martin Hellström", "Länsstyrelsen, lägesuppdatering Peter Andrén"
    re.compile(rf"^(?P<org>[^,]{{2,60}}?),\s*(?:(?P<role>[{_LOWER}][^,]*?)\s+)?(?P<speaker>{_NAMES})\s*$"),
    # "Martin Hellström (Almi)" with optional rest
    re.compile(rf"^(?P<speaker>{_NAME})\s*\((?P<org>[^)]{{2,60}})\)\s*(?P<rest>.*)$"),
    # "Ordförande Peter Andrén"
    re.compile(rf"^(?P<role>[Oo]rdförande[n]?|[Ss]ekreterare[n]?|[Vv]erksamhetschef(?:en)?)\s+(?P<speaker>{_NAME})\s*[:,.]?\s*(?P<rest>.*)$"),
    # "Ola Kereby (S) föredrar ärendet", "Mats Forslund informerar om ..."
    re.compile(rf"^(?P<speaker>{_NAME})\s*(?:{_PARTY})?\s+(?P<rest>(?:föredrar|informerar|redogör|berättar|presenterar|rapporterar)\b.*)$"),
]
_INFO_PREFIX = re.compile(r"^(?:information|info|rapport|lägesbild)\s+från\s+", re.I)
_NEXT_MEETING = re.compile(r"nästa\s+(?:möte|träff|sammanträde|dialog)", re.I)


@dataclass
class Item:
    ordinal: int
    title: str
    lines: list[str]
    line_start: int
    line_end: int
    page: int | None = None
    section: str | None = None
    organisation: str | None = None
    speaker: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Meeting:
    source: str
    title: str
    date: dt.date | None
    next_meeting: dt.date | None = None
    header_lines: tuple[int, int] | None = None
    items: list[Item] = field(default_factory=list)


@dataclass
class _Logical:
    """A line as the minutes' author wrote it: wrapped pieces joined, bullet marker removed."""

    kind: str  # "major", "minor", "numbered", "heading", "plain"
    text: str
    start: int
    end: int
    page: int | None
    after_gap: bool  # a paragraph gap (whitespace-only line) precedes it


def parse_speaker(text: str) -> tuple[str | None, str | None] | None:
    """(organisation, speaker) when a line opens someone's contribution, else None."""
    for pattern in _SPEAKER_PATTERNS:
        m = pattern.match(text.strip())
        if m:
            groups = m.groupdict()
            org = groups.get("org")
            if org:
                org = _INFO_PREFIX.sub("", org).strip()
                if len(org.split()) > 6:
                    continue
            return org or None, groups["speaker"].strip()
    return None


def find_dates(text: str, year_hint: int | None = None) -> list[dt.date]:
    """Dates in the usual Swedish forms, in order of appearance."""
    found = []
    for pattern, form in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            try:
                if form == "dmy":
                    year = int(m.group(3)) if m.group(3) else year_hint
                    if year is None:
                        continue
                    date = dt.date(year, MONTHS[m.group(2).lower()], int(m.group(1)))
                elif form == "iso":
                    date = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                else:
                    date = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                continue
            found.append((m.start(), date))
    return [d for _, d in sorted(found)]


def parse_minutes(document: Document) -> Meeting:
    logical = _logical_lines(document.lines)
    header, body = _split_header(logical)
    header_text = " ".join(part.text for part in header)
    dates = find_dates(header_text) or find_dates(str(document.path.name).replace("_", " "))
    date = dates[0] if dates else None
    title = _title_from_header(header_text) or document.path.stem
    meeting = Meeting(
        source=str(document.path),
        title=title,
        date=date,
        header_lines=(header[0].start, header[-1].end) if header else None,
    )
    meeting.items = _sections(_items(body))
    meeting.next_meeting = _next_meeting(meeting)
    return meeting


def _logical_lines(lines: list[Line]) -> list[_Logical]:
    out: list[_Logical] = []
    gap = False
    content = [line for line in lines if line.text.strip()]
    next_content = {id(a): b for a, b in zip(content, content[1:])}
    for line in lines:
        stripped = line.text.strip()
        if not stripped:
            # PDF text marks paragraph gaps with whitespace-only lines; empty lines are just wraps.
            gap = gap or line.text != ""
            continue
        kind, text = _classify(line, stripped)
        following = next_content.get(id(line))
        if kind == "plain" and out and not gap and _continues(out[-1], text, following):
            prev = out[-1]
            prev.text = _join(prev.text, text)
            prev.end = line.number
        else:
            out.append(_Logical(kind, text, line.number, line.number, line.page, gap))
        gap = False
    return out


def _classify(line: Line, stripped: str) -> tuple[str, str]:
    if line.style == "heading":
        return "heading", stripped
    m = _BULLET.match(stripped)
    if m and (m.group(2) or "").strip():
        kind = "major" if m.group(1) in MAJOR_BULLETS else "minor"
        return kind, m.group(2).strip()
    m = _NUMBERED.match(stripped)
    if m and not find_dates(stripped, year_hint=2000):
        return "numbered", stripped
    if line.style == "list":
        return "minor", stripped
    return "plain", stripped


def _continues(prev: _Logical, text: str, following: Line | None) -> bool:
    """Whether a plain line continues the previous logical line (a wrap) or starts a new one."""
    if prev.kind == "heading":
        return False
    if text[0].islower() or text[0] in ",)”\"'":
        return True
    if prev.text.endswith(_TERMINAL):
        return False
    if sum(prev.text.count(q) for q in "”“\"") % 2 or prev.text.count("(") > prev.text.count(")"):
        return True  # inside a quotation or parenthesis
    # A short title directly above a bullet list ("Kommuner") is not a wrapped sentence.
    if _is_title(text) and following is not None and _BULLET.match(following.text.strip()):
        return False
    return True


def _join(left: str, right: str) -> str:
    # A word hyphenated at the line break ("närings-" + "livet") is joined without the hyphen,
    # but "Hälso- och" (a Swedish elided compound) keeps its hyphen and space.
    if re.search(rf"[{_LOWER}]-$", left) and right[:1].islower() and not right.startswith(("och ", "eller ")):
        return left[:-1] + right
    return f"{left} {right}"


def _is_title(text: str) -> bool:
    """Short, no sentence punctuation: reads as a heading rather than as a statement."""
    return len(text.split()) <= 6 and not re.search(r"[.,;:!?]", text)


def _split_header(logical: list[_Logical]) -> tuple[list[_Logical], list[_Logical]]:
    """The header is the leading plain text before the first bullet, heading or paragraph gap."""
    header: list[_Logical] = []
    for part in logical:
        if part.kind != "plain" or (header and part.after_gap) or len(header) >= 4:
            break
        header.append(part)
        if find_dates(part.text):
            break
    if len(header) == len(logical):
        return [], logical
    return header, logical[len(header):]


def _title_from_header(header_text: str) -> str:
    title = header_text
    for pattern, _ in _DATE_PATTERNS:
        title = pattern.sub("", title)
    return re.sub(r"\s+", " ", title).strip(" ,–-")


def _starts_item(part: _Logical, current: Item | None) -> bool:
    if current is None or part.kind in ("major", "numbered", "heading"):
        return True
    if parse_speaker(part.text):
        return True
    if part.after_gap and _is_title(part.text):
        return True
    # A plain paragraph after a paragraph gap, below a bulleted item, is a new item.
    return part.kind == "plain" and part.after_gap and len(current.lines) > 1


def _items(body: list[_Logical]) -> list[tuple[str, Item]]:
    """Cut logical lines into items; each comes with the kind of line that opened it."""
    items: list[tuple[str, Item]] = []
    current: Item | None = None
    for part in body:
        if _starts_item(part, current):
            attribution = parse_speaker(part.text) or (None, None)
            current = Item(
                ordinal=len(items),
                title=part.text,
                lines=[part.text],
                line_start=part.start,
                line_end=part.end,
                page=part.page,
                organisation=attribution[0],
                speaker=attribution[1],
            )
            items.append((part.kind, current))
        else:
            current.lines.append(part.text)
            current.line_end = part.end
    return items


def _is_section_heading(kind: str, item: Item, has_following: bool) -> bool:
    """A heading line, or a title with at most one short sub-line ("– Region JH"), above items."""
    if not has_following or item.speaker:
        return False
    if kind == "heading":
        return len(item.lines) == 1
    return len(item.lines) <= 2 and all(_is_title(line) for line in item.lines)


def _sections(items: list[tuple[str, Item]]) -> list[Item]:
    """Fold title-only items into the section of what follows; attribute items to it."""
    kept: list[Item] = []
    section: str | None = None
    section_org: str | None = None
    pending_start: int | None = None
    for index, (kind, item) in enumerate(items):
        if _is_section_heading(kind, item, index + 1 < len(items)):
            section = item.title
            section_org = item.lines[1] if len(item.lines) == 2 else None
            pending_start = item.line_start if pending_start is None else pending_start
            continue
        if kind == "plain" and not item.speaker:
            # A plain title above bullets ("Kommuner") opens a section; free text at the top
            # level (closing remarks) belongs to none.
            section = item.title if _is_title(item.title) else None
            section_org = None
        if pending_start is not None:
            item.line_start, pending_start = pending_start, None
        item.section = section
        item.organisation = item.organisation or section_org
        item.ordinal = len(kept)
        kept.append(item)
    return kept


def _next_meeting(meeting: Meeting) -> dt.date | None:
    for item in meeting.items:
        for line in item.lines:
            if _NEXT_MEETING.search(line):
                year = meeting.date.year if meeting.date else None
                for date in find_dates(line, year_hint=year):
                    if meeting.date and date <= meeting.date:
                        date = date.replace(year=date.year + 1)
                    return date
    return None
