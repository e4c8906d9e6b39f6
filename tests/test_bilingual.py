"""English question words as Swedish ones for the lexical leg (kb.bilingual)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from kb import bilingual

DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _number(value: int) -> str:
    digits = ""
    while True:
        value, rest = divmod(value, 64)
        digits = DIGITS[rest] + digits
        if not value:
            return digits


def write_dictionary(folder: Path, entries: dict[str, list[str]]) -> None:
    """A dictd dictionary laid out as FreeDict's: headword, offset and length in dictd's base64."""
    body, index = b"00-database-info\nA test dictionary\n", []
    index.append(f"00-database-info\t{_number(0)}\t{_number(len(body))}")
    for word, translations in sorted(entries.items()):
        entry = f"{word} /-/\n" + "".join(f"{n}. {t}\n" for n, t in enumerate(translations, 1))
        index.append(f"{word}\t{_number(len(body))}\t{_number(len(entry.encode()))}")
        body += entry.encode()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{bilingual.NAME}.dict.dz").write_bytes(gzip.compress(body))
    (folder / f"{bilingual.NAME}.index").write_text("\n".join(index) + "\n", encoding="utf-8")


@pytest.fixture
def dictionary(tmp_path, monkeypatch):
    folder = tmp_path / "dictd"
    write_dictionary(folder, {
        "loan": ["lån"], "bridge": ["bro, brygga"], "liquidity": ["likviditet"],
        "the": ["Nordpolen, Ukraina"],  # FreeDict's "the" really is a list of names
        "vote": ["röst", "rösta, stämma"], "ice cream": ["glass"],
    })
    monkeypatch.setenv(bilingual.DICTIONARY_ENV, str(folder))
    bilingual.english_swedish.cache_clear()
    yield folder
    bilingual.english_swedish.cache_clear()


def test_english_words_get_their_swedish_translations_and_function_words_none(dictionary):
    assert bilingual.swedish_words("What did the bank say about the bridge loan and the vote?") == \
        ["bro", "brygga", "lån", "röst", "rösta", "stämma"]
    assert bilingual.swedish_words("Vad sa banken om brygglånen?") == []  # Swedish: nothing to add
    assert bilingual.available()


def test_without_the_dictionary_nothing_is_added(tmp_path, monkeypatch):
    monkeypatch.setenv(bilingual.DICTIONARY_ENV, str(tmp_path / "nowhere"))
    bilingual.english_swedish.cache_clear()
    try:
        assert bilingual.swedish_words("what about the bridge loans") == [] and not bilingual.available()
    finally:
        bilingual.english_swedish.cache_clear()


def test_a_damaged_dictionary_adds_nothing_and_fails_nothing(dictionary):
    (dictionary / f"{bilingual.NAME}.dict.dz").write_bytes(b"not gzip at all")
    bilingual.english_swedish.cache_clear()
    assert bilingual.swedish_words("what about the bridge loan") == []


def test_an_english_question_finds_swedish_minutes_by_their_words_in_lexical_mode(dictionary, run, corpus):
    run("index", str(corpus))
    result = run("search", "how is the liquidity", "--mode", "lexical", "--json", "-k", "3")
    hits = json.loads(result.output)
    assert hits and "likviditet" in hits[0]["text"].lower(), hits[:1]


@pytest.mark.skipif(bilingual.dictionary_folder() is None, reason="dict-freedict-eng-swe is not installed (.ci/run installs it)")
def test_freedicts_english_swedish_dictionary_reads_as_the_package_ships_it(monkeypatch):
    monkeypatch.delenv(bilingual.DICTIONARY_ENV, raising=False)
    bilingual.english_swedish.cache_clear()
    dictionary = bilingual.english_swedish()
    assert len(dictionary) > 4000
    assert "rösta" in dictionary["vote"] and "låna" in dictionary["loan"]
