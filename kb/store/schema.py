"""The store's schema, as its migrations build it: each a script run once, in order, and
recorded in SQLite's user_version. A change to the schema is a new migration."""

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
