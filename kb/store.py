"""The metadata store: meetings, items, passages, cached embeddings and the lexical index, in SQLite.

SQLite is the source of truth. FAISS holds one vector per passage under the passage's id, and the
file holding it is named by a generation number kept here, so one committed transaction switches
metadata, lexical index and vectors together (see `kb.knowledge_base`). Embeddings are cached by
(model, text hash): an unchanged, moved or duplicated text is never embedded twice, and an
interrupted update resumes without redoing its work.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from kb.errors import IndexDamagedError

QUICK_CHECK_BYTES = 32 * 2**20

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
]

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
    def __init__(self, path: Path):
        self.path = path
        self._party_names: tuple[str | None, dict[str, list[str]]] | None = None
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self._quick_check()
        except sqlite3.DatabaseError as e:
            raise IndexDamagedError(
                f"{path}: the metadata store is damaged ({' '.join(str(e).split())}); run `kb index --rebuild`"
            ) from e

    def close(self) -> None:
        self.db.close()

    def _quick_check(self) -> None:
        """Damage found on open, not as wrong answers later: SQLite's quick_check reads every page,
        a few milliseconds for a store of up to QUICK_CHECK_BYTES; a larger one is left to `kb check`."""
        if self.path.exists() and self.path.stat().st_size <= QUICK_CHECK_BYTES:
            result = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if result != "ok":
                raise sqlite3.DatabaseError(result)

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
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
            "INSERT INTO meetings (source, sha256, title, date, next_meeting, body, attendees, header_start, header_end) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source,
                sha256,
                meeting.title,
                meeting.date.isoformat() if meeting.date else None,
                meeting.next_meeting.isoformat() if meeting.next_meeting else None,
                meeting.body,
                json.dumps(meeting.attendees, ensure_ascii=False),
                *(meeting.header_lines or (None, None)),
            ),
        )
        self.db.executemany(
            "INSERT INTO attendance (meeting_id, name, present) VALUES (?, ?, ?)",
            [(cursor.lastrowid, *_attendee(entry)) for entry in meeting.attendees],
        )
        return cursor.lastrowid

    def insert_item(self, meeting_id: int, item, lexical_terms: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO items (meeting_id, ordinal, title, text, organisation, speaker, section, decision, "
            "line_start, line_end, page) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                meeting_id, item.ordinal, item.title, item.text, item.organisation, item.speaker,
                item.section, item.decision, item.line_start, item.line_end, item.page,
            ),
        )
        self.db.execute("INSERT INTO items_fts (rowid, terms) VALUES (?, ?)", (cursor.lastrowid, lexical_terms))
        return cursor.lastrowid

    def insert_passage(self, item_id: int, text_hash: str) -> None:
        self.db.execute("INSERT INTO passages (item_id, text_hash) VALUES (?, ?)", (item_id, text_hash))

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

    def item_of_passages(self, passage_ids: Iterable[int]) -> dict[int, int]:
        ids = [int(i) for i in passage_ids]
        if not ids:
            return {}
        rows = self.db.execute(
            f"SELECT id, item_id FROM passages WHERE id IN ({','.join('?' * len(ids))})", ids
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

    def forget_unused_embeddings(self, model: str) -> None:
        """Drop cached vectors no passage uses, and every vector of another model."""
        self.db.execute(
            "DELETE FROM embeddings WHERE model != ? OR text_hash NOT IN (SELECT text_hash FROM passages)",
            (model,),
        )

    # -- statistics -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "meetings": one("SELECT count(*) FROM meetings"),
            "items": one("SELECT count(*) FROM items"),
            "passages": one("SELECT count(*) FROM passages"),
        }

    def meeting_list(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT meetings.source, meetings.title, meetings.body, meetings.date, meetings.next_meeting, "
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
