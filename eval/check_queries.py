"""Check a corpus's query set against its files: every line names an existing source file and its
expected phrase occurs in that file's text as kb reads it (whitespace and case aside).

    python eval/check_queries.py eval/corpora/SOURCE [more folders]
"""

import json
import sys
from pathlib import Path

from kb.readers import read_document


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def check(folder: Path) -> int:
    problems = 0
    texts: dict[str, str] = {}
    for number, line in enumerate((folder / "queries.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        query = json.loads(line)
        source = query.get("source")
        if not source or not (folder / source).is_file():
            print(f"{folder}/queries.jsonl:{number}: no such source file {source!r}")
            problems += 1
            continue
        if source not in texts:
            document = read_document(folder / source)
            texts[source] = squash(" ".join(line.text for line in document.lines))
        if squash(query["expected"]) not in texts[source]:
            print(f"{folder}/queries.jsonl:{number}: {query['id']}: expected phrase not in {source}: {query['expected']!r}")
            problems += 1
    return problems


if __name__ == "__main__":
    total = sum(check(Path(arg)) for arg in sys.argv[1:])
    print("ok" if not total else f"{total} problem(s)")
    sys.exit(1 if total else 0)
