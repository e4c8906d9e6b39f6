"""Parsing minutes into a meeting and its items.

An item is what a user wants back as one answer: one organisation's or speaker's contribution, or
one agenda point, with its heading and bullets. The parser works on numbered lines (see
`kb.readers`):

1. set aside running page headers and footers, and the attendance lists (meeting metadata);
2. join lines wrapped mid-sentence into logical lines and tag each as bullet, numbered point,
   heading or plain text;
3. take the title, date and header, then cut the rest into items wherever a contribution or
   agenda point starts;
4. turn items that are only a title ("Organisationer", "Avstämning läget i länet – Region JH")
   into the section of the items that follow.

Every non-empty source line ends up in exactly one item's line range or in the meeting header,
or among the page headers and attendance lines the meeting lists.
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
_UPPER = "A-ZÅÄÖÉÜ"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_PATTERNS = [
    # 14 december 2020, 18 mars (year optional)
    (re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I), "dmy"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "iso"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})[ -](\d{4})\b"), "d/m y"),
]

MAJOR_BULLETS = "▪•●■\uf0a7\uf0b7"  # the last two: Symbol-font bullets as Word's PDFs export them
MINOR_BULLETS = "–—-*◦▫‣∙"
_BULLET = re.compile(rf"^\s*([{MAJOR_BULLETS}{re.escape(MINOR_BULLETS)}])\s*(.*)$")
# "§ 12", "12 Budget 2025" (a bare number only before a capital: "37 miljoner" is a wrapped
# sentence), "1.", "1.1", "2)".
_NUMBERED = re.compile(rf"^\s*(§\s*\d+[a-z]?|\d+(?:\.\d+)+\.?|\d+[.)]|\d+(?=\s+[{_UPPER}]))\s+(\S.*)$")
_TERMINAL = (".", "!", "?", ":", ";")
_LABEL = re.compile(rf"^[{_UPPER}][\w ]{{0,25}}:\s")  # "Plats och tid: ...", "Justerare: ..."

# Personal names: two or more capitalised words ("Martin Hellström", "Lars-Åke Wassö").
_LOWER = "a-zåäöéüèáíóú"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}"
_NAMES = rf"{_NAME}(?:\s*(?:,|och)\s*{_NAME})*"
_PARTY = r"\((?:S|M|C|V|L|KD|MP|SD)\)"
_ROLE = (
    r"(?:[Oo]rdförande[n]?|[Vv]ice ordförande[n]?|[Ss]ekreterare[n]?|VD|[Vv]d|[Ss]tyrelseledamot(?:en)?"
    rf"|[{_UPPER}{_LOWER}]*(?:chef|direktör|handläggare|strateg|ansvarig|samordnare)(?:en)?)"
)
# What someone does when the minutes give them the floor, present or past tense.
_SPEAKS = (
    r"(?:föredr|inform|redog|berätt|present|rapport|öppn|häls|avslut|förklar|meddel|yrk|föresl"
    r"|framh|lyft|beskriv|tack|svar|konstater|understr|påpek)\w*"
)
_SPEAKER_PATTERNS = [
    # "Almi, Martin Hellström", "Länsstyrelsen, lägesuppdatering Peter Andrén"
    re.compile(rf"^(?P<org>[^,]{{2,60}}?),\s*(?:(?P<role>[{_LOWER}][^,]*?)\s+)?(?P<speaker>{_NAMES})\s*$"),
    # "Martin Hellström (Almi)" with optional rest
    re.compile(rf"^(?P<speaker>{_NAME})\s*\((?P<org>[^)]{{2,60}})\)\s*(?P<rest>.*)$"),
    # "Ordförande Peter Andrén", "Ekonomichef Eva Holm presenterade ..."
    re.compile(rf"^(?P<role>{_ROLE})\s+(?P<speaker>{_NAME})\s*[:,.]?\s*(?P<rest>.*)$"),
    # "Ola Kereby (S) föredrar ärendet", "Mats Forslund informerar om ..."
    re.compile(rf"^(?P<speaker>{_NAME})\s*(?:{_PARTY})?\s+(?P<rest>{_SPEAKS}\b.*)$"),
]
_INFO_PREFIX = re.compile(r"^(?:information|info|rapport|lägesbild)\s+från\s+", re.I)
_NEXT_MEETING = re.compile(r"nästa\s+\w*(?:möte|träff|sammanträde|dialog)", re.I)

# Attendance lists: "Närvarande: Anna Berg, Peter Andrén", or a label line and one name a line.
_ATTENDANCE = re.compile(
    r"^(?:(?:övriga|beslutande|närvarande|tjänstgörande|ej tjänstgörande)\s+)?"
    r"(?:närvarande|beslutande|ledamöter|ersättare|deltagare|adjungerade|tjänstepersoner|tjänstemän)"
    r"\s*:?\s*(?P<names>.*)$",
    re.I,
)
_ATTENDEE = re.compile(rf"^{_NAME}\b")

# Page furniture: "2 (10)", "Sida 2 av 10", "Page 2 of 10" at the end of a line.
_PAGE_COUNTER = re.compile(r"(?:^|\s)(?:sida\s+|page\s+)?(\d{1,3})\s*(?:\((\d{1,3})\)|(?:av|of)\s+(\d{1,3}))$", re.I)
_FURNITURE_REACH = 3  # how many lines from a page's edge a running header or footer may sit

# What a meeting's title names when it names who met: "Kommunstyrelsens arbetsutskott",
# "näringslivsdialog", "Styrelsemöte Almi Mitt".
_BODY_WORD = re.compile(
    rf"(?:\b[{_UPPER}{_LOWER}]+s\s+)?\b[{_UPPER}{_LOWER}]*(?:styrelse|nämnd|utskott|fullmäktige|kommitté|råd|dialog"
    rf"|beredning|presidium|forum|samråd|grupp)[{_LOWER}]*",
    re.I,
)
_MEETING_SUFFIX = re.compile(r"(?:möte|mötet|sammanträde|sammanträdet)$")
_DATE_LABEL = re.compile(r"\b\w*datum\b:?|\bden\b|\bkl\.?\s*\d{1,2}[.:]\d{2}", re.I)


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
    title: str
    date: dt.date | None
    next_meeting: dt.date | None = None
    # Who met: "Kommunstyrelsens arbetsutskott", "Näringslivsdialog".
    body: str | None = None
    # As the attendance lists give them: "Ola Kereby (S), ordförande".
    attendees: list[str] = field(default_factory=list)
    header_lines: tuple[int, int] | None = None
    # Lines kept out of the items: running page headers and footers, and the attendance lists.
    page_furniture_lines: list[int] = field(default_factory=list)
    attendance_lines: list[int] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass
class _Logical:
    """A line as the minutes' author wrote it: wrapped pieces joined, bullet marker removed."""

    kind: str  # "major", "minor", "numbered", "heading", "plain"
    text: str
    start: int
    end: int
    page: int | None
    after_gap: bool  # a paragraph gap (blank line, or vertical space in a PDF) precedes it
    level: int | None = None


def parse_speaker(text: str) -> tuple[str | None, str | None] | None:
    """(organisation, speaker) when a line opens someone's contribution, else None."""
    found = _match_speaker(text)
    return found[:2] if found else None


def _match_speaker(text: str) -> tuple[str | None, str, bool] | None:
    """(organisation, speaker, whether the line goes on to say what they did)."""
    for pattern in _SPEAKER_PATTERNS:
        m = pattern.match(text.strip())
        if m:
            groups = m.groupdict()
            org = groups.get("org")
            if org:
                org = _INFO_PREFIX.sub("", org).strip()
                if len(org.split()) > 6:
                    continue
            return org or None, groups["speaker"].strip(), bool(groups.get("rest"))
    return None


def find_dates(text: str, year_hint: int | None = None) -> list[dt.date]:
    """Dates in the usual Swedish forms, in order of appearance."""
    return [date for _, date in _dates_at(text, year_hint)]


def _dates_at(text: str, year_hint: int | None = None) -> list[tuple[int, dt.date]]:
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
    return sorted(found)


def parse_minutes(document: Document) -> Meeting:
    """The meeting a document records; the date falls back from the title to the header, the
    running page headers, and last the file name."""
    furniture = _page_furniture(document.lines)
    lines = [line for line in document.lines if line.number not in furniture]
    attendance, attendees = _attendance(lines)
    lines = [line for line in lines if line.number not in attendance]
    logical = _logical_lines(lines, document.wrapped)
    agenda_level = _agenda_level(logical)
    title_part, header, body = _split_header(logical, agenda_level)
    furniture_text = " ".join(line.text for line in document.lines if line.number in furniture)
    dates = (
        find_dates(" ".join(part.text for part in title_part))
        or find_dates(" ".join(part.text for part in header))
        or find_dates(furniture_text)
        or find_dates(document.path.name.replace("_", " "))
    )
    date = dates[0] if dates else None
    title = _title(" ".join(part.text for part in title_part)) or document.path.stem
    meeting = Meeting(
        title=title,
        date=date,
        body=_body(title),
        attendees=attendees,
        header_lines=(header[0].start, header[-1].end) if header else None,
        page_furniture_lines=sorted(furniture),
        attendance_lines=sorted(attendance),
    )
    meeting.items = _sections(_items(body, agenda_level))
    meeting.next_meeting = _next_meeting(meeting)
    return meeting


def _normalised(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()).casefold())


def _page_furniture(lines: list[Line]) -> set[int]:
    """Line numbers of running page headers and footers.

    Page counters ("2 (10)", "Sida 2 av 10") always are. Other lines are when the same text (digits
    aside: page numbers, dates) recurs near the edge of most pages: of the PDF pages (or form-feed
    pages), or, in a text without pages, around most page counters.
    """
    content = [line for line in lines if line.text.strip()]
    counters = [i for i, line in enumerate(content) if _is_page_counter(line.text)]
    furniture = {content[i].number for i in counters}
    pages: dict[int, list[int]] = {}
    for i, line in enumerate(content):
        if line.page is not None:
            pages.setdefault(line.page, []).append(i)
    # Per page (or per counter), the indexes of the lines near its top edge and near its bottom one.
    edges: list[tuple[list[int], list[int]]] = []
    if len(pages) >= 2:
        edges = [(indexes[:_FURNITURE_REACH], indexes[-_FURNITURE_REACH:]) for indexes in pages.values()]
    elif len(counters) >= 2:
        edges = [(list(range(max(0, i - _FURNITURE_REACH), i)), list(range(i + 1, i + 1 + _FURNITURE_REACH)))
                 for i in counters]
    seen_on: dict[tuple[int, str], set[int]] = {}
    for edge_number, sides in enumerate(edges):
        for side, indexes in enumerate(sides):
            for i in indexes:
                if i < len(content):
                    seen_on.setdefault((side, _normalised(content[i].text)), set()).add(edge_number)
    needed = max(2, (len(edges) + 1) // 2)
    for (side, text), where in seen_on.items():
        if len(where) >= needed:
            furniture.update(
                content[i].number for edge_number in where for i in edges[edge_number][side]
                if i < len(content) and _normalised(content[i].text) == text
            )
    return furniture


def _is_page_counter(text: str) -> bool:
    m = _PAGE_COUNTER.search(text.strip())
    if not m or len(text.split()) > 8:
        return False
    total = m.group(2) or m.group(3)
    return 1 <= int(m.group(1)) <= int(total)


def _attendance(lines: list[Line]) -> tuple[set[int], list[str]]:
    """Attendance lists: a label ("Närvarande", "Beslutande", "Ledamöter") with names after it on
    the same line, or one name a line below it up to the next blank line."""
    numbers: set[int] = set()
    attendees: list[str] = []
    in_list = awaiting_names = False
    for line in lines:
        text = _without_bullet(line.text.strip())
        label = _ATTENDANCE.match(text)
        if label and (not label.group("names") or _is_name_list(label.group("names"))):
            numbers.add(line.number)
            attendees += _attendees(label.group("names"))
            in_list, awaiting_names = True, not label.group("names")
        elif in_list and text and _is_name_list(text):
            numbers.add(line.number)
            attendees += _attendees(text)
            awaiting_names = False
        elif text or not awaiting_names:
            in_list = False
    return numbers, attendees


def _without_bullet(text: str) -> str:
    m = _BULLET.match(text)
    return m.group(2).strip() if m and m.group(2).strip() else text


def _is_name_list(text: str) -> bool:
    """"Ola Kereby (S), ordförande", "Anna Berg, Peter Andrén och Olle Martinell": names, each with
    perhaps a party, a role or an organisation, and no sentence."""
    return bool(_ATTENDEE.match(text)) and ":" not in text and not text.endswith(".") and all(
        len(chunk.split()) <= 5 for chunk in re.split(r",|\boch\b", text)
    )


def _attendees(text: str) -> list[str]:
    """One entry per name; what follows a name up to the next one (party, role) stays with it."""
    entries: list[str] = []
    for chunk in (c.strip() for c in re.split(r",|\boch\b", text)):
        if not chunk:
            continue
        if _ATTENDEE.match(chunk) or not entries:
            entries.append(chunk)
        else:
            entries[-1] += f", {chunk}"
    return entries


def _logical_lines(lines: list[Line], wrapped: bool) -> list[_Logical]:
    out: list[_Logical] = []
    # A text exported from PDF (as the first minutes were) marks paragraph gaps with whitespace-only
    # lines and leaves empty lines inside paragraphs; elsewhere any blank line is a gap.
    whitespace_gaps = any(line.text and not line.text.strip() for line in lines)
    content = [line for line in lines if line.text.strip()]
    next_content = {id(a): b for a, b in zip(content, content[1:])}
    two_level_bullets = _bullet_levels(content)
    gap = False
    previous: Line | None = None
    for line in lines:
        stripped = line.text.strip()
        if not stripped:
            gap = gap or line.text != "" or not whitespace_gaps
            continue
        kind, text, level = _classify(line, stripped, two_level_bullets)
        following = next_content.get(id(line))
        joinable = wrapped and kind == "plain" and bool(out)
        if previous is not None and line.page != previous.page:
            # The space around a page's header and footer says nothing about paragraphs: a page
            # break is a gap unless the text plainly runs on.
            joins = joinable and _continues(out[-1], text, following, page_break=True)
            gap = not joins
        else:
            joins = joinable and not gap and _continues(out[-1], text, following)
        if joins:
            prev = out[-1]
            prev.text = _join(prev.text, text)
            prev.end = line.number
        else:
            out.append(_Logical(kind, text, line.number, line.number, line.page, gap, level))
        gap = False
        previous = line
    return out


def _bullet_levels(content: list[Line]) -> bool:
    """Whether bullets come in two levels (▪ points with – sub-points, or nested lists): only then
    is a top-level bullet a point of its own rather than an entry of a list."""
    if any(line.style == "list" and line.level for line in content):
        return True
    marks = {m.group(1) for line in content if (m := _BULLET.match(line.text)) and m.group(2).strip()}
    return bool(marks & set(MAJOR_BULLETS)) and bool(marks & set(MINOR_BULLETS))


def _classify(line: Line, stripped: str, two_level_bullets: bool) -> tuple[str, str, int | None]:
    if line.style == "heading":
        return "heading", stripped, line.level
    if line.style == "list":
        return ("major" if two_level_bullets and not line.level else "minor"), stripped, line.level
    m = _BULLET.match(stripped)
    if m and (m.group(2) or "").strip():
        kind = "major" if two_level_bullets and m.group(1) in MAJOR_BULLETS else "minor"
        return kind, m.group(2).strip(), None
    m = _NUMBERED.match(stripped)
    if m and not any(position == 0 for position, _ in _dates_at(stripped, year_hint=2000)):
        # A numbered line that reads as a title is an agenda point; one that reads as a sentence is
        # an entry of a numbered list.
        if m.group(1).startswith("§") or _is_agenda_title(m.group(2)):
            return "numbered", stripped, None
        return "minor", stripped, None
    return "plain", stripped, None


def _continues(prev: _Logical, text: str, following: Line | None, page_break: bool = False) -> bool:
    """Whether a plain line continues the previous logical line (a wrap) or starts a new one.
    Across a page break only the plain signs count: a lower-case start, a hyphen or comma left open."""
    if prev.kind == "heading":
        return False
    if text[0].islower() or text[0] in ",)”\"'":
        return True
    if prev.kind == "numbered" or prev.text.endswith(_TERMINAL):
        return False
    if sum(prev.text.count(q) for q in "”“\"") % 2 or prev.text.count("(") > prev.text.count(")"):
        return True  # inside a quotation or parenthesis
    if page_break:
        return prev.text.endswith((",", "-"))
    if _LABEL.match(text):
        return False
    # A short title on a line of its own ("Beslut", "Kommuner") is not a sentence wrapped: a
    # wrapped line runs to the margin.
    if prev.start == prev.end and _is_title(prev.text):
        return False
    # A short title directly above a bullet list ("Kommuner") is not a wrapped sentence.
    if _is_title(text) and following is not None and (following.style == "list" or _BULLET.match(following.text.strip())):
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


def _is_agenda_title(text: str) -> bool:
    """An agenda point's name: "Budget 2025", "Detaljplan för Storsjöstrand, samråd"; not a sentence."""
    return len(text.split()) <= 12 and not text.rstrip().endswith((".", ":", "!", "?")) and text[:1].isupper()


def _agenda_level(logical: list[_Logical]) -> int | None:
    """The heading level of the agenda points (the shallowest below the title), or None when the
    minutes are not structured by agenda points (fewer than two numbered points or headings)."""
    levels = sorted(part.level or 0 for part in logical[1:] if part.kind == "heading")
    numbered = sum(part.kind == "numbered" for part in logical)
    if len(levels) >= 2 or numbered >= 2 or (levels and numbered):
        return levels[0] if levels else 0
    return None


def _is_agenda_point(part: _Logical, agenda_level: int | None) -> bool:
    if agenda_level is None:
        return False
    return part.kind == "numbered" or (part.kind == "heading" and (part.level or 0) <= agenda_level)


def _split_header(
    logical: list[_Logical], agenda_level: int | None
) -> tuple[list[_Logical], list[_Logical], list[_Logical]]:
    """(title lines, header, body). The title is the leading text (a first heading and the plain
    lines after it) up to a date, a bullet, a paragraph gap or a heading. In minutes structured by
    agenda points, the header runs on to the first point: place, time, who checks the minutes."""
    title: list[_Logical] = []
    for index, part in enumerate(logical):
        first_heading = index == 0 and part.kind == "heading"
        if (part.kind != "plain" and not first_heading) or (title and part.after_gap) or len(title) >= 4:
            break
        title.append(part)
        if find_dates(part.text):
            break
    if len(title) == len(logical):
        return [], [], logical
    header = title
    if agenda_level is not None:
        first_point = next(
            (i for i, part in enumerate(logical) if i >= len(title) and _is_agenda_point(part, agenda_level)),
            len(title),
        )
        header = logical[: max(first_point, len(title))]
    return title, header, logical[len(header):]


def _title(header_text: str) -> str:
    title = header_text
    for pattern, _ in _DATE_PATTERNS:
        title = pattern.sub("", title)
    title = _DATE_LABEL.sub("", title)
    return re.sub(r"\s+", " ", title).strip(" ,–-:")


def _body(title: str) -> str | None:
    """Who met, as the title names it: the committee ("Kommunstyrelsens arbetsutskott"), the
    dialogue ("Näringslivsdialog"), the board and whose ("Styrelse Almi Mitt")."""
    m = _BODY_WORD.search(title)
    if not m:
        return None
    words = m.group(0).split()
    words[-1] = _MEETING_SUFFIX.sub("", words[-1])
    # The organisation named right after ("Styrelsemöte Almi Mitt"): the capitalised words.
    owner = re.match(rf"(?:\s+[{_UPPER}][\w-]*)+", title[m.end():])
    body = " ".join(words) + (owner.group(0) if owner else "")
    return body[:1].upper() + body[1:]


def _starts_item(part: _Logical, current: Item | None) -> bool:
    if current is None or part.kind in ("major", "numbered", "heading"):
        return True
    if parse_speaker(part.text):
        return True
    if part.after_gap and _is_title(part.text):
        return True
    # A plain paragraph after a paragraph gap, below a bulleted item, is a new item.
    return part.kind == "plain" and part.after_gap and len(current.lines) > 1


def _new_item(part: _Logical, attribution: tuple[str | None, str | None] | None) -> Item:
    organisation, speaker = attribution or (None, None)
    return Item(
        ordinal=0, title=part.text, lines=[part.text], line_start=part.start, line_end=part.end,
        page=part.page, organisation=organisation, speaker=speaker,
    )


def _items(body: list[_Logical], agenda_level: int | None) -> list[tuple[str, Item]]:
    """Cut logical lines into items; each comes with the kind of line that opened it, "sub" for
    a contribution under an agenda point.

    Under an agenda point, its sub-headings ("Ärendebeskrivning", "Beslut") and paragraphs stay in
    it, bullets too; the first speaker who presents it ("Ola Kereby (S) föredrar ärendet") becomes
    its speaker; further speakers open items of their own, sectioned under the point.
    """
    items: list[tuple[str, Item]] = []
    current: Item | None = None
    agenda: Item | None = None
    for part in body:
        found = _match_speaker(part.text)
        if _is_agenda_point(part, agenda_level):
            current = agenda = _new_item(part, found[:2] if found else None)
            items.append((part.kind, current))
            continue
        if agenda is not None:
            if found and found[2] and current.speaker is None:
                current.organisation, current.speaker = found[0] or current.organisation, found[1]
            elif found:
                current = _new_item(part, found[:2])
                current.section = agenda.title
                items.append(("sub", current))
                continue
        elif _starts_item(part, current):
            current = _new_item(part, found[:2] if found else None)
            items.append((part.kind, current))
            continue
        current.lines.append(part.text)
        current.line_end = part.end
    return items


def _is_section_heading(kind: str, item: Item, following: str | None) -> bool:
    """A heading line, or a title with at most one short sub-line ("– Region JH"), above items;
    an agenda point only when it is a title above the contributions made under it."""
    if following is None or item.speaker:
        return False
    if following == "sub":
        return len(item.lines) == 1
    if kind == "heading":
        return len(item.lines) == 1
    return kind != "numbered" and len(item.lines) <= 2 and all(_is_title(line) for line in item.lines)


def _sections(items: list[tuple[str, Item]]) -> list[Item]:
    """Fold title-only items into the section of what follows; attribute items to it."""
    kept: list[Item] = []
    section: str | None = None
    section_org: str | None = None
    pending: Item | None = None  # a section heading whose lines lead into the next item
    for index, (kind, item) in enumerate(items):
        following = items[index + 1][0] if index + 1 < len(items) else None
        if kind != "sub" and _is_section_heading(kind, item, following):
            section = item.title
            section_org = item.lines[1] if len(item.lines) == 2 else None
            pending = pending or item
            continue
        if kind in ("numbered", "heading"):
            section, section_org = None, None
        elif kind == "plain" and not item.speaker:
            # A plain title above bullets ("Kommuner") opens a section; free text at the top
            # level (closing remarks) belongs to none.
            section = item.title if _is_title(item.title) else None
            section_org = None
        if pending is not None:
            item.line_start, item.page, pending = pending.line_start, pending.page, None
        if kind != "sub":
            item.section = section
        item.organisation = item.organisation or section_org
        item.ordinal = len(kept)
        kept.append(item)
    return kept


def _next_meeting(meeting: Meeting) -> dt.date | None:
    """The first date after "nästa möte/träff/sammanträde" in the items, in the year that follows
    the meeting when the minutes leave the year out."""
    year = meeting.date.year if meeting.date else None
    for item in meeting.items:
        m = _NEXT_MEETING.search(item.text)
        if m:
            for date in find_dates(item.text[m.end():], year_hint=year):
                if meeting.date and date <= meeting.date:
                    date = date.replace(year=date.year + 1)
                return date
    return None
