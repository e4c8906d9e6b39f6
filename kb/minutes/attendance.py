"""Attendance lists, set aside before the blocks are built and kept as the meeting's attendance.

A label ("Närvarande", "Beslutande", "Ledamöter", "Present board members", "2 Närvarolista")
opens a list, with names after it on its line or under it. What follows is read a line at a time
by `_ListReader`, each way minutes set their people out a method of its own: one name a line,
names run together, a role under its person (Word's tables read a cell a line), a role wrapped in
its cell (PDF tables), two lists side by side in columns of spaces, tables whose rows under
the label row are people, and tables under a row of column titles ("Funktion Namn E-mail", "cid
Namn Smeknamn"). The list ends at the first line that is none of these.
"""

from __future__ import annotations

import re

from kb.minutes.marks import TERMINAL, UPPER, without_bullet
from kb.minutes.names import (NAME, NAME_WORD, ROLE, STANDS_IN, attendees, is_name, is_name_list, is_personal_name,
                             name_and_role, party_list)
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


def attendance_lists(lines: list[Line]) -> tuple[set[int], list[str]]:
    """The lines of the attendance lists, and the people they name: a label ("Närvarande",
    "Beslutande", "Ledamöter", "2 Närvarolista") with names after it on the same line, or one name
    a line below it up to the next blank line (or, where every line is one name, up to the next
    line that is not one)."""
    reader = _ListReader(lines)
    for index in range(len(lines)):
        reader.read(index)
    return reader.numbers, _attendance(reader.listed)


class _ListReader:
    """The state of a reading: the list open, the people found so far, and where they stand."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.numbers: set[int] = set()
        self.listed: list[tuple[str, str]] = []  # (name, "present" | "absent" | "called")
        self.in_list = self.awaiting_names = self.one_a_line = False
        self.status = "present"
        self.second_half: int | None = None  # a hyphenated word's second line, read with its first
        self.wrapped_from: tuple[str, int] | None = None  # a label's names that may go on on the next line, and how many
        self.table_label: int | None = None  # where a table's attendance label ends, in a table of people a row
        self.named_at = -2  # the last line that named someone
        self.in_column: dict[int, int] = {}  # where in `listed` the last person of each column of a two-column list is
        self.roster: list[str] = []  # the column titles of a table of people, each row a person

    def read(self, index: int) -> None:
        line = self.lines[index]
        if line.number == self.second_half:
            return
        if self.table_label is not None and self.in_list and self._table_row(index, line):
            return
        text = without_bullet(line.text.strip())
        cells = _cells(line, 0)
        if line.style == "table" or cells and len(cells) >= 3 and _ATTENDANCE.fullmatch(cells[0]) and is_name(cells[1]):
            text = _row(cells, text)  # a Markdown row, or the label row of a text table set in columns of spaces
        following = self.lines[index + 1].text.strip() if index + 1 < len(self.lines) else ""
        joined = self.in_list and text.endswith("-") and following[:1].islower()
        if joined:  # a role hyphenated at the line's end ("Ledamot tillika juster-" / "ingsperson")
            text = text[:-1] + following
        if self._label(index, line, text, cells) or self._column_titles(line, text) \
                or self._roster_row(index, line, text):
            return
        if not text:
            if self._gap(index):
                return
            self.in_list, self.roster = False, []
        elif not (self._checkboxes(index, line, text) or self._sub_label(line, text)
                  or self._wrapped(line, text) or self._role(index, line, text) or self._columns(index, line, text)
                  or self._names(index, line, text, joined) or self._goes_on(index, line, text)):
            self.in_list, self.roster = False, []
        self.wrapped_from = None

    def _table_row(self, index: int, line: Line) -> bool:
        """A row under the label row, its first cell empty: a person, their role after them ("|  |
        Jens Lindholm | Sekreterare |", and the same set in columns of spaces); a blank line
        between such rows goes by."""
        cells = _cells(line, self.table_label)
        if cells is not None and len(cells) > 1 and not cells[0] and is_name(cells[1]):
            self.numbers.add(line.number)
            self.listed.append((_row(cells, ""), self.status))
            self.named_at = index
            return True
        return not line.text.strip() and _row_follows(self.lines, index, self.table_label)

    def _label(self, index: int, line: Line, text: str, cells: list[str] | None) -> bool:
        """A label, with the names after it if it has them: a list opens."""
        label = _ATTENDANCE.match(text)
        names = label.group("names") if label else ""
        while names and (inner := _ATTENDANCE.match(names)) and len(inner.group("names")) < len(names):
            # a table's column labels side by side ("Beslutande  Ledamöter  Tjänstgörande ersättare",
            # "Ersättare Tjänstepersoner Anna Flinck, utvecklingsledare"): the names are the last label's
            names = inner.group("names")
        if not label or names and not _entries(names):
            return False
        self.numbers.add(line.number)
        self.table_label = len(line.text) - len(line.text.lstrip()) + len(cells[0]) \
            if cells and len(cells) > 1 and cells[0] and is_name(cells[1].split(" (")[0]) else None
        opening = text.casefold()[:20]
        self.status = "absent" if "frånvarande" in opening or opening.startswith(("absent", "apologies")) \
            else "called" if "kallade" in opening else "present"
        self.listed += [(name, self.status) for name in _entries(names)]
        self.named_at = index if names else self.named_at
        self.in_column.clear()
        self.roster = []
        self.in_list, self.awaiting_names = True, not names
        self.one_a_line = self.awaiting_names
        self.wrapped_from = (names, len(_entries(names))) if names and not names.endswith(TERMINAL) else None
        return True

    def _column_titles(self, line: Line, text: str) -> bool:
        """A row of column titles, one of them the name's ("Funktion Namn E-mail/CID", "cid Namn
        Smeknamn", "Namn | Roll"): a table of people opens, a row each (a student section's
        officials, role first, and its list of members present had been items of names, one of
        955 characters)."""
        titles = [t for t in re.split(r"[\s/|,]+", text.casefold()) if t]
        if not 2 <= len(titles) <= 6 or not set(titles) & _NAME_COLUMNS or not set(titles) <= _COLUMN_TITLES:
            return False
        self.numbers.add(line.number)
        self.status = self.status if self.in_list and self.awaiting_names else "present"
        self.in_list = self.awaiting_names = True
        self.roster, self.one_a_line = titles, False
        return True

    def _roster_row(self, index: int, line: Line, text: str) -> bool:
        """A row of a table of people under its column titles: a name among other cells (a role
        before it, an e-mail or user id after it, a nickname in quotes), or a row of ids alone ("1
        ekeroot", the name's cell read as the next line). A blank line between rows goes by."""
        if not self.roster:
            return False
        if not text:
            following = next((l.text.strip() for l in self.lines[index + 1:] if l.text.strip()), "")
            return bool(following) and (_roster_name(following, self.roster) is not None or _ids(following))
        name = _roster_name(text, self.roster)
        if name is None and not _ids(text):
            return False
        self.numbers.add(line.number)
        if name:
            self.listed.append((name, self.status))
            self.named_at = index
        self.awaiting_names = False
        return True

    def _checkboxes(self, index: int, line: Line, text: str) -> bool:
        """A list as a form sets it, a box before each person, ticked for those present ("[X]
        Haverinen Emilia, ordförande, distans [ ] Storskrubb Julia", two columns on a line; "☒" and
        "☐" in Word): a city's lists of members had ended at their first line."""
        if not self.in_list or not _CHECKBOX.match(text):
            return False
        found = [(box, _entries(who.strip())) for box, who in _CHECKBOX.findall(text)]
        if not all(entries for _, entries in found):
            return False
        self.numbers.add(line.number)
        for box, entries in found:
            status = "present" if box in "☑☒" or box.startswith("[") and box.strip("[] ") else "absent"
            self.listed += [(name, status) for name in entries]
        self.named_at = index
        self.awaiting_names = False
        return True

    def _sub_label(self, line: Line, text: str) -> bool:
        """A column's label in lower case under the list's own, before the first name ("Beslutande"
        / "ordinarie ersättare")."""
        words = text.split()
        if not (self.in_list and self.awaiting_names and 1 <= len(words) <= 3
                and all(word.isalpha() and word.islower() for word in words)):
            return False
        self.numbers.add(line.number)
        return True

    def _wrapped(self, line: Line, text: str) -> bool:
        """The label's line wrapped inside a name ("..., David Törnqvist, Walter" / "Thorslund,
        Jonathan Lönnqvist"): the two lines are one list."""
        if not self.wrapped_from or _entries(text):
            return False
        entries = _entries(f"{self.wrapped_from[0]} {text}")
        if len(entries) <= self.wrapped_from[1]:
            return False
        self.numbers.add(line.number)
        self.listed = self.listed[: len(self.listed) - self.wrapped_from[1]] + [(name, self.status) for name in entries]
        return True

    def _role(self, index: int, line: Line, text: str) -> bool:
        """A table with a cell a line (Word): the role under its person's name ("Ordförande"), in a
        table whatever it says ("Medlem", "Root")."""
        if not (self.in_list and self.listed
                and (re.match(ROLE, text) or line.style == "table" and self.named_at == index - 1
                     and text.replace(" ", "").isalpha())
                and ":" not in text and len(text.split()) <= 4 and not is_name(text) and "," not in self.listed[-1][0]):
            return False
        self.numbers.add(line.number)
        self.listed[-1] = (f"{self.listed[-1][0]}, {text}", self.listed[-1][1])
        self.awaiting_names = False
        return True

    def _columns(self, index: int, line: Line, text: str) -> bool:
        """Two lists side by side, set in columns of spaces ("Per Stenberg (M)   Sofia Jonsson,
        administrativ chef"): each column's people, and a cell in lower case goes on with the
        person above it in its column ("valsamordnare §13")."""
        if not self.in_list or len(cells := _COLUMNS.split(text)) < 2 or not _entries(cells[0]):
            return False
        self.numbers.add(line.number)
        for column, cell in enumerate(cells):
            if found := _entries(cell):
                self.listed += [(name, self.status) for name in found]
                self.in_column[column] = len(self.listed) - 1
            elif cell[:1].islower() and (column in self.in_column or column - 1 in self.in_column):
                # (a role in a column of its own goes with the person before it on the line)
                at = self.in_column[column] if column in self.in_column else self.in_column[column - 1]
                before = self.listed[at][0].rstrip(",")
                # a role under a name ("Kristina Gudmundson," / "kommunsekreterare"), or the rest
                # of a role ("Anton Gille, assisterande" / "valsamordnare §13")
                self.listed[at] = (f"{before} {cell}" if "," in before else f"{before}, {cell}", self.listed[at][1])
        self.named_at = index
        self.awaiting_names = False
        return True

    def _names(self, index: int, line: Line, text: str, joined: bool) -> bool:
        """A line of the list that names people, one or more."""
        if not self.in_list or not (entries := _entries(text)):
            return False
        self.numbers.add(line.number)
        self.listed += [(name, self.status) for name in entries]
        self.named_at = index
        self.awaiting_names = False
        if joined:
            self.second_half = self.lines[index + 1].number
            self.numbers.add(self.second_half)
        return True

    def _goes_on(self, index: int, line: Line, text: str) -> bool:
        """A role that wrapped in its cell, as a PDF's table reads ("Frida Mikkilä Vice Ordförande
        tillika" / "justeringsperson")."""
        if not (self.in_list and self.listed and self.named_at == index - 1 and _cell_goes_on(text)):
            return False
        self.numbers.add(line.number)
        before = self.listed[-1][0]
        self.listed[-1] = (before[:-1] + text if before.endswith("-") else f"{before} {text}", self.listed[-1][1])
        return True

    def _gap(self, index: int) -> bool:
        """Blank lines before the first name, or between names one a line."""
        return self.in_list and (self.awaiting_names or self.one_a_line and _name_follows(self.lines, index))


_COLUMNS = re.compile(r"\s{2,}")
# A form's box before a person, ticked or not, and who follows it up to the next box.
_CHECKBOX = re.compile(r"(\[[ xX✓✔]?\]|[☐☑☒])\s*([^\[☐☑☒]+)")
# Column titles of a table of people; one of them must be the name's.
_NAME_COLUMNS = {"namn", "name", "namn:", "name:"}
_COLUMN_TITLES = _NAME_COLUMNS | {
    "funktion", "roll", "role", "befattning", "titel", "title", "post", "uppdrag", "e-mail", "email", "e-post",
    "mail", "epost", "cid", "id", "smeknamn", "nickname", "parti", "party", "organisation", "organization",
    "förening", "närvaro", "närvarande", "present", "telefon", "phone", "nr", "#", "kommentar", "anmärkning",
    "position", "ledamot", "ersättare", "tid", "§§", "signatur", "signature",
}
_ROLE_COLUMNS = {"funktion", "roll", "role", "befattning", "titel", "title", "post", "uppdrag", "position"}
_NICKNAME_COLUMNS = {"smeknamn", "nickname"}
_QUOTED = re.compile(r"[\"“”„«»][^\"“”„«»]{1,30}[\"“”„«»]|[’'‘][^’'‘]{1,30}[’'‘]")
_NAME_RUN = re.compile(rf"(?<!\w){NAME_WORD}(?:\s+{NAME_WORD})+")
_PARTY_CELL = re.compile(r"\(?[A-ZÅÄÖ]{1,3}\)?")  # a party's letters in a cell of their own: "S", "(KD)"


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
    Ordförande" as "Närvarande: August Eriksson, Ordförande", and the rows below the label, their
    first cell empty, as "Jens Lindholm, Sekreterare"; `text` for a row that is neither."""
    filled = [cell for cell in cells if cell]
    if not filled or cells[0] and not _ATTENDANCE.fullmatch(cells[0]):
        return text
    person = filled[1:] if cells[0] else filled
    # as every attendance list reads: a party in brackets, a role after a comma
    entry = person[0] + "".join(f" ({cell.strip('()')})" if _PARTY_CELL.fullmatch(cell) else f", {cell}"
                                for cell in person[1:]) if person else ""
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
    if split and re.match(rf"{ROLE}(?:\s|$)", split.split(", ", 1)[1]):
        return [split]  # a known role, alone or with its rest ("Ledamot tillika justeringsperson")
    if is_name_list(text):
        return attendees(text)
    return [split] if split else []


def _attendance(listed: list[tuple[str, str]]) -> list[str]:
    """Each person once, an absent one marked "(frånvarande)". Those called to the meeting
    ("Kallade") count as present unless the minutes also list who was present and they are not
    on it: LiTHe kod's minutes list both, and a board member called but not present had been
    taken to have attended."""
    present = {_person(name) for name, status in listed if status == "present"}
    out: list[str] = []
    for name, status in listed:
        if status == "called" and _person(name) in present:
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


def members_in_header(header: str, listed: list[str]) -> list[str]:
    """The people the meeting's header names with their party in brackets ("Monica Neptun (L),
    Ordförande Erik Lindqvist (M), 1:e vice ordförande Per-Axel Landström (S)"), added to those
    `attendance_lists` found: a municipal PDF's columns of members, read into lines that break
    inside names ("Erik" / "Lindqvist (M)"), had given only the officials under "Tjänstepersoner".
    A title before a name is no part of it, and a member someone sat in for ("ersätter Elin
    Hysén (L)") was not there."""
    text = " ".join(header.split())
    known = {_person(entry) for entry in listed}
    found: list[str] = []
    for m in _MEMBER.finditer(text):
        if STANDS_IN.search(text[: m.start()]):
            continue
        words = m.group("name").split()
        titled = [n for n, word in enumerate(words) if _titles(word)]
        name = " ".join(words[titled[-1] + 1:] if titled else words)  # "Protokolljusterare Erik Lindqvist"
        if not is_personal_name(name) or name in known:
            continue
        known.add(name)
        found.append(f"{name} ({m.group('party')})" + (f", {m.group('role')}" if m.group("role") else ""))
    # One such name alone is a guest or a signatory ("Justeras: Karin Berg (S)"), not a list of members.
    return listed + found if len(found) >= 2 else listed


def _roster_name(row: str, columns: list[str]) -> str | None:
    """The person a row of a table of people names: the run of capitalised words, without a
    nickname in quotes and the role words before it, which follow it after a comma
    ("Mötesordförande Andreas “Equeroot” Ekeroot ekeroot" -> "Andreas Ekeroot, Mötesordförande");
    where the titles set a column before the name's (a role: "Ordförande Delta Henrik Andersson")
    or after it (a nickname: "Lucas Bäckvall Lurre"), a run longer than a name's two words loses
    its first or last word. None for a row that is a sentence or names no one."""
    row = " ".join(_QUOTED.sub(" ", row).split())
    if not row or len(row.split()) > 10 or row.endswith(TERMINAL) or ":" in row:
        return None
    at = next(n for n, title in enumerate(columns) if title in _NAME_COLUMNS)
    role_before = bool(set(columns[:at]) & _ROLE_COLUMNS)
    nickname_after = bool(set(columns[at + 1:]) & _NICKNAME_COLUMNS)
    for run in _NAME_RUN.findall(row):
        words = run.split()
        titled = [n for n, word in enumerate(words) if _titles(word)]
        words = words[titled[-1] + 1:] if titled else words
        if role_before and len(words) > 2:
            words = words[-2:]
        elif nickname_after and len(words) > 2:
            words = words[:-1]
        name = " ".join(words)
        if 2 <= len(words) <= 4 and is_personal_name(name):
            role = " ".join(row[: row.index(name)].split())
            # as every attendance list reads: the name, a comma, the role ("Andreas Ekeroot, Mötesordförande")
            return f"{name}, {role}" if role and not _ids(role) else name
    return None


def _ids(row: str) -> bool:
    """A row of ids and numbers alone ("1 ekeroot"): a row whose name is on the next line."""
    cells = row.split()
    return 1 <= len(cells) <= 3 and all(cell.isdigit() or cell.islower() and "." not in cell for cell in cells) \
        and any(cell.isdigit() for cell in cells)


def _person(entry: str) -> str:
    """"Ola Kereby" of "Ola Kereby (S), ordförande"."""
    return entry.split(",")[0].split("(")[0].strip()


def _titles(word: str) -> bool:
    """A word that names a role or a list, not a person: "Ordförande", "Protokolljusterare"."""
    return re.fullmatch(ROLE, word) is not None or word.casefold() in _LABEL_WORDS \
        or word.casefold().endswith(("justerare", "ordförande", "sekreterare", "ledamot", "ersättare"))


# "Ordförande Erik Lindqvist (M), 1:e vice ordförande": a name (perhaps a title before it), its party,
# and a role after a comma.
_MEMBER = re.compile(rf"(?P<name>(?:[{UPPER}][\w-]*\s+)?{NAME})\s*\((?P<party>[{UPPER}]{{1,3}})\)"
                     rf"(?:,\s*(?P<role>(?:\d:e\s+)?(?:vice\s+)?{ROLE}))?")
_LABEL_WORDS = {"beslutande", "ledamöter", "ersättare", "tjänstgörande", "närvarande", "övriga", "sammanträde"}
