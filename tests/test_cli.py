"""The command line, through click's CliRunner, on the fake "hashing" embedder."""

import json

import pytest


HIT_FIELDS = {"rank", "score", "item_id", "text", "date", "meeting", "organisation", "speaker", "section", "title", "decision",
              "source", "line_start", "line_end", "page", "reason"}


def test_index_json_summary_then_nothing_new(run, corpus):
    first = run("index", str(corpus), "--json")
    assert first.exit_code == 0
    summary = json.loads(first.stdout)
    assert summary["added"] == [f"{corpus}/2020-12-14_naringslivsdialog.txt"]
    assert (summary["items_embedded"], summary["items_total"]) == (18, 18)
    again = run("index", str(corpus))
    assert again.exit_code == 0
    assert "nothing new to embed; 18 item(s) in the index" in again.stdout


def test_search_json_hits_have_every_field(run, corpus):
    run("index", str(corpus))
    result = run("search", "Almi brygglånen", "--json", "-k", "3")
    assert result.exit_code == 0
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and set(hits[0]) == HIT_FIELDS
    assert [hit["rank"] for hit in hits] == [1, 2, 3]
    top = hits[0]
    assert (top["organisation"], top["speaker"], top["date"]) == ("Almi", "Martin Hellström", "2020-12-14")
    assert top["text"].startswith("Almi, Martin Hellström\nBrygglånen går ut vid årsskiftet")
    assert top["page"] is None


def test_search_human_output_shows_who_when_and_where(run, corpus):
    run("index", str(corpus))
    out = run("search", "Almi brygglånen", "-k", "1").stdout
    assert "1. [" in out and "2020-12-14  Almi – Martin Hellström" in out
    assert "Brygglånen går ut vid årsskiftet" in out
    assert f"{corpus}/2020-12-14_naringslivsdialog.txt:64-69" in out


def test_search_filters_on_the_command_line(run, corpus):
    run("index", str(corpus))
    hits = json.loads(run("search", "stöd", "--org", "Länsstyrelsen", "--json").stdout)
    assert [hit["organisation"] for hit in hits] == ["Länsstyrelsen"]
    assert json.loads(run("search", "stöd", "--since", "2021-01-01", "--json").stdout) == []


def test_stats(run, corpus):
    run("index", str(corpus))
    info = json.loads(run("stats", "--json").stdout)
    assert (info["meetings"], info["items"], info["model"], info["dim"]) == (1, 18, "hashing", 256)
    assert "meetings: 1" in run("stats").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("search", "brygglån"), "no index in"),
        (("stats",), "no index in"),
        (("index", "no-such-folder"), "no-such-folder: no such corpus folder"),
    ],
)
def test_errors_are_one_line_and_nonzero(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_bad_query_and_bad_option(run, corpus):
    run("index", str(corpus))
    empty = run("search", "   ")
    assert empty.exit_code == 1 and "Error: the query is empty" in empty.stderr
    bad = run("search", "x", "--bogus")
    assert bad.exit_code == 2 and "No such option '--bogus'" in bad.stderr
    bad_date = run("search", "x", "--since", "yesterday")
    assert bad_date.exit_code == 2 and "--since" in bad_date.stderr


def test_show_and_timeline(run, corpus):
    run("index", str(corpus))
    almi = json.loads(run("search", "Almi brygglånen", "--json", "-k", "1").stdout)[0]
    shown = json.loads(run("show", str(almi["item_id"]), "--around", "1", "--json").stdout)
    assert shown["meeting"]["date"] == "2020-12-14" and shown["meeting"]["present"] == []
    shown = shown["items"]
    assert [(hit["organisation"], hit["selected"]) for hit in shown] == [
        ("Länsstyrelsen", False), ("Almi", True), ("Arbetsförmedlingen", False)]
    out = run("timeline", "Almi").stdout
    assert out.startswith("2020-12-14  Anteckningar näringslivsdialog") and "Brygglånen går ut" in out
    missing = run("show", "99999")
    assert missing.exit_code == 1 and "no item 99999" in missing.stderr


def test_matching_words_are_highlighted_on_a_terminal_only(run, corpus):
    from kb.cli import highlight

    assert "\x1b[" in highlight("Brygglånen går ut", "brygglån")
    run("index", str(corpus))
    assert "\x1b[" not in run("search", "brygglånen", "-k", "1").stdout  # not a terminal: plain text


def test_attendance_is_shown_with_the_meeting_and_filters_search(run, tmp_path):
    corpus = tmp_path / "board"
    corpus.mkdir()
    minutes = {
        "2024-03-18_styrelse.md": "# Styrelsemöte 2024-03-18\n\nPlats: Hos Anna Berg, Storgatan 3\n\n"
                                  "**Närvarande:** Anna Berg, Peter Andrén\n\n"
                                  "**Frånvarande:** Olle Martinell\n\n## 1. Ekonomi\n\nBudgeten för vindkraften följs enligt plan.\n",
        "2024-04-15_styrelse.md": "# Styrelsemöte 2024-04-15\n\n**Närvarande:** Olle Martinell, Peter Andrén\n\n"
                                  "## 1. Ekonomi\n\nBudgeten för vindkraften överskrids i år.\n",
    }
    for name, text in minutes.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert run("index", str(corpus)).exit_code == 0
    hits = json.loads(run("search", "vindkraften budget", "--attendee", "Olle Martinell", "--json").stdout)
    assert [hit["date"] for hit in hits] == ["2024-04-15"]
    first = json.loads(run("search", "vindkraften budget", "--attendee", "Anna Berg", "--json").stdout)[0]
    shown = run("show", str(first["item_id"]))
    assert "present: Anna Berg, Peter Andrén" in shown.stdout and "absent: Olle Martinell" in shown.stdout
    assert "place: Hos Anna Berg, Storgatan 3" in shown.stdout
    meeting = json.loads(run("show", str(first["item_id"]), "--json").stdout)["meeting"]
    assert (meeting["place"], meeting["present"]) == ("Hos Anna Berg, Storgatan 3", ["Anna Berg", "Peter Andrén"])
