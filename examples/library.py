"""Index the corpus and ask a question, through the library.

    .venv/bin/python examples/library.py [CORPUS] [INDEX]
"""

import sys

from kb import Filters, KnowledgeBase

corpus = sys.argv[1] if len(sys.argv) > 1 else "corpus"
index = sys.argv[2] if len(sys.argv) > 2 else "index"

with KnowledgeBase(index) as kb:
    summary = kb.update(corpus)
    print(f"{summary.items_embedded} item(s) embedded, {summary.items_total} in the index")
    for question in ("what did Almi say about bridge loans", "Vad sa Arbetsförmedlingen om sysselsättningen?"):
        print(f"\n{question}")
        for hit in kb.search(question, k=3):
            who = " – ".join(p for p in (hit.organisation, hit.speaker) if p)
            print(f"  {hit.rank}. {hit.date} {who}: {hit.text.splitlines()[-1]}  ({hit.source}:{hit.line_start})")
    almi = kb.search("lån", k=5, filters=Filters(org="Almi"))
    print(f"\nAlmi's items about loans: {[hit.item_id for hit in almi]}")
