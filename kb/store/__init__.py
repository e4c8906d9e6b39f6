"""The metadata store: meetings, items, passages, cached embeddings and the lexical index, in SQLite.

SQLite is the source of truth. FAISS holds one vector per passage under the passage's id, and the
file holding it is named by a generation number kept here, so one committed transaction switches
metadata, lexical index and vectors together (see `kb.knowledge_base`). Embeddings are cached by
(model, text hash): an unchanged, moved or duplicated text is never embedded twice, and an
interrupted update resumes without redoing its work.
"""

from __future__ import annotations

from kb.store.connection import COMPANIONS, QUICK_CHECK_BYTES, REBUILD, Connection, is_disk_full, store_error
from kb.store.embeddings import Embeddings
from kb.store.queries import EVERY_ITEM, NO_ITEM, PARTY_COLUMNS, Queries, Scope
from kb.store.records import Records, StoredMeeting
from kb.store.schema import HIT_COLUMNS, MIGRATIONS, TERM_COLUMNS

__all__ = [
    "COMPANIONS", "EVERY_ITEM", "HIT_COLUMNS", "MIGRATIONS", "NO_ITEM", "PARTY_COLUMNS", "QUICK_CHECK_BYTES",
    "REBUILD", "Scope", "Store", "StoredMeeting", "TERM_COLUMNS", "is_disk_full", "store_error",
]


class Store(Records, Queries, Embeddings, Connection):
    """The store, opened for writing (created if missing, for the owner only) or for reading.

    A store opened for reading is opened read-only when this process may not write to it or to
    its folder (a read-only mount, files without write permission): searches work, updates are
    refused with a message saying they need write access. On open, SQLite's quick_check reads
    every page of a store of up to QUICK_CHECK_BYTES; a larger one has its header checked and a
    few of its pages read (`kb check` reads them all)."""
