"""Meetings, their items and passages: written by an update, read back by `kb show`, the
meeting view and the listings."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Iterable

from kb.store.schema import HIT_COLUMNS, TERM_COLUMNS


@dataclass
class StoredMeeting:
    id: int
    source: str
    sha256: str


class Records:
    db: sqlite3.Connection

    def meetings(self) -> dict[str, StoredMeeting]:
        rows = self.db.execute("SELECT id, source, sha256 FROM meetings")
        return {r["source"]: StoredMeeting(r["id"], r["source"], r["sha256"]) for r in rows}

    def passage_ids_of(self, meeting_id: int) -> list[int]:
        rows = self.db.execute(
            "SELECT passages.id FROM passages JOIN items ON items.id = passages.item_id "
            "WHERE items.meeting_id = ?",
            (meeting_id,),
        )
        return [r[0] for r in rows]

    def delete_meeting(self, meeting_id: int) -> None:
        self.db.execute(
            "DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE meeting_id = ?)",
            (meeting_id,),
        )
        self.db.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))

    def insert_meeting(self, source: str, sha256: str, meeting) -> int:
        cursor = self.db.execute(
            "INSERT INTO meetings (source, sha256, title, date, next_meeting, body, place, attendees, header_start, "
            "header_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source,
                sha256,
                meeting.title,
                meeting.date.isoformat() if meeting.date else None,
                meeting.next_meeting.isoformat() if meeting.next_meeting else None,
                meeting.body,
                meeting.place,
                json.dumps(meeting.attendees, ensure_ascii=False),
                *(meeting.header_lines or (None, None)),
            ),
        )
        self.db.executemany(
            "INSERT INTO attendance (meeting_id, name, present) VALUES (?, ?, ?)",
            [(cursor.lastrowid, *_attendee(entry)) for entry in meeting.attendees],
        )
        return cursor.lastrowid

    def insert_item(self, meeting_id: int, item, lexical_terms: str, point: int | None = None,
                    language: str = "sv") -> int:
        """An item; `point` is the ordinal of the first part of the point it is a part of, and
        `language` the one it is written in (one of TERM_COLUMNS), where its terms are indexed."""
        if language not in TERM_COLUMNS:
            raise ValueError(f"no lexical column for language {language!r}")
        cursor = self.db.execute(
            "INSERT INTO items (meeting_id, ordinal, title, text, organisation, speaker, section, decision, "
            "line_start, line_end, page, point) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                meeting_id, item.ordinal, item.title, item.text, item.organisation, item.speaker,
                item.section, item.decision, item.line_start, item.line_end, item.page,
                item.ordinal if point is None else point,
            ),
        )
        self.db.execute(f"INSERT INTO items_fts (rowid, {language}) VALUES (?, ?)", (cursor.lastrowid, lexical_terms))
        return cursor.lastrowid

    def insert_passage(self, item_id: int, text_hash: str, detail: bool = False) -> None:
        self.db.execute("INSERT INTO passages (item_id, text_hash, detail) VALUES (?, ?, ?)",
                        (item_id, text_hash, int(detail)))

    def item_texts(self, limit: int) -> list[str]:
        """Up to `limit` items' texts, spread over the index (every n-th item)."""
        count = self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        step = max(1, count // max(1, limit))
        rows = self.db.execute("SELECT text FROM items WHERE id % ? = 0 LIMIT ?", (step, limit))
        return [row[0] for row in rows]

    def items(self, item_ids: Iterable[int]) -> dict[int, sqlite3.Row]:
        ids = list(item_ids)
        if not ids:
            return {}
        rows = self.db.execute(
            f"SELECT {HIT_COLUMNS} FROM items JOIN meetings ON meetings.id = items.meeting_id "
            f"WHERE items.id IN ({','.join('?' * len(ids))})",
            ids,
        )
        return {r["item_id"]: r for r in rows}

    def meeting_sources(self) -> dict[str, str]:
        """{source: sha256} of every meeting."""
        return {r[0]: r[1] for r in self.db.execute("SELECT source, sha256 FROM meetings")}

    def item_place(self, item_id: int) -> sqlite3.Row | None:
        """(meeting_id, ordinal) of an item, or None."""
        return self.db.execute("SELECT meeting_id, ordinal FROM items WHERE id = ?", (item_id,)).fetchone()

    def item_ids_between(self, meeting_id: int, first: int, last: int) -> list[int]:
        """The items of a meeting with ordinals from `first` to `last`, in order."""
        rows = self.db.execute(
            "SELECT id FROM items WHERE meeting_id = ? AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
            (meeting_id, first, last),
        )
        return [r[0] for r in rows]

    def meeting_of_item(self, item_id: int) -> dict | None:
        """The meeting an item belongs to: title, date, body, place, source, next meeting, attendance."""
        row = self.db.execute(
            "SELECT meetings.id, meetings.source, meetings.title, meetings.body, meetings.place, meetings.date, "
            "meetings.next_meeting, meetings.attendees FROM meetings JOIN items ON items.meeting_id = meetings.id "
            "WHERE items.id = ?",
            (item_id,),
        ).fetchone()
        if row is None:
            return None
        attendance = self.db.execute(
            "SELECT name, present FROM attendance WHERE meeting_id = ? ORDER BY rowid", (row["id"],)
        ).fetchall()
        meeting = {key: row[key] for key in ("source", "title", "body", "place", "date", "next_meeting")}
        meeting["attendees"] = json.loads(row["attendees"])
        meeting["present"] = [r["name"] for r in attendance if r["present"]]
        meeting["absent"] = [r["name"] for r in attendance if not r["present"]]
        return meeting

    def meeting_list(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT meetings.source, meetings.title, meetings.body, meetings.place, meetings.date, meetings.next_meeting, "
            "meetings.attendees, "
            "count(items.id) AS items FROM meetings LEFT JOIN items ON items.meeting_id = meetings.id "
            "GROUP BY meetings.id ORDER BY meetings.date, meetings.source"
        )
        return [{**dict(r), "attendees": json.loads(r["attendees"])} for r in rows]


def _attendee(entry: str) -> tuple[str, int]:
    """("Ola Kereby", 1) from "Ola Kereby (S), ordförande"; absent people are marked so by the
    parser ("Lars Nilsson (frånvarande)")."""
    present = 0 if entry.endswith("(frånvarande)") else 1
    name = entry.split(",")[0].split("(")[0].strip()
    return name, present
