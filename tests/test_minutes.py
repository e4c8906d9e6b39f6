"""Parsing the first minutes into a meeting and its items."""

import datetime as dt
from pathlib import Path

from kb.minutes import find_dates, parse_minutes, parse_speaker
from kb.readers import Document, Line, read_document
from tests.conftest import SEED


def seed_meeting():
    return parse_minutes(read_document(SEED))


def test_meeting_title_and_date_split_over_two_lines():
    meeting = seed_meeting()
    assert meeting.title == "Anteckningar näringslivsdialog"
    assert meeting.date == dt.date(2020, 12, 14)
    assert meeting.next_meeting == dt.date(2021, 1, 18)


def test_one_item_per_contribution_with_organisation_and_speaker():
    attribution = [(i.organisation, i.speaker) for i in seed_meeting().items]
    assert ("Almi", "Martin Hellström") in attribution
    assert ("Arbetsförmedlingen", "Ola Kereby") in attribution
    assert ("Länsstyrelsen", "Peter Andrén") in attribution
    assert ("Samling Näringsliv", "Peter Vomaka") in attribution
    assert len(seed_meeting().items) == 18


def test_almi_item_text_section_and_lines():
    almi = next(i for i in seed_meeting().items if i.organisation == "Almi")
    assert almi.lines == ["Almi, Martin Hellström", "Brygglånen går ut vid årsskiftet", "Uppvaktning sker om en förlängning"]
    assert almi.section == "Organisationer"
    source = SEED.read_text(encoding="utf-8").splitlines()
    span = source[almi.line_start - 1 : almi.line_end]
    assert span[0].strip() == "– Organisationer"  # the section heading leads into its first item
    assert "▪ Almi, Martin Hellström" in [line.strip() for line in span]
    assert "Uppvaktning" in source[almi.line_end - 1]


def test_wrapped_lines_are_joined_and_bullets_kept_apart():
    items = seed_meeting().items
    health = items[0]
    assert health.speaker == "Hans Svensson, Maria Söderkvist, Anna Fremner"
    assert "Krisledning 2ggr i veckan inom sjukvården, ansträngt sedan ett antal veckor men är påväg ned." in health.lines
    support = next(i for i in items if i.title == "Näringslivssupport")
    assert support.lines[1].endswith("inom projektet ”A Business Region on The Move”")


def test_section_headings_become_sections_and_lend_their_organisation():
    items = seed_meeting().items
    region = [i for i in items if i.section == "Avstämning läget i länet"]
    assert [i.title for i in region][1:5] == [
        "Information från Regional utveckling", "Näringslivssupport", "Coronastöd", "Stötta näringslivet med julhandel",
    ]
    assert all(i.organisation == "Region JH" for i in region[1:5])
    assert items[-2].section == "Kommuner"
    assert items[-1].section is None and items[-1].title.startswith("Tid för nästa träff")


def test_every_nonempty_line_belongs_to_exactly_one_item_or_the_header():
    meeting = seed_meeting()
    lines = SEED.read_text(encoding="utf-8").splitlines()
    owners = {n: [] for n, text in enumerate(lines, start=1) if text.strip()}
    ranges = [("header", *meeting.header_lines)] + [(i.ordinal, i.line_start, i.line_end) for i in meeting.items]
    for owner, start, end in ranges:
        for n in range(start, end + 1):
            if n in owners:
                owners[n].append(owner)
    assert {n: o for n, o in owners.items() if len(o) != 1} == {}


def test_every_word_of_the_source_is_in_an_item_or_the_header():
    meeting = seed_meeting()
    words = " ".join(SEED.read_text(encoding="utf-8").split())
    kept = " ".join([meeting.title, *(f"{i.section} {i.organisation} {i.text}" for i in meeting.items)])
    for word in words.split():
        if word not in "▪–-" and word not in ("14", "december", "2020"):
            assert word.strip("▪–") in kept, word


def test_speaker_forms():
    assert parse_speaker("Almi, Martin Hellström") == ("Almi", "Martin Hellström")
    assert parse_speaker("Martin Hellström (Almi)") == ("Almi", "Martin Hellström")
    assert parse_speaker("Ordförande Peter Andrén") == (None, "Peter Andrén")
    assert parse_speaker("Ola Kereby (S) föredrar ärendet") == (None, "Ola Kereby")
    assert parse_speaker("Mats Forslund informerar om läget") == (None, "Mats Forslund")
    assert parse_speaker("Tandsbyn avvecklar, 27 personer går från Zepro, detta är inte bra") is None
    assert parse_speaker("Strategiska frågor måste jobbas med, får inte tappa fokus") is None


def test_date_forms():
    assert find_dates("14 december 2020") == [dt.date(2020, 12, 14)]
    assert find_dates("Datum 2024-03-18") == [dt.date(2024, 3, 18)]
    assert find_dates("möte 18/3 2024") == [dt.date(2024, 3, 18)]
    assert find_dates("18 mars", year_hint=2024) == [dt.date(2024, 3, 18)]
    assert find_dates("31 februari 2020") == []


def test_hyphenated_word_at_line_break_is_joined():
    doc = Document(Path("m.txt"), [Line(1, "Protokoll 2024-03-18"), Line(2, ""), Line(3, "▪ Almi, Martin Hellström"),
                                   Line(4, "– Efterfrågan på lån till närings-"), Line(5, "livet ökar")])
    item = parse_minutes(doc).items[0]
    assert item.lines[1] == "Efterfrågan på lån till näringslivet ökar"
