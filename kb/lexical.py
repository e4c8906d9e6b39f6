"""The lexical index: BM25 over Swedish-stemmed terms, in SQLite FTS5 beside the metadata.

FTS5 ranks with Okapi BM25 and is updated in the same transaction as the items, so the lexical
index can never disagree with the metadata. Snowball's Swedish stemmer (PyStemmer) folds
inflections: "brygglånen" and "brygglån" meet as "brygglån". An item is indexed under the last
parts of its compounds too ("styrmodell" also as "modell", `last_part`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from stop_words import get_stop_words

from kb.bilingual import lexicon, translated_words
from kb.languages import language_of
from kb.store import EVERY_ITEM, Scope, Store

_WORD = re.compile(r"\w+")
# A query is looked up by its first this many distinct words (a question has a handful; a pasted
# page would otherwise make one SQL expression of thousands of terms).
MAX_QUERY_TERMS = 256
# A translated word this long or longer also matches the words it begins (lexical_search).
TRANSLATION_PREFIX = 4


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """Swedish and English function words: questions come in both languages."""
    return frozenset(get_stop_words("swedish")) | frozenset(get_stop_words("english"))


def stems(text: str) -> list[str]:
    """Content words, stemmed: "Vad sa Almi om brygglånen?" -> ["almi", "brygglån"].

    Each word is stemmed twice. Snowball's Swedish stemmer takes one suffix off, so a stem can
    end in another: "kursen" -> "kurs" but "kurs" -> "kur", and a question about
    "elektronikkursen" never met the minutes' "elektronikkurs" ("planerna" -> "planer", "plan"
    -> "plan"). A second pass makes the stem a fixed point for about 400 of 5,200 stems of the
    held-out corpora. Measured side by side (hybrid, parser 60): held-out corpora 0.597 / 0.681
    -> 0.613 / 0.693 (the naive chunker, which reads the same index, 0.538 / 0.633 -> 0.538 /
    0.638), the dev corpus 0.740 / 0.815 -> 0.740 / 0.813, the first minutes and LUDD's format
    variants unchanged.
    """
    stop = _stop_words()
    stemmer = _stemmer()
    return stemmer.stemWords(stemmer.stemWords([word for word in _WORD.findall(text.lower()) if word not in stop]))


def query_terms(query: str) -> list[str]:
    """The query's distinct stems, in order, at most MAX_QUERY_TERMS."""
    return list(dict.fromkeys(stems(query)))[:MAX_QUERY_TERMS]


def lexical_terms(text: str) -> str:
    """The form an item is indexed under: its stems, and the stems of the last parts of its
    compounds (`last_part`), space-separated."""
    stop = _stop_words()
    parts = [part for word in _WORD.findall(text.lower()) if word not in stop and (part := last_part(word))]
    return " ".join(stems(text) + (stems(" ".join(parts)) if parts else []))


# The shortest compound split, and the shortest first part ("val" of "valberedning").
MIN_COMPOUND = 7
MIN_FIRST_PART = 3
MIN_LAST_PART = 4


@lru_cache(maxsize=65536)
def last_part(word: str) -> str | None:
    """The last part of a Swedish compound the dictionary does not know as a whole, where both
    parts are words it knows (the first perhaps with its linking "s", a part perhaps inflected):
    "styrmodell" -> "modell", "elektronikkursen" -> "kursen", "valberedningen" -> "beredningen",
    "skolbussarna" -> "bussarna"; None for a word it knows ("kommunen", "ordförande") or cannot
    split. The longest last part that is a word wins.

    Swedish writes compounds as one word, so a question's "modell" or "kurs" (or an English
    question's "model", translated) never met the minutes' "styrmodell" or "elektronikkurs".
    Items are indexed under their compounds' last parts too; a question is not split (split
    too, its compounds matched every item with their last part: held-out corpora 0.613 / 0.697
    -> 0.597 / 0.684). The dictionary is Folkets lexikon, which ships with kb, so the terms do
    not depend on what a machine has installed. Measured side by side (hybrid, lexical index 6
    against 5, parser 72): the dev corpus 0.740 / 0.814 -> 0.740 / 0.822, the first minutes'
    dev set 0.844 / 0.881 -> 0.867 / 0.898 (held-out set unchanged), LUDD's PDF, text and
    Markdown variants 0.840 / 0.891, 0.800 / 0.886, 0.800 / 0.886 -> 0.880 / 0.911, 0.840 /
    0.906, 0.880 / 0.926; each held-out source in an index of its own 0.706 / 0.792 -> 0.714 /
    0.796, but all ten together 0.613 / 0.697 -> 0.605 / 0.690 (a common last part, "medlem" of
    "stödmedlem", lifts another source's items)."""
    known = _known_words()
    if len(word) < MIN_COMPOUND or word in known or _stemmer().stemWord(word) in known:
        return None
    for cut in range(MIN_FIRST_PART, len(word) - MIN_LAST_PART + 1):
        first, last = word[:cut], word[cut:]
        if (first in known or first.endswith("s") and first[:-1] in known) \
                and (last in known or _stemmer().stemWord(last) in known):
            return last
    return None


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Folkets lexikon's Swedish headwords and their stems ("brygga" and "brygg")."""
    words = set(lexicon())
    return frozenset(words | set(_stemmer().stemWords(list(words))))


def lexical_search(store: Store, query: str, limit: int, scope: Scope | None = None) -> list[tuple[int, float]]:
    """(item id, BM25 score) best first, higher better, of the items `scope` allows (all if None)."""
    own = set(query_terms(query))
    # The question's words also in the other language, where a dictionary has them (kb.bilingual).
    # A dictionary gives base forms, and Swedish inflects and compounds by adding to the end: a
    # translation of TRANSLATION_PREFIX letters or more also matches the words it begins
    # ("autumn meeting" -> "höst" -> "höstmöte", "Höstmöte"). Measured against 3 and 5 letters and
    # against whole words (hybrid): dev corpus 0.707 / 0.779 -> 0.707 / 0.783, held-out corpora
    # 0.662 / 0.780 -> 0.690 / 0.798, the first minutes unchanged; at 3 letters the dev corpus
    # lost 0.014 hit@1. The question's own words match whole: as prefixes they cost the dev corpus
    # 0.014 hit@1.
    #
    # A Swedish question's English words count only in items written in English (the lexical
    # index keeps each item's terms in the column of its language): in Swedish minutes an English
    # word is a loanword or a name ("workshop", "budget", "event"), no evidence of an answer.
    # Counted everywhere, Folkets lexikon's translations cost the first minutes' Swedish
    # questions 0.045 hit@1 (0.100 on their held-out set); counted this way, the dev corpus's
    # Swedish questions rose from 0.733 / 0.812 to 0.747 / 0.831, Python Sverige's (English
    # minutes) from 0.400 / 0.498 to 0.467 / 0.593, the first minutes unchanged. An English
    # question's Swedish words count everywhere: held to Swedish items they cost the dev corpus's
    # English questions 0.013 hit@1 and MRR@10 (README, "Across languages").
    translated = set(stems(" ".join(translated_words(query)))[:MAX_QUERY_TERMS]) - own
    if not own and not translated:
        return []
    column = "en : " if language_of(query) == "sv" else ""
    expression = " OR ".join([_phrase(term) for term in sorted(own)] + [
        column + _phrase(term) + (" *" if len(term) >= TRANSLATION_PREFIX else "") for term in sorted(translated)])
    return store.bm25(expression, scope or EVERY_ITEM, limit)


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def vocabulary_coverage(store: Store, query: str, named: float = 0.0) -> float:
    """Share of the query's words that occur in the indexed minutes at all; at least `named` when
    the question names something they know (`named_terms`). One lookup of the index's words."""
    terms = stems(query)
    distinct = query_terms(query)
    if len(distinct) < len(set(terms)):
        terms = [term for term in terms if term in set(distinct)]
    names = named_terms(query) if named else []
    if not terms and not names:
        return 0.0
    known = store.known_terms(list(dict.fromkeys(distinct + names)))
    share = sum(term in known for term in terms) / len(terms) if terms else 0.0
    return max(share, named) if known.intersection(names) else share


def named_terms(query: str) -> list[str]:
    """The terms of the names a question gives: its capitalised words of three letters or more,
    not its first ("Kungsbacka", "Ingenjörshuset", "Alexandru Golic", "NCPC"). A name is the same
    word in either language, so an English question naming something the minutes know has
    lexical evidence whatever its other words (kb.search, NAMED_COVERAGE)."""
    return [term for word in _WORD.findall(query)[1:] if len(word) >= 3 and word[0].isupper() for term in stems(word)]


def matching_words(text: str, query: str) -> set[str]:
    """The words of `text` that the query matches lexically (same stem), for highlighting."""
    wanted = set(stems(query))
    return {word for word in _WORD.findall(text) if wanted.intersection(stems(word))}
