"""English question words as Swedish ones, for the lexical leg of hybrid and lexical search.

An English question shares almost no words with Swedish minutes, so BM25 adds nothing to it or,
worse, matches the English words that do occur (names, "workshop"). kb looks the question's
words up in FreeDict's English-Swedish dictionary and searches the Swedish translations too. The
dictionary is small (4,844 headwords; "layoffs", "procurement" and "auditor" are missing) but it
carries the common words questions use. English function words are not looked up (FreeDict's
"the" is a list of place names). Measured on the paired dev set in hybrid mode (README, "Across
languages"): English hit@1 0.547 -> 0.600, MRR@10 0.641 -> 0.682, with the language shift;
Swedish questions are not touched.

The dictionary is Debian's package `dict-freedict-eng-swe` (GPL-2+, 128 kB), read where dictd
keeps it (/usr/share/dictd) or from the folder in KB_DICTIONARY. Without it hybrid search works
as before, without the English expansion; `kb stats` says which. The format is dictd's: an index
of headword, offset and length (base64) into a gzip-compressed text. No maintained small library
reads it (PyGlossary is a whole converter), and the reader is a dozen lines.
"""

from __future__ import annotations

import gzip
import os
import re
from functools import lru_cache
from pathlib import Path

from stop_words import get_stop_words

from kb.languages import language_of

NAME = "freedict-eng-swe"
FOLDERS = (Path("/usr/share/dictd"),)
DICTIONARY_ENV = "KB_DICTIONARY"
_WORD = re.compile(r"[a-z]+")
_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def dictionary_folder() -> Path | None:
    """Where the English-Swedish dictionary is, if anywhere."""
    folders = [Path(os.environ[DICTIONARY_ENV])] if os.environ.get(DICTIONARY_ENV) else list(FOLDERS)
    for folder in folders:
        if (folder / f"{NAME}.index").is_file() and (folder / f"{NAME}.dict.dz").is_file():
            return folder
    return None


def _number(digits: str) -> int:
    """dictd's base64 numbers: most significant digit first, no padding."""
    value = 0
    for digit in digits:
        value = value * 64 + _DIGITS.index(digit)
    return value


@lru_cache(maxsize=1)
def english_swedish() -> dict[str, tuple[str, ...]]:
    """Headword -> its one-word Swedish translations; empty without the dictionary (or with a
    damaged one: the expansion is a help, never a reason for a search to fail)."""
    folder = dictionary_folder()
    if folder is None:
        return {}
    try:
        text = gzip.decompress((folder / f"{NAME}.dict.dz").read_bytes())
        index = (folder / f"{NAME}.index").read_text(encoding="utf-8")
    except (OSError, EOFError, ValueError):
        return {}
    words: dict[str, set[str]] = {}
    for line in index.splitlines():
        fields = line.split("\t")
        if len(fields) != 3 or fields[0].startswith("00-database"):
            continue
        try:
            entry = text[_number(fields[1]) : _number(fields[1]) + _number(fields[2])].decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        # "achieve /ətʃiːv/\n1. förvärva\n2. ernå\n3. göra": the first line is the headword.
        for sense in entry.split("\n")[1:]:
            for translation in re.sub(r"^\d+\.\s*", "", sense).split(","):
                translation = translation.strip()
                if translation and " " not in translation:
                    words.setdefault(fields[0].lower(), set()).add(translation)
    return {word: tuple(sorted(translations)) for word, translations in words.items()}


def swedish_words(query: str) -> list[str]:
    """The Swedish translations of an English question's words ([] for a Swedish one)."""
    if language_of(query) != "en":
        return []
    dictionary, function_words = english_swedish(), frozenset(get_stop_words("english"))
    # Function words stay out: FreeDict's "the" is a list of proper names.
    return [translation for word in _WORD.findall(query.lower()) if word not in function_words
            for translation in dictionary.get(word, ())]


def available() -> bool:
    return bool(english_swedish())
