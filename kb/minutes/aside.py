"""Lines that are not content, set aside before the blocks are built: running page headers and
footers (with page counters and closing signature pages), tables of contents (or an agenda that
lists the headings after it), and attendance lists (kept as the meeting's attendance).
"""

from __future__ import annotations

import re

from kb.minutes.marks import BULLET, NUMBERED, TERMINAL, bare_title, without_bullet
from kb.minutes.names import ROLE, attendees, is_name, is_name_list, name_and_role, party_list
from kb.readers import Line

# Attendance lists: "Närvarande: Anna Berg, Peter Andrén", or a label line and one name a line.
# The label may be an agenda point of its own ("2 Närvarolista", "§ 2 Närvarande").
_ATTENDANCE = re.compile(
    r"^(?:§\s*)?(?:\d{1,3}(?:\.\d+)*[.)]?\s+)?"
    r"(?:(?:övriga|beslutande|närvarande|tjänstgörande|ej tjänstgörande|frånvarande)\s+)?"
    r"(?:närvarande|beslutande|ledamöter|ersättare|deltagare|adjungerade|tjänstepersoner|tjänstemän|frånvarande"
    r"|närvaro(?:lista|listan)?|deltagarlista(?:n)?|kallade"
    # and in English, as some Swedish associations keep their minutes ("Present board members:")
    r"|(?:also\s+)?presents?(?:\s+(?:board\s+)?members)?|members\s+present|attendees|attendance|participants"
    r"|absent(?:\s+members)?|apologies)"
    r"\s*:?\s*(?P<names>.*)$",
    re.I,
)


# Page furniture: "2 (10)", "Sida 2 av 10", "Page 2 of 10" at the end of a line.
_PAGE_COUNTER = re.compile(r"(?:^|\s)(?:sida\s+|page\s+)?(\d{1,3})\s*(?:\((\d{1,3})\)|(?:av|of)\s+(\d{1,3}))$", re.I)
_FURNITURE_REACH = 5  # how many lines from a page's edge a running header or footer may sit
_COUNTER_REACH = 3  # how many lines after a page counter a running header may run on
MIN_BARE_PAGES = 3  # page numbers alone on their lines, counting up, that mark pages
_PAGE_LINES = 3  # the fewest lines between two such numbers (a cover page may hold little)
_HEADER_WORDS = 20  # the longest header line (all its columns) that may hold a page counter
_COUNTER_INSIDE = re.compile(r"\s(\d{1,3})\s*\((\d{1,3})\)()\s")
# (four lines of header are common: issuer, body, "Datum", the date)
# A table of contents entry: a title, dot leaders (or a tab run) and a page number.
MIN_CONTENTS_ROWS = 3  # rows ending in page numbers that make a table a table of contents
_CONTENTS_ENTRY = re.compile(r"(?:[.…·](?:\s?)){4,}\s*\d{1,4}\s*$|…{2,}[.\s]*\d{1,4}\s*$")


def _normalised(text: str) -> str:
    """A running header or footer's text, its page number aside ("Protokoll 3", "4 Styrelsen"),
    and any other number read as a number: a protocol bound with earlier ones as appendices
    repeats "Chalmers studentkår 2017-05-11" over its own pages and the same line with the
    earlier dates over theirs. Not a paragraph's number: "§ 22 Dnr KS-2023-00679" opens a page
    of its own in every municipal protocol, each with another number."""
    text = " ".join(text.split()).casefold()
    text = _EDGE_NUMBER.sub("", _COUNTER_ANYWHERE.sub(" ", text)).strip()
    return text if text.startswith("§") else _DIGITS.sub("#", text)


_DIGITS = re.compile(r"\d+")


# A page counter wherever the header's columns put it: "Protokoll 3 (12) Nämnden", "Sida 3 av 12".
_COUNTER_ANYWHERE = re.compile(r"\b\d{1,3}\s*\(\d{1,3}\)|\b(?:sida|page)\s+\d{1,3}(?:\s+(?:av|of)\s+\d{1,3})?\b", re.I)
_EDGE_NUMBER = re.compile(r"^\d{1,4}\s+|\s+\d{1,4}$|^\d{1,4}$")


def page_furniture(lines: list[Line]) -> set[int]:
    """Line numbers of running page headers and footers.

    Page counters ("2 (10)", "Sida 2 av 10", also inside a header line) always are. Other lines
    are when the same text (digits aside: page numbers, dates) recurs at the edge of most pages,
    in an unbroken run from the edge: of the PDF pages (or form-feed pages, or Markdown page
    markers), or, in a text without pages or with more counters than pages, on either side of
    the page counters. The run stops at the first line that does not recur, so a "Beslut" that
    stands five lines below most pages' top, under a point's own title, stays content.
    """
    content = [line for line in lines if line.text.strip()]
    counters = _page_counters(content)
    furniture = {content[i].number for i in counters}
    pages: dict[int, list[int]] = {}
    for i, line in enumerate(content):
        if line.page is not None:
            pages.setdefault(line.page, []).append(i)
    # Per page (or per counter), the indexes of the lines from its edges inward.
    runs: list[list[int]] = []
    if len(pages) >= 2 and len(counters) <= len(pages):
        for indexes in pages.values():
            runs += [indexes[:_FURNITURE_REACH], indexes[::-1][:_FURNITURE_REACH]]
    elif len(counters) >= 2:
        # Without pages, or with more page counters than pages (a PDF printed two pages to a
        # sheet), the counters mark the pages; the runs go out from each counter, the previous
        # page's footer above it ("Det här dokumentet är digitalt signerat" and two transaction
        # ids) and the rest of the header below it, and must not reach each other's text.
        for i in counters:
            runs += [list(range(i - 1, max(-1, i - 2 - _COUNTER_REACH), -1)), list(range(i + 1, i + 1 + _COUNTER_REACH))]
    runs = [[i for i in run if i < len(content)] for run in runs]
    seen_on: dict[tuple[int, str], set[int]] = {}
    for number, run in enumerate(runs):
        for i in run:
            seen_on.setdefault((number % 2, _normalised(content[i].text)), set()).add(number // 2)
    furniture |= _closing_pages(content, pages)
    needed = max(2, (len(runs) // 2 + 1) // 2)
    for number, run in enumerate(runs):
        for i in run:
            if len(seen_on[(number % 2, _normalised(content[i].text))]) < needed:
                break
            furniture.add(content[i].number)
    return furniture


def _closing_pages(content: list[Line], pages: dict[int, list[int]]) -> set[int]:
    """The last pages when they hold no sentence, no heading and no agenda point: signature and
    e-signing receipts ("Undertecknat av", names, timestamps, transaction ids), not content."""
    found: set[int] = set()
    for page in sorted(pages, reverse=True)[: max(0, len(pages) - 1)]:
        lines = [content[i] for i in pages[page]]
        prose = any(
            len(line.text.split()) > 8 or (line.text.rstrip().endswith((".", "?", "!")) and len(line.text.split()) >= 4)
            or NUMBERED.match(line.text.strip()) or line.style == "heading"
            for line in lines
        )
        if prose:
            break
        found.update(line.number for line in lines)
    return found


def _page_counters(content: list[Line]) -> list[int]:
    """Indexes of the lines that hold a page counter: short lines that end in one or hold one
    between a header's columns, and longer header lines ("KUNGSBACKA KOMMUN
    SAMMANTRÄDESPROTOKOLL 2 (18) Förskola & Grundskola arbetsutskott Datum 2024-08-14") where
    several lines count the same total ("2 (18)", "3 (18)", ...)."""
    counters = {i for i, line in enumerate(content) if _is_page_counter(line.text)}
    by_total: dict[int, dict[int, int]] = {}  # total -> page -> index of its first line
    for i, line in enumerate(content):
        if i not in counters and len(line.text.split()) <= _HEADER_WORDS:
            for m in _COUNTER_INSIDE.finditer(f" {line.text} "):
                page, total = int(m.group(1)), int(m.group(2))
                if 1 <= page <= total:
                    by_total.setdefault(total, {}).setdefault(page, i)
    for pages in by_total.values():
        if len(pages) >= 2:
            counters.update(pages.values())
    counters.update(_bare_page_numbers(content))
    return sorted(counters)


def _bare_page_numbers(content: list[Line]) -> list[int]:
    """Indexes of lines that are a page number alone ("1", "2", "3" as a PDF converted without
    page breaks keeps them): at least MIN_BARE_PAGES such lines counting up by one, each at least
    _PAGE_LINES lines after the one before. A lone number in a list or table does not count up
    page by page."""
    chain: list[int] = []
    for i, line in enumerate(content):
        text = line.text.strip()
        if not text.isdigit() or len(text) > 3:
            continue
        if chain and int(text) == int(content[chain[-1]].text) + 1 and i - chain[-1] >= _PAGE_LINES:
            chain.append(i)
        elif not chain or len(chain) < MIN_BARE_PAGES:
            chain = [i] if int(text) <= 2 else []
    return chain if len(chain) >= MIN_BARE_PAGES else []


def _is_page_counter(text: str) -> bool:
    """A short line with a page counter at its end, or inside it where a header's columns put
    it ("KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL 6 (8) Nämnden")."""
    if len(text.split()) > 8:
        return False
    m = _PAGE_COUNTER.search(text.strip()) or _COUNTER_INSIDE.search(text)
    if not m:
        return False
    total = m.group(2) or m.group(3)
    return 1 <= int(m.group(1)) <= int(total)


def table_of_contents(lines: list[Line]) -> set[int]:
    """A table of contents: at least two entries with dot leaders and a page number, the lines
    between them, each entry's first lines (back to a blank line), and a short title just above
    ("Innehåll"); not content."""
    entries = [i for i, line in enumerate(lines) if _CONTENTS_ENTRY.search(line.text)]
    found: set[int] = set()
    runs: list[list[int]] = []
    for i in entries:
        content_between = sum(1 for line in lines[runs[-1][-1] + 1 : i] if line.text.strip()) if runs else None
        if runs and content_between <= 3:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in (r for r in runs if len(r) >= 2):
        first = run[0]
        while first > 0 and run[0] - first < 4 and lines[first - 1].text.strip():
            first -= 1  # the first entry's opening lines ("§ 22 Dnr KS-2023-00679")
        above = first - 1
        while above >= 0 and not lines[above].text.strip():
            above -= 1
        if above >= 0 and len(lines[above].text.split()) <= 2 and (above == 0 or not lines[above - 1].text.strip()):
            first = above  # its title
        found.update(line.number for line in lines[first : run[-1] + 1] if line.text.strip())
    return found | _contents_table(lines)


def _contents_table(lines: list[Line]) -> set[int]:
    """A table of contents set as a table ("§ | 119 | Gallring av handlingar ... | | 10 - 11"):
    a table whose rows end in page numbers that never go down, at least MIN_CONTENTS_ROWS of
    them, with the short titles just above it ("Innehåll", "Sida")."""
    found: set[int] = set()
    start = 0
    while start < len(lines):
        if lines[start].style != "table":
            start += 1
            continue
        end = start
        while end < len(lines) and lines[end].style == "table":
            end += 1
        pages = [_last_page(line.text) for line in lines[start:end]]
        numbers = [page for page in pages if page is not None]
        if len(numbers) >= MIN_CONTENTS_ROWS and numbers == sorted(numbers):
            first = start
            while first > 0 and start - first < 4 and (not lines[first - 1].text.strip()
                                                       or len(lines[first - 1].text.split()) <= 2):
                first -= 1  # its titles ("Innehåll", "Sida") and the blank lines between
            found.update(line.number for line in lines[first:end] if line.text.strip())
        start = end
    return found


def agenda_list(lines: list[Line]) -> set[int]:
    """The agenda as a list ("Dagordning" / "• Utse styrelse för 2013" / "• Föreningens stadgar"
    / "• Övrigt") whose entries are the titles of the headings after it: at least
    MIN_CONTENTS_ROWS entries, at least half of them such titles. With its own short heading
    above it ("Dagordning", "Agenda") it is a table of contents: it had been the section of every
    point after it, and an item that matched any question about them. Under another heading
    ("Val av funktionärer" over "• Ordförande", "• Kassör", each a heading after it) only the
    list is set aside, and the heading keeps its parts. A point that presents the agenda ("4)
    Setting meeting agenda / The chair goes through the agenda:") keeps its lines."""
    found: set[int] = set()
    runs: list[list[int]] = []
    for index, line in enumerate(lines):
        if line.style == "list" or (line.style is None and BULLET.match(line.text.strip())):
            between = lines[runs[-1][-1] + 1 : index] if runs else None
            if between is not None and not any(other.text.strip() for other in between):
                runs[-1].append(index)
            else:
                runs.append([index])
    for run in runs:
        titles = {bare_title(line.text) for line in lines[run[-1] + 1 :] if line.style == "heading"}
        top = min(lines[i].level or 0 for i in run)  # the points, not the matters listed under them
        entries = [without_bullet(lines[i].text.strip()) for i in run if (lines[i].level or 0) == top]
        # Not the candidates of an election, each with a heading of their own after the list.
        listed = sum(bare_title(entry) in titles and not is_name(entry.rstrip(".")) for entry in entries)
        above = run[0] - 1
        while above >= 0 and not lines[above].text.strip():
            above -= 1
        named = above >= 0 and lines[above].style == "heading" and _AGENDA.fullmatch(bare_title(lines[above].text))
        # Under a heading that names it, a short agenda is one too ("Dagordning" / "• Föreningens
        # stadgar" / "• Val av styrelse" / "• Övriga frågor", the last point headed "Övrigt").
        if listed < len(entries) / 2 or (listed < MIN_CONTENTS_ROWS and not named):
            continue
        found.update(lines[i].number for i in run)
        if named:
            found.add(lines[above].number)
    return found


# The heading of an agenda, which is set aside with it: what minutes call their agenda.
_AGENDA = re.compile(r"(?:preliminär |förslag till )?(?:dagordning|föredragningslista|agenda)(?: för mötet)?", re.I)


_PAGE_CELL = re.compile(r"\|\s*(\d{1,3})(?:\s*[-–]\s*\d{1,3})?\s*$")


def _last_page(row: str) -> int | None:
    """The page number a table row ends in, after a cell of text: "... | Meddelanden | | 8"."""
    m = _PAGE_CELL.search(row)
    return int(m.group(1)) if m and re.search(r"[^\W\d_]{3}", row[: m.start()]) else None


def attendance_lists(lines: list[Line]) -> tuple[set[int], list[str]]:
    """Attendance lists: a label ("Närvarande", "Beslutande", "Ledamöter", "2 Närvarolista") with
    names after it on the same line, or one name a line below it up to the next blank line (or,
    where every line is one name, up to the next line that is not one)."""
    numbers: set[int] = set()
    listed: list[tuple[str, str]] = []  # (name, "present" | "absent" | "called")
    in_list = awaiting_names = one_a_line = False
    status = "present"
    second_half: int | None = None  # a hyphenated word's second line, read with its first
    wrapped_from: tuple[str, int] | None = None  # a label's names that may go on on the next line, and how many
    table_label: int | None = None  # where a table's attendance label ends, in a table of people a row
    named_at = -2  # the last line that named someone
    in_column: dict[int, int] = {}  # where in `listed` the last person of each column of a two-column list is
    for index, line in enumerate(lines):
        if line.number == second_half:
            continue
        if table_label is not None and in_list:
            cells = _cells(line, table_label)
            if cells is not None and len(cells) > 1 and not cells[0] and is_name(cells[1]):
                # A row under the label row, its first cell empty: a person, their role after them
                # ("|  | Jens Lindholm | Sekreterare |", and the same set in columns of spaces).
                numbers.add(line.number)
                listed.append((_row(cells, ""), status))
                named_at = index
                continue
            if not line.text.strip() and _row_follows(lines, index, table_label):
                continue
        text = without_bullet(line.text.strip())
        cells = _cells(line, 0)
        if line.style == "table" or cells and len(cells) >= 3 and _ATTENDANCE.fullmatch(cells[0]) and is_name(cells[1]):
            text = _row(cells, text)  # a Markdown row, or the label row of a text table set in columns of spaces
        following = lines[index + 1].text.strip() if index + 1 < len(lines) else ""
        joined = in_list and text.endswith("-") and following[:1].islower()
        if joined:  # a role hyphenated at the line's end ("Ledamot tillika juster-" / "ingsperson")
            text = text[:-1] + following
        label = _ATTENDANCE.match(text)
        names = label.group("names") if label else ""
        while names and (inner := _ATTENDANCE.match(names)) and len(inner.group("names")) < len(names):
            # a table's column labels side by side ("Beslutande  Ledamöter  Tjänstgörande ersättare",
            # "Ersättare Tjänstepersoner Anna Flinck, utvecklingsledare"): the names are the last label's
            names = inner.group("names")
        if label and (not names or _entries(names)):
            numbers.add(line.number)
            table_label = len(line.text) - len(line.text.lstrip()) + len(cells[0]) \
                if cells and len(cells) > 1 and cells[0] and is_name(cells[1].split(" (")[0]) else None
            opening = text.casefold()[:20]
            status = "absent" if "frånvarande" in opening or opening.startswith(("absent", "apologies")) \
                else "called" if "kallade" in opening else "present"
            listed += [(name, status) for name in _entries(names)]
            named_at = index if names else named_at
            in_column.clear()
            in_list, awaiting_names = True, not names
            one_a_line = awaiting_names
            wrapped_from = (names, len(_entries(names))) if names and not names.endswith(TERMINAL) else None
            continue
        elif wrapped_from and text and not _entries(text) \
                and len(entries := _entries(f"{wrapped_from[0]} {text}")) > wrapped_from[1]:
            # The label's line wrapped inside a name ("..., David Törnqvist, Walter" / "Thorslund,
            # Jonathan Lönnqvist"): the two lines are one list.
            numbers.add(line.number)
            listed = listed[: len(listed) - wrapped_from[1]] + [(name, status) for name in entries]
        elif in_list and listed and text and (re.match(ROLE, text) or line.style == "table" and named_at == index - 1
                                              and text.replace(" ", "").isalpha()) \
                and ":" not in text and len(text.split()) <= 4 and not is_name(text) and "," not in listed[-1][0]:
            # A table with a cell a line (Word): the role under its person's name ("Ordförande"),
            # in a table whatever it says ("Medlem", "Root").
            numbers.add(line.number)
            listed[-1] = (f"{listed[-1][0]}, {text}", listed[-1][1])
            awaiting_names = False
        elif in_list and text and len(cells := _COLUMNS.split(text)) >= 2 and _entries(cells[0]):
            # Two lists side by side, set in columns of spaces ("Per Stenberg (M)   Sofia Jonsson,
            # administrativ chef"): each column's people, and a cell in lower case goes on with the
            # person above it in its column ("valsamordnare §13").
            numbers.add(line.number)
            for column, cell in enumerate(cells):
                if found := _entries(cell):
                    listed += [(name, status) for name in found]
                    in_column[column] = len(listed) - 1
                elif cell[:1].islower() and (column in in_column or column - 1 in in_column):
                    # (a role in a column of its own goes with the person before it on the line)
                    at = in_column[column] if column in in_column else in_column[column - 1]
                    before = listed[at][0].rstrip(",")
                    # a role under a name ("Kristina Gudmundson," / "kommunsekreterare"), or the rest
                    # of a role ("Anton Gille, assisterande" / "valsamordnare §13")
                    listed[at] = (f"{before} {cell}" if "," in before else f"{before}, {cell}", listed[at][1])
            named_at = index
            awaiting_names = False
        elif in_list and text and (entries := _entries(text)):
            numbers.add(line.number)
            listed += [(name, status) for name in entries]
            named_at = index
            awaiting_names = False
            if joined:
                second_half = lines[index + 1].number
                numbers.add(second_half)
        elif in_list and listed and named_at == index - 1 and _cell_goes_on(text):
            # A role that wrapped in its cell, as a PDF's table reads ("Frida Mikkilä Vice Ordförande
            # tillika" / "justeringsperson").
            numbers.add(line.number)
            before = listed[-1][0]
            listed[-1] = (before[:-1] + text if before.endswith("-") else f"{before} {text}", listed[-1][1])
        elif not text and in_list and (awaiting_names or one_a_line and _name_follows(lines, index)):
            continue  # blank lines before the first name, or between names one a line
        else:
            in_list = False
        wrapped_from = None
    return numbers, _attendance(listed)


_COLUMNS = re.compile(r"\s{2,}")


def _cells(line: Line, label_end: int) -> list[str] | None:
    """A table row's cells: a Markdown row's, or a text table's set in columns of spaces, whose
    first cell is empty where the row's text starts past `label_end` (where the label row's first
    cell ends). None for a line that is no such row."""
    if line.style == "table":
        return [cell.strip() for cell in line.text.split("|")]
    text = line.text.rstrip()
    start = len(text) - len(text.lstrip())
    cells = _COLUMNS.split(text.strip())
    if not text or len(cells) < 2 and start <= label_end:
        return None
    return ([""] if label_end and start > label_end else []) + cells


def _row_follows(lines: list[Line], index: int, label_end: int) -> bool:
    """A blank line between a table's rows (pandoc's text tables set one between rows): the next
    line with text is a row whose first cell is empty."""
    following = next((line for line in lines[index + 1:] if line.text.strip()), None)
    cells = _cells(following, label_end) if following is not None else None
    return cells is not None and not cells[0] and len(cells) > 1


def _row(cells: list[str], text: str) -> str:
    """A table row's cells as an attendance line reads them: "Närvarande | August Eriksson |
    Ordförande" as "Närvarande: August Eriksson (Ordförande)", and the rows below the label, their
    first cell empty, as "Jens Lindholm (Sekreterare)"; `text` for a row that is neither."""
    filled = [cell for cell in cells if cell]
    if not filled or cells[0] and not _ATTENDANCE.fullmatch(cells[0]):
        return text
    person = filled[1:] if cells[0] else filled
    entry = person[0] + "".join(f" ({cell})" for cell in person[1:]) if person else ""
    return f"{cells[0]}: {entry}" if cells[0] else entry


def _cell_goes_on(text: str) -> bool:
    """A line that goes on with the cell of the line before: one or two words in lower case."""
    words = text.split()
    return 1 <= len(words) <= 2 and all(word.isalpha() and word.islower() for word in words)


def _entries(text: str) -> list[str]:
    """The people a line of an attendance list names ([] when it names none): "Name, role" where a
    name and a known role stand without a comma between ("Loke Bahr Vice ordförande"), else as
    `attendees` reads a list of names."""
    if run_together := party_list(text):
        return run_together
    split = name_and_role(text)
    if split and re.fullmatch(ROLE, split.split(", ", 1)[1]):
        return [split]
    if is_name_list(text):
        return attendees(text)
    return [split] if split else []


def _attendance(listed: list[tuple[str, str]]) -> list[str]:
    """Each person once, an absent one marked "(frånvarande)". Those called to the meeting
    ("Kallade") count as present unless the minutes also list who was present and they are not
    on it: LiTHe kod's minutes list both, and a board member called but not present had been
    taken to have attended."""
    def person(entry: str) -> str:  # "Ola Kereby" of "Ola Kereby (S), ordförande"
        return entry.split(",")[0].split("(")[0].strip()

    present = {person(name) for name, status in listed if status == "present"}
    out: list[str] = []
    for name, status in listed:
        if status == "called" and person(name) in present:
            continue
        if status == "absent" or status == "called" and present:
            name = f"{name} (frånvarande)"
        if name not in out:
            out.append(name)
    return sorted(out, key=lambda name: name.endswith("(frånvarande)"))


def _name_follows(lines: list[Line], index: int) -> bool:
    """A blank line inside a list of one name a line (a PDF's list items come with space between
    them): the next line with text is a single name too."""
    following = next((line.text.strip() for line in lines[index + 1:] if line.text.strip()), "")
    following = without_bullet(following)
    return bool(following) and is_name_list(following) and len(attendees(following)) == 1
