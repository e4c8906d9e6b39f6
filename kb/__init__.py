"""kb: a searchable knowledge base of meeting minutes.

    from kb import KnowledgeBase
    kb = KnowledgeBase("index")
    kb.update("corpus")
    for hit in kb.search("what did Almi say about bridge loans"):
        print(hit.date, hit.organisation, hit.text, hit.source, hit.line_start)
"""

from kb.errors import (DiskFullError, DocumentError, IndexBusyError, IndexDamagedError, IndexMismatchError,
                       IndexReadOnlyError, KBError, ModelError, NoIndexError)
from kb.knowledge_base import KnowledgeBase, UpdateSummary
from kb.readers import Limits
from kb.search import Filters, Hit

__all__ = [
    "KnowledgeBase", "UpdateSummary", "Filters", "Hit", "Limits",
    "KBError", "DocumentError", "NoIndexError", "IndexMismatchError", "IndexDamagedError", "IndexBusyError",
    "IndexReadOnlyError", "DiskFullError", "ModelError",
]
