"""Indexing and incremental updates, on the fake "hashing" embedder (no model needed)."""

import datetime as dt
import shutil
import sqlite3

import pytest

from kb import DiskFullError, Filters, IndexMismatchError, NoIndexError
from kb.vectors import VectorIndex
from tests.conftest import SECOND_MINUTES, SEED



def test_first_update_embeds_every_item_and_second_embeds_nothing(kb_factory, corpus):
    kb = kb_factory()
    first = kb.update(corpus, progress=False)
    assert first.added == [f"{corpus}/{SEED.name}"]
    assert first.items_embedded == first.items_total == 18
    second = kb.update(corpus, progress=False)
    assert second.unchanged == [f"{corpus}/{SEED.name}"]
    assert (second.added, second.changed, second.removed, second.items_embedded) == ([], [], [], 0)


def test_new_file_embeds_only_its_items(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    summary = kb.update(corpus, progress=False)
    assert summary.added == [f"{corpus}/2021-01-18.txt"]
    assert summary.items_embedded == 2
    assert summary.items_total == 20
    hits = kb.search("Almi brygglånen förlängts sommaren", k=1)
    assert hits[0].date == "2021-01-18" and hits[0].organisation == "Almi"


def test_changed_file_reembeds_only_changed_items(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    path = corpus / SEED.name
    path.write_text(path.read_text(encoding="utf-8").replace("500 fler i sysselsättning", "600 fler i sysselsättning"), encoding="utf-8")
    summary = kb.update(corpus, progress=False)
    assert summary.changed == [str(path)]
    assert summary.items_embedded == 1
    assert summary.items_total == 18
    assert "600 fler" in kb.search("Arbetsförmedlingen sysselsättning", k=1)[0].text


def test_touched_but_unchanged_file_embeds_nothing(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / SEED.name).touch()
    assert kb.update(corpus, progress=False).items_embedded == 0


def test_removed_file_leaves_the_index(kb_factory, corpus):
    kb = kb_factory()
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    kb.update(corpus, progress=False)
    (corpus / "2021-01-18.txt").unlink()
    summary = kb.update(corpus, progress=False)
    assert summary.removed == [f"{corpus}/2021-01-18.txt"]
    assert summary.items_total == 18
    assert all(hit.date == "2020-12-14" for hit in kb.search("skogsbruket virkespriser", k=18))
    assert kb.stats()["passages"] == len(kb._live_vectors())


def test_renamed_file_is_not_embedded_again(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / SEED.name).rename(corpus / "renamed.txt")
    summary = kb.update(corpus, progress=False)
    assert summary.renamed == [{"from": f"{corpus}/{SEED.name}", "to": f"{corpus}/renamed.txt"}]
    assert summary.items_embedded == 0 and summary.items_total == 18
    assert kb.search("brygglån", k=1)[0].source == f"{corpus}/renamed.txt"


def test_a_file_that_duplicates_another_is_indexed_once_and_listed_as_skipped(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / "sub").mkdir()
    shutil.copy(corpus / SEED.name, corpus / "sub" / "a-copy.txt")
    shutil.copy(corpus / SEED.name, corpus / "0-copy.txt")
    summary = kb.update(corpus, progress=False)
    original = f"{corpus}/{SEED.name}"
    assert summary.added == [] and summary.unchanged == [original]
    assert summary.skipped == [
        {"file": f"{corpus}/0-copy.txt", "problem": f"same content as {original}; indexed once, there"},
        {"file": f"{corpus}/sub/a-copy.txt", "problem": f"same content as {original}; indexed once, there"},
    ]
    assert summary.items_total == 18
    assert [hit.source for hit in kb.search("Almi brygglånen", k=2)] == [original, original]
    (corpus / SEED.name).unlink()  # the copies stand in for it: one of them is indexed
    summary = kb.update(corpus, progress=False)
    assert summary.renamed == [{"from": original, "to": f"{corpus}/0-copy.txt"}] and summary.items_embedded == 0
    assert [skip["file"] for skip in summary.skipped] == [f"{corpus}/sub/a-copy.txt"]


def test_bad_files_are_skipped_by_name_and_the_rest_is_indexed(kb_factory, corpus):
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x00" * 100)
    (corpus / "latin.txt").write_bytes(SECOND_MINUTES.encode("cp1252", errors="replace"))
    (corpus / "notes.xlsx").write_bytes(b"whatever")
    kb = kb_factory()
    summary = kb.update(corpus, progress=False)
    problems = {skip["file"].rsplit("/", 1)[-1]: skip["problem"] for skip in summary.skipped}
    assert problems == {"empty.txt": "empty file", "binary.txt": "binary file, not text", "notes.xlsx": "unsupported file type .xlsx"}
    assert sorted(summary.added) == [f"{corpus}/{SEED.name}", f"{corpus}/latin.txt"]
    hit = kb.search("Skogsbruket virkespriser", k=1)[0]
    assert hit.source.endswith("latin.txt") and "Skogsbruket går starkt" in hit.text


def test_a_file_that_turns_bad_keeps_what_was_indexed(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / SEED.name).write_bytes(b"\x00" * 64)
    summary = kb.update(corpus, progress=False)
    assert summary.skipped[0]["problem"] == "binary file, not text"
    assert summary.items_total == 18
    assert kb.search("brygglån", k=1)[0].organisation == "Almi"


def test_failed_commit_leaves_the_old_state_and_the_next_update_finishes(kb_factory, corpus, monkeypatch):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")

    def disk_full(self, path, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(VectorIndex, "save", disk_full)
    with pytest.raises(DiskFullError, match="disk full while writing"):
        kb.update(corpus, progress=False)
    monkeypatch.undo()
    reader = kb_factory(kb.index_dir)
    assert reader.stats()["items"] == 18
    assert reader.search("brygglån", k=1)[0].date == "2020-12-14"
    summary = kb.update(corpus, progress=False)
    assert summary.added == [f"{corpus}/2021-01-18.txt"]
    assert summary.items_embedded == 0  # embedded before the failure, taken from the cache
    assert summary.items_total == 20


def test_rebuild_starts_from_scratch(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    summary = kb.update(corpus, rebuild=True, progress=False)
    assert summary.added == [f"{corpus}/{SEED.name}"]
    assert summary.items_embedded == 18 and summary.items_total == 18
    assert len(list(kb.index_dir.glob("vectors.*.faiss"))) == 1


def test_opening_with_another_model_is_an_error(kb_factory, corpus):
    kb_factory().update(corpus, progress=False)
    other = kb_factory(model="some/other-model")
    with pytest.raises(IndexMismatchError, match="built with model hashing"):
        other.search("brygglån")


def test_searching_without_an_index_says_so(kb_factory):
    with pytest.raises(NoIndexError, match="no index in .* yet; run `kb index CORPUS --index .*` first"):
        kb_factory().search("brygglån")


def test_filters_return_exactly_the_matching_items(kb_factory, corpus):
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    almi = kb.search("lån", k=10, filters=Filters(org="Almi"))
    assert len(almi) == 2 and {hit.organisation for hit in almi} == {"Almi"}
    later = kb.search("företag", k=50, filters=Filters(since=dt.date(2021, 1, 1)))
    assert len(later) == 2 and {hit.date for hit in later} == {"2021-01-18"}
    january_almi = kb.search("lån", k=5, filters=Filters(org="Almi", since=dt.date(2021, 1, 1)))
    assert [hit.date for hit in january_almi] == ["2021-01-18"]
    assert kb.search("lån", k=5, filters=Filters(speaker="Peter Andrén"))[0].organisation == "Länsstyrelsen"
    assert kb.search("lån", k=5, filters=Filters(until=dt.date(2020, 1, 1))) == []


def test_a_long_contribution_is_cut_into_parts_that_each_carry_its_speaker(kb_factory, tmp_path):
    from kb.minutes.segment import MAX_CHARS

    filler = [f"– Punkt {n}: diskussion om regionens infrastruktur och kollektivtrafik i länet" for n in range(40)]
    text = "\n".join(["Protokoll 2024-03-18", "", "▪ Region JH, Anna Fremner", *filler,
                      "– Till sist: vindkraftsparken i Storsjöbygden får bygglov i april"])
    assert len(text) > 3 * MAX_CHARS
    corpus = tmp_path / "long"
    corpus.mkdir()
    (corpus / "long.txt").write_text(text, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    parts = kb.timeline("Anna Fremner")
    assert len(parts) == kb.stats()["items"] >= 4
    assert all(len(part.text) <= MAX_CHARS and part.title == "Region JH, Anna Fremner" for part in parts)
    assert all(part.organisation == "Region JH" for part in parts)
    assert "\n".join(part.text for part in parts) == text.split("\n", 2)[2].replace("– ", "").replace("▪ ", "")
    hit = kb.search("vindkraftsparken bygglov", k=1, mode="dense")[0]
    assert hit.text.endswith("vindkraftsparken i Storsjöbygden får bygglov i april")


def test_every_part_of_a_long_point_is_found_by_the_words_of_its_title(kb_factory, tmp_path):
    """The point's title is read with each of its parts, lexically as for the embedding: a question
    naming the solar park finds the part that gives the reasons, whose text never names it."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt yttrande till länsstyrelsen."
    reasons = "Värdet av att bevara brukningsvärd åkermark för livsmedelsproduktion är högre än att producera el."
    corpus = tmp_path / "long"
    corpus.mkdir()
    (corpus / "2024-10-01_protokoll.txt").write_text(
        "Protokoll 2024-10-01\n\n§ 289 Solcellspark på Myra 3:18\n\nBeslut\nArbetsutskottet avstyrker ansökan." + said * 5 +
        "\n\nSammanfattning av ärendet\n" + reasons + said * 6 + "\n\n§ 290 Budget\n\nBudgeten antas." + said, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    hits = kb.search("solcellspark", k=5, mode="lexical")
    assert any(reasons in hit.text and "Solcellspark" not in hit.text for hit in hits), [hit.text[:60] for hit in hits]


def test_the_parts_of_a_long_point_are_recorded_as_one_point_and_long_items_keep_detail_windows(kb_factory, tmp_path):
    from kb.embed import DETAIL_CHARS

    said = " Förvaltningen har gått igenom ärendet och lämnar sitt yttrande till länsstyrelsen."
    corpus = tmp_path / "long"
    corpus.mkdir()
    (corpus / "2024-10-01_protokoll.txt").write_text(
        "Protokoll 2024-10-01\n\n§ 289 Solcellspark på Myra 3:18\n\nBeslut\nArbetsutskottet avstyrker ansökan." + said * 5 +
        "\n\nSammanfattning av ärendet\nÅkermarken är värd mer." + said * 6 + "\n\n§ 290 Budget\n\nBudgeten antas." + said, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    items = kb.store.db.execute("SELECT id, title, ordinal, point, text FROM items ORDER BY ordinal").fetchall()
    solar = [item for item in items if item["title"].startswith("§ 289")]
    assert len(solar) >= 2 and {item["point"] for item in solar} == {solar[0]["ordinal"]}
    assert [(item["ordinal"] == item["point"]) for item in items if not item["title"].startswith("§ 289")] == [True]
    for item in items:
        detail = [row[0] for row in kb.store.db.execute("SELECT detail FROM passages WHERE item_id = ? ORDER BY id", (item["id"],))]
        assert detail[0] == 0 and any(detail) == (len(item["text"]) > 1.5 * DETAIL_CHARS), (item["title"], detail)


def test_items_are_indexed_lexically_in_their_languages_column_and_an_older_index_is_upgraded(kb_factory, tmp_path):
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / "2021-03-01_board.md").write_text(
        "# Board meeting 2021-03-01\n\n## Sports\n\nThe coach said the training starts in May, on the field by the school, "
        "and that the club needs two more volunteers for it.\n\n"
        "## Budget 2021\n\nSEK 12 000: Anna Berg 3 000, Olle Ek 4 000, Kim Lund 5 000; 2022: SEK 15 000, 2023: SEK 18 000.\n", encoding="utf-8")
    (corpus / "2021-03-08_styrelsemote.md").write_text(
        "# Styrelsemöte 2021-03-08\n\n## Medlemmar\n\nStyrelsen välkomnar nya medlemmar i maj och kassören bokar lokalen.\n",
        encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)

    def columns(db):
        return {row[0]: (bool(row[1]), bool(row[2])) for row in db.execute(
            "SELECT items.title, items_fts.sv, items_fts.en FROM items JOIN items_fts ON items_fts.rowid = items.id")}

    # A line of names alone has no language of its own: it is in its meeting's.
    expected = {"Sports": (False, True), "Budget 2021": (False, True), "Medlemmar": (True, False)}
    assert columns(kb.store.db) == expected
    kb.close()
    # The store as kb wrote it before migration 4: one column of terms for every item (and no
    # meeting's place, migration 5).
    with sqlite3.connect(tmp_path / "index" / "kb.sqlite") as db:
        db.executescript(
            "DROP TABLE items_vocab; ALTER TABLE items_fts RENAME TO current;"
            "CREATE VIRTUAL TABLE items_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');"
            "INSERT INTO items_fts (rowid, terms) SELECT rowid, coalesce(sv, '') || coalesce(en, '') FROM current; DROP TABLE current;"
            "CREATE VIRTUAL TABLE items_vocab USING fts5vocab(items_fts, 'row'); ALTER TABLE meetings DROP COLUMN place;"
            "PRAGMA user_version = 3;"
            "UPDATE meta SET value = '39.3.3' WHERE key = 'parser';")
    kb = kb_factory(tmp_path / "index")
    assert [hit.title for hit in kb.search("coach", k=3, mode="lexical")] == ["Sports"]  # until re-derived: all Swedish
    assert all(swedish and not english for swedish, english in columns(kb.store.db).values())
    kb.update(corpus, progress=False)
    assert columns(kb.store.db) == expected


def test_a_compounds_last_part_is_a_term_of_its_own(kb_factory, tmp_path):
    """Swedish writes compounds as one word: a question about "modellen" never met the minutes'
    "styrmodell". A compound the dictionary does not know is indexed under its last part too; a
    word it knows ("kommunen", "ordförande") is not split, nor is the question."""
    from kb.lexical import last_part

    assert [last_part(word) for word in ("styrmodell", "valberedningen", "skolbussarna")] == ["modell", "beredningen", "bussarna"]
    assert last_part("kommunen") is None and last_part("ordförande") is None and last_part("styr") is None
    minutes = ("# Arbetsutskottet 2024-08-20\n\n## § 226 Förnyelse av styrmodell\n\nUtkastet ska kortas ner och "
               "förtydligas.\n\n## § 227 Budget\n\nKommunen redovisar budgeten för skolorna.\n")
    assert _lexical_titles(kb_factory, tmp_path, "2024-08-20_protokoll.md", minutes, "Vad sades om den nya modellen?") \
        == ["§ 226 Förnyelse av styrmodell"]


def test_a_word_meets_its_inflections_whatever_suffix_the_stemmer_takes_first(kb_factory, tmp_path):
    """Snowball stems "kursen" to "kurs" and "kurs" to "kur": stemmed once, a question about the
    new course never found the minutes' "elektronikkurs" (a held-out question)."""
    from kb.lexical import stems

    assert len(set(stems("kurs kursen kurser kursens"))) == 1
    assert len(set(stems("plan planer planerna"))) == 1
    minutes = ("# Styrelsemöte 2016-05-10\n\n## Meetup\n\nHård vill hålla en ny elektronikkurs i höst.\n\n"
               "## Lokal\n\nStyrelsen bokar lokalen för årsmötet.\n")
    assert _lexical_titles(kb_factory, tmp_path, "2016-05-10_styrelsemote.md", minutes, "Vem håller elektronikkursen?") \
        == ["Meetup"]


def _lexical_titles(kb_factory, tmp_path, name: str, text: str, question: str) -> list[str]:
    """The titles lexical search gives for `question` over one file of minutes."""
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / name).write_text(text, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    return [hit.title for hit in kb.search(question, k=3, mode="lexical")]


def test_an_item_is_drawn_toward_its_best_detail_window_and_its_points_best_part():
    from kb.search import DETAIL_SHARE, POINT_SHARE, _item_scores, _point_scores

    scores = _item_scores({1: 0.90, 2: 0.78, 3: 0.805, 4: 0.84}, {1: 0.80, 2: 0.84})
    assert scores[1] == pytest.approx(0.90 - DETAIL_SHARE * 0.10)  # its best sentence is weaker
    assert scores[2] == pytest.approx(0.84) and scores[3] == 0.805

    class Store:  # items 2 and 4 are parts of one point, 1 and 3 points of their own
        def points_of(self, item_ids):
            return {1: (7, 1), 2: (7, 2), 3: (7, 5), 4: (7, 2)}

    pooled = _point_scores(Store(), {2: 0.80, 3: 0.805, 4: 0.84})
    assert pooled[2] == pytest.approx(0.80 + POINT_SHARE * 0.04) and pooled[2] > pooled[3] == 0.805
    assert pooled[4] == 0.84


def test_a_question_naming_the_meeting_finds_its_items_by_the_meetings_title_and_date(kb_factory, tmp_path):
    corpus = tmp_path / "annual"
    corpus.mkdir()
    for year, name in ((2022, "Bertil Ek"), (2021, "Anna Berg"), (2023, "Cecilia Holm")):
        (corpus / f"{year}-04-26_arsmote.md").write_text(
            f"# Årsmöte {year}-04-26\n\n## Val av mötesordförande\n\n{name} valdes till ordförande för mötet.\n\n"
            "## Budget\n\nBudgeten för nästa år fastställdes enligt styrelsens förslag.\n", encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    hits = kb.search("Vem valdes till ordförande på årsmötet 2022?", k=3, mode="lexical")
    assert "Bertil Ek" in hits[0].text, [hit.text for hit in hits]


def test_show_gives_the_item_and_its_neighbours(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    almi = kb.search("Almi brygglånen", k=1)[0]
    around = kb.show(almi.item_id, around=1)
    assert [hit.organisation for hit in around] == ["Länsstyrelsen", "Almi", "Arbetsförmedlingen"]
    with pytest.raises(ValueError, match="no item 99999"):
        kb.show(99999)


def test_timeline_lists_a_party_oldest_first(kb_factory, corpus):
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    assert [(hit.date, hit.organisation) for hit in kb.timeline("Almi")] == [("2020-12-14", "Almi"), ("2021-01-18", "Almi")]
    assert [hit.date for hit in kb.timeline("Hellström")] == ["2020-12-14", "2021-01-18"]
    relevant = kb.timeline("LRF", "virkespriser skogsbruket", k=1)
    assert [hit.date for hit in relevant] == ["2021-01-18"]
    with pytest.raises(ValueError, match="no organisation or speaker called 'Nobody'"):
        kb.timeline("Nobody")


def test_a_file_that_vanishes_during_the_update_is_skipped(kb_factory, corpus, monkeypatch):
    import kb.pipeline as module

    real_read = module.read_bytes
    (corpus / "gone.txt").write_text(SECOND_MINUTES, encoding="utf-8")

    def vanish(path, *args):
        if path.name == "gone.txt":
            path.unlink()
        return real_read(path, *args)

    monkeypatch.setattr(module, "read_bytes", vanish)
    summary = kb_factory().update(corpus, progress=False)
    assert summary.skipped[0]["file"].endswith("gone.txt") and summary.skipped[0]["problem"].startswith("cannot read")
    assert summary.items_total == 18


def test_a_lost_vector_file_is_written_anew_from_the_cache_by_the_next_update(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    for path in kb.index_dir.glob("vectors.*.faiss"):
        path.unlink()
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    summary = kb_factory(kb.index_dir).update(corpus, progress=False)
    assert summary.items_embedded == 2  # only the new file; the rest came from the cache
    reader = kb_factory(kb.index_dir)
    assert reader.stats()["passages"] == len(reader._live_vectors()) == 20
    assert reader.check().ok


def test_files_the_corpus_ignores_are_not_indexed_nor_reported(kb_factory, corpus):
    (corpus / "notes").mkdir()
    (corpus / "notes" / "PROVENANCE.md").write_text("# Where the minutes come from\n\nA public repository.\n")
    (corpus / "questions.jsonl").write_text("{}\n")
    (corpus / ".kbignore").write_text("# not minutes\nPROVENANCE.md\n*.jsonl\n")
    summary = kb_factory().update(corpus, progress=False)
    assert summary.added == [f"{corpus.as_posix()}/2020-12-14_naringslivsdialog.txt"] and summary.skipped == []


def test_an_index_from_another_parser_version_is_parsed_again_without_embedding_again(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    with kb.store.transaction():
        kb.store.set_meta("parser", "1")
    summary = kb.update(corpus, progress=False)
    assert summary.changed == [f"{corpus.as_posix()}/2020-12-14_naringslivsdialog.txt"]
    assert summary.items_embedded == 0 and kb.store.get_meta("parser") != "1"
    assert kb.update(corpus, progress=False).unchanged == summary.changed
