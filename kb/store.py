"""The metadata store: meetings, items, passages, cached embeddings and the lexical index, in SQLite.

SQLite is the source of truth. FAISS holds one vector per passage under the passage's id, and the
file holding it is named by a generation number kept here, so one committed transaction switches
metadata, lexical index and vectors together (see `kb.knowledge_base`). Embeddings are cached by
(model, text hash): an unchanged, moved or duplicated text is never embedded twice, and an
interrupted update resumes without redoing its work.
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from kb.errors import DiskFullError, IndexDamagedError, IndexReadOnlyError, KBError


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


QUICK_CHECK_BYTES = 32 * 2**20
REBUILD = "run `kb index --rebuild`"
# SQLite's files beside the store: kb refuses to open the store when any of them is a link.
COMPANIONS = ("", "-wal", "-shm", "-journal")

MIGRATIONS = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE meetings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        title TEXT NOT NULL,
        date TEXT,
        next_meeting TEXT,
        body TEXT,
        attendees TEXT NOT NULL DEFAULT '[]',
        header_start INTEGER,
        header_end INTEGER
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        organisation TEXT,
        speaker TEXT,
        section TEXT,
        line_start INTEGER NOT NULL,
        line_end INTEGER NOT NULL,
        page INTEGER
    );
    CREATE INDEX items_meeting ON items(meeting_id, ordinal);
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        text_hash TEXT NOT NULL
    );
    CREATE INDEX passages_item ON passages(item_id);
    CREATE TABLE embeddings (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    );
    CREATE VIRTUAL TABLE items_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
    CREATE VIRTUAL TABLE items_vocab USING fts5vocab(items_fts, 'row');
    CREATE INDEX items_organisation ON items(organisation);
    CREATE INDEX items_speaker ON items(speaker);
    """,
    # 2: an item's title and decision; who attended each meeting, for the --attendee filter.
    """
    ALTER TABLE items ADD COLUMN decision TEXT;
    CREATE TABLE attendance (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        present INTEGER NOT NULL
    );
    CREATE INDEX attendance_meeting ON attendance(meeting_id);
    """,
    # 3: which point an item is a part of (the ordinal of the point's first part), and which
    # passages are detail windows, for the dense ranking (kb.search._dense).
    """
    ALTER TABLE items ADD COLUMN point INTEGER;
    ALTER TABLE passages ADD COLUMN detail INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: an item's lexical terms in the column of the language it is written in, so that a Swedish
    # question's English words count only in items written in English (kb.lexical). Until the
    # next `kb index` re-derives the items, every item's terms stand in the Swedish column.
    """
    DROP TABLE items_vocab;
    ALTER TABLE items_fts RENAME TO items_fts_before_languages;
    CREATE VIRTUAL TABLE items_fts USING fts5(sv, en, tokenize = 'unicode61 remove_diacritics 0');
    INSERT INTO items_fts (rowid, sv) SELECT rowid, terms FROM items_fts_before_languages;
    DROP TABLE items_fts_before_languages;
    CREATE VIRTUAL TABLE items_vocab USING fts5vocab(items_fts, 'row');
    """,
    # 5: where each meeting was held (kb.minutes.metadata.meeting_place).
    """
    ALTER TABLE meetings ADD COLUMN place TEXT;
    """,
]
# The lexical index's columns: the languages items are told apart by (kb.languages.LANGUAGES).
TERM_COLUMNS = ("sv", "en")

HIT_COLUMNS = """
    items.id AS item_id, items.title, items.text, items.organisation, items.speaker,
    items.section, items.decision, items.line_start, items.line_end, items.page, items.ordinal,
    meetings.title AS meeting, meetings.date AS date, meetings.source AS source,
    meetings.id AS meeting_id
"""


@dataclass
class StoredMeeting:
    id: int
    source: str
    sha256: str


class Store:
    """The store, opened for writing (created if missing, for the owner only) or for reading.

    A store opened for reading is opened read-only when this process may not write to it or to
    its folder (a read-only mount, files without write permission): searches work, updates are
    refused with a message saying they need write access. On open, SQLite's quick_check reads
    every page of a store of up to QUICK_CHECK_BYTES; a larger one has its header checked and a
    few of its pages read (`kb check` reads them all)."""

    def __init__(self, path: Path, write: bool = True):
        self.path = path
        self.readonly = False
        self._party_names: tuple[str | None, dict[str, list[str]]] | None = None
        for suffix in COMPANIONS:
            if os.path.islink(f"{path}{suffix}"):
                raise KBError(f"{path}{suffix} is a symbolic link, which kb never makes; remove it and try again")
        try:
            if write:
                _create_private(path)
            if write or _may_write(path):
                self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
                self.db.row_factory = sqlite3.Row
                self.db.execute("PRAGMA journal_mode = WAL")
            else:
                self.db = _connect_readonly(path)
                self.readonly = True
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self._quick_check()
        except sqlite3.DatabaseError as e:
            raise store_error(path, e) from e

    def close(self) -> None:
        self.db.close()

    def _quick_check(self) -> None:
        """Damage found on open, not as wrong answers later: SQLite's quick_check reads every page,
        a few milliseconds for a store of up to QUICK_CHECK_BYTES; a larger one has its header
        checked and a few reads that cross each table's tree, and the rest is left to `kb check`."""
        if not self.path.exists():
            return
        if self.path.stat().st_size <= QUICK_CHECK_BYTES:
            result = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if result != "ok":
                raise _Damaged(result)
            return
        problem = _header_problem(self.path)
        if problem:
            raise _Damaged(problem)
        for table in ("meta", "meetings", "items", "passages", "embeddings"):
            self.db.execute(f"SELECT * FROM {table} WHERE rowid IN ((SELECT min(rowid) FROM {table}), "
                            f"(SELECT max(rowid) FROM {table}))").fetchall()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if self.readonly and version < len(MIGRATIONS):
            raise IndexReadOnlyError(
                f"{self.path} was made by an earlier kb and needs an upgrade, which needs write access: run `kb index` "
                f"once as a user who can write to {self.path.parent}/ (after that, reading needs no write access)"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read: every query inside sees the same committed state."""
        self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            self.db.execute("COMMIT")

    def backup_to(self, path: Path) -> int | None:
        """This store's committed state copied into the SQLite file at `path` (SQLite's online
        backup, so a writer may go on meanwhile); returns the generation the copy names."""
        target = sqlite3.connect(path)
        try:
            self.db.backup(target)
            row = target.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        finally:
            target.close()
        return int(row[0]) if row else None

    # -- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: object) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    # -- meetings and items -------------------------------------------------------------------

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

    def meeting_sources(self) -> dict[str, str]:
        """{source: sha256} of every meeting."""
        return {r[0]: r[1] for r in self.db.execute("SELECT source, sha256 FROM meetings")}

    # -- embeddings -----------------------------------------------------------------------------

    def cached_hashes(self, model: str, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        batch = list(hashes)
        for start in range(0, len(batch), 500):
            chunk = batch[start : start + 500]
            rows = self.db.execute(
                f"SELECT text_hash FROM embeddings WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                [model, *chunk],
            )
            found.update(r[0] for r in rows)
        return found

    def add_embeddings(self, model: str, hashes: list[str], vectors: np.ndarray) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_hash, vector) VALUES (?, ?, ?)",
                [(model, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)],
            )

    def last_passage_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM passages").fetchone()[0]

    def passage_vectors(self, model: str, after_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the passages with ids above `after_id` (ids only grow, so these are
        the ones added since), filled into one array rather than a list of rows."""
        where = "FROM passages JOIN embeddings ON embeddings.text_hash = passages.text_hash " \
                "AND embeddings.model = ? WHERE passages.id > ?"
        count = self.db.execute(f"SELECT count(*) {where}", (model, after_id)).fetchone()[0]
        ids = np.empty(count, dtype=np.int64)
        vectors = None
        for row, (passage_id, blob) in enumerate(self.db.execute(f"SELECT passages.id, embeddings.vector {where}", (model, after_id))):
            vector = np.frombuffer(blob, dtype=np.float32)
            if vectors is None:
                vectors = np.empty((count, len(vector)), dtype=np.float32)
            ids[row], vectors[row] = passage_id, vector
        return ids, vectors if vectors is not None else np.zeros((0, 0), np.float32)

    def vectors_of_passages(self, model: str, ids: np.ndarray, dim: int) -> np.ndarray:
        """The cached embeddings of these passages, in their order; NaN rows for any without one
        (or of another dimension). The quantised vector index re-scores its candidates with these,
        and `kb check` compares the vector file with them, a chunk at a time."""
        out = np.full((len(ids), dim), np.nan, dtype=np.float32)
        position = {int(passage_id): row for row, passage_id in enumerate(np.asarray(ids).tolist())}
        rows = self.db.execute(
            "SELECT passages.id, embeddings.vector FROM passages JOIN embeddings ON embeddings.text_hash = "
            "passages.text_hash AND embeddings.model = ? WHERE passages.id IN (SELECT value FROM json_each(?))",
            (model, json.dumps(list(position))),
        )
        for passage_id, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            if len(vector) == dim:
                out[position[passage_id]] = vector
        return out

    def forget_unused_embeddings(self, model: str) -> None:
        """Drop cached vectors no passage uses, and every vector of another model."""
        self.db.execute(
            "DELETE FROM embeddings WHERE model != ? OR text_hash NOT IN (SELECT text_hash FROM passages)",
            (model,),
        )

    # -- searching ------------------------------------------------------------------------------

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
        """The items of meetings whose attendance lists someone present whose name contains `name`."""
        return Scope("items.meeting_id IN (SELECT meeting_id FROM attendance WHERE present = 1 AND name LIKE ? ESCAPE '\\')",
                     (_contains(name),))

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

    # -- checking -------------------------------------------------------------------------------

    def intact(self) -> bool:
        """SQLite's quick_check finds nothing wrong (a damaged store raises or says otherwise)."""
        return self.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    def integrity_problems(self, most: int = 3) -> list[str]:
        """What SQLite's integrity_check finds, at most `most` errors; [] if nothing."""
        lines = [line for row in self.db.execute(f"PRAGMA integrity_check({int(most)})") for line in row[0].splitlines()]
        return [] if lines == ["ok"] else [line for line in lines if not line.startswith("***")]

    def disagreements(self, model: str | None) -> dict[str, int]:
        """Counts of what should be zero in a whole store (`kb check`): cached embeddings of no
        passage (harmless), items without lexical entry or passage, lexical entries of no item,
        items stored twice, passages without a cached embedding of `model`."""
        one = lambda sql, *params: self.db.execute(sql, params).fetchone()[0]  # noqa: E731
        counts = {"unused_embeddings": one(
            "SELECT count(*) FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM passages)")}
        if model is None:
            return counts
        counts.update(
            items_without_fts=one("SELECT count(*) FROM items WHERE id NOT IN (SELECT rowid FROM items_fts)"),
            fts_without_item=one("SELECT count(*) FROM items_fts WHERE rowid NOT IN (SELECT id FROM items)"),
            items_without_passage=one("SELECT count(*) FROM items WHERE id NOT IN (SELECT item_id FROM passages)"),
            items_repeated=one(
                "SELECT count(*) FROM (SELECT 1 FROM items GROUP BY meeting_id, ordinal HAVING count(*) > 1)"),
            passages_uncached=one(
                "SELECT count(*) FROM passages WHERE text_hash NOT IN (SELECT text_hash FROM embeddings WHERE model = ?)",
                model),
        )
        return counts

    def passage_ids(self) -> np.ndarray:
        """Every passage id, ascending."""
        return np.fromiter((row[0] for row in self.db.execute("SELECT id FROM passages ORDER BY id")), dtype=np.int64)

    # -- statistics -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "meetings": one("SELECT count(*) FROM meetings"),
            "items": one("SELECT count(*) FROM items"),
            "passages": one("SELECT count(*) FROM passages"),
        }

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


class _Damaged(sqlite3.DatabaseError):
    """What the checks on open found wrong with the store."""


_NOT_DAMAGE = {  # SQLite's errors that say something other than "the file is damaged"
    "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL",
    "SQLITE_IOERR", "SQLITE_NOMEM", "SQLITE_AUTH",
}


def is_disk_full(error: BaseException) -> bool:
    import errno

    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(error)
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def store_error(path: Path, error: sqlite3.DatabaseError) -> KBError:
    """The KBError an SQLite error on the store stands for: damage (with the way out), a full
    disk, no write access, or else the error itself in one line."""
    detail = " ".join(str(error).split())
    name = getattr(error, "sqlite_errorname", "")
    if is_disk_full(error):
        return DiskFullError(f"disk full while writing {path}; free some space and run `kb index` again "
                             "(the index is as it was, and what was embedded is kept)")
    if name == "SQLITE_READONLY" or "readonly database" in detail:
        return IndexReadOnlyError(f"{path} is read-only here ({detail}): updating needs write access to "
                                  f"{path.parent}/ and its files; searching works without it")
    if "unable to open" in detail or "database is locked" in detail:
        name = name or "SQLITE_CANTOPEN"  # Python < 3.11 does not name SQLite's error codes
    if isinstance(error, _Damaged) or name not in _NOT_DAMAGE:
        return IndexDamagedError(f"{path}: the metadata store is damaged ({detail}); {REBUILD}")
    return KBError(f"{path}: {detail}")


def _create_private(path: Path) -> None:
    """Create the store file for the owner only (SQLite gives its -wal and -shm files the same
    permissions); an existing one is left as it is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        pass


def _may_write(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. Without write access to the folder SQLite cannot make the shared
    memory file that WAL mode reads through; the store is then opened as immutable, which is
    sound there: no one can write to it either (a writer would need to create its -wal file)."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    for suffix in ("", "&immutable=1"):
        db = sqlite3.connect(uri + suffix, uri=True, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as e:
            db.close()
            if suffix or "unable to open" not in str(e):
                raise
    raise AssertionError("unreachable")


def _header_problem(path: Path) -> str | None:
    """What is wrong with the store file's 100-byte header, if anything: not SQLite's, an
    impossible page size, or fewer pages in the file than the header counts (a cut-off file)."""
    with open(path, "rb") as file:
        header = file.read(100)
    if len(header) < 100 or header[:16] != b"SQLite format 3\x00":
        return "not an SQLite database file"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"impossible page size {page_size}"
    pages = int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    # A checkpoint copies the WAL's pages into the file in page order, page 1 (the header, with
    # the new page count) first; killed before the last of them, it leaves a file shorter than
    # its header counts and the pages past the end still in the -wal file, where SQLite reads
    # them (tests/test_crash_safety.py met it, a kill at 85% of an update). Only without a WAL
    # does a short file mean one cut off.
    wal = path.with_name(path.name + "-wal")
    in_wal = wal.exists() and wal.stat().st_size > 32  # more than the WAL's own header
    if header[24:28] == header[92:96] and pages * page_size > size and not in_wal:
        return f"the file ends at {size} bytes, but its header counts {pages} pages of {page_size}"
    return None


def _attendee(entry: str) -> tuple[str, int]:
    """("Ola Kereby", 1) from "Ola Kereby (S), ordförande"; absent people are marked so by the
    parser ("Lars Nilsson (frånvarande)")."""
    present = 0 if entry.endswith("(frånvarande)") else 1
    name = entry.split(",")[0].split("(")[0].strip()
    return name, present
