"""The language shift: which language a question is in, and what moving it does."""

from __future__ import annotations

import numpy as np
import pytest

from kb.embed import HashingEmbedder
from kb.languages import SHIFT, LanguageShift, calibration_words, language_of, majority_language


@pytest.mark.parametrize("text, language", [
    ("what did Almi say about bridge loans", "en"),
    ("Vad sa Almi om brygglånen?", "sv"),
    ("Which preschool is to close in July?", "en"),
    ("Hur många elever har fått skolkort?", "sv"),
    ("Almi", None),  # a name alone: nothing to tell by, so nothing is moved
    ("", None),
])
def test_the_language_of_a_question_is_told_by_its_function_words(text, language):
    assert language_of(text) == language


def test_the_minutes_language_is_the_majority_of_their_items():
    items = ["Styrelsen beslutade att godkänna budgeten för året.", "Mötet förklarades öppnat av ordföranden.",
             "The board decided to approve the budget."]
    assert majority_language(items) == "sv"
    assert majority_language(["12:00", "§ 4"]) is None


def test_calibration_takes_a_fixed_spread_of_each_stop_word_list():
    for code in ("en", "sv"):
        words = calibration_words(code)
        assert 150 <= len(words) <= 450 and words == calibration_words(code) and all(w.isalpha() for w in words)


def _shift(corpus: str | None) -> LanguageShift:
    direction = np.zeros(4, dtype=np.float32)
    direction[0] = 0.2  # English lies toward +x
    return LanguageShift("m", direction, corpus)


def test_a_question_in_the_other_language_moves_toward_the_minutes_language_and_stays_unit_length():
    vector = np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32)
    moved = _shift("sv").apply("what did the board decide", vector)
    assert moved[0] < vector[0] and np.isclose(np.linalg.norm(moved), 1.0)
    expected = vector - SHIFT * np.array([0.2, 0, 0, 0])
    assert np.allclose(moved, expected / np.linalg.norm(expected), atol=1e-6)
    # Over English minutes, a Swedish question moves the other way.
    assert _shift("en").apply("vad beslutade styrelsen om det", vector)[0] > vector[0]


@pytest.mark.parametrize("corpus, query", [
    ("sv", "vad beslutade styrelsen om det"),  # same language as the minutes
    ("sv", "Almi"),  # language unknown
    (None, "what did the board decide"),  # minutes' language unknown
])
def test_nothing_moves_without_two_known_and_different_languages(corpus, query):
    vector = np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32)
    assert np.array_equal(_shift(corpus).apply(query, vector), vector)


def test_the_shift_is_recorded_as_json_and_reused_for_the_same_model():
    embedder = HashingEmbedder()
    shift = LanguageShift.measure(embedder, ["Styrelsen beslutade att godkänna budgeten."])
    assert shift.corpus == "sv" and shift.vector.shape == (embedder.dim,) and np.linalg.norm(shift.vector) > 0
    again = LanguageShift.from_json(shift.to_json())
    assert again.model == embedder.name and np.allclose(again.vector, shift.vector, atol=1e-6)
    reused = LanguageShift.measure(embedder, ["The board approved the budget and the plan."], previous=again)
    assert reused.vector is again.vector and reused.corpus == "en"
    assert LanguageShift.from_json("{not json") is None and LanguageShift.from_json(None) is None


def test_an_index_records_its_shift_and_old_indexes_get_one(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    recorded = LanguageShift.from_json(kb.store.get_meta("languages"))
    assert recorded is not None and recorded.corpus == "sv" and recorded.model == "hashing"
    with kb.store.transaction():
        kb.store.db.execute("DELETE FROM meta WHERE key = 'languages'")
    kb.update(corpus, progress=False)
    assert LanguageShift.from_json(kb.store.get_meta("languages")) is not None


def test_kb_eval_gives_the_gap_between_swedish_and_english_questions(run, corpus, tmp_path):
    import json

    questions = tmp_path / "paired.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"query": "Vad sa Almi om brygglånen?", "lang": "sv", "expected": "Brygglånen går ut vid årsskiftet"},
        {"query": "what did Almi say about bridge loans", "lang": "en", "expected": "Brygglånen går ut vid årsskiftet"},
        {"query": "Hur är likviditeten?", "lang": "sv", "expected": "Likviditeten"},
        {"query": "how is the liquidity", "lang": "en", "expected": "Likviditeten"},
    ]) + "\n", encoding="utf-8")
    run("index", str(corpus))
    report = json.loads(run("eval", str(questions), "--mode", "lexical", "--json").output)["kb"]["lexical"]
    gap = report["language gap"]
    assert gap["hit@1"] == round(report["lang:sv"]["hit@1"] - report["lang:en"]["hit@1"], 3)
    assert gap["mrr@10"] == round(report["lang:sv"]["mrr@10"] - report["lang:en"]["mrr@10"], 3)
    assert "Swedish minus English questions: hit@1" in run("eval", str(questions), "--mode", "lexical").output
