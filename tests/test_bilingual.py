"""A question's words in the other language for the lexical leg (kb.bilingual): English ones as
Swedish, Swedish ones as English."""

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


def write_dictionary(folder: Path, entries: dict[str, list[str]], name: str = bilingual.NAME) -> None:
    """A dictd dictionary laid out as FreeDict's: headword, offset and length in dictd's base64."""
    body, index = b"00-database-info\nA test dictionary\n", []
    index.append(f"00-database-info\t{_number(0)}\t{_number(len(body))}")
    for word, translations in sorted(entries.items()):
        entry = f"{word} /-/\n" + "".join(f"{n}. {t}\n" for n, t in enumerate(translations, 1))
        index.append(f"{word}\t{_number(len(body))}\t{_number(len(entry.encode()))}")
        body += entry.encode()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(body))
    (folder / f"{name}.index").write_text("\n".join(index) + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def fresh_dictionaries():
    """Each test reads the dictionaries as its own settings give them, and leaves none cached for
    the tests after it: torn down after monkeypatch's undo, so that a Swedish dictionary read
    without Folkets lexikon is not what another module's searches get."""
    bilingual.cache_clear()
    yield
    bilingual.cache_clear()


@pytest.fixture
def dictionary(tmp_path, monkeypatch):
    folder = tmp_path / "dictd"
    write_dictionary(folder, {
        "loan": ["lån"], "bridge": ["bro, brygga"], "liquidity": ["likviditet"],
        "the": ["Nordpolen, Ukraina"],  # FreeDict's "the" really is a list of names
        "vote": ["röst", "rösta, stämma"], "ice cream": ["glass"], "autumn": ["höst"],
    })
    write_dictionary(folder, {"hotell": ["hotel"], "förlust": ["loss"], "och": ["and"], "träning": ["training"]},
                     bilingual.DICTIONARIES["sv"])
    monkeypatch.setenv(bilingual.DICTIONARY_ENV, str(folder))
    monkeypatch.setattr(bilingual, "LEXICON", tmp_path / "no-lexicon.tsv.gz")  # these dictionaries alone
    monkeypatch.setattr(bilingual, "PHRASES", tmp_path / "no-phrases.tsv.gz")
    bilingual.cache_clear()
    yield folder
    bilingual.cache_clear()


def test_english_words_get_their_swedish_translations_and_function_words_none(dictionary):
    assert bilingual.translated_words("What did the bank say about the bridge loan and the vote?") == \
        ["bro", "brygga", "lån", "röst", "rösta", "stämma"]
    assert bilingual.available() == {"en": True, "sv": True}


def test_swedish_words_get_their_english_translations_in_any_inflection(dictionary):
    """A Swedish headword is the base form: "hotellet" and "förlusten" are found without their
    ending; "och" is a function word, not looked up."""
    assert bilingual.translated_words("Vilket hotell bokades och hur stor blev förlusten?") == ["hotel", "loss"]
    assert bilingual.translated_words("Vem bokade hotellet?") == ["hotel"]
    assert bilingual.translated_words("Almi") == []  # no language to go from


def test_without_the_dictionaries_nothing_is_added(tmp_path, monkeypatch):
    monkeypatch.setenv(bilingual.DICTIONARY_ENV, str(tmp_path / "nowhere"))
    monkeypatch.setattr(bilingual, "LEXICON", tmp_path / "nowhere" / "lexicon.tsv.gz")
    monkeypatch.setattr(bilingual, "PHRASES", tmp_path / "nowhere" / "phrases.tsv.gz")
    bilingual.cache_clear()
    try:
        assert bilingual.translated_words("what about the bridge loans") == []
        assert bilingual.translated_words("vad sa de om förlusten") == []
        assert bilingual.available() == {"en": False, "sv": False}
    finally:
        bilingual.cache_clear()


def test_a_damaged_dictionary_adds_nothing_and_fails_nothing(dictionary):
    (dictionary / f"{bilingual.NAME}.dict.dz").write_bytes(b"not gzip at all")
    bilingual.cache_clear()
    assert bilingual.translated_words("what about the bridge loan") == []
    assert bilingual.translated_words("förlusten") == ["loss"]  # the other one still serves


def test_an_english_question_finds_swedish_minutes_by_their_words_in_lexical_mode(dictionary, run, corpus):
    run("index", str(corpus))
    result = run("search", "how is the liquidity", "--mode", "lexical", "--json", "-k", "3")
    hits = json.loads(result.output)
    assert hits and "likviditet" in hits[0]["text"].lower(), hits[:1]


def test_a_swedish_question_finds_english_minutes_by_their_words_in_lexical_mode(dictionary, run, tmp_path):
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / "2020-05-28_annual.md").write_text(
        "# Annual meeting 2020-05-28\n\n## Financial report\n\nDuring the year 2019, a loss of SEK 281 incurred.\n\n"
        "## Venue\n\nThe board will ask the Hilton for a quote.\n", encoding="utf-8")
    (corpus / "2020-06-01_styrelsemote.md").write_text(
        "# Styrelsemöte 2020-06-01\n\n## Ekonomi\n\nKassören redovisar att föreningen gick med vinst.\n", encoding="utf-8")
    run("index", str(corpus))
    hits = json.loads(run("search", "Hur stor var förlusten?", "--mode", "lexical", "--json", "-k", "3").output)
    assert [hit["title"] for hit in hits] == ["Financial report"], hits  # "loss": no Swedish word of it is there


def test_a_translated_word_counts_only_in_minutes_written_in_the_other_language(dictionary, run, tmp_path):
    """The Swedish minutes' "training day" is a loanword, no answer to a Swedish question about
    "träning" (whose English is "training"); the English minutes' "training" is."""
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / "2021-03-01_board.md").write_text(
        "# Board meeting 2021-03-01\n\n## Sports\n\nThe coach said the training starts in May, on the field by the school.\n",
        encoding="utf-8")
    (corpus / "2021-03-08_styrelsemote.md").write_text(
        "# Styrelsemöte 2021-03-08\n\n## Medlemmar\n\nStyrelsen anordnar en training day för nya medlemmar i maj, "
        "och kassören bokar lokalen.\n", encoding="utf-8")
    run("index", str(corpus))
    hits = json.loads(run("search", "Vad sades om träningen?", "--mode", "lexical", "--json", "-k", "3").output)
    assert [hit["title"] for hit in hits] == ["Sports"], hits


def test_folkets_lexikon_ships_with_kb_for_swedish_questions(monkeypatch):
    """The words of meetings that FreeDict lacks, from the lexicon in kb/data."""
    monkeypatch.setenv(bilingual.DICTIONARY_ENV, "/nonexistent")  # the lexicon alone
    bilingual.cache_clear()
    try:
        lexicon = bilingual.lexicon()
        assert len(lexicon) > 15000
        assert "minutes" in lexicon["protokoll"] and "auditor" in lexicon["revisor"]
        assert bilingual.translated_words("Vad sa revisorn om protokollet från mötet?") == ["auditor", "minutes", "meeting"]
        assert bilingual.translated_words("What did the auditor say?") == []  # English questions: FreeDict's only
    finally:
        bilingual.cache_clear()


def test_english_phrases_whose_swedish_is_one_word_ship_with_kb(monkeypatch, run, tmp_path):
    """Word by word, "municipal council" finds neither "kommun" nor "fullmäktige"; Folkets
    lexikon, read backwards for its phrases, gives "kommunfullmäktige". Phrases of function words
    alone ("in case") are not kept."""
    monkeypatch.setenv(bilingual.DICTIONARY_ENV, "/nonexistent")  # the lexicon's phrases alone
    bilingual.cache_clear()
    assert bilingual.phrases()["annual meeting"] == ("årsmöte",) and "in case" not in bilingual.phrases()
    assert bilingual.translated_words("Who chaired the annual meetings?") == ["årsmöte"]
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / "2024-06-12_protokoll.md").write_text(
        "# Styrelsemöte 2024-06-12\n\n## § 5 Skolbussar\n\nKommunfullmäktige har beslutat att skolbussarna ska gå "
        "oftare till Iseråsskolan.\n\n## § 6 Ekonomi\n\nNämnden beslutade om budgeten för skolan och kommunen.\n",
        encoding="utf-8")
    run("index", str(corpus))
    hits = json.loads(run("search", "What did the municipal council decide?", "--mode", "lexical", "--json", "-k", "3").output)
    assert hits and hits[0]["title"] == "§ 5 Skolbussar", hits


def test_a_translated_word_also_finds_the_words_it_begins(dictionary, run, tmp_path):
    """A dictionary gives "höst" for autumn; the minutes write "Höstmöte". A translation of four
    letters or more matches as a prefix; the question's own words match whole."""
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / "2021-10-13_styrelsemote.md").write_text(
        "# Styrelsemöte 2021-10-13\n\n## Höstmöte\n\nVi måste gå ut med datum och sal, tisdag klockan 17.\n\n"
        "## Ekonomi\n\nKassören redovisar att budgeten håller.\n", encoding="utf-8")
    run("index", str(corpus))
    hits = json.loads(run("search", "When is the autumn general meeting?", "--mode", "lexical", "--json", "-k", "3").output)
    assert hits and hits[0]["title"] == "Höstmöte", hits


@pytest.mark.skipif(bilingual.dictionary_folder() is None, reason="dict-freedict-eng-swe is not installed (.ci/run installs it)")
def test_freedicts_english_swedish_dictionary_reads_as_the_package_ships_it(monkeypatch):
    monkeypatch.delenv(bilingual.DICTIONARY_ENV, raising=False)
    bilingual.cache_clear()
    dictionary = bilingual.translations(bilingual.DICTIONARIES["en"])
    assert len(dictionary) > 4000
    assert "rösta" in dictionary["vote"] and "låna" in dictionary["loan"]


@pytest.mark.skipif(bilingual.dictionary_folder(bilingual.DICTIONARIES["sv"]) is None,
                    reason="dict-freedict-swe-eng is not installed (.ci/run installs it)")
def test_freedicts_swedish_english_dictionary_reads_as_the_package_ships_it(monkeypatch):
    monkeypatch.delenv(bilingual.DICTIONARY_ENV, raising=False)
    bilingual.cache_clear()
    dictionary = bilingual.translations(bilingual.DICTIONARIES["sv"])
    assert len(dictionary) > 4000 and not any(word.startswith("00") for word in dictionary)
    assert "loss" in dictionary["förlust"] and "hotel" in dictionary["hotell"]
    monkeypatch.setattr(bilingual, "LEXICON", Path("/nonexistent/lexicon.tsv.gz"))  # FreeDict's words alone
    bilingual.cache_clear()
    assert bilingual.translated_words("Hur stor förlust gjorde föreningen på hotellet?") == ["loss", "hotel"]
