"""What the minutes say about the meeting itself: its title, date, who met, the header (place,
time, who checks the minutes) and when the next meeting is."""

from __future__ import annotations

import datetime as dt
import re

from kb.minutes.layout import Block
from kb.minutes.model import Item
from kb.minutes.names import LOWER, UPPER, date_spans, find_dates, only_a_date, without_dates
from kb.minutes.tree import CONTRIBUTION

_NEXT_MEETING = re.compile(r"nästa\s+\w*(?:möte|träff|sammanträde|dialog)", re.I)
# What a meeting's title names when it names who met: "Kommunstyrelsens arbetsutskott",
# "näringslivsdialog", "Styrelsemöte Almi Mitt"; with the field it names before or after it,
# written as municipalities name their committees: "Förskola & Grundskola arbetsutskott", "Barn- och
# utbildningsnämnden", "Nämnden för Förskola & Grundskola", "Nämnden för Tekniks arbetsutskott".
_FIELD = rf"(?-i:[{UPPER}][{LOWER}]+\s+&\s+[{UPPER}][{LOWER}]+)"  # capitalised, whatever the case of the rest
_BODY_WORD = re.compile(
    rf"(?:\b{_FIELD}\s+|\b[{UPPER}{LOWER}]+-\s+och\s+|\b[{UPPER}{LOWER}]+s\s+)?"
    rf"\b[{UPPER}{LOWER}]*(?:styrelse|nämnd|utskott|fullmäktige|kommitté|råd|dialog"
    rf"|beredning|presidium|forum|samråd|grupp|stämma|årsmöte|medlemsmöte)[{LOWER}]*"
    rf"(?:\s+för\s+(?:{_FIELD}|(?-i:[{UPPER}][{LOWER}]+))(?:\s+[{LOWER}]*utskott\w*)?)?",
    re.I,
)
_MEETING_SUFFIX = re.compile(r"(?:möte|mötet|sammanträde|sammanträdet)$")
# What names a date in a title, the date taken out: "Mötesdatum:", "den", "kl. 18.00", a weekday
# ("ONSDAGEN DEN 23 SEPTEMBER 2020").
_DATE_LABEL = re.compile(
    r"\b\w*datum\b:?|\bden\b|\bkl\.?\s*\d{1,2}[.:]\d{2}|\b(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
# Front matter keys that name the date or the title, as Markdown exports write them.
DATE_KEYS = ("date", "datum", "mötesdatum", "sammanträdesdatum")
TITLE_KEYS = ("title", "titel", "rubrik")
# A title that says what the document is ("Protokoll", "Styrelsemöte", "Anteckningar").
_MINUTES_WORD = re.compile(r"protokoll|möte|sammanträde|anteckning|minnes|stämma|dialog|minutes|meeting", re.I)
# After a title's date, set off by a comma: who met, capitalised, with no figures (the place,
# time or attendance count after a date are the header's).
_NAMED_AFTER = re.compile(rf"\s*,\s*([{UPPER}][^\d,;]*)$")
# A header's first label, which no title opens with: "Plats och tid för sammanträde Kungsbackarummet".
_HEADER_LABEL = re.compile(r"^(?:plats|tid|datum|lokal|place|location|time|date)(?:\s+och\s+(?:plats|tid))?\b", re.I)
_PLACE_CHARS = 100  # a longer "value" is a sentence that opens with the word, not a place
_PLACE_LINE = 40  # a label and its value with a space between: a short line, the value capitalised


def split_header(blocks: list[Block], ranks: list[float | None], titled: bool = False) -> tuple[int, int]:
    """(title blocks, header blocks): the title is the leading text (a first heading and the plain
    lines after it) up to a date, a bullet, a paragraph gap or a heading; in minutes laid out in
    agenda points, the header runs on to the first point (place, time, who checks the minutes).
    `titled`: the file's metadata names its title (front matter); then a first heading with text
    right under it ("### Logotyp" / "Vi påminner Aku igen.", a blog post's first point) is
    content, not a second title (taken as the header, it was not searchable)."""
    if titled and len(blocks) > 1 and blocks[0].kind == "heading" and blocks[1].kind != "heading" \
            and not blocks[1].after_gap:
        return 0, 0
    title = 0
    for index, block in enumerate(blocks):
        # Headings that open the document with no text under them are its title ("# Protokoll",
        # "## LiTHe kod", "## 15 September 2017").
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        first_heading = block.kind == "heading" and (
            index == 0 or (index == title and following is not None and following.kind == "heading")
        )
        # A heading that is only the date ("12 November 2020" under "Mötesprotokoll LiTHe kod")
        # is the title's, after a gap too: as the section over every point, or in the first
        # point's text, it was no part of the minutes' content.
        dated = first_heading and index == title and only_a_date(block.text)
        # A heading set larger than every heading above it, with nothing but headings above it, is
        # the title, after a gap too: a cover's tagline above it ("Vinterbögarna presenterar" at 13
        # points over "Vinterbadarnas Årsmöte 2023" at 28) had been the meeting's title.
        outranks = first_heading and 0 < index == title and ranks[index] is not None and all(
            b.kind == "heading" and r is not None and ranks[index] < r for b, r in zip(blocks[:index], ranks[:index]))
        if (block.kind != "plain" and not first_heading) or (title and block.after_gap and not dated and not outranks) \
                or title >= 4:
            break
        if index > 0 and ranks[index] is not None and ranks[index] < CONTRIBUTION and not first_heading:
            break
        if _is_prose(block.text):  # a sentence ("IX Styrelse hade denna dag sitt första styrelsemöte.") is no title
            break
        title += 1
        if find_dates(block.text):
            break
    if title == len(blocks):
        return 0, 0
    points = [i for i, rank in enumerate(ranks) if i >= title and rank is not None and rank < CONTRIBUTION]
    end = max(points[0], title) if points else title
    # Without points (a round of contributions), the header is the title and the labelled lines
    # of when and where right under it ("Plats: Stadshuset, Östersund", "Tid: 13.00-15.00").
    while not points and end < len(blocks) and labelled_line(blocks[end].text):
        end += 1
    # The header is what the meeting is (place, time, who): the first sentence before the first
    # point ("Inledning: the county board will walk the beach on 30 July") is content, an item.
    prose = next((i for i in range(title, end) if _is_prose(blocks[i].text)), end)
    return title, prose


def labelled_line(text: str) -> bool:
    """A line of the header's when and where, labelled: "Plats: Stadshuset, Östersund", "Tid: 13.00",
    "Datum: 9 april 2018"."""
    return bool(_HEADER_LABEL.match(text)) and ":" in text[:30] and len(text) <= _PLACE_CHARS


def _is_prose(text: str) -> bool:
    return len(text.split()) >= 6 and text.rstrip().endswith((".", "!", "?"))


def title_before_date(texts: list[str]) -> str:
    """The title's lines up to its date. What follows the date is when and where the meeting
    was, the header's: "2020-03-13 Zoom", "Den 4 augusti 2024, i Matteröds församlingshem
    Närvarande medlemmar; 28", "den 28 april 2014 i Akalla By stora salen", unless the date is
    set off by commas in a list of names ("Styrelsemöte S06, 24 februari 2026, D-sektionen inom
    TLTH"). A line after the first that is a label and the date ("Tidpunkt 2018-07-20, 18:33 -
    19:07 Plats T1", a Typst PDF's header table read as a line) goes whole. A title that opens
    with its date keeps the rest ("2024-03-07 Styrelsemöte")."""
    kept: list[str] = []
    for n, text in enumerate(texts):
        found = date_spans(text)
        if not found:
            kept.append(text)
            continue
        start, end, _ = found[0]
        before = _DATE_LABEL.sub("", text[:start]).strip(" ,:–-(")
        if n > 0 and len(before.split()) <= 1:
            break
        named = _NAMED_AFTER.match(text[end:])
        kept.append(" ".join(filter(None, [before, named and named.group(1)])) if before or kept else text)
        break
    return " ".join(kept)


def meeting_title(title_text: str) -> str:
    title = _DATE_LABEL.sub("", without_dates(title_text))
    # Markup left in the text of a PDF typeset from unrendered Markdown or a template ("Mötesprotokoll
    # ##LiTHe kod ##{}"), brackets a template left empty ("Minutes of meeting ()") and a bracket
    # whose date went with the header ("våren 2020 (rev 2020-03-26)").
    title = re.sub(r"(?<!\S)#+(?=\S|$)|\{\s*\}|\(\s*\)|\[\s*\]|\([^()]*$", " ", title)
    return re.sub(r"\s+", " ", title).strip(" ,–-:#")


def meeting_date(*texts: str) -> dt.date | None:
    """The first date found in the first text that has one."""
    for text in texts:
        dates = find_dates(text)
        if dates:
            return dates[0]
    return None


def front_matter(metadata: dict, keys: tuple[str, ...]) -> str:
    return next((str(metadata[key]) for key in keys if metadata.get(key)), "")


PLACE_KEYS = ("place", "location", "plats", "lokal", "mötesplats")
PLACE_LINES = 80  # the place is the header's: the first lines of the minutes
# A place's label: one that takes its value after a colon, in the next cell of a table or of
# columns of spaces, on the next line, or after a space in a short line ("Plats: Zoom", "| Plats |
# T1 |", "Plats      T1", "Plats" / "T1", "Plats T1" as a PDF reads a table's row); and the
# municipal templates' labels that take it after a space ("Plats och tid för sammanträde
# Kungsbackarummet, Storgatan 37 Klockan 08:30", "Sammanträdesplats Stadshuset"). Not "Lokal till
# NWERC fixad", not "Venue" (an agenda point about a conference's venue), and not "Plats och tid
# för justering" (where the minutes are checked).
_PLACE_LABEL = re.compile(
    r"^[\W_]{0,4}(?:(?P<spaced>plats\s+och\s+tid|sammanträdesplats|mötesplats)|plats|lokal|location|place)\b"
    r"(?:\s+för\s+(?:sammanträde(?:t)?\b)?)?(?:\s*(?P<mark>[:|])|(?P<gap>\s{2,}))?\s*(?P<value>.*)$", re.I)
# Where the place's value ends: at the time ("Klockan 08:15-11:00", "kl. 18.30", "18:00").
_PLACE_END = re.compile(r"\s*(?:\b(?:klockan|kl\.?|tid|time)\b|\b\d{1,2}[:.]\d{2}\b).*$", re.I)


def meeting_place(lines: list[str], front: dict) -> str | None:
    """Where the meeting was, as its front matter or its header's place label gives it ("Zoom",
    "Kungsbackarummet, Storgatan 37", "Hos Jens Nilsson"): the first such label in the first
    PLACE_LINES lines, its value after it or, where the label stands alone (a heading, a Word
    table's cell), on the next line with text; without the time or date after it."""
    if found := front_matter(front, PLACE_KEYS):
        return _place(found)
    texts = [text.strip() for text in lines[:PLACE_LINES]]
    for index, text in enumerate(texts):
        m = _PLACE_LABEL.match(text.strip("|").strip() if text.startswith("|") else text)
        if not m or m.group("value").casefold().startswith("justering"):
            continue
        value = m.group("value")
        if not value:
            value = next((t for t in texts[index + 1 : index + 4] if t), "")
            if _PLACE_LABEL.match(value) or value.endswith(":"):
                continue
        elif not (m.group("mark") or m.group("gap") or m.group("spaced")
                  or len(text) <= _PLACE_LINE and (value[:1].isupper() or value[:1].isdigit())):
            continue  # "Lokal till NWERC fixad": the word opens a sentence; "Plats T1" is a table's row
        if place := _place(re.split(r"\s*\|\s*|\s{2,}", value)[0]):
            return place
    return None


def _place(value: str) -> str | None:
    value = _PLACE_END.sub("", without_dates(value)).strip(" ,.;:|–-")
    value = re.sub(r"\s+sammanträde$", "", value)
    return value if 1 < len(value) <= _PLACE_CHARS and not value.casefold().startswith("justering") else None


def body(*texts: str) -> str | None:
    """Who met, as the title (else the header, else the page headers) names it: the committee
    ("Kommunstyrelsens arbetsutskott"), the dialogue ("Näringslivsdialog"), the board and whose
    ("Styrelse Almi Mitt")."""
    for n, text in enumerate(texts):
        m = _BODY_WORD.search(text) if n or not _HEADER_LABEL.match(text) else None
        if not m:  # a title that is the header's first label names the place ("Kommunfullmäktigesalen")
            continue
        words = m.group(0).split()
        stem = _MEETING_SUFFIX.sub("", words[-1])
        words[-1] = stem if len(stem) >= 5 else words[-1]  # "Styrelsemöte" -> "Styrelse", not "Årsmöte" -> "Års"
        # The organisation named right after ("Styrelsemöte Almi Mitt"): the capitalised words; in
        # the title only, and not after a field ("Nämnden för Service Datum").
        owner = re.match(rf"(?:\s+[{UPPER}][\w-]*)+", text[m.end():]) if n == 0 and " för " not in m.group(0) else None
        found = " ".join(words) + (owner.group(0) if owner else "")
        return found[:1].upper() + found[1:]
    return None


def next_meeting(date: dt.date | None, items: list[Item]) -> dt.date | None:
    """The first date after "nästa möte/träff/sammanträde" in the items, in the year that follows
    the meeting when the minutes leave the year out."""
    year = date.year if date else None
    for item in items:
        m = _NEXT_MEETING.search(item.text)
        if m:
            for found in find_dates(item.text[m.end():], year_hint=year):
                if date and found <= date:
                    found = found.replace(year=found.year + 1)
                return found
    return None


def choose_title(title: str, front_title: str, body_name: str | None, stem: str) -> str:
    """The leading text when it names the meeting or who met; else the front matter's title,
    else who met (from the page headers), else the leading text, else the file name."""
    names_it = _MINUTES_WORD.search(title) or (body_name and body_name.casefold() in title.casefold())
    if title and names_it and len(title) <= 120 and not _HEADER_LABEL.match(title):
        return title if not body_name or body_name.casefold() in title.casefold() or len(title.split()) > 2 \
            else f"{title} – {body_name}"
    return front_title or body_name or title[:120] or stem
