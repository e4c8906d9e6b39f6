"""What users type and see (issue 10, items 15-22, 25, 27): numbers too large, wildcards, long
queries, control characters in names and texts, threads for one query, item ids in the output,
names in any case and alias, `kb parties`, `kb add` and `kb remove`, why a hit ranks where it does,
and errors that are one line. On the fake "hashing" embedder unless said otherwise."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SEED

NAMES = """Anteckningar näringslivsdialog {day} januari 2021

▪ Företagarna, Lena Nyström
– Nyföretagandet ökar i länet, möte {day}

▪ LRF, Anders Blomberg
– Skogsbruket går starkt, möte {day}

▪ Arbetsförmedlingen, Karin Berg
– Varslen minskar i Östersund, möte {day}

▪ Handelskammaren, Karin Bergström
– Exporten ökar kraftigt, möte {day}
"""


@pytest.fixture
def indexed(run, corpus):
    """The seed minutes and three meetings naming Företagarna, Karin Berg, Karin Bergström, ..."""
    for day in (11, 18, 25):
        (corpus / f"2021-01-{day}.txt").write_text(NAMES.format(day=day), encoding="utf-8")
    assert run("index", str(corpus)).exit_code == 0
    return corpus


def hits(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_line_error(result, *fragments, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "Usage:" not in result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# -- 15. numbers too large, and broken query files ---------------------------------------------------


def test_numbers_too_large_for_sqlite_are_answered_not_crashed_on(run, indexed):
    huge = "99999999999999999999"
    one_line_error(run("show", huge), f"no item {huge} in the index")
    for mode in ("lexical", "hybrid", "dense"):
        found = hits(run("search", "skogsbruket", "-k", huge, "--mode", mode, "--json"))
        assert found and len(found) <= 30
    shown = hits(run("show", "3", "--around", huge, "--json"))
    shown = shown["items"] if isinstance(shown, dict) else shown  # with the meeting, or the items alone
    assert [hit["selected"] for hit in shown].count(True) == 1 and len(shown) == 18
    assert hits(run("timeline", "LRF", "skogsbruket", "-k", huge, "--json"))


def test_kb_eval_on_broken_query_lines_says_which_line_in_one_line(run, indexed, tmp_path):
    cases = {
        "number.jsonl": ("5\n", "number.jsonl:1: needs \"query\""),
        "wrong-type.jsonl": ('{"query": 5, "expected": "x"}\n', "wrong-type.jsonl:1: needs \"query\""),
        "not-json.jsonl": ("{query\n", "not-json.jsonl:1: not JSON"),
        "nested.jsonl": ("[" * 100_000 + "]" * 100_000 + "\n", "nested.jsonl: a line nests too deeply to be a query"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_text(content)
        one_line_error(run("eval", str(tmp_path / name)), message)


# -- 16. wildcards are not wildcards ---------------------------------------------------------------------


def test_percent_and_underscore_in_filters_match_themselves_not_everything(run, indexed):
    for option in ("--org", "--speaker", "--meeting"):
        for text in ("%", "_", "%_%"):
            if (option, text) != ("--meeting", "_"):  # file names with "_" in them have one
                assert hits(run("search", "skogsbruket", option, text, "--json")) == [], (option, text)
    assert hits(run("search", "skogsbruket", "--meeting", "2021-01-18", "--json"))


# -- 17. a long query is read up to the model's window ---------------------------------------------------


def test_a_long_query_is_cut_to_the_models_window_at_a_space():
    from kb.embed import MAX_QUERY_TOKENS, DefaultE5Embedder

    embedder = DefaultE5Embedder(lambda: None)
    question = "Vad sa Almi om brygglånen?"
    assert embedder.embed_query(question).shape == (384,)
    assert embedder.truncated(question) == question
    long_query = "Vad sa Almi om brygglånen och likviditeten i länet " * 400  # about 10,000 tokens
    cut = embedder.truncated(long_query)
    assert long_query.startswith(cut) and long_query[len(cut)] == " "
    tokens = embedder._engine.token_count(cut, True)
    assert MAX_QUERY_TOKENS - 20 <= tokens <= MAX_QUERY_TOKENS
    assert (embedder.embed_query(long_query) == embedder.embed_query(cut)).all()


def test_a_long_query_searches_in_every_mode(run, indexed):
    long_query = "skogsbruket går starkt " * 3000
    for mode in ("lexical", "hybrid", "dense"):
        assert hits(run("search", long_query, "--mode", mode, "-k", "1", "--json"))[0]["organisation"] == "LRF"


# -- 18. control characters are shown, not obeyed --------------------------------------------------------


def test_control_characters_in_names_and_texts_are_escaped_in_human_output(run, corpus):
    evil = corpus / "evil\x1b[31mred\nname.txt"
    evil.write_text("Protokoll 2021-02-01\n\n▪ LRF, Anders Blomberg\n– Skogsbruket \x1b[2J\x07går starkt\u202e\n",
                    encoding="utf-8")
    indexed = run("index", str(corpus))
    assert "\x1b" not in indexed.output and "\x07" not in indexed.output
    assert f"added: {corpus}/evil\\x1b[31mred\\nname.txt\n" in indexed.stdout
    found = run("search", "skogsbruket", "-k", "1")
    assert "\x1b" not in found.output and "\u202e" not in found.output and "\x07" not in found.output
    assert "Skogsbruket \\x1b[2J\\x07går starkt\\u202e" in found.stdout
    assert "evil\\x1b[31mred\\nname.txt:3-4" in found.stdout
    item = hits(run("search", "skogsbruket", "-k", "1", "--json"))[0]
    assert item["source"] == str(evil) and "\x1b[2J" in item["text"]  # JSON keeps the text, escaped by JSON
    for command in (("show", str(item["item_id"])), ("timeline", "LRF"), ("stats",), ("parties",)):
        assert "\x1b" not in run(*command).output


# -- 19. one query, one thread -----------------------------------------------------------------------------


def test_a_search_runs_its_thread_pools_on_one_thread(kb_factory, corpus, monkeypatch):
    from threadpoolctl import threadpool_info

    from kb.embed import HashingEmbedder

    kb = kb_factory()
    kb.update(corpus, progress=False)
    seen = []
    real = HashingEmbedder.embed_query

    def recording(self, text):
        seen.append({pool["filepath"]: pool["num_threads"] for pool in threadpool_info()})
        return real(self, text)

    monkeypatch.setattr(HashingEmbedder, "embed_query", recording)
    kb.search("brygglån", k=1)
    assert seen and set(seen[0].values()) == {1}
    assert all(pool["num_threads"] >= 1 for pool in threadpool_info())  # the limit ends with the search


# -- 20. the item id is printed ------------------------------------------------------------------------


def test_human_search_output_prints_the_item_id_that_kb_show_takes(run, indexed):
    top = hits(run("search", "Almi brygglånen", "-k", "1", "--json"))[0]
    human = run("search", "Almi brygglånen", "-k", "1").stdout
    assert f"{SEED.name}:64-69  #{top['item_id']}" in human
    assert run("show", str(top["item_id"])).exit_code == 0


# -- 21. names -----------------------------------------------------------------------------------------


def test_names_match_in_any_case_as_whole_words_and_by_english_alias(run, indexed):
    for typed in ("FÖRETAGARNA", "företagarna", "the business owners", "Business owners"):
        found = hits(run("search", "nyföretagandet", "--org", typed, "--json"))
        assert found and {hit["organisation"] for hit in found} == {"Företagarna"}, typed
    berg = hits(run("search", "möte", "--speaker", "Berg", "-k", "50", "--json"))
    assert {hit["speaker"] for hit in berg} == {"Karin Berg"} and len(berg) == 3
    assert {hit["speaker"] for hit in hits(run("search", "möte", "--speaker", "Bergström", "--json"))} == {"Karin Bergström"}
    assert {hit["organisation"] for hit in hits(run("search", "möte", "--org", "Handelskammaren", "-k", "50", "--json"))} == {
        "Handelskammare", "Handelskammaren"}  # the seed says Handelskammare


def test_timeline_finds_a_party_in_any_case_by_alias_and_a_person_by_name(run, indexed):
    employment = hits(run("timeline", "ARBETSFÖRMEDLINGEN", "--json"))
    assert len(employment) == 4 and {hit["organisation"] for hit in employment} == {"Arbetsförmedlingen"}
    assert hits(run("timeline", "the employment service", "--json")) == employment
    karin = hits(run("timeline", "Karin Berg", "--json"))
    assert [(hit["date"], hit["speaker"]) for hit in karin] == [
        ("2021-01-11", "Karin Berg"), ("2021-01-18", "Karin Berg"), ("2021-01-25", "Karin Berg")]
    blomberg = hits(run("timeline", "Anders Blomberg", "--json"))
    assert len(blomberg) == 4 and {hit["speaker"] for hit in blomberg} == {"Anders Blomberg"}  # one in the seed
    one_line_error(run("timeline", "Nobody"), "no organisation or speaker called 'Nobody' in the index; `kb parties` lists them")


def test_a_field_naming_several_people_is_found_by_each(kb_factory, tmp_path):
    from kb import Filters

    corpus = tmp_path / "several"
    corpus.mkdir()
    (corpus / "m.txt").write_text("Protokoll 2021-03-01\n\n▪ Almi, Martin Hellström, Anders Blomberg\n– Brygglånen förlängs\n",
                                  encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    assert [hit.speaker for hit in kb.search("brygglån", filters=Filters(speaker="Blomberg"))] == [
        "Martin Hellström, Anders Blomberg"]
    assert [hit.speaker for hit in kb.timeline("Martin Hellström")] == ["Martin Hellström, Anders Blomberg"]
    assert kb.parties()["speakers"] == [
        {"name": "Anders Blomberg", "items": 1, "first": "2021-03-01", "last": "2021-03-01"},
        {"name": "Martin Hellström", "items": 1, "first": "2021-03-01", "last": "2021-03-01"},
    ]


# -- 22. kb parties, kb add, kb remove ---------------------------------------------------------------------


def test_kb_parties_lists_organisations_and_speakers_with_counts_and_dates(run, indexed):
    found = hits(run("parties", "--json"))
    organisations = {entry["name"]: entry for entry in found["organisations"]}
    assert organisations["Företagarna"] == {"name": "Företagarna", "items": 4, "first": "2020-12-14", "last": "2021-01-25"}
    assert organisations["Arbetsförmedlingen"]["items"] == 4
    assert organisations["Arbetsförmedlingen"]["first"] == "2020-12-14"
    speakers = {entry["name"]: entry["items"] for entry in found["speakers"]}
    assert speakers["Karin Berg"] == 3 and speakers["Karin Bergström"] == 3
    human = run("parties").stdout
    assert human.startswith("organisations (") and "speakers (" in human
    assert any(line.split() == ["Företagarna", "4", "item(s)", "2020-12-14", "–", "2021-01-25"] for line in human.splitlines())


def test_kb_add_indexes_one_file_and_kb_remove_takes_one_out_without_touching_the_corpus(run, corpus, tmp_path):
    assert run("index", str(corpus)).exit_code == 0
    elsewhere = tmp_path / "inbox"
    elsewhere.mkdir()
    extra = elsewhere / "2021-01-18.txt"
    extra.write_text(NAMES.format(day=18), encoding="utf-8")
    added = run("add", str(extra), "--json")
    assert json.loads(added.stdout)["added"] == [str(extra)] and json.loads(added.stdout)["items_total"] == 22
    assert run("add", str(extra), "--json").exit_code == 0  # again: unchanged
    assert json.loads(run("add", str(extra), "--json").stdout)["unchanged"] == [str(extra)]
    one_line_error(run("add", str(elsewhere / "missing.txt")), "missing.txt: no such file")
    removed = run("remove", f"{corpus}/{SEED.name}")
    assert removed.exit_code == 0 and f"removed: {corpus}/{SEED.name}" in removed.stdout
    assert (corpus / SEED.name).exists()
    assert json.loads(run("stats", "--json").stdout)["items"] == 4
    one_line_error(run("remove", "no/such.txt"), "not in the index: no/such.txt; `kb stats` lists the files it holds")
    assert run("check").exit_code == 0


# -- 25. why a hit ranks where it does ---------------------------------------------------------------------


def test_hits_ranked_first_by_the_attribution_rule_say_so(run, indexed):
    found = hits(run("search", "what did Almi say about loans", "-k", "3", "--json"))
    assert found[0]["organisation"] == "Almi" and found[0]["reason"] == "named: Almi"
    assert all(hit["reason"] is None for hit in found if hit["organisation"] != "Almi")
    human = run("search", "what did Almi say about loans", "-k", "1").stdout
    assert human.splitlines()[0].endswith("Almi – Martin Hellström  (named: Almi)")
    plain = hits(run("search", "brygglånen", "-k", "2", "--json"))
    assert [hit["reason"] for hit in plain] == [None, None]


# -- 27. errors that say the right thing, in one line ------------------------------------------------------


def test_errors_name_the_problem_and_the_way_out_in_one_line(run, corpus, tmp_path):
    one_line_error(run("search", "brygglån", "--index", str(tmp_path / "elsewhere")),
                   f"no index in {tmp_path}/elsewhere/ yet; run `kb index CORPUS --index {tmp_path}/elsewhere` first")
    one_line_error(run("index", str(corpus / SEED.name)),
                   f"{corpus}/{SEED.name} is a file, not a folder of minutes; give the folder that holds it, "
                   f"or index this one file with `kb add {corpus}/{SEED.name}`")
    assert run("index", str(corpus)).exit_code == 0
    one_line_error(run("search", "x", "--since", "yesterday"), "'yesterday' does not match the format '%Y-%m-%d'",
                   "(see `kb search --help`)", code=2)
    one_line_error(run("search", "x", "-k", "0"), "0 is not in the range x>=1", code=2)
    one_line_error(run("search"), "Missing argument 'QUERY'", code=2)
    one_line_error(run("bogus"), "No such command 'bogus'", code=2)
    assert run("--help").exit_code == 0 and "Usage:" in run("--help").stdout
