"""A question's words in the minutes' other language, for the lexical leg of hybrid and lexical
search.

An English question shares almost no words with Swedish minutes, so BM25 adds nothing to it or,
worse, matches the English words that do occur (names, "workshop"); and a Swedish question over
minutes written in English (a board that keeps its minutes in English) is in the same place. kb
looks the question's words up in FreeDict's dictionary for its language and searches the
translations too:
- English questions, `dict-freedict-eng-swe` (4,844 headwords; "layoffs", "procurement" and
  "auditor" are missing, but it carries the common words questions use). Measured on the paired
  dev set in hybrid mode (README, "Across languages"): English hit@1 0.547 -> 0.600, MRR@10
  0.641 -> 0.682, with the language shift.
- Swedish questions, `dict-freedict-swe-eng` (5,220 headwords). A Swedish headword is the base
  form, so a question's word is looked up as it is, as its stem, and without up to three letters
  of inflection ("hotellet" -> "hotell" -> hotel; Snowball's stem keeps "hotellet"). Measured on
  the dev corpus in hybrid mode: Swedish questions 0.680 / 0.753 -> 0.707 / 0.778, on the
  English-language board (Python Sverige) 0.500 / 0.567 -> 0.533 / 0.614; the first minutes and
  the held-out corpora, all Swedish, unchanged.
Function words are not looked up (FreeDict's "the" is a list of place names).

The dictionaries are Debian's packages (GPL-2+, about 130 kB each), read where dictd keeps them
(/usr/share/dictd) or from the folder in KB_DICTIONARY. Without one hybrid search works as before,
without that direction's expansion; `kb stats` says which. The format is dictd's: an index of
headword, offset and length (base64) into a gzip-compressed text. No maintained small library
reads it (PyGlossary is a whole converter), and the reader is a dozen lines.

Folkets lexikon (KTH's open Swedish-English dictionary, CC BY-SA 2.5; kb/data/README.md) ships
with kb and is merged into the Swedish-English one: 15,934 Swedish headwords with one-word
translations, three times FreeDict's, among them the words of meetings FreeDict lacks
("protokoll" -> minutes, "revisor" -> auditor). Its translations count only in minutes written in
English (kb.lexical). Measured on the dev corpus in hybrid mode: Swedish questions 0.733 / 0.812
-> 0.747 / 0.831, Python Sverige's 0.400 / 0.498 -> 0.467 / 0.593; the first minutes and the
held-out corpora, all Swedish, unchanged. Read backwards for English questions it did not pay:
the held-out corpora's English questions rose (0.571 / 0.656 -> 0.643 / 0.698) but the dev
corpus's English translations of its questions fell (0.707 / 0.767 -> 0.693 / 0.758), and the
first minutes' held-out ones lost 0.008 MRR@10: an English word has many Swedish headwords that
give it among their senses ("charge" -> avgift, laddning, ...).

Its English phrases are another matter: a phrase of two to four words that translates one
Swedish headword ("annual meeting" -> årsmöte, "municipal council" -> kommunfullmäktige,
"administrative court" -> förvaltningsdomstol, "set aside" -> avsätta; 3,926 of them, phrases of
function words alone left out) names one thing, and word by word it finds nothing. An English
question's phrases add their Swedish words. Measured side by side (hybrid, lexical index 5,
parser 72): the dev corpus 0.740 / 0.813 -> 0.740 / 0.814 (English questions 0.733 / 0.795 ->
0.733 / 0.797), the held-out corpora 0.613 / 0.695 -> 0.613 / 0.697 (English 0.550 / 0.617 ->
0.550 / 0.622), the first minutes and the format variants unchanged. With the function-word
phrases kept too, one more dev question came first, by "in case" -> ifall: a conjunction's
match, not kept.
"""

from __future__ import annotations

import gzip
import os
import re
from functools import lru_cache
from pathlib import Path

import Stemmer
from stop_words import get_stop_words

from kb.languages import LANGUAGES, language_of

# The dictionary for questions in each language: from it to the other.
DICTIONARIES = {"en": "freedict-eng-swe", "sv": "freedict-swe-eng"}
NAME = DICTIONARIES["en"]
FOLDERS = (Path("/usr/share/dictd"),)
DICTIONARY_ENV = "KB_DICTIONARY"
# Folkets lexikon's Swedish-English pairs, a headword and its translations a line (kb/data/README.md).
LEXICON = Path(__file__).parent / "data" / "folkets-sv-en.tsv.gz"
# Its English phrases whose Swedish is one word, a phrase and its headwords a line.
PHRASES = Path(__file__).parent / "data" / "folkets-en-sv-phrases.tsv.gz"
_WORD = re.compile(r"[^\W\d_]+")
_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Letters of inflection a Swedish word may carry beyond its headword: "-et", "-en", "-arna".
_ENDING = 3


def dictionary_folder(name: str = NAME) -> Path | None:
    """Where the dictionary is, if anywhere."""
    folders = [Path(os.environ[DICTIONARY_ENV])] if os.environ.get(DICTIONARY_ENV) else list(FOLDERS)
    for folder in folders:
        if (folder / f"{name}.index").is_file() and (folder / f"{name}.dict.dz").is_file():
            return folder
    return None


def _number(digits: str) -> int:
    """dictd's base64 numbers: most significant digit first, no padding."""
    value = 0
    for digit in digits:
        value = value * 64 + _DIGITS.index(digit)
    return value


@lru_cache(maxsize=None)
def translations(name: str) -> dict[str, tuple[str, ...]]:
    """Headword -> its one-word translations; empty without the dictionary (or with a damaged
    one: the expansion is a help, never a reason for a search to fail)."""
    folder = dictionary_folder(name)
    if folder is None:
        return {}
    try:
        text = gzip.decompress((folder / f"{name}.dict.dz").read_bytes())
        index = (folder / f"{name}.index").read_text(encoding="utf-8")
    except (OSError, EOFError, ValueError):
        return {}
    words: dict[str, set[str]] = {}
    for line in index.splitlines():
        fields = line.split("\t")
        if len(fields) != 3 or fields[0].startswith("00"):  # "00-database-info", "00databaseurl"
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
    return {word: tuple(sorted(found)) for word, found in words.items()}


@lru_cache(maxsize=None)
def lexicon() -> dict[str, tuple[str, ...]]:
    """Folkets lexikon, Swedish headword -> its one-word English translations; empty when its
    file is missing or damaged."""
    return _table(LEXICON)


@lru_cache(maxsize=None)
def phrases() -> dict[str, tuple[str, ...]]:
    """Folkets lexikon read backwards for phrases: an English phrase of two to four words -> the
    Swedish words it translates ("annual meeting" -> årsmöte, "municipal council" ->
    kommunfullmäktige). Word by word, "annual" and "meeting" find neither."""
    return _table(PHRASES)


def _table(path: Path) -> dict[str, tuple[str, ...]]:
    words: dict[str, tuple[str, ...]] = {}
    try:
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
            key, _, found = line.partition("\t")
            if key and found:
                words[key] = tuple(found.split(","))
    except (OSError, EOFError, ValueError):
        return {}
    return words


@lru_cache(maxsize=None)
def dictionary_for(language: str) -> dict[str, tuple[str, ...]]:
    """The dictionary for questions in this language: FreeDict's, and for Swedish questions
    Folkets lexikon merged in."""
    merged = {word: set(found) for word, found in translations(DICTIONARIES[language]).items()}
    for word, found in (lexicon() if language == "sv" else {}).items():
        merged.setdefault(word, set()).update(found)
    return {word: tuple(sorted(found)) for word, found in merged.items()}


def translated_words(query: str) -> list[str]:
    """The question's words in the other language, as far as its dictionary has them ([] when
    the question's language cannot be told)."""
    language = language_of(query)
    if language is None:
        return []
    found = _phrases_in(query) if language == "en" else []
    dictionary = dictionary_for(language)
    if not dictionary:
        return found
    function_words = frozenset(get_stop_words(LANGUAGES[language]))
    for word in _WORD.findall(query.lower()):
        if word in function_words:
            continue
        forms = [word] if language == "en" else _base_forms(word)
        headword = next((form for form in forms if form in dictionary), None)
        found += dictionary.get(headword, ())
    return found


def _phrases_in(query: str) -> list[str]:
    """The Swedish words of the dictionary's English phrases the question holds, the last word
    perhaps in the plural ("annual meetings")."""
    words = _WORD.findall(query.lower())
    found = []
    for size in range(2, 5):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            found += phrases().get(phrase, ()) or (phrases().get(phrase[:-1], ()) if phrase.endswith("s") else ())
    return found


def _base_forms(word: str) -> list[str]:
    """A Swedish word, its stem, and the word without one to three letters of inflection,
    never shorter than four letters."""
    return [word, _stemmer().stemWord(word)] + [word[:-n] for n in range(1, _ENDING + 1) if len(word) - n >= 4]


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish")


def available() -> dict[str, bool]:
    """For questions in each language, whether FreeDict's dictionary is there (Folkets lexikon
    ships with kb)."""
    return {language: bool(translations(name)) for language, name in DICTIONARIES.items()}


def cache_clear() -> None:
    translations.cache_clear()
    lexicon.cache_clear()
    phrases.cache_clear()
    dictionary_for.cache_clear()
