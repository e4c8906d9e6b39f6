"""kb on real minutes nobody here wrote (eval/corpora: several issuers, Word, Markdown, text and
PDF), against the naive paragraph chunker with the same model on the same questions; and the
structure tests per layout: hand-checked agenda points, nothing lost, size bounds."""

import json
import re

import pytest

from kb.evaluate import evaluate, load_queries
from kb.minutes import parse_minutes
from kb.minutes.segment import MAX_CHARS
from kb.search import DEFAULT_MODE
from kb.readers import is_supported, read_document
from tests.conftest import ROOT
from tests.test_minutes import assert_nothing_lost

CORPORA = ROOT / "eval" / "corpora"
SOURCES = sorted(path for path in CORPORA.iterdir() if (path / "queries.jsonl").is_file())
MINUTES = [path for source in SOURCES for path in sorted(source.iterdir()) if is_supported(path) and path.name != "PROVENANCE.md"]
# The held-out check on new issuers (README, "Quality"): held to the same structure tests.
HELD_OUT = [path for source in sorted((ROOT / "eval" / "heldout-corpora").iterdir()) if source.is_dir()
            for path in sorted(source.iterdir()) if is_supported(path) and path.name not in ("PROVENANCE.md", "README.md")]
# One dev source as plain text and as a Typst-set PDF (eval/format-variants/README.md).
VARIANTS = [path for source in sorted((ROOT / "eval" / "format-variants").iterdir()) if source.is_dir()
            for path in sorted(source.iterdir()) if is_supported(path)]


def test_the_dev_corpus_is_real_and_varied():
    assert len(SOURCES) >= 4 and len(MINUTES) >= 45
    assert len({path.suffix for path in MINUTES}) >= 2
    queries = load_queries(CORPORA)
    assert len(queries) >= 100 and all("source_path" in q for q in queries)
    assert sum(q["lang"] == "en" for q in queries) >= len(queries) / 3 - 5
    for source in SOURCES:
        assert (source / "PROVENANCE.md").is_file()


@pytest.mark.parametrize("path", MINUTES + HELD_OUT + VARIANTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_loses_nothing_and_keeps_items_in_bounds(path):
    document = read_document(path)
    meeting = parse_minutes(document)
    assert meeting.items
    # A paragraph cut at a sentence leaves its line in both parts; nothing else is shared.
    assert_nothing_lost(document, meeting, shared_lines_at_cuts=True)
    assert all(len(item.text) <= MAX_CHARS for item in meeting.items)
    assert not [item.title for item in meeting.items if len(item.lines) == 1 and len(item.text) < 40]


def _points(title: str) -> str:
    return " ".join(title.split()).casefold()


def _title_words(title: str) -> str:
    """A point's title without its number ("§ 22", "5.1", "####1."): readers wrote some with the
    number and case reference, some without."""
    title = re.sub(r"^[#\s]*(?:§\s*\d+|\d+(?:\.\d+)*)[.)]?\s*", "", " ".join(title.split()))
    return title.casefold()[:40]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_hand_checked_agenda_points_start_items_or_stand_in_them_in_order(source):
    """Every agenda point a reader listed, in order, is where kb's items say: a point's title is
    an item's title or a line inside one (small points go with their neighbours), never split."""
    boundaries = json.loads((source / "boundaries.json").read_text(encoding="utf-8"))
    for name, titles in boundaries.items():
        document = read_document(source / name)
        meeting = parse_minutes(document)
        start, end = meeting.header_lines or (0, -1)
        lines = [(-1, _points(line.text)) for line in document.lines if start <= line.number <= end]
        lines += [(item.ordinal, _points(line)) for item in meeting.items for line in item.lines]
        position, found = 0, 0
        for title in titles:
            wanted = _title_words(title)
            match = next((i for i in range(position, len(lines)) if wanted and wanted in lines[i][1]), None)
            if match is not None:
                position, found = match + 1, found + 1
        assert found >= 0.8 * len(titles), (name, found, len(titles))


@pytest.fixture(scope="module")
def dev_kb(tmp_path_factory):
    from kb import KnowledgeBase

    index = tmp_path_factory.mktemp("dev") / "index"
    with KnowledgeBase(index, log=lambda message: None) as kb:
        kb.update(CORPORA, progress=False)
        yield kb


@pytest.fixture(scope="module")
def dev_report(dev_kb):
    report = evaluate(dev_kb, load_queries(CORPORA), [DEFAULT_MODE], with_baseline=True)
    # Every question again in the other language (paired.jsonl): the cross-lingual gap.
    questions = load_queries(CORPORA) + [q for path in sorted(CORPORA.glob("*/paired.jsonl")) for q in load_queries(path)]
    report["paired"] = evaluate(dev_kb, questions, [DEFAULT_MODE])["kb"][DEFAULT_MODE]
    return report


# Measured in the default mode (hybrid) when written: 0.667 / 0.745 / 0.880 (README, "Quality");
# a change that lowers them fails here.
DEV_FLOORS = {"hit@1": 0.62, "mrr@10": 0.70, "recall@10": 0.83}


@pytest.mark.model
def test_kb_beats_the_paragraph_chunker_on_real_minutes(dev_report):
    """The naive chunker runs the same search (the default mode) over its paragraphs: kb led by
    0.127 hit@1 and 0.089 MRR@10 when written."""
    kb, naive = dev_report["kb"][DEFAULT_MODE]["all"], dev_report["paragraphs"][DEFAULT_MODE]["all"]
    for metric, floor in DEV_FLOORS.items():
        assert kb[metric] >= floor, (metric, kb)
    assert kb["hit@1"] >= naive["hit@1"] + 0.08, (kb, naive)
    assert kb["mrr@10"] >= naive["mrr@10"] + 0.05, (kb, naive)
    # English questions over Swedish minutes gain most from items with their context.
    assert dev_report["kb"][DEFAULT_MODE]["lang:en"]["hit@1"] >= naive["hit@1"]


@pytest.mark.model
def test_english_questions_do_about_as_well_as_the_same_questions_in_swedish(dev_report):
    """The language shift (kb.languages) took the gap from 0.08 to 0.03 hit@1 in dense mode; in the
    default (hybrid) it was 0.007 when written."""
    english, swedish = dev_report["paired"]["lang:en"], dev_report["paired"]["lang:sv"]
    assert english["hit@1"] >= swedish["hit@1"] - 0.05, (english, swedish)
    assert swedish["hit@1"] >= 0.60 and swedish["mrr@10"] >= 0.69, swedish


@pytest.mark.model
def test_the_part_that_holds_the_answer_leads_the_other_parts_of_its_point(dev_kb):
    """A long point is cut into parts that all carry its title, so every part matches a question
    about the point. Where several parts of the answer's point are among the hits, the part that
    holds the answer came first in 28 of 40 dev questions when each item was ranked by its best
    passage alone, and in 33 of 43 once drawn toward its best detail window and its point's best
    part (kb.search, DETAIL_SHARE and POINT_SHARE; measured with the fp32 runtime, and the default
    runtime passes too). 31 of 43 at parser 70: a reservation's part had led its point while its
    speaker read "Reservation Anna-Karin Granberg" (the label taken for a word of her name), which
    matched the question's "reservation"; with her name alone it is second of its point's parts.
    31 of 44 at lexical index 6 (fp32)."""
    from kb.evaluate import is_expected

    questions = led = 0
    for query in load_queries(CORPORA):
        hits = dev_kb.search(query["query"], k=50, mode=DEFAULT_MODE)
        answer = next((hit for hit in hits if is_expected(query, hit)), None)
        siblings = [hit for hit in hits if answer and hit.item_id != answer.item_id
                    and (hit.source, hit.title) == (answer.source, answer.title)]
        if siblings:
            questions += 1
            led += all(hit.rank > answer.rank for hit in siblings)
    assert questions >= 30 and led >= 0.7 * questions, (led, questions)


@pytest.mark.model
def test_swedish_questions_find_minutes_written_in_english(dev_kb):
    """Python Sverige keeps its minutes in English; its 30 Swedish questions (15 asked so, 15
    translated) reached 0.300 / 0.389 with FreeDict's words counted everywhere, and 0.400 / 0.528
    with Folkets lexikon's too, counted in English items only (kb.lexical; fp32 runtime, parser
    39); 0.433 / 0.554 on parser 42."""
    source = CORPORA / "python-sverige-styrelse"
    questions = [query for path in (source / "queries.jsonl", source / "paired.jsonl")
                 for query in load_queries(path) if query["lang"] == "sv"]
    swedish = evaluate(dev_kb, questions, [DEFAULT_MODE])["kb"][DEFAULT_MODE]["all"]
    assert len(questions) == 30 and swedish["hit@1"] >= 0.35 and swedish["mrr@10"] >= 0.45, swedish


@pytest.mark.model
def test_a_year_named_in_the_question_favours_that_years_meetings(dev_kb):
    """Recurring matters read alike from meeting to meeting, and the model does not tell 2019 from
    2020: of the 40 dev questions that name a year, 28 came first with the year rule
    (kb.search.YEAR_BONUS) and 25 without it, when written."""
    from kb.evaluate import is_expected
    from kb.search import YEAR

    questions = [query for query in load_queries(CORPORA) if YEAR.search(query["query"])]
    first = sum(is_expected(query, dev_kb.search(query["query"], k=1, mode=DEFAULT_MODE)[0]) for query in questions)
    assert len(questions) >= 35 and first >= 27, (first, len(questions))


@pytest.mark.model
def test_a_name_the_minutes_know_lets_the_questions_words_count(dev_kb, monkeypatch):
    """An English question over Swedish minutes has few words the minutes know, so its lexical
    evidence counts little (kb.search scales it by that share); a name is the same in either
    language. Of the 92 dev questions that name something the minutes know ("Kungsbacka",
    "Ingenjörshuset"), 71 came first with NAMED_COVERAGE and 69 without it, when written (fp32)."""
    import kb.search
    from kb.evaluate import is_expected
    from kb.lexical import named_terms

    questions = [query for query in load_queries(CORPORA) if dev_kb.store.known_terms(named_terms(query["query"]))]

    def first() -> int:
        return sum(is_expected(query, dev_kb.search(query["query"], k=1, mode=DEFAULT_MODE)[0]) for query in questions)

    with_names = first()
    monkeypatch.setattr(kb.search, "NAMED_COVERAGE", 0.0)
    assert len(questions) >= 80 and with_names >= 70 and with_names > first(), (with_names, len(questions))
