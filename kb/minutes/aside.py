"""Lines that are not content, set aside before the blocks are built: running page headers and
footers (with page counters and closing signature pages), tables of contents (or an agenda that
lists the headings after it). Attendance lists are `kb.minutes.attendance`'s.
"""

from __future__ import annotations

import re

from kb.minutes.marks import BULLET, NUMBERED, bare_title, paragraph_number, without_bullet
from kb.minutes.names import is_name
from kb.readers import Line



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
# Among such entries, one whose title was too long for more than a few dots ("... 2 kap 14 a §
# utlänningsförordningen ...12").
_SHORT_LEADER = re.compile(r"\S\s*[.…·]{2,3}\s*\d{1,4}\s*$")
# Dots across the line: a table of contents even with one entry, as a protocol of one paragraph has.
_LONG_LEADER = re.compile(r"(?:[.…·]\s?){15,}\s*\d{1,4}\s*$")


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
    """A table of contents: at least two entries with dot leaders and a page number (or one
    with dots across the line), the lines between them, each entry's first lines (back to a blank
    line), and a short title just above ("Innehåll"); not content."""
    entries = [i for i, line in enumerate(lines) if _CONTENTS_ENTRY.search(line.text) or _SHORT_LEADER.search(line.text)]
    found: set[int] = set()
    runs: list[list[int]] = []
    for i in entries:
        content_between = sum(1 for line in lines[runs[-1][-1] + 1 : i] if line.text.strip()) if runs else None
        if runs and content_between <= 3:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in (r for r in runs if sum(1 for i in r if _CONTENTS_ENTRY.search(lines[i].text)) >= 2
                or any(_LONG_LEADER.search(lines[i].text) for i in r)):
        first = run[0]
        while first > 0 and run[0] - first < 4 and lines[first - 1].text.strip():
            first -= 1  # the first entry's opening lines ("§ 22 Dnr KS-2023-00679")
        above = first - 1
        while above >= 0 and not lines[above].text.strip():
            above -= 1
        if above >= 0 and len(lines[above].text.split()) <= 2 and (above == 0 or not lines[above - 1].text.strip()):
            first = above  # its title
        found.update(line.number for line in lines[first : run[-1] + 1] if line.text.strip())
    return found | _contents_table(lines) | _paragraph_list(lines)


def _paragraph_list(lines: list[Line]) -> set[int]:
    """An agenda of paragraphs ("§ 46  KFN/2025:1" / "Delårsrapport 2: ..." / "§ 47" / "Evenemangspolicy"),
    without page numbers: at least MIN_CONTENTS_ROWS paragraphs counting up by one, a title line
    or two with each, whose numbers (most of them) open the minutes' points after it in the same
    order ("KFN § 46"). A municipality's list of its points had been one item holding every title."""
    entries = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := _LISTED_PARAGRAPH.match(line.text))]
    runs: list[list[tuple[int, int]]] = []
    for i, number in entries:
        run = runs[-1] if runs else None
        if run and number == run[-1][1] + 1 and sum(1 for line in lines[run[-1][0] + 1 : i] if line.text.strip()) <= 2:
            run.append((i, number))
        else:
            runs.append([(i, number)])
    listed: set[int] = set()
    for run in (r for r in runs if len(r) >= MIN_CONTENTS_ROWS):
        end = run[-1][0] + 1
        while end < len(lines) and end - run[-1][0] <= 3 and not _LISTED_PARAGRAPH.match(lines[end].text) \
                and (lines[end].text.strip() or end == run[-1][0] + 1):
            end += 1  # the last entry's title
        numbers = [number for _, number in run]
        later = [point[0] for line in lines[end:] if (point := paragraph_number(line.text)) and point[0] in numbers]
        # Most of them, in order (a point's line at the top of a page may have gone as a running header).
        if 2 * len(set(later)) >= len(numbers) and later == sorted(later):
            listed.update(line.number for line in lines[run[0][0] : end] if line.text.strip())
    return listed


# An agenda's entry: a paragraph's number, perhaps a case number or the title after it, no sentence.
_LISTED_PARAGRAPH = re.compile(r"^\s*§\s*(\d{1,3})(?!\d)(?:\s.{0,250}[^.\s])?\s*$")


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
