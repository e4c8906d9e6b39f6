"""What parsing yields: a meeting and its items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Item:
    ordinal: int
    # The point's title: its heading, or the opening line of a contribution. Every part of a
    # point cut in several carries it.
    title: str
    lines: list[str]
    line_start: int
    line_end: int
    page: int | None = None
    # The titles above the point, outermost first, joined by " > ".
    section: str | None = None
    organisation: str | None = None
    speaker: str | None = None
    # What was decided, where the item says so.
    decision: str | None = None

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
    # Where it met, as the header's place label gives it: "Kungsbackarummet, Storgatan 37", "Zoom".
    place: str | None = None
    # As the attendance lists give them: "Ola Kereby (S), ordförande".
    attendees: list[str] = field(default_factory=list)
    header_lines: tuple[int, int] | None = None
    # Lines kept out of the items: running page headers and footers, the table of contents, and
    # the attendance lists.
    page_furniture_lines: list[int] = field(default_factory=list)
    contents_lines: list[int] = field(default_factory=list)
    attendance_lines: list[int] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
