"""Make kb/data/folkets-sv-en.tsv.gz, the Swedish-English word pairs kb reads (kb.bilingual), and
kb/data/folkets-en-sv-phrases.tsv.gz, the English phrases whose Swedish is one word, from Folkets
lexikon in the DSL form of the Sunny Folkets Lexikon repository (kb/data/README.md):

    python scripts/folkets_tsv.py Sunny-Folkets-sv_en-by-BinSun.dsl kb/data

Word pairs: one-word headwords and their one-word English translations ("[m2]" lines),
lower-cased, without parenthesised remarks; a line per headword, "headword<TAB>translation,...".
Phrases: the translations of two to four words of those headwords ("annual meeting" -> årsmöte,
"municipal council" -> kommunfullmäktige), not those made of English function words alone ("in
case", "go on"); a line per phrase, "phrase<TAB>headword,...".
"""

from __future__ import annotations

import gzip
import html
import re
import sys
from pathlib import Path

from stop_words import get_stop_words

WORD = re.compile(r"[^\W\d_][\w'-]*")
TRANSLATION = re.compile(r"\[m2\](.*?)\[/m\]")


def pairs(lines) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(Swedish headword -> its one-word translations, English phrase -> the headwords it translates)."""
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[str]] = {}
    function_words = set(get_stop_words("english"))
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
            translation = " ".join(translation.strip().lower().rstrip("!?.").split())
            if WORD.fullmatch(translation):
                words.setdefault(headword, set()).add(translation)
            elif 2 <= len(phrase := translation.split()) <= 4 and all(map(WORD.fullmatch, phrase)) \
                    and not all(word in function_words for word in phrase):
                phrases.setdefault(translation, set()).add(headword)
    return words, phrases


def _write(target: Path, table: dict[str, set[str]]) -> None:
    text = "".join(f"{key}\t{','.join(sorted(found))}\n" for key, found in sorted(table.items()))
    target.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{target}: {len(table)} lines")


def main(source: str, folder: str) -> None:
    with open(source, encoding="utf-8-sig") as lines:
        words, phrases = pairs(lines)
    _write(Path(folder) / "folkets-sv-en.tsv.gz", words)
    _write(Path(folder) / "folkets-en-sv-phrases.tsv.gz", phrases)


if __name__ == "__main__":
    main(*sys.argv[1:3])
