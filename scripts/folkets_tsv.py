"""Make kb/data/folkets-sv-en.tsv.gz, the Swedish-English word pairs kb reads (kb.bilingual), from
Folkets lexikon in the DSL form of the Sunny Folkets Lexikon repository (kb/data/README.md):

    python scripts/folkets_tsv.py Sunny-Folkets-sv_en-by-BinSun.dsl kb/data/folkets-sv-en.tsv.gz

Kept: one-word headwords and their one-word English translations ("[m2]" lines), lower-cased,
without parenthesised remarks; a line per headword, "headword<TAB>translation,translation".
"""

from __future__ import annotations

import gzip
import html
import re
import sys

WORD = re.compile(r"[^\W\d_][\w'-]*")
TRANSLATION = re.compile(r"\[m2\](.*?)\[/m\]")


def pairs(lines) -> dict[str, set[str]]:
    words: dict[str, set[str]] = {}
    headword = None
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        if not line[0].isspace():  # a headword line; its entry is the indented lines under it
            headword = line.strip().lower()
            continue
        found = TRANSLATION.search(line)
        if not found or headword is None or not WORD.fullmatch(headword):
            continue
        text = html.unescape(found.group(1).replace("\\[", "[").replace("\\]", "]"))
        for translation in re.sub(r"\([^)]*\)?|\[[^\]]*\]?", "", text).split(","):
            translation = translation.strip().lower().rstrip("!?.")
            if WORD.fullmatch(translation):
                words.setdefault(headword, set()).add(translation)
    return words


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8-sig") as lines:
        words = pairs(lines)
    text = "".join(f"{word}\t{','.join(sorted(found))}\n" for word, found in sorted(words.items()))
    with open(target, "wb") as out:
        out.write(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{target}: {len(words)} headwords")


if __name__ == "__main__":
    main(*sys.argv[1:3])
