"""How a line marks what it is: a bullet, an agenda number, the end of a sentence. Shared by
`layout` (which joins lines into blocks) and `aside` (which sets lines that are not content aside).
"""

from __future__ import annotations

import re

from kb.minutes.names import UPPER
from kb.readers.lines import MAJOR_BULLETS, MINOR_BULLETS

BULLET = re.compile(rf"^\s*([{MAJOR_BULLETS}{re.escape(MINOR_BULLETS)}])\s*(.*)$")
# "§ 12", "KS § 12" (the body's initials before it, as many municipalities write it), "12 §" (as
# Finland's Swedish-speaking municipalities do), "12 Budget 2025" (a
# bare number only before a capital: "37 miljoner" is a wrapped
# sentence), "1.", "1.1", "2)"; never four digits ("2014. För att ..." is a year that wraps).
# A table's column rule may stand between the number and the title ("4. | Punkter från stämman").
NUMBERED = re.compile(rf"^\s*((?:[{UPPER}]{{2,6}}\s+)?§\s*\d+[a-z]?|\d{{1,3}}\s*§(?=\s|$)|\d{{1,3}}(?:\.\d+)+\.?|\d{{1,3}}[.)]|\d{{1,3}}:(?=\s)|\d{{1,3}}(?=\s+[{UPPER}])|\d{{1,3}}$)\s*(?:\|\s*)?(.*)$")
TERMINAL = (".", "!", "?", ":", ";")
# A point numbered as a paragraph, at the start of a line: "§ 12", "§12", "KS § 12" with the
# body's initials, or "12 §" as Finland's Swedish-speaking municipalities write it. Its number is
# `paragraph_number`.
PARAGRAPH = re.compile(rf"^\s*(?:(?:[{UPPER}]{{2,6}}\s+)?§\s*(\d{{1,3}})|(\d{{1,3}})\s*§)(?!\d)")


def paragraph_number(text: str) -> tuple[int, str] | None:
    """The paragraph's number a line opens with, and what follows it; None for any other line."""
    m = PARAGRAPH.match(text)
    return (int(m.group(1) or m.group(2)), text[m.end():].strip()) if m else None


def without_bullet(text: str) -> str:
    m = BULLET.match(text)
    return m.group(2).strip() if m and m.group(2).strip() else text


def numbering_depth(number: str) -> int:
    """"§ 12", "12", "12." -> 1; "3.7" -> 2; "3.7.1" -> 3."""
    return 1 if number.startswith("§") else len([p for p in number.rstrip(".):").split(".") if p])


# A numbered point whose title runs into its text on one line: "6. Festen. Stian ansvarar för
# filmen ...", "12. Frågan om ansvarsfrihet: Styrelsen beviljades ...": the number and up to eight
# words closed by a full stop, colon or question mark, then more.
_RUN_IN = re.compile(r"^((?:§\s*)?\d{1,3}(?:\.\d+)*[.):]?\s+(?:\S+\s+){0,7}?\S*[^\W\d_]{2}[.:!?])\s+\S")
RUN_IN_CHARS = 80  # a title longer than this is a paragraph, whose title is its opening words


def run_in_title(text: str) -> str:
    """A point's title: its opener, or where the opener is a paragraph that opens with its numbered
    title, that title up to the stop or colon that ends it ("6. Festen."). One association's
    minutes had titles of 100 to 400 characters: every such item's title was its whole first line."""
    found = _RUN_IN.match(text) if len(text) > RUN_IN_CHARS else None
    return found.group(1) if found else text


def bare_title(title: str) -> str:
    """A title without its number, bullet or closing colon, in any case: the form in which an
    agenda lists a heading and a template repeats its labels ("Beslut", "4. Beslut:")."""
    return " ".join(re.sub(r"^[\d.§)\s]+", "", title.strip()).rstrip(":.").split()).casefold()
