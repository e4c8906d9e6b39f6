"""What a search asks of the store: the items a filter allows (as a `Scope`), BM25 over the
lexical index, and the facts the ranking rules read (passages' items, points, years, parties)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Iterable

import numpy as np


@dataclass(frozen=True)
class Scope:
    """Which items a search or a listing may return: a condition over the items and meetings
    tables and its parameters. Only `Store` writes the SQL (its `*_scope` methods); callers
    combine scopes with & and |. Text a user typed is always a parameter."""

    sql: str = "1"
    params: tuple = ()

    def __and__(self, other: "Scope") -> "Scope":
        return Scope(f"({self.sql}) AND ({other.sql})", self.params + other.params)

    def __or__(self, other: "Scope") -> "Scope":
        return Scope(f"({self.sql}) OR ({other.sql})", self.params + other.params)


EVERY_ITEM = Scope("1")
NO_ITEM = Scope("0")
# The item columns that name a party, the only ones `Store.fields_scope` selects on.
PARTY_COLUMNS = ("organisation", "speaker")


def _contains(text: str) -> str:
    """A LIKE pattern for "contains `text`", its wildcards escaped: "%" and "_" match themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"



class Queries:
    db: sqlite3.Connection
    # The party names by the generation they were read in (`party_names`).
    _party_names: tuple[str | None, dict[str, list[str]]] | None = None

    def item_of_passages(self, passage_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
        """Each passage's item, and whether the passage is a detail window of it."""
        ids = [int(i) for i in passage_ids]
        if not ids:
            return {}
        rows = self.db.execute(
            f"SELECT id, item_id, detail FROM passages WHERE id IN ({','.join('?' * len(ids))})", ids
        )
        return {r[0]: (r[1], bool(r[2])) for r in rows}

    def points_of(self, item_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """Each item's point: its meeting and the ordinal of the point's first part (an item of an
        index made before points were recorded is a point of its own)."""
        ids = [int(i) for i in item_ids]
        if not ids:
            return {}
        rows = self.db.execute(
            f"SELECT id, meeting_id, coalesce(point, ordinal) FROM items WHERE id IN ({','.join('?' * len(ids))})", ids
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def meeting_years(self, item_ids: Iterable[int]) -> dict[int, int]:
        """The year each item's meeting was held, for the items whose meeting has a date."""
        ids = [int(i) for i in item_ids]
        if not ids:
            return {}
        rows = self.db.execute(
            "SELECT items.id, CAST(substr(meetings.date, 1, 4) AS INTEGER) FROM items "
            "JOIN meetings ON meetings.id = items.meeting_id WHERE meetings.date IS NOT NULL "
            f"AND items.id IN ({','.join('?' * len(ids))})", ids
        )
        return {r[0]: r[1] for r in rows}

    def party_names(self) -> dict[str, list[str]]:
        """Distinct organisations and speakers, read once per committed generation: every query
        asks, and scanning a million items each time costs more than the vector search."""
        generation = self.get_meta("generation")
        if self._party_names is None or self._party_names[0] != generation:
            names = {
                column: [r[0] for r in self.db.execute(f"SELECT DISTINCT {column} FROM items WHERE {column} IS NOT NULL")]
                for column in ("organisation", "speaker")
            }
            self._party_names = (generation, names)
        return self._party_names[1]

    def party_rows(self) -> list[tuple]:
        """(column, field, items, first date, last date) for every distinct organisation and
        speaker field."""
        rows = []
        for column in ("organisation", "speaker"):
            rows += [
                (column, *row)
                for row in self.db.execute(
                    f"SELECT items.{column}, count(*), min(meetings.date), max(meetings.date) FROM items "
                    f"JOIN meetings ON meetings.id = items.meeting_id WHERE items.{column} IS NOT NULL "
                    f"GROUP BY items.{column}"
                )
            ]
        return rows

    @staticmethod
    def fields_scope(column: str, fields: list[str]) -> Scope:
        """The items whose `column` ("organisation" or "speaker") is one of these stored fields
        (one parameter, however many)."""
        if column not in PARTY_COLUMNS:
            raise ValueError(f"no party column {column!r}")
        if not fields:
            return NO_ITEM
        return Scope(f"items.{column} IN (SELECT value FROM json_each(?))", (json.dumps(fields, ensure_ascii=False),))

    @staticmethod
    def dates_scope(since: str | None, until: str | None) -> Scope:
        """The items of meetings held from `since` to `until` (ISO dates, either may be None)."""
        scope = EVERY_ITEM
        if since:
            scope &= Scope("meetings.date >= ?", (since,))
        if until:
            scope &= Scope("meetings.date <= ?", (until,))
        return scope

    @staticmethod
    def meeting_scope(which: str) -> Scope:
        """The items of meetings whose title or file contains `which`, or held on that date."""
        pattern = _contains(which)
        return Scope("meetings.title LIKE ? ESCAPE '\\' OR meetings.source LIKE ? ESCAPE '\\' OR meetings.date = ?",
                     (pattern, pattern, which))

    @staticmethod
    def attendee_scope(name: str) -> Scope:
        """The items of meetings whose attendance lists someone present whose name contains each
        word of `name`, in any order: a city's lists give the surname first ("Sjöström William"),
        and "William Sjöström" had found none of his meetings."""
        words = name.split() or [name]
        return Scope("items.meeting_id IN (SELECT meeting_id FROM attendance WHERE present = 1 AND "
                     + " AND ".join(["name LIKE ? ESCAPE '\\'"] * len(words)) + ")",
                     tuple(_contains(word) for word in words))

    def passage_ids_where(self, scope: Scope) -> np.ndarray:
        """The ids of the passages of the items a scope selects."""
        rows = self.db.execute(
            "SELECT passages.id FROM passages JOIN items ON items.id = passages.item_id "
            f"JOIN meetings ON meetings.id = items.meeting_id WHERE {scope.sql}",
            scope.params,
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def item_ids_in_order(self, scope: Scope) -> list[int]:
        """The items a scope selects, by meeting date, file and order."""
        rows = self.db.execute(
            f"SELECT items.id FROM items JOIN meetings ON meetings.id = items.meeting_id WHERE {scope.sql} "
            "ORDER BY meetings.date, meetings.source, items.ordinal",
            scope.params,
        )
        return [r[0] for r in rows]

    def bm25(self, expression: str, scope: Scope, limit: int) -> list[tuple[int, float]]:
        """(item id, BM25 score) of the items matching an FTS5 expression within a scope, best
        first, higher better."""
        rows = self.db.execute(
            "SELECT items_fts.rowid, -bm25(items_fts) FROM items_fts "
            "JOIN items ON items.id = items_fts.rowid JOIN meetings ON meetings.id = items.meeting_id "
            f"WHERE items_fts MATCH ? AND ({scope.sql}) ORDER BY bm25(items_fts) LIMIT ?",
            [expression, *scope.params, limit],
        )
        return [(row[0], row[1]) for row in rows]

    def known_terms(self, terms: list[str]) -> set[str]:
        """Which of these lexical terms occur in the indexed items at all."""
        if not terms:
            return set()
        rows = self.db.execute(f"SELECT term FROM items_vocab WHERE term IN ({','.join('?' * len(terms))})", terms)
        return {row[0] for row in rows}
