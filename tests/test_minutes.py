"""Parsing the first minutes into a meeting and its items."""

import datetime as dt
import re
from pathlib import Path

import pytest

from kb.minutes import find_dates, parse_minutes, parse_speaker
from kb.minutes import metadata
from kb.minutes.attendance import members_in_header
from kb.minutes.metadata import choose_title, meeting_title, title_before_date
from kb.minutes.names import name_and_role
from kb.readers import Document, Line, read_document
from tests.conftest import ROOT, SEED


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
    # "Kommuner" has lines of its own: an item titled so, closing the "Organisationer" section.
    assert (items[-2].title, items[-2].section) == ("Kommuner", None)
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
    # Finland's Swedish-speaking municipalities: "Sammanträdestid 15.9.2022 kl. 18.00"
    assert find_dates("Sammanträdestid 15.9.2022 kl. 18.00") == [dt.date(2022, 9, 15)]
    assert find_dates("punkt 3.2.2024 och 1.2.3.2024") == [dt.date(2024, 2, 3)]
    assert find_dates("Datum 2024-3-5") == [dt.date(2024, 3, 5)]


def test_hyphenated_word_at_line_break_is_joined():
    doc = Document(Path("m.txt"), [Line(1, "Protokoll 2024-03-18"), Line(2, ""), Line(3, "▪ Almi, Martin Hellström"),
                                   Line(4, "– Efterfrågan på lån till närings-"), Line(5, "livet ökar")])
    item = parse_minutes(doc).items[0]
    assert item.lines[1] == "Efterfrågan på lån till näringslivet ökar"


FIXTURES = Path(__file__).parent / "fixtures"
PROTOCOL = FIXTURES / "kommunstyrelsens_au_2024-03-18.txt"
BOARD = FIXTURES / "styrelsemote_2024-05-06.md"


def assert_nothing_lost(document, meeting, shared_lines_at_cuts=False):
    """Every non-empty line is in exactly one item or the meeting header, unless it is a page
    header or footer, a table of contents or an attendance list; and every item starts on the
    page of its first line. With `shared_lines_at_cuts`, a line may also be in two consecutive
    items: a paragraph too long for one item is cut at a sentence inside that line."""
    set_aside = set(meeting.page_furniture_lines) | set(meeting.attendance_lines) | set(meeting.contents_lines)
    ranges = [meeting.header_lines] if meeting.header_lines else []
    ranges += [(item.line_start, item.line_end) for item in meeting.items]
    owners = {
        line.number: sum(start <= line.number <= end for start, end in ranges)
        for line in document.lines
        if line.text.strip() and line.number not in set_aside
    }
    wrong = {number: count for number, count in owners.items() if count != 1}
    if shared_lines_at_cuts:
        cuts = {a.line_end for a, b in zip(meeting.items, meeting.items[1:]) if a.line_end == b.line_start}
        wrong = {number: count for number, count in wrong.items() if not (count == 2 and number in cuts)}
    assert wrong == {}
    # And its words are in the text of the item that holds it, or in the titles, sections and
    # organisations the items carry (a title over a group of points is their section).
    def squashed(text):
        return re.sub(r"[\W_]+", "", text).casefold()

    labels = squashed(" ".join(f"{item.title} {item.section or ''} {item.organisation or ''}" for item in meeting.items))
    header = range(meeting.header_lines[0], meeting.header_lines[1] + 1) if meeting.header_lines else range(0)
    dropped = [
        line.text for line in document.lines
        if line.number in owners and line.number not in header
        and squashed(line.text) not in squashed(" ".join(item.text for item in meeting.items
                                                         if item.line_start <= line.number <= item.line_end))
        and squashed(line.text) not in labels
    ]
    assert dropped == []
    page_of = {line.number: line.page for line in document.lines}
    assert [item.page for item in meeting.items] == [page_of[item.line_start] for item in meeting.items]


def test_nothing_lost_in_the_first_minutes():
    document = read_document(SEED)
    assert_nothing_lost(document, parse_minutes(document))


def test_municipal_protocol_one_item_per_agenda_point_with_its_decision():
    meeting = parse_minutes(read_document(PROTOCOL))
    assert meeting.date == dt.date(2024, 3, 18)
    assert meeting.next_meeting == dt.date(2024, 4, 15)
    assert meeting.body == "Kommunstyrelsens arbetsutskott"
    assert "Kommunstyrelsens arbetsutskott" in meeting.title
    # What is said under a point stays in it; everyone who presents it is its speaker.
    assert [(i.title, i.speaker, i.organisation) for i in meeting.items] == [
        ("§ 12 Budget 2025", "Ola Kereby", None),
        ("§ 13 Detaljplan för Storsjöstrand, samrådsyttrande", "Mats Forslund", None),
        ("§ 14 Information om näringslivsläget", "Martin Hellström, Anders Blomberg", "Almi, LRF"),
        ("§ 15 Nästa sammanträde", None, None),
    ]
    budget = meeting.items[0]
    assert budget.lines[-2:] == [
        "Beslut", "Arbetsutskottet beslutar att föreslå kommunstyrelsen att godkänna förslaget till budget 2025."
    ]
    assert "som beslutades i februari" in budget.text  # "be-" + "slutades" joined
    assert budget.decision == "Arbetsutskottet beslutar att föreslå kommunstyrelsen att godkänna förslaget till budget 2025."


def test_municipal_protocol_page_headers_and_attendance_kept_out_of_the_items():
    document = read_document(PROTOCOL)
    meeting = parse_minutes(document)
    assert meeting.attendees == [
        "Ola Kereby (S), ordförande", "Anna Lindqvist (M)", "Per Nilsson (C)",
        "Mats Forslund, kommundirektör", "Eva Holm, sekreterare",
    ]
    text = "\n".join(i.text for i in meeting.items)
    for furniture in ("ÖSTERSUNDS KOMMUN", "Justerandes signatur", "Sammanträdesdatum", "(3)", "Beslutande"):
        assert furniture not in text
    # A sentence hyphenated across a page break, with the footer and header between, is one line.
    plan = meeting.items[1]
    assert "detaljplan för bostäder vid Storsjöstrand. Planen omfattar" in plan.text
    assert plan.page == 1 and meeting.items[2].page == 2 and meeting.items[3].page == 3
    assert_nothing_lost(document, meeting)


def test_board_meeting_in_markdown():
    document = read_document(BOARD)
    meeting = parse_minutes(document)
    assert meeting.title == "Styrelsemöte Almi Mitt"
    assert meeting.body == "Styrelse Almi Mitt"
    assert meeting.date == dt.date(2024, 5, 6)
    assert meeting.next_meeting == dt.date(2024, 9, 9)
    assert meeting.attendees == [
        "Peter Andrén (ordförande)", "Anna Berg", "Olle Martinell", "Maria Söderkvist", "Lars Nilsson (frånvarande)",
    ]
    # A small point that answers something is an item of its own ("2. Val av justerare / Maria
    # Söderkvist valdes ..."); small points go together ("5. Övriga frågor" and "6. Nästa möte").
    assert [(i.title, i.speaker) for i in meeting.items] == [
        ("1. Mötets öppnande", "Peter Andrén"),
        ("2. Val av justerare", None),
        ("3. VD-rapport", "Martin Hellström"),
        ("4. Ekonomi", "Eva Holm"),
        ("5. Övriga frågor", None),
        ("7. Mötets avslutande", "Peter Andrén"),
    ]
    assert meeting.items[1].lines == ["2. Val av justerare", "Maria Söderkvist valdes att justera protokollet."]
    assert meeting.items[4].lines == [
        "5. Övriga frågor", "Inga övriga frågor.", "6. Nästa möte", "Nästa styrelsemöte äger rum 9/9 2024 i Sundsvall.",
    ]
    report = meeting.items[2]
    assert "Efterfrågan på mikrolån är fortsatt hög, särskilt bland nyföretagare i inlandskommunerna." in report.lines
    assert "en med inriktning mot industrin." in report.lines
    assert not any("**" in i.text or "*" in i.text for i in meeting.items)
    assert_nothing_lost(document, meeting)


def markdown_meeting(tmp_path: Path, name: str, text: str):
    """The document read from a Markdown file of these minutes, and the meeting it records."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    document = read_document(path)
    return document, parse_minutes(document)


def text_document(text: str, name: str = "m.txt") -> Document:
    return Document(Path(name), [Line(n, t) for n, t in enumerate(text.split("\n"), start=1)])


def test_page_counters_and_headers_repeated_around_them_are_recognised_without_pages():
    points = {
        1: ("Ekonomi", "Budgeten följs och prognosen för helåret visar ett litet överskott i december."),
        2: ("Personal", "Två har anställts under våren, en handläggare och en ekonom på halvtid."),
        3: ("Lokaler", "Hyran höjs med tre procent från och med nästa år enligt det nya avtalet."),
    }
    lines = ["Styrelsens protokoll 2024-03-18", ""]
    for page, (title, said) in points.items():
        lines += [f"Almi Mitt AB    Sida {page} av 3", "Datum 2024-03-18", "", f"{page}. {title}", said, ""]
    meeting = parse_minutes(text_document("\n".join(lines)))
    assert [i.lines for i in meeting.items] == [[f"{n}. {title}", said] for n, (title, said) in points.items()]
    assert len(meeting.page_furniture_lines) == 6


def test_the_running_page_header_names_the_body_before_the_header_lines_do():
    """A municipal protocol heads every page "KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL" /
    "Kommunstyrelsens arbetsutskott", and its first page lists guests such as "ordf. nämnden för
    Gymnasium & Arbetsmarknad": the meeting had been titled "Nämnden", and two more "Kommunstyrelsens"
    and "Byggnadsnämndens"."""
    points = {
        256: ("Budget 2025", "Förvaltningen redogör för budgeten och prognosen för helåret."),
        257: ("Lokalförsörjning", "Förvaltningen redogör för behovet av nya lokaler i centrum."),
        258: ("Information", "Kommundirektören informerar om läget i kommunen inför hösten."),
    }
    lines = ["Plats och tid för sammanträde: Kungsbackarummet, klockan 08:30-11:30", "",
             "Övriga", "Helena Nyborg, 1:e vice ordf. nämnden för Gymnasium & Arbetsmarknad, § 256", ""]
    for page, (number, (title, said)) in enumerate(points.items(), start=1):
        lines += [f"KUNGSBACKA KOMMUN    SAMMANTRÄDESPROTOKOLL    {page} (3)", "Kommunstyrelsens arbetsutskott",
                  "Datum 2024-09-17", "", f"§ {number} {title}", said, ""]
    meeting = parse_minutes(text_document("\n".join(lines)))
    assert (meeting.title, meeting.body) == ("Kommunstyrelsens arbetsutskott", "Kommunstyrelsens arbetsutskott")


def test_who_met_is_named_with_the_field_the_committee_has():
    """Municipalities name committees by their field, before or after the word: "Nämnden för
    Tekniks arbetsutskott" and "Förskola & Grundskola arbetsutskott" had been the bodies "Nämnden"
    and "Arbetsutskott"; and a protocol whose running header was set aside, its first line the
    header's "Plats och tid för Kommunfullmäktigesalen", had been titled by that hall."""
    assert metadata.body("KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL Nämnden för Tekniks arbetsutskott") == "Nämnden för Tekniks arbetsutskott"
    assert metadata.body("SAMMANTRÄDESPROTOKOLL Förskola & Grundskola arbetsutskott") == "Förskola & Grundskola arbetsutskott"
    assert metadata.body("Nämnden för Individ & Familjeomsorg Datum 2026-02-19") == "Nämnden för Individ & Familjeomsorg"
    assert metadata.body("Protokoll Barn- och utbildningsnämnden 2024-05-02") == "Barn- och utbildningsnämnden"
    assert metadata.body("Styrelsemöte för år 2018") == "Styrelse"
    assert metadata.body("Plats och tid för Kommunfullmäktigesalen, Storgatan 37 Klockan 17:05",
                         "KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL Nämnden för Teknik Datum 2026-06-17") == "Nämnden för Teknik"


def test_the_members_a_municipal_header_names_with_their_party_attended():
    """A municipal protocol's PDF reads its columns of members into lines that break inside names
    ("Monica Neptun (L), Ordförande Erik" / "Lindqvist (M), 1:e vice ordförande Per-Axel Landström
    (S) Anders Eriksson" / "(C) deltar ej på § 7 p.g.a. jäv"): only the officials listed under
    "Tjänstepersoner" had been its attendance, so `--attendee` never found a member."""
    path = ROOT / "eval" / "corpora" / "kungsbacka-teknik-au" / "2025-03-03_protokoll.pdf"
    attendees = parse_minutes(read_document(path)).attendees
    assert {"Monica Neptun (L), Ordförande", "Erik Lindqvist (M), 1:e vice ordförande", "Per-Axel Landström (S)",
            "Anders Eriksson (C)"} <= set(attendees), attendees
    assert "Ulrika Granfors, förvaltningschef" in attendees
    assert not [entry for entry in attendees if entry.startswith("Protokolljusterare")]
    # Someone a member sat in for was not there; a title before a name is no part of it.
    text = ("Beslutande Ledamöter Emanuel Forsell (M), Ordförande Helen Thylin (S) ersätter Elin Hysén (L), "
            "Johan Tolinsson (S) Protokolljusterare Mia Sundvall (M)")
    assert members_in_header(text, []) == ["Emanuel Forsell (M), Ordförande", "Helen Thylin (S)", "Johan Tolinsson (S)",
                                           "Mia Sundvall (M)"]


def test_a_date_written_without_hyphens_and_a_folder_named_by_its_date(tmp_path):
    """A working group's notes, each "agenda.md" in a folder named by its date ("20201210"), titled
    "Agenda & mötesanteckningar 20201210" or with no date at all: the meetings had had no date."""
    assert find_dates("Agenda & mötesanteckningar 20201210") == [dt.date(2020, 12, 10)]
    # Not a number that is no date (month 13), nor part of a longer number (an organisation number).
    assert find_dates("Dnr 20241399, organisationsnummer 202012101234") == []
    (tmp_path / "20210114").mkdir()
    _, meeting = markdown_meeting(tmp_path / "20210114", "agenda.md",
                                  "# Agenda & mötesanteckningar\n\n## Anteckningar\n\nMartin gick igenom anteckningarna från förra mötet.\n")
    assert meeting.date == dt.date(2021, 1, 14)


def test_attendance_in_a_table_a_person_a_row(tmp_path):
    """An association's minutes (Word from LaTeX, and the same as Markdown) list who attended in a
    table: "Närvarande" in the first cell of the first row, a person and a role a row below it. The
    Markdown's rows had given no attendee, the Word table (a cell a line) only the first."""
    _, meeting = markdown_meeting(tmp_path, "2018-08-16_styrelsemote.md",
        "**Protokoll fört vid Styrelsemöte**\n\n|   |   |   |\n|:--|:--|---|\n| Tidpunkt | 2018-08-16, 18:09 | |\n"
        "| Närvarande | August Eriksson | Ordförande |\n| | Jens Lindholm | Sekreterare |\n"
        "| | Frida Mikkilä | Vice ordförande |\n\n# 1 Mötets öppnande\n\nAugust Eriksson förklarade mötet öppnat.\n"
        "\n# 2 Ekonomi\n\nKassören redogjorde för ekonomin och budgeten för hösten.\n")
    assert meeting.attendees == ["August Eriksson, Ordförande", "Jens Lindholm, Sekreterare", "Frida Mikkilä, Vice ordförande"]
    lines = [Line(n, t, style="table") for n, t in enumerate(
        ["Närvarande", "August Eriksson", "Ordförande", "", "Jens Lindholm", "Sekreterare", "", "Frida Mikkilä",
         "Vice ordförande"], start=1)]
    word = parse_minutes(Document(Path("2018-08-16_styrelsemote.docx"), [Line(0, "Protokoll fört vid Styrelsemöte")]
                                  + lines + [Line(20, "1 Mötets öppnande", style="heading", level=1),
                                             Line(21, "August Eriksson förklarade mötet öppnat.")]))
    assert word.attendees == ["August Eriksson, Ordförande", "Jens Lindholm, Sekreterare", "Frida Mikkilä, Vice ordförande"]


def test_attendance_in_a_table_whatever_the_roles_and_in_columns_of_spaces(tmp_path):
    """LUDD's minutes as Markdown and as pandoc's plain text: a row's role need not be one kb
    knows ("Kassör tillika justeringsperson", "Medlem", none), and the text sets the table in
    columns of spaces with a blank line between rows. The Markdown and the Word table (a cell a
    line) had listed the attendees up to the first such role, the text only the first."""
    rows = [("August Eriksson", "Ordförande"), ("Jens Lindholm", "Sekreterare"),
            ("Fredrik Pettersson", "Kassör tillika justeringsperson"), ("Niklas Ulfvarson", "Medlem"), ("Johan Jatko", "")]
    points = "\n# 1 Mötets öppnande\n\nAugust Eriksson förklarade mötet öppnat.\n\n# 2 Ekonomi\n\nKassören redogjorde för ekonomin.\n"
    expected = [f"{name}, {role}" if role else name for name, role in rows]  # in every format alike
    markdown = "**Protokoll fört vid Styrelsemöte**\n\n|  |  |  |\n|:--|:--|---|\n| Tidpunkt | 2018-08-21, 16:06 |  |\n" + "".join(
        f"| {'Närvarande' if n == 0 else ''} | {name} | {role} |\n" for n, (name, role) in enumerate(rows))
    document, meeting = markdown_meeting(tmp_path, "2018-08-21_styrelsemote.md", markdown + points)
    assert meeting.attendees == expected
    assert_nothing_lost(document, meeting)
    rule = "  " + "-" * 20 + " " + "-" * 27 + " " + "-" * 40
    text = "Protokoll fört vid Styrelsemöte\n\n" + rule + "\n  Tidpunkt             2018-08-21, 16:06\n\n" + "\n\n".join(
        f"  {'Närvarande' if n == 0 else '':<19}  {name:<26}  {role}".rstrip() for n, (name, role) in enumerate(rows)) \
        + "\n" + rule + "\n\n1 Mötets öppnande\n\nAugust Eriksson förklarade mötet öppnat.\n\n2 Ekonomi\n\nKassören redogjorde för ekonomin.\n"
    path = tmp_path / "2018-08-21_styrelsemote.txt"
    path.write_text(text, encoding="utf-8")
    document = read_document(path)
    meeting = parse_minutes(document)
    assert meeting.attendees == expected, text
    assert not any("Jens Lindholm" in item.text for item in meeting.items)
    assert_nothing_lost(document, meeting)
    cells = ["Närvarande"] + [cell for name, role in rows for cell in (name, role) if cell]  # Word: a cell a line
    word = parse_minutes(Document(Path("2018-08-21_styrelsemote.docx"), [Line(0, "Protokoll fört vid Styrelsemöte")]
                                  + [Line(n, cell, style="table") for n, cell in enumerate(cells, start=1)]
                                  + [Line(20, "1 Mötets öppnande", style="heading", level=1),
                                     Line(21, "August Eriksson förklarade mötet öppnat.")]))
    assert word.attendees == expected


def test_attendance_in_a_pdf_table_whose_roles_wrap_in_their_cells():
    """LUDD's Typst PDFs read their attendance table a row a line, the cells run together, and a
    long role wraps in its cell onto a line of its own ("justeringsperson", "dförande" of
    "mötesor-"). The list had stopped there: 1 to 4 of up to 11 people."""
    meeting = parse_minutes(text_document(
        "Protokoll fört vid Styrelsemöte\n\nNärvarande Anton Johansson Ledamot tillika mötesor-\ndförande\n"
        "Jens Lindholm Sekreterare\nFrida Mikkilä Vice Ordförande tillika\njusteringsperson\n"
        "Edvin Åkerström Ledamot\nOscar Brink Medlem\n\n1 Mötets öppnande\n\nAnton Johansson förklarade mötet öppnat.\n",
        "2019-04-24_styrelsemote.pdf"))
    # as the same table reads from Word or Markdown: a name, a comma, the role
    assert meeting.attendees == ["Anton Johansson, Ledamot tillika mötesordförande", "Jens Lindholm, Sekreterare",
                                 "Frida Mikkilä, Vice Ordförande tillika justeringsperson", "Edvin Åkerström, Ledamot",
                                 "Oscar Brink, Medlem"]
    assert not any("justeringsperson" in item.text for item in meeting.items)


def test_numbered_sentences_are_list_entries_not_agenda_points():
    meeting = parse_minutes(text_document(
        "Möte 2024-03-18\n\n§ 1 Ekonomi\n1. Kostnaderna har ökat kraftigt.\n2. Intäkterna ligger kvar.\n"
        "37 miljoner\n§ 2 Avslut\nMötet avslutades efter att ordföranden tackat alla för en god diskussion."
    ))
    assert [i.title for i in meeting.items] == ["§ 1 Ekonomi", "§ 2 Avslut"]


def test_attendance_on_one_line_and_speakers_in_past_tense():
    meeting = parse_minutes(text_document(
        "Styrelsemöte 18 mars 2024\n\nNärvarande: Anna Berg, Peter Andrén och Olle Martinell\n\n"
        "1. Mötets öppnande\nOrdförande Peter Andrén öppnade mötet.\n"
        "2. Information\nMartin Hellström (Almi) informerade om lånen.\nMats Forslund berättade om turismen.\n"
        "Nästa möte 18/4."
    ))
    assert meeting.date == dt.date(2024, 3, 18)
    assert meeting.attendees == ["Anna Berg", "Peter Andrén", "Olle Martinell"]
    assert [(i.title, i.section, i.speaker) for i in meeting.items] == [
        ("1. Mötets öppnande", None, "Peter Andrén"), ("2. Information", None, "Martin Hellström, Mats Forslund"),
    ]


def test_names_with_letters_beyond_swedish_and_speakers_without_their_titles():
    """A Norwegian or Czech name is a name ("Stian Rødven Eide" had been read as the role of the
    person before him); and a word of title before a speaker's name ("Talman", "Motionären",
    "Skyddsombud", as a student section's minutes write them) is not part of the name where the
    minutes name the person without it too. A name the minutes always write whole stays whole."""
    meeting = parse_minutes(text_document(
        "Sektionsmöte 7 oktober 2020\n\nNärvarande: Ruben Seyer, Stian Rødven Eide, Ajša Ćuprija och Bert Olof Öjerskog\n\n"
        "1. Mötets öppnande\nTalman Ruben Seyer öppnar mötet klockan 17.30.\n"
        "2. Motion om ny sektionsfana\nMotionären Ajša Ćuprija presenterar motionen om en ny fana. Den gamla är "
        "sliten efter tjugo år, och en offert på 12 000 kronor har kommit in från en brodös i Lund.\n"
        "3. Mötestider\nBert Olof Öjerskog yrkar att mötena ska börja klockan 17.00 i stället för 16.00, så att de "
        "som har laboration på eftermiddagen hinner komma.\n"
    ))
    assert meeting.attendees == ["Ruben Seyer", "Stian Rødven Eide", "Ajša Ćuprija", "Bert Olof Öjerskog"]
    assert [item.speaker for item in meeting.items] == ["Ruben Seyer", "Ajša Ćuprija", "Bert Olof Öjerskog"]


def test_a_numbered_title_that_runs_into_its_text_ends_at_its_stop():
    """Some associations write a point as one paragraph, its title run into its text ("6. Festen.
    Stian ansvarar för filmen ..."), as a PDF's lines of 90 characters; the item's title had been
    the whole first line. A short title stays whole, and what is run in stays in the item's text."""
    import textwrap

    more = " Det finns ett egenvärde i att fler är med, och frågan tas upp igen på nästa möte i april." * 3
    points = ["1. Mötets öppnande\nStefan Kangas öppnade mötet.", "2. Som mötesfunktionärer valdes\n(a) Stefan till "
              "ordförande, (b) Gustav till sekreterare och (c) Stian till justeringsperson.",
              f"3. Föregående mötesprotokoll. Anteckningarna från förra mötet lästes upp.{more}",
              f"4. Festen. Stian ansvarar för filmen. Stefans presentation blir på svenska.{more}",
              f"5. Frågan om ansvarsfrihet: Styrelsen beviljades ansvarsfrihet för det gångna året.{more}",
              f"6. Hemsidan.\nJonny ska tillsammans med Stefan titta på förbättringar av sidan.{more}",
              "7. Mötet avslutades."]
    meeting = parse_minutes(text_document(
        "Protokoll, styrelsemöte\n10 mars 2011\n\nNärvarande: Stefan Kangas, Gustav Eek\n\n"
        + "\n\n".join("\n".join(line for part in point.split("\n") for line in textwrap.wrap(part, 90)) for point in points)
        + "\n", "2011-03-10_styrelsemote.pdf"))
    titles = [item.title for item in meeting.items]
    assert titles[-4:] == ["3. Föregående mötesprotokoll.", "4. Festen.", "5. Frågan om ansvarsfrihet:", "6. Hemsidan."], titles
    assert meeting.items[-3].text.startswith("4. Festen. Stian ansvarar för filmen.")


@pytest.mark.parametrize("header, place", [
    ("Plats: Zoom", "Zoom"),
    ("Plats och tid för sammanträde Kungsbackarummet, Storgatan 37 Klockan 08:30-11:00", "Kungsbackarummet, Storgatan 37"),
    ("Plats och tid för justering Digital justering\nPlats och tid Stadshuset, kl. 18.30", "Stadshuset"),
    ("Sammanträdesplats Stadshuset, stadsstyrelsens rum", "Stadshuset, stadsstyrelsens rum"),
    ("| Tidpunkt | 2018-08-16, 18:09 |\n| Plats | T1 |", "T1"),
    ("  Tidpunkt          2018-08-16, 18:09\n\n  Plats             T1", "T1"),
    ("Plats och tid\n\nRumlaborg, Stadshuset Huskvarna kl. 08:15 – 11:50.", "Rumlaborg, Stadshuset Huskvarna"),
    ("Location: Online, Google Meeting", "Online, Google Meeting"),
    ("Tidpunkt 2018-08-16, 18:09\nPlats T1", "T1"),
    ("Lokal till NWERC fixad.", None),
])
def test_where_the_meeting_was_held_is_meeting_metadata(header, place):
    """The place, as the header labels it in the surveyed templates: after a colon, in a table's
    next cell, in columns of spaces, after a municipal label, on the line after a label alone; not
    where the minutes are checked ("justering"), and not a sentence that opens with the word."""
    meeting = parse_minutes(text_document(
        f"Styrelsemöte 2024-03-18\n\n{header}\n\n1. Ekonomi\nKassören redogjorde för budgeten.\n"))
    assert meeting.place == place


def test_a_table_of_contents_is_set_aside_and_points_keep_their_two_line_titles():
    lines = [
        "Protokoll 2024-03-18", "", "Innehåll", "",
        "§ 1 Dnr KS-2024-00001", "Budget för 2025 ........................ 2", "",
        "§ 2 Dnr KS-2024-00002", "Ny förskola i Frillesås ................ 3", "",
        "§ 1                      Dnr KS-2024-00001", "Budget för 2025", "",
        "Beslut", "Kommunstyrelsen godkänner budgeten för 2025 med ett överskott på 42 miljoner kronor.", "",
        "§ 2                      Dnr KS-2024-00002", "Ny förskola i Frillesås", "",
        "Beslut", "Kommunstyrelsen beslutar att bygga en ny förskola i Frillesås med sex avdelningar.",
    ]
    meeting = parse_minutes(text_document("\n".join(lines)))
    assert meeting.contents_lines == [3, 5, 6, 8, 9]
    assert [i.title for i in meeting.items] == [
        "§ 1 Dnr KS-2024-00001 Budget för 2025", "§ 2 Dnr KS-2024-00002 Ny förskola i Frillesås",
    ]
    assert meeting.items[1].decision.startswith("Kommunstyrelsen beslutar att bygga")


def test_a_contents_entry_with_few_dots_and_a_contents_of_one_entry_are_set_aside():
    """Municipal protocols (Markdown from their PDFs): an entry whose title left room for three
    dots ("... utlänningsförordningen ...12") had stayed an item after the entries above it were
    set aside; and a protocol of one paragraph lists that one, dots across the line, which had
    been an item repeating the point's title."""
    lines = [
        "Protokoll 2026-02-19", "", "Innehåll", "",
        "§27", "Nedläggning av faderskapsutredning enligt 2 kap 7 § föräldrabalken ............10", "",
        "§28", "Ansökan om vårdnadsöverflyttning enligt 6 kap 8 § föräldrabalken ..........11", "",
        "§29", "Ansökan om främlingspass enligt 2 kap 14 a § utlänningsförordningen ...12", "",
        "§ 28 Ansökan om vårdnadsöverflyttning", "", "Beslut", "Nämnden bifaller ansökan om vårdnadsöverflyttning.", "",
        "§ 29 Ansökan om främlingspass", "", "Beslut", "Nämnden tillstyrker ansökan om främlingspass.",
    ]
    meeting = parse_minutes(text_document("\n".join(lines)))
    assert meeting.contents_lines == [3, 5, 6, 8, 9, 11, 12]
    assert [item.title for item in meeting.items] == ["§ 28 Ansökan om vårdnadsöverflyttning", "§ 29 Ansökan om främlingspass"]

    lines = [
        "Protokoll 2024-04-18", "", "Innehåll", "", "§ 93 Dnr 2024-00134",
        "Svar på Klimat- och näringslivsdepartementets remiss av betänkandet",
        "Areella näringar vid vatten (SOU 2023:103) ................................................ 3", "",
        "§ 93                       Dnr 2024-00134", "Svar på Klimat- och näringslivsdepartementets remiss av betänkandet",
        "Areella näringar vid vatten (SOU 2023:103)", "",
        "Beslut", "Byggnadsnämnden antar yttrande, daterat 2024-03-25, och översänder det som sitt svar till kommunstyrelsen.", "",
        "Sammanfattning av ärendet", "Klimat- och näringslivsdepartementet har begärt Kungsbacka kommun att yttra sig över betänkandet.",
    ]
    meeting = parse_minutes(text_document("\n".join(lines)))
    assert meeting.contents_lines == [3, 5, 6, 7]
    # The one paragraph is the protocol's point, not a heading over the document: its title stays the item's.
    assert meeting.items[0].text.startswith("§ 93 Dnr 2024-00134 Svar på Klimat"), meeting.items[0].text
    assert "Byggnadsnämnden antar yttrande" in meeting.items[0].text
    assert {item.title for item in meeting.items} == {meeting.items[0].title} and meeting.items[0].title.startswith("§ 93")


def test_a_point_number_touching_its_title_still_numbers_the_point(tmp_path):
    """An annual meeting's PDF sets every line in the same bold heading style, the first point
    as "1.Mötets öppnande" and a sentence under it ("Förklarade ordföranden mötet för öppnat"):
    without the first number, that sentence had become the section of every point after it."""
    points = ["2. Val av mötesordförande jämte protokollförare", "3. Val av justeringsmän", "4. Fastställande av röstlängd",
              "5. Fråga om mötet är stadgeenligt utlyst", "6. Föredragning av verksamhetsberättelse"]
    text = "# Årsstämma 2018\n\n## 1.Mötets öppnande\n\n## Förklarade ordföranden mötet för öppnat\n\n" + "".join(
        f"## {title}\n\nÅrsstämman behandlade punkten och fattade beslut enligt styrelsens förslag.\n\n" for title in points)
    _, meeting = markdown_meeting(tmp_path, "2018-04-09_arsstamma.md", text)
    assert [item.section for item in meeting.items if item.title in points] == [None] * len(points)


def test_labelled_lines_of_when_and_where_set_as_headings_are_the_headers(tmp_path):
    """An annual meeting's PDF sets every line in bold, the date and place too ("Datum: 9 april
    2018", "Plats: OSS kansli, ..."): they had led into the first point's item."""
    points = "".join(f"### {n}. {title}\n\nÅrsstämman behandlade punkten och fattade beslut enligt förslaget.\n\n" for n, title in
                     enumerate(["Mötets öppnande", "Val av mötesordförande", "Val av justeringsmän", "Fastställande av röstlängd",
                                "Fråga om mötet är stadgeenligt utlyst"], start=1))
    _, meeting = markdown_meeting(tmp_path, "2018-04-09_arsstamma.md", "# Årsstämma 2018\n\n## Föreningen Öppen Programvara\n\n"
                                  "### Datum: 9 april 2018\n\n### Plats: OSS kansli, Klara Norra kyrkogata 31\n\n" + points)
    assert meeting.items[0].text.startswith("1. Mötets öppnande"), meeting.items[0].text
    assert meeting.place == "OSS kansli, Klara Norra kyrkogata 31"


def test_closing_signature_pages_are_not_content():
    body = [f"§ {n} Punkt {n}\nStyrelsen diskuterade punkt {n} och beslutade att gå vidare med förslaget." for n in (1, 2)]
    text = "Protokoll 2024-03-18\n\n" + "\n\n".join(body) + "\n\f" + "Undertecknat av följande personer\n\nLISA ANDERSSON\n" \
        "Datum: 2024-03-18 12:38:55\nTransaktionsidentitet: 9C7F35670C0AF707B262F0A4"
    path = Path("p.txt")
    from kb.readers.text import text_lines
    document = Document(path, text_lines(path, text.encode()))
    meeting = parse_minutes(document)
    assert "LISA ANDERSSON" not in "\n".join(i.text for i in meeting.items)
    assert_nothing_lost(document, meeting)


def test_a_group_of_points_is_never_one_item_however_small():
    said = "is discussed and the board agrees on who does what before the next board meeting."
    meeting = parse_minutes(Document(Path("m.md"), [
        Line(1, "Board Meeting 2025-06-17", None, "heading", 0), Line(2, ""),
        Line(3, "Members", None, "heading", 0), Line(4, "Helio, Soumya, Nikita and Jahanzeb were present today, and Anna joined for the second half."),
        Line(5, "Minutes of Meeting", None, "heading", 0),
        Line(6, "DjangoGirls", None, "heading", 1), Line(7, f"The DjangoGirls workshop {said}"),
        Line(8, "Finances", None, "heading", 1), Line(9, f"Closing last year's books {said}"),
        Line(10, "Sponsors", None, "heading", 1), Line(11, f"Reaching out to sponsors {said}"),
    ]))
    assert [(i.title, i.section) for i in meeting.items][1:] == [
        ("DjangoGirls", "Minutes of Meeting"), ("Finances", "Minutes of Meeting"), ("Sponsors", "Minutes of Meeting"),
    ]


def test_a_title_with_a_line_under_it_is_a_section_only_when_the_line_is_a_name():
    meeting = parse_minutes(text_document(
        "Anteckningar 2024-03-18\n\n▪ Läget i länet\n– Region JH\n\n▪ Turism\n– Fler besökare än i fjol\n"
        "▪ Handel\n– Julhandeln gick bra\n\n▪ Teknik\n– Svårt att hitta folk\n\n▪ Industrin\n– Orderingången ökar"
    ))
    assert [(i.title, i.section, i.organisation) for i in meeting.items][:2] == [
        ("Turism", "Läget i länet", "Region JH"), ("Handel", "Läget i länet", "Region JH"),
    ]
    assert "Svårt att hitta folk" in [line for i in meeting.items for line in i.lines]


def test_headings_marked_with_equals_signs_are_headings():
    """AsciiDoc's and Typst's "= Title" / "== Section" and MediaWiki's "== Section ==", as some
    write minutes in a text or Markdown file: the marks go, the lines are titles, and a title is
    never joined to the line under it."""
    said = " Frågan diskuterades ingående av de närvarande medlemmarna, som var överens om att återkomma till den."
    meeting = parse_minutes(text_document(
        "= Årsmöte 2022\n\n== Val av mötesordförande\nAnna Berg valdes till ordförande för mötet." + said * 3 + "\n\n"
        "== Ekonomisk rapport ==\nKassören redovisade ett underskott på 281 kronor för 2021." + said * 3 + "\n\n"
        "== Mötets avslutande\nOrdföranden avslutade mötet klockan 19.30 och tackade alla." + said * 3
    ))
    assert meeting.title == "Årsmöte 2022"
    assert [item.title for item in meeting.items] == ["Val av mötesordförande", "Ekonomisk rapport", "Mötets avslutande"]
    assert not any("=" in item.text for item in meeting.items)
    assert meeting.items[1].lines[0] == "Ekonomisk rapport"
    assert meeting.items[1].lines[1].startswith("Kassören redovisade")


def test_those_called_but_not_listed_as_present_are_absent_and_no_one_is_listed_twice():
    """LiTHe kod's minutes list who was called ("Kallade") and who was present ("Närvarande")."""
    said = " Mötet diskuterade frågan ingående och kom fram till att återkomma till den vid nästa möte."
    meeting = parse_minutes(text_document(
        "Mötesprotokoll LiTHe kod\n13 oktober 2021\n\nKallade\n• Victor Lells\n• Erik Mattfolk\n• Edvard Thörnros\n\n"
        "Närvarande\n• Victor Lells\n• Erik Mattfolk\n\nMötets öppnande 12:15\n\nGDPR\n\nEj svar ännu." + said
    ))
    assert meeting.attendees == ["Victor Lells", "Erik Mattfolk", "Edvard Thörnros (frånvarande)"]
    called_only = parse_minutes(text_document(
        "Styrelsemöte\n13 oktober 2021\n\nKallade\n• Victor Lells\n• Erik Mattfolk\n\nGDPR\n\nEj svar ännu." + said
    ))
    assert called_only.attendees == ["Victor Lells", "Erik Mattfolk"]


def test_an_attendance_list_as_a_numbered_point_with_a_name_a_line_and_space_between():
    """"2 Närvarolista" and one bulleted name a line, with blank lines between them as a PDF's
    list items come out: the names are the attendance, not an item; the list ends where a line is
    not one name."""
    said = " Mötet diskuterade frågan ingående och kom fram till att återkomma till den vid nästa möte."
    meeting = parse_minutes(text_document(
        "Årsmötesprotokoll 2021\n\n2021-03-22\n\n1 Öppnande av mötet\n\nElis Hirwing öppnar mötet 19:08." + said + "\n\n"
        "2 Närvarolista\n\n• Adam Chodorowski\n\n• Caroline Hirwing\n\n• Elis Hirwing\n\n"
        "3 Mötesfunktionärer\n\nMötet väljer Katarina Eriksson till mötesordförande." + said * 2
    ))
    assert meeting.attendees == ["Adam Chodorowski", "Caroline Hirwing", "Elis Hirwing"]
    assert not any("Närvarolista" in line or "Chodorowski" in line for item in meeting.items for line in item.lines)
    assert any(item.title == "3 Mötesfunktionärer" for item in meeting.items)


def test_attendance_lists_labelled_in_english():
    """Some Swedish associations keep their minutes in English (Python Sverige): "Present board
    members:" and "Absent:" label the lists as "Närvarande" and "Frånvarande" do."""
    said = " The board discussed the matter at length and agreed to return to it at the next meeting."
    meeting = parse_minutes(text_document(
        "Board meeting 2023-05-23\n\nPresent board members:\n- Christine Winter\n- Anwesha Das\n\n"
        "Absent: Alexander Hultner\n\nBudget\n\nThe treasurer presented the budget." + said
    ))
    assert meeting.attendees == ["Christine Winter", "Anwesha Das", "Alexander Hultner (frånvarande)"]
    assert [item.title for item in meeting.items] == ["Budget"]
    sentence = parse_minutes(text_document(
        "Board meeting 2016-10-19\n\nHack day\n\nAttendees can listen to a few talks and pick a project." + said
    ))
    assert sentence.attendees == [] and "Attendees can listen" in sentence.items[0].text


def test_headings_beside_the_paragraph_numbered_points_are_inside_them(tmp_path):
    """A Finland-Swedish committee numbers its points "43 §" in bold headings, and under "43 §
    Anmälningsärenden" lists "1. Evenemang ...", "Utställningar ..." in bold headings of the same
    size. Beside §-numbered points such headings are parts of the point they follow; as siblings
    of the points they had become the section of every point after them."""
    said = " Nämnden antecknade informationen för kännedom och tackade för presentationen."
    path = tmp_path / "2022-09-15_protokoll.md"
    path.write_text("Protokoll 15.9.2022\n\n## 42 § Presentation av International Club\n\nKursen presenterades." + said +
                    "\n\n## 43 § Anmälningsärenden\n\nBeredning: välfärdschefen.\n\n## 1. Evenemang och aktiviteter\n\n"
                    "## Utställningar i stadsbiblioteket\n\nInspect, en utställning om invasiva växtarter." + said +
                    "\n\n## 2. Öppethållningstider vid Pepparkakshuset\n\nTisdag till onsdag kl. 17-21." + said +
                    "\n\n## 44 § Rekrytering av välfärdschef\n\nTjänsten lediganslås." + said * 2 +
                    "\n\n## 45 § Budgetuppföljning\n\nUtfallet följer budgeten." + said, encoding="utf-8")
    meeting = parse_minutes(read_document(path))
    assert meeting.date == dt.date(2022, 9, 15)
    later = [item for item in meeting.items if item.title.startswith(("44 §", "45 §"))]
    assert len(later) == 2 and all(item.section is None for item in later), [(i.title, i.section) for i in later]
    inside = [item for item in meeting.items if "Pepparkakshuset" in item.text or "Inspect" in item.text]
    assert inside and all(item.title.startswith("43 §") or (item.section or "").startswith("43 §") for item in inside), \
        [(i.title, i.section) for i in inside]


def test_a_heading_that_is_only_the_paragraph_number_takes_the_next_heading_as_its_title(tmp_path):
    """Markdown converted from a municipal PDF sets the number and the title as two headings
    ("## **§ 119**" / "## **Gallring ...**", or "# **Sammanträdestider ...**" a level above), and
    the contents' title ("## Innehåll") as a heading of the same style: the number and title are
    one point's title, and the contents' title is no section over the points."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt förslag till nämnden."
    path = tmp_path / "2024-10-15_protokoll.md"
    path.write_text("Sammanträdesprotokoll 2024-10-15\n\n## **Innehåll**\n\n| § | 119 | Gallring | 10 |\n| § | 120 | Prao | 12 |\n\n"
                    "## **§ 119**\n\n## **Gallring av handlingar i kostsystemet Matilda**\n\n## **Sammanfattning**\n\n"
                    "Det gamla systemet avvecklas." + said * 3 + "\n\n## **Yrkanden**\n\nOrdföranden yrkar bifall." + said +
                    "\n\n## **§ 120**\n\n## **Gallring i Praoportalen**\n\n## **Sammanfattning**\n\nPortalen byts ut." + said * 3 +
                    "\n\n## **§ 121**\n\n# **Sammanträdestider 2025**\n\nNämnden fastställer tiderna." + said +
                    "\n\n## **§ 122**\n\n## **Val av ersättare**\n\nNämnden väljer Anna Berg." + said,
                    encoding="utf-8")
    meeting = parse_minutes(read_document(path))
    paths = [" > ".join(part for part in (item.section, item.title) if part) for item in meeting.items]
    assert any("§ 119 Gallring av handlingar i kostsystemet Matilda" in p for p in paths), paths
    assert any("§ 120 Gallring i Praoportalen" in p for p in paths) and any("§ 121 Sammanträdestider 2025" in p for p in paths), paths
    # The title set a level above its number ("## **§ 121**" / "# **Sammanträdestider 2025**") is
    # no section over the points after it.
    assert any(p.startswith("§ 122 Val av ersättare") for p in paths), paths
    assert not any("Innehåll" in (item.section or "") for item in meeting.items if "§ 1" in " ".join((item.section or "", item.title))), paths


def test_an_attendance_list_set_as_a_table_of_names_and_roles():
    """A student section's template lists those present as a table, name and role, read line by
    line with no comma between ("Närvaro: Ella Svensson Ordförande" / "Loke Bahr Vice
    ordförande"), a long role hyphenated over two lines; the role's word had made the first line a
    sentence, and the whole list content."""
    said = " Styrelsen gick igenom läget och beslutade att återkomma till frågan vid nästa möte."
    meeting = parse_minutes(text_document(
        "Protokoll för styrelsemöte S06, 24 februari 2026\n\nNärvaro: Ella Svensson Ordförande\nLoke Bahr Vice ordförande\n"
        "Dag Hemberg Revisor\nFredrik Pettersson Kassör tillika juster-\ningsperson\n\n§1 Mötets öppnande\nElla Svensson förklarade mötet öppnat." + said +
        "\n\n§2 Budget\nBudgeten godkändes." + said
    ))
    assert meeting.attendees == ["Ella Svensson, Ordförande", "Loke Bahr, Vice ordförande", "Dag Hemberg, Revisor",
                                 "Fredrik Pettersson, Kassör tillika justeringsperson"]  # a role hyphenated over two lines
    assert not any("Hemberg" in item.text or "ingsperson" in item.text for item in meeting.items)
    assert name_and_role("Ella Svensson Ordförande") == "Ella Svensson, Ordförande"
    assert name_and_role("Loke Bahr Vice ordförande") == "Loke Bahr, Vice ordförande"
    assert name_and_role("Mötet beslutade att godkänna.") is None and name_and_role("Anna Berg (S), ordförande") is None


def test_attendance_run_together_on_one_line_as_a_converted_municipal_pdf_has_it(tmp_path):
    """A municipal PDF's column of members, converted to Markdown, runs together on one line under
    its label ("## **Beslutande**"): an entry per "Name (Party)", a substitute's "tjänstgör för"
    staying with them; officials' "Name, role" entries run together too ("utbildningschef
    förskola Charlotte Olsson"). Neither list is an item, and the place and time is no title."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt förslag till nämnden."
    path = tmp_path / "2024-10-15_protokoll.md"
    path.write_text(
        "**Sammanträdesprotokoll** Barn- och utbildningsnämnden\n\n2024-10-15\n\n## **Plats och tid**\n\n"
        "Rumlaborg, Stadshuset kl. 08:15 – 11:50.\n\n## **Beslutande**\n\n"
        "Christopher Rydell (S), ordförande Thomas Bolin (S) Anja Frid (V) tjänstgör för Berith Svensson (V) "
        "Kerstin Lindberg (MP) Thomas Wikström (M), kl. 08:15-11:15, §§ 115-128 Lena Hedell (M)\n\n"
        "## **Övriga närvarande:**\n\nErik Nilsson, utbildningsdirektör Claes Tidanå, avdelningschef samordningsavdelningen "
        "Charlotte Olsson, utbildningschef grundskola HR-chef Marie Söderberg, ekonomichef §§ 88, 89 Helena Hellman, personalchef\n\n"
        "## **§ 115**\n\n## **Budget 2025**\n\nNämnden antar budgeten." + said * 2 +
        "\n\n## **§ 116**\n\n## **Lokaler**\n\nNämnden godkänner hyresavtalet." + said * 2 + "\n", encoding="utf-8")
    meeting = parse_minutes(read_document(path))
    assert meeting.attendees == [
        "Christopher Rydell (S), ordförande", "Thomas Bolin (S)", "Anja Frid (V) tjänstgör för Berith Svensson (V)",
        "Kerstin Lindberg (MP)", "Thomas Wikström (M), kl. 08:15-11:15, §§ 115-128", "Lena Hedell (M)",
        "Erik Nilsson, utbildningsdirektör", "Claes Tidanå, avdelningschef samordningsavdelningen",
        "Charlotte Olsson, utbildningschef grundskola HR-chef", "Marie Söderberg, ekonomichef §§ 88, 89",
        "Helena Hellman, personalchef"]
    assert not any("Rydell" in item.text or "Tidanå" in item.text for item in meeting.items)
    assert meeting.title == "Sammanträdesprotokoll Barn- och utbildningsnämnden"


def test_attendance_labels_side_by_side_as_a_table_header_reads():
    """A two-column table of members read line by line: "Beslutande  Ledamöter  Tjänstgörande
    ersättare" is one label line, its names below; "Ersättare Tjänstepersoner Anna Flinck, ..." is
    a label line with the names after the last label."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt förslag till nämnden."
    meeting = parse_minutes(text_document(
        "Plats och tid för Kungsbackarummet, Storgatan 37 Klockan 16:30\nsammanträde\n"
        "Beslutande    Ledamöter                     Tjänstgörande ersättare\nJan Byvik (S), Ordförande\nKerstin Ohlsson (C)\n\n"
        "Ersättare Tjänstepersoner Anna Flinck, utvecklingsledare §§ 32, 34 Gustav Sjöström, ekonomichef\n\n"
        "§ 13 Budget\nNämnden antar budgeten." + said * 2 + "\n\n§ 14 Lokaler\nNämnden godkänner hyresavtalet." + said * 2,
        name="2024-05-06_protokoll.txt"))
    assert meeting.attendees == ["Jan Byvik (S), Ordförande", "Kerstin Ohlsson (C)",
                                 "Anna Flinck, utvecklingsledare §§ 32, 34", "Gustav Sjöström, ekonomichef"]
    # With the members' lines read as attendance, the header's first line leads the text; it names
    # no meeting for all its "sammanträde", and the page header's committee is the title.
    assert choose_title("Plats och tid för Kungsbackarummet, Storgatan 37 Klockan 16:30 sammanträde", "",
                        "Valnämnd", "2024-05-06_protokoll") == "Valnämnd"


def test_two_lists_of_attendance_side_by_side_in_columns_of_spaces():
    """A municipal PDF converted to Markdown sets substitutes and officials side by side ("Per
    Stenberg (M)              Sofia Jonsson, administrativ chef"), an official's role wrapping
    onto the next line in its column ("valsamordnare §13"): each line had been one attendee, two
    people and part of a third's role."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt förslag till nämnden."
    meeting = parse_minutes(text_document(
        "Valnämnd\n\nBeslutande    Ledamöter                     Tjänstgörande ersättare\nJan Byvik (S), Ordförande\n"
        "Övriga närvarande Ersättare                 Tjänstepersoner\n"
        "Per Stenberg (M)              Sofia Jonsson, administrativ chef\n"
        "Per Gunnarsson (S)            Anton Gille, assisterande\n"
        "Stefan Jägnert (SD)           valsamordnare §13\n"
        "Sadik Jusufi (L)              Kristina Gudmundson,\n\n"
        "Helena Nyborg (KD)            kommunsekreterare\nBert Öjerskog (V)\n\n"
        "§ 13 Budget\nNämnden antar budgeten." + said * 2 + "\n\n§ 14 Lokaler\nNämnden godkänner hyresavtalet." + said * 2,
        name="2024-05-06_protokoll.txt"))
    assert meeting.attendees == [
        "Jan Byvik (S), Ordförande", "Per Stenberg (M)", "Sofia Jonsson, administrativ chef", "Per Gunnarsson (S)",
        "Anton Gille, assisterande valsamordnare §13", "Stefan Jägnert (SD)", "Sadik Jusufi (L)",
        "Kristina Gudmundson, kommunsekreterare", "Helena Nyborg (KD)", "Bert Öjerskog (V)"]
    # A role in a column of its own goes with the person before it on the line.
    meeting = parse_minutes(text_document(
        "Styrelsemöte 2024-05-06\n\nNärvarande:\nAnna Berg    ordförande\nOlle Ek      kassör\n\n§ 13 Budget\n"
        "Nämnden antar budgeten." + said * 2 + "\n\n§ 14 Lokaler\nNämnden godkänner hyresavtalet." + said * 2))
    assert meeting.attendees == ["Anna Berg, ordförande", "Olle Ek, kassör"]


def test_a_small_point_that_answers_something_is_an_item_not_the_head_of_the_next():
    """A numbered point of one line ("6. Mötesfrekvens. Styrelsen ska ses varje vecka, ...") is an
    item of its own, not the first line of the long point after it; a title with a time under it
    ("1. Mötets öppnande / 18:05") still leads into the next item."""
    said = " Servern behöver mer minne och en ny disk innan fler medlemmar kan tas emot."
    meeting = parse_minutes(text_document(
        "Protokoll, styrelsemöte 2011-01-10\n\n1. Mötets öppnande\n18:05\n\n"
        "2. Ekonomi och rekrytering." + said * 4 + "\n\n"
        "3. Mötesfrekvens. Styrelsen ska ses varje vecka, till slutet av februari.\n\n"
        "4. Server-systemets utbyggnad." + said * 6 + "\n\n5. Hemsidan." + said * 3,
        name="2011-01-10_styrelsemote.txt"))
    texts = [item.text for item in meeting.items]
    assert "3. Mötesfrekvens. Styrelsen ska ses varje vecka, till slutet av februari." in texts, texts
    assert any(text.startswith("4. Server-systemets utbyggnad.") for text in texts), texts
    assert texts[0].startswith("1. Mötets öppnande\n18:05\n2. Ekonomi"), texts[0]


def test_a_title_line_repeated_on_the_title_page_is_read_once():
    """Word made from LaTeX by pandoc has the document's title as its Title paragraph and again on
    the title page."""
    said = " Mötet öppnas av talmannen, som konstaterar att mötet är utlyst i tid."
    meeting = parse_minutes(text_document(
        "Protokoll fört vid sektionsmöte\nFysikteknologsektionen\nProtokoll fört vid sektionsmöte\n25 februari 2021\n\n"
        "1. Mötets öppnande\nMötet öppnas 17.23." + said + "\n\n2. Val av justerare\nTarek och Mikael väljs." + said))
    assert meeting.title == "Protokoll fört vid sektionsmöte Fysikteknologsektionen", meeting.title


def test_a_table_rule_between_a_point_number_and_its_title():
    """Minutes typed in a table ("Punkt | Vad | Ansvar") come out of a PDF with the column rule
    between the number and the title: "4. | Ekonomi" is still point 4."""
    said = " Styrelsen gick igenom läget och beslutade att återkomma med ett förslag till nästa möte."
    meeting = parse_minutes(text_document(
        "Styrelsemöte nr 2\n\n2025-06-16\n\n3. | Föregående mötesprotokoll\nLagt till handlingarna." + said + "\n"
        "4. | Ekonomi\nKassören redovisade ekonomin." + said + "\n5. | Underhåll\nSanden i sandlådorna byts." + said
    ))
    assert [item.title for item in meeting.items] == ["3. | Föregående mötesprotokoll", "4. | Ekonomi", "5. | Underhåll"]


def test_sub_points_numbered_under_their_point_are_items_of_their_own():
    """"10 Övriga ärenden" with "10.1 Griffeltavla" and "10.2 Huvudsystemansvarig avgår" under it:
    two matters, two items, each under its point, though together they would fit in one (small
    ones still go together); a plain list inside a § point ("1. Att ...") stays in its point."""
    said = " Styrelsen diskuterade frågan och kom fram till hur den ska hanteras framöver."
    meeting = parse_minutes(text_document(
        "Styrelsemöte\n\n2018-09-25\n\n9 Ny kassör\n\nStyrelsen väljer Emil till kassör." + said + "\n\n"
        "10 Övriga ärenden\n\n10.1 Griffeltavla\n\nTavlan har blivit vandaliserad och behöver ersättas." + said * 2 + "\n\n"
        "10.2 Huvudsystemansvarig avgår\n\nMarcus avgår från sin post med anledning av flytt." + said * 2 + "\n\n"
        "11 Mötets avslutande\n\nOrdföranden avslutar mötet." + said
    ))
    titles = [(item.section, item.title) for item in meeting.items]
    assert ("10 Övriga ärenden", "10.1 Griffeltavla") in titles
    assert ("10 Övriga ärenden", "10.2 Huvudsystemansvarig avgår") in titles
    listed = parse_minutes(text_document(
        "Protokoll\n\n2024-03-11\n\n§ 4 Yrkanden\n\nFöljande yrkanden framställdes." + said + "\n"
        "1. Att förslaget bifalls i sin helhet." + said + "\n2. Att ärendet återremitteras." + said + "\n\n"
        "§ 5 Nästa möte\n\nNästa möte hålls i april." + said
    ))
    assert [item.title for item in listed.items] == ["§ 4 Yrkanden", "§ 5 Nästa möte"]


def test_a_list_numbered_again_from_one_under_a_point_is_inside_that_point():
    """Word's numbered lists in plain text (as pandoc writes them): "2 Formalia", then "1.  Val
    av mötesordförande" ... "3.  ...", then "3 Godkännande av dagordning" going on from 2. The
    list belongs to point 2; point 3 is no part of it."""
    said = " Mötet diskuterade frågan och beslutade i enlighet med förslaget från styrelsen."
    meeting = parse_minutes(text_document(
        "Protokoll fört vid styrelsemöte\n\n2018-09-25\n\n1 Mötets öppnande\n\nAugust förklarade mötet öppnat." + said + "\n\n"
        "2 Formalia\n\n1.  Val av mötesordförande\n\n- August valdes till mötesordförande." + said + "\n\n"
        "2.  Val av mötessekreterare\n\n- Jens valdes till mötessekreterare." + said + "\n\n"
        "3.  Val av justerare\n\n- Anton och Edvin valdes till justerare." + said + "\n\n"
        "3 Godkännande av dagordning\n\nStyrelsen beslutade att fastslå dagordningen som skickats ut." + said + "\n\n"
        "4 Ekonomi\n\nKassören redovisade att budgeten håller för hela verksamhetsåret." + said
    ))
    sections = {item.title: item.section for item in meeting.items}
    assert sections["3 Godkännande av dagordning"] is None and sections["4 Ekonomi"] is None, sections
    formalia = next(item for item in meeting.items if item.title == "2 Formalia")
    assert "Val av mötesordförande" in formalia.text and "Val av justerare" in formalia.text


def test_a_heading_too_long_for_its_line_goes_on_on_the_next():
    """A PDF sets a long heading on two or three lines in the same style: one heading, one title;
    two short headings one under the other stay two."""
    body = "Styrelsen har gått igenom vad som förlorades och vad som behöver återställas till hösten."
    meeting = parse_minutes(Document(Path("m.pdf"), [
        Line(1, "Protokoll fört vid styrelsemöte 2019-05-07", 1, "heading", 0), Line(2, "", 1),
        Line(3, "5 Ekonomi", 1, "heading", 1), Line(4, "", 1), Line(5, "Kassören redovisar läget. " + body, 1),
        Line(6, "", 1),
        Line(7, "6 Återställande av styrdokument, uppdaterade stadgar och", 1, "heading", 1),
        Line(8, "övrig dokumentation som förlorats i samband med intrång på", 1, "heading", 1),
        Line(9, "LUDDs Gitlab-server", 1, "heading", 1), Line(10, "", 1), Line(11, body, 1), Line(12, "", 1),
        Line(13, "7 Övrigt", 1, "heading", 1), Line(14, "Inventarier", 1, "heading", 1), Line(15, "", 1),
        Line(16, "Förrådet ska inventeras. " + body, 1),
    ]))
    titles = [item.title for item in meeting.items]
    assert "6 Återställande av styrdokument, uppdaterade stadgar och övrig dokumentation som förlorats i " \
           "samband med intrång på LUDDs Gitlab-server" in titles, titles
    assert not any(title.startswith("7 Övrigt Inventarier") for title in titles), titles


def test_agenda_points_are_the_shallowest_numerous_rank_though_candidates_outnumber_them(tmp_path):
    """A section's general meeting keeps a heading per candidate under each election: the
    candidates (12) outnumber the points (6), yet the points are the items' unit, and a small
    point with its candidates under it is one item."""
    said = "Mötet diskuterade frågan och kom fram till ett beslut efter en kort omröstning."
    parts = ["# Protokoll sektionsmöte", "", "6 maj 2021", ""]
    for point in ("Mötets öppnande", "Val av justerare", "Val av rösträknare", "Motioner", "Övriga frågor", "Mötets avslutande"):
        parts += [f"## {point}", "", said, ""]
    for post in ("Val av ordförande", "Val av kassör", "Val av sekreterare"):
        parts += [f"## {post}", ""]
        for name in ("Anna Berg", "Peter Andrén", "Olle Martinell", "Eva Holm"):
            parts += [f"### {name} ({post[7:]})", "", f"{name.split()[0]} presenterar sig kort.", ""]
        parts += ["Sektionsmötet beslutar att välja Anna Berg.", ""]
    (tmp_path / "sektionsmote.md").write_text("\n".join(parts), encoding="utf-8")
    items = parse_minutes(read_document(tmp_path / "sektionsmote.md")).items
    titles = [item.title for item in items]
    assert titles[:6] == ["Mötets öppnande", "Val av justerare", "Val av rösträknare", "Motioner", "Övriga frågor",
                          "Mötets avslutande"]
    assert titles[6:] == ["Val av ordförande", "Val av kassör", "Val av sekreterare"]
    assert all("Sektionsmötet beslutar att välja Anna Berg." in item.text for item in items[6:])


def test_a_decision_clause_leading_into_its_list_stays_in_its_point():
    """LaTeX minutes converted to Word: "Sektionsmötet beslutar" and the decided clauses as a
    list, the first ending in a colon over a sub-list. The clause is not a point of its own, nor
    the title of the point's last part."""
    rows = [
        ("Protokoll sektionsmöte 6 maj 2021", "heading", 0),
        ("Mötets öppnande", "heading", 0), ("Mötet öppnas 17.20 av talman Ruben Seyer.", None, None),
        ("Fastställande av föredragningslista", "heading", 0),
        ("Karin Hult yrkar på att flytta punkt §14 Propositioner till före punkt §13 Personval.", None, None),
        *[(f"Talare {n} anför skäl för och emot yrkandet, om tiden för personvalen och om hur länge mötet kan hålla "
           "på innan en paus behövs, och mötet diskuterar frågan en stund innan den går vidare.", None, None)
          for n in range(1, 8)],  # a point too long for one item: it is cut into parts
        ("Sektionsmötet beslutar", None, None),
        ("fastställa föredragningslistan med följande ändringar:", "list", 0),
        ("Flytta punkt §14 Propositioner till punkt §13.", "list", 1),
        ("Föregående mötesprotokoll", "heading", 0), ("Protokollet läggs till handlingarna.", None, None),
        ("Mötets avslutande", "heading", 0), ("Talmannen avslutar mötet 21.40.", None, None),
    ]
    document = Document(Path("m.docx"), [Line(n, t, None, s, l) for n, (t, s, l) in enumerate(rows, start=1)], wrapped=False)
    meeting = parse_minutes(document)
    decided = [item for item in meeting.items if "fastställa föredragningslistan med följande ändringar:" in item.lines]
    assert [item.title for item in decided] == ["Fastställande av föredragningslista"]
    assert decided[0].lines[-2:] == [
        "fastställa föredragningslistan med följande ändringar:", "Flytta punkt §14 Propositioner till punkt §13.",
    ]


def test_a_running_header_with_another_date_over_an_appended_protocol_is_still_a_header():
    """A protocol bound with an earlier one as its appendix: "Chalmers studentkår 2017-05-11" over
    its own pages, the same line with the earlier date over the appendix's, a page counter above."""
    said = "Mötet diskuterade frågan och beslutade efter en kort diskussion att bifalla förslaget."
    lines, number = [], 0
    for page in range(1, 7):
        date = "2017-05-11" if page <= 3 else "2017-04-19"
        body = [f"Datateknologsektionen Sidan {page} av 6", f"Chalmers studentkår {date}", ""]
        if page == 1:
            body += ["Protokoll sektionsmöte 2017-05-11", ""]
        body += [f"{page}.1 Punkt {page}", said, "", f"{page}.2 Fråga {page}", said]
        for text in body:
            number += 1
            title = text.startswith("Protokoll")  # set larger than the rest, as the PDF has it
            lines.append(Line(number, text, page, "heading" if title else None, 0 if title else None))
    meeting = parse_minutes(Document(Path("sektionsmote.pdf"), lines))
    headers = {line.number for line in lines if line.text.startswith(("Datateknologsektionen", "Chalmers"))}
    assert headers <= set(meeting.page_furniture_lines)
    assert not any("Chalmers studentkår" in item.text for item in meeting.items)


def test_a_numbered_point_with_nothing_under_it_is_no_section_over_the_next_number():
    """Python Sverige's notes: "1. Eric was elected as meeting chair" up to "5. ...", one line
    each, then "6. Type of conference:" with its discussion. Point 5 is not point 6's section."""
    said = "We discussed what kind of conference we want to arrange, and several options were raised."
    meeting = parse_minutes(text_document(
        "# Board meeting Python Sverige 2016-10-19\n\nNotes:\n\n1. Eric was elected as meeting chair\n"
        "2. Martin was elected as meeting secretary\n3. Negar and Andrey were elected to review meeting notes\n"
        "4. Eric started by reviewing notes from the last meeting\n"
        "5. Martin reviewed some of the feedback from the 2016 conference\n"
        f"6. Type of conference:\n{said} {said}\n\n7. Sponsors:\nWe need to start contacting sponsors. {said}\n",
        name="styrelsemote.md",
    ))
    assert {item.section for item in meeting.items} == {None}
    assert any("2. Martin was elected as meeting secretary" in item.lines for item in meeting.items)


def test_a_small_part_between_two_long_parts_of_its_point_goes_into_the_part_before():
    """A municipal protocol's point, read from its PDF: the decision, a two-line "Jäv" (who
    stepped aside), then a summary too long to take it in front. The small part had been an item
    of 80 characters; it goes into the decision's item, the part of the point before it."""
    path = ROOT / "eval" / "corpora" / "kungsbacka-teknik-au" / "2025-03-03_protokoll.pdf"
    items = parse_minutes(read_document(path)).items
    point = [item for item in items if item.title.startswith("§ 7 ")]
    assert len(point) >= 3, [item.text[:60] for item in items]
    assert point[0].text.startswith("§ 7 Dnr TE-2025-00105") and point[0].text.endswith(
        "Jäv\nAnders Eriksson (C) deltar inte i handläggningen av ärendet på grund av jäv."), point[0].text
    assert not [item.text for item in items if len(item.text) < 200 and item.text.startswith("Jäv")]


def test_small_parts_under_a_templates_labels_go_with_the_next_part_of_their_point(tmp_path):
    """A municipal template repeats its labels under every point ("Sammanfattning",
    "Beslutsunderlag", "Förslag", "Beslutsgång"): a small labelled part ("Beslutsunderlag" and one
    document) goes into the item of the next part of its point instead of standing alone, or, at
    the end of the point, into the item before it. A numbered sub-point
    ("5.1 Trappa") and a candidate's name in an election are matters of their own and still do."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt förslag till nämnden."
    point = ("## **§ {n} {title}**\n\n## **Sammanfattning**\n\n{what}" + said * 8 +
             "\n\n## **Beslutsunderlag**\n\nTjänsteutlåtande daterat 2024-09-{n:02d}\n\n"
             "## **Förvaltningens förslag**\n\nNämnden beslutar enligt förslaget." + said * 3 + "\n\n"
             "## **Beslutsgång**\n\nOrdföranden prövar förslaget och finner att nämnden bifaller det. Beslutet skickas till förvaltningen.\n\n")
    path = tmp_path / "2024-10-15_protokoll.md"
    path.write_text("Sammanträdesprotokoll 2024-10-15\n\n" + "".join(
        point.format(n=n, title=title, what=what) for n, title, what in (
            (19, "Gallring i kostsystemet", "Kostsystemet avvecklas."), (20, "Gallring i Praoportalen", "Portalen byts ut."),
        )), encoding="utf-8")
    items = parse_minutes(read_document(path)).items
    assert len(items) == 4, [item.text[:60] for item in items]
    assert items[1].text.startswith("Beslutsunderlag\nTjänsteutlåtande daterat 2024-09-19\nFörvaltningens förslag"), items[1].text
    assert (items[1].section or "").endswith("§ 19 Gallring i kostsystemet"), items[1].section
    # At the end of its point, a labelled part goes into the part before it.
    assert items[1].text.endswith("Beslutsgång\nOrdföranden prövar förslaget och finner att nämnden bifaller det. Beslutet skickas till förvaltningen."), items[1].text

    said = " Han tycker att det är roligt och vill bidra till sektionen under året."
    path = tmp_path / "2021-02-25_sektionsmote.md"
    path.write_text(
        "# Protokoll sektionsmöte 2021-02-25\n\n## 1. Mötets öppnande\n\nMötet öppnades 18:05." + said + "\n\n"
        "## 2. Pågående projekt\n\n### 2.1 Trappa\n\nJohan bygger en trappa när materialet har köpts in.\n\n"
        "### 2.2 Bardisk\n\nJohan bygger en bardisk." + said * 12 + "\n\n## 3. Personval\n\n### Val av ledamöter\n\n"
        "#### Anna Berg\n\nHon är 21 och har körkort, och har suttit i valberedningen i två år.\n\n#### Erik Dahl\n\nHan är 20." + said * 14 + "\n\n"
        "### Val av kassör\n\n#### Anna Berg\n\nHon vill sköta kassan." + said * 8 + "\n\n"
        "## 4. Mötets avslutande\n\nMötet avslutades 19:30." + said + "\n", encoding="utf-8")
    texts = [item.text for item in parse_minutes(read_document(path)).items]
    assert any(text.startswith("### 2.2 Bardisk") or text.startswith("2.2 Bardisk") for text in texts), texts
    assert not any("Hon är 21" in text and "Erik Dahl" in text for text in texts), texts  # a name recurs, and is no label


def test_page_numbers_alone_and_a_contents_table_are_no_content(tmp_path):
    """A municipal PDF converted to Markdown without page markers keeps each page's number alone
    on a line, in a running header ("Justerandes sign" / "3" / "Sammanträdesprotokoll ..." / the
    date), and its table of contents as a table whose rows end in page numbers: neither is
    content."""
    said = " Förvaltningen har gått igenom ärendet och lämnar sitt förslag till nämnden."
    header = "Justerandes sign\n\n{page}\n\n**Sammanträdesprotokoll** Barn- och utbildningsnämnden\n\n2024-10-15\n\n"
    document, meeting = markdown_meeting(tmp_path, "2024-10-15_protokoll.md",
        "**Sammanträdesprotokoll** Barn- och utbildningsnämnden\n\n2024-10-15\n\n## **Plats och tid**\n\n"
        "Rumlaborg, Stadshuset kl. 08:15 – 11:50.\n\n" + header.format(page=1) +
        "## **Innehåll**\n\n## **Sida**\n\n|§|119|Gallring av handlingar i kostsystemet||3|\n|---|---|---|---|---|\n"
        "|§|120|Gallring av information i Praoportalen||3 - 4|\n|§|121|Slutredovisning av Månsarps förskola||4|\n\n" +
        header.format(page=2) + "## **§ 119 Gallring av handlingar i kostsystemet**\n\nSystemet avvecklas." + said * 3 + "\n\n" +
        header.format(page=3) + "## **§ 120 Gallring av information i Praoportalen**\n\nPortalen byts ut." + said * 3 + "\n\n" +
        "## **§ 121 Slutredovisning av Månsarps förskola**\n\nProjektet blev klart i tid." + said * 3 + "\n\n" +
        header.format(page=4) + "## **§ 122 Övrigt**\n\nInget övrigt." + said + "\n")
    text = "\n".join(item.text for item in meeting.items)
    assert "Justerandes sign" not in text and "Sammanträdesprotokoll" not in text, text
    assert "Praoportalen||" not in text and "| 3 - 4" not in text and "Sida" not in text, text
    assert [item.title for item in meeting.items][-4:] == [
        "§ 119 Gallring av handlingar i kostsystemet", "§ 120 Gallring av information i Praoportalen",
        "§ 121 Slutredovisning av Månsarps förskola", "§ 122 Övrigt"]
    assert_nothing_lost(document, meeting)


def test_a_title_with_nothing_under_it_is_no_section_past_the_next_number(tmp_path):
    """Headings numbered in their text ("8 Övriga frågor" as a Word or Markdown heading) with
    nothing under them, and a heading that only reads as one ("Betyg: godkänd", a rating table's
    row in a surveyed annual meeting's PDF): the next number after the title's own, or after the
    number before it, is a sibling point, not a part of that section. Each had been the section of
    every point after it."""
    said = " Styrelsen redogjorde för läget och mötet diskuterade frågan utförligt."
    document, meeting = markdown_meeting(tmp_path, "2023-03-01_arsmote.md",
        "# Årsmöte 2023-03-01\n\n## 1 Mötets öppnande\n\nOrdföranden öppnade mötet." + said +
        "\n\n## 2 Utvärdering av bryggan\n\n## Betyg: godkänd\n\nBryggan har lagats och håller." + said +
        "\n\n## 3 Pumpen vid badet\n\nPumpen läcker och ska bytas före sommaren." + said +
        "\n\n## 4 Behandling av motioner\n\n## 5 Övriga frågor\n\n## 6 Mötets avslutande\n\n"
        "Ordföranden avslutade mötet och tackade alla för visat intresse." + said + "\n")
    by_title = {item.title: item for item in meeting.items}
    assert by_title["Betyg: godkänd"].section == "2 Utvärdering av bryggan"
    assert by_title["3 Pumpen vid badet"].section is None, [(i.title, i.section) for i in meeting.items]
    closing = by_title["6 Mötets avslutande"]
    assert closing.section is None and closing.text.startswith("4 Behandling av motioner\n5 Övriga frågor\n6 Mötets"), \
        [(i.title, i.section, i.text[:60]) for i in meeting.items]
    assert_nothing_lost(document, meeting)


def test_a_title_with_nothing_under_it_is_no_section_over_a_group_of_the_same_rank(tmp_path):
    """A housing co-operative's report of a house council meeting (a surveyed PDF): the questions
    from each house under "Hus 4", "Hus 6" (nothing from house 6), then "Information från
    styrelsen" in the same heading size over the board's own points. The empty "Hus 6" had been
    the section of every one of the board's points; it is a point with nothing to say, and leads
    into the next item."""
    said = " Styrelsen har följt upp frågan med leverantören och återkommer när den vet mer." * 4
    document, meeting = markdown_meeting(tmp_path, "2020-03-26_husradsmote.md",
        "# Gemensamt husrådsmöte 2020-03-26\n\n## Frågor från husråden\n\n### Hus 4\n\n"
        "Hur ska tömningen av soprummen fungera? I hus 4 har det varit ojämnt." + said +
        "\n\n### Hus 6\n\n### Information från styrelsen\n\n#### Nytt städavtal\n\n"
        "Vi har ett nytt städavtal från den första december." + said +
        "\n\n#### Relining\n\nReliningen av alla hus är avslutad." + said +
        "\n\n#### Garageinbrott\n\nI december fick vi påhälsning i garaget." + said +
        "\n\n## Mötets avslutande\n\nOrdföranden tackade alla för visat intresse.\n")
    by_title = {item.title: item for item in meeting.items}
    for title in ("Nytt städavtal", "Relining", "Garageinbrott"):
        assert by_title[title].section == "Frågor från husråden > Information från styrelsen", \
            [(i.title, i.section) for i in meeting.items]
    assert "Hus 6\nInformation från styrelsen\nNytt städavtal" in by_title["Nytt städavtal"].text
    assert_nothing_lost(document, meeting)


def test_markup_left_in_a_title_is_no_part_of_it():
    """A student association's PDFs were typeset from unrendered Markdown ("Mötesprotokoll ##LiTHe
    kod ##{}"), and a template left its brackets empty ("Minutes of meeting ()")."""
    assert meeting_title("Mötesprotokoll ##LiTHe kod ##{} 15 november 2016") == "Mötesprotokoll LiTHe kod"
    assert meeting_title("Minutes of meeting ()") == "Minutes of meeting"
    assert meeting_title("Styrelsemöte #3 2024-05-02") == "Styrelsemöte 3"


@pytest.mark.parametrize("lines, title", [
    # A Typst PDF's header table read as a line under the title
    (["Protokoll fört vid Styrelsemöte", "Luleå Universitets Datorförening", "Tidpunkt 2018-07-20, 18:33 - 19:07 Plats T1"],
     "Protokoll fört vid Styrelsemöte Luleå Universitets Datorförening"),
    (["Anteckningar från arbetsmöte", "2020-03-13 Zoom"], "Anteckningar från arbetsmöte"),
    (["Protokoll för Matteröds Hembygdsförenings årsmöte Den 4 augusti 2024, i Matteröds församlingshem "
      "Närvarande medlemmar; 28"], "Protokoll för Matteröds Hembygdsförenings årsmöte"),
    (["PROTOKOLL", "fört vid ordinarie föreningsstämma med",
      "HSB:s Bostadsrättsförening Imatra i Akalla den 28 april 2014 i Akalla By stora salen"],
     "PROTOKOLL fört vid ordinarie föreningsstämma med HSB:s Bostadsrättsförening Imatra i Akalla"),
    (["ÅRSMÖTE I TULLINGE GYMNASIUM DATORKLUBB ONSDAGEN DEN 23 SEPTEMBER 2020"], "ÅRSMÖTE I TULLINGE GYMNASIUM DATORKLUBB"),
    (["Gemensamt husrådsmöte våren 2020 (rev 2020-03-26)"], "Gemensamt husrådsmöte våren 2020"),
    # Who met, after the date and a comma, stays; so does what follows a date the title opens with
    (["Styrelsemöte S06, 24 februari 2026, D-sektionen inom TLTH"], "Styrelsemöte S06 D-sektionen inom TLTH"),
    (["2024-03-07 Styrelsemöte"], "Styrelsemöte"),
    (["Mötesprotokoll LiTHe kod", "12 November 2020"], "Mötesprotokoll LiTHe kod"),
])
def test_what_follows_the_date_of_a_title_is_when_and_where_not_the_title(lines, title):
    """Surveyed minutes of six issuers and LUDD's Typst PDFs had the place, the hour or the
    attendance count in their meeting's title, which every passage of the meeting carries."""
    assert meeting_title(title_before_date(lines)) == title


def test_a_heading_set_larger_than_every_heading_above_it_is_the_title(tmp_path):
    """A bathing club's PDF opens with a tagline at 13 points over its title at 28 and
    "Mötesprotokoll" under it: the tagline had been the meeting's title, and the title and
    "Mötesprotokoll" the section of all its points."""
    points = "".join(f"\n\n### {n}. Punkt nummer {n}\n\nStyrelsen diskuterade punkt {n} och beslutade att gå vidare med den." for n in range(1, 7))
    document, meeting = markdown_meeting(tmp_path, "arsmote.md",
        "### Vinterbögarna presenterar\n\n# Vinterbadarnas Årsmöte 2023\n\n## Mötesprotokoll" + points + "\n")
    assert "Vinterbadarnas Årsmöte" in meeting.title
    assert [(item.title, item.section) for item in meeting.items][:2] == [("1. Punkt nummer 1", None), ("2. Punkt nummer 2", None)]
    assert_nothing_lost(document, meeting)


def test_a_heading_that_is_only_the_date_belongs_to_the_title(tmp_path):
    """A student association's PDFs and a computer club's annual meetings head their minutes
    with the date alone, a gap below the title ("Mötesprotokoll LiTHe kod" / "12 November 2020",
    "2017-02-20" over "1 Öppnande av mötet"). The date had been the section of every point, or the
    title of the first item; it is the meeting's."""
    said = " Styrelsen diskuterade frågan och var enig om att gå vidare."
    document, meeting = markdown_meeting(tmp_path, "styrelsemote.md",
        "# Mötesprotokoll LiTHe kod\n\n## 12 November 2020\n\n## 1 Mötets öppnande\n\nMötet öppnades 12:17." +
        said + "\n\n## 2 NCPC\n\nTre lag och Edvard deltog, färre än förra året." + said +
        "\n\n## 3 Övrigt\n\nInga motioner till höstmötet." + said + "\n")
    assert (meeting.title, meeting.date) == ("Mötesprotokoll LiTHe kod", dt.date(2020, 11, 12))
    assert [(item.title, item.section) for item in meeting.items][0] == ("1 Mötets öppnande", None), \
        [(i.title, i.section) for i in meeting.items]
    assert not any("November" in item.text or "November" in (item.section or "") for item in meeting.items)
    assert_nothing_lost(document, meeting)


def test_a_heading_that_is_only_the_date_names_no_section(tmp_path):
    """An association's pdfTeX minutes run a header with the date above "Protokoll, styrelsemöte"
    and "26 januari 2011" in heading type, the points below them: the date had been the section
    of every point."""
    said = " Styrelsen diskuterade frågan och var enig."
    document, meeting = markdown_meeting(tmp_path, "styrelsemote.md",
        "FRIPOST föreningen för fri e-post 26 januari 2011\n\n## Protokoll, styrelsemöte\n\n## 26 januari 2011\n\n"
        "### 1. Mötet öppnades\n\nStian öppnade mötet." + said + "\n\n### 2. Släppfest\n\nFesten hålls i mars." + said +
        "\n\n### 3. Nästa möte\n\nNästa möte är torsdag den 3 februari." + said + "\n")
    assert meeting.date == dt.date(2011, 1, 26)
    assert [item.section for item in meeting.items] == [None] * len(meeting.items), \
        [(i.title, i.section) for i in meeting.items]
    assert_nothing_lost(document, meeting)


def test_an_agenda_listing_the_headings_after_it_is_a_table_of_contents(tmp_path):
    """A board's LaTeX minutes open with "Dagordning" in a larger heading over a bulleted list of
    the points, each of which follows as a heading of its own. The list is a table of contents:
    it had been the section of every point and an item of its own. A list of candidates whose
    names head their presentations after it is content, and so is a point that presents the
    agenda in a sentence before its list."""
    said = " Styrelsen diskuterade frågan och var enig."
    document, meeting = markdown_meeting(tmp_path, "2013-03-03_styrelse.md",
        "# Styrelsemöte 3 mars 2013\n\n## Dagordning\n\n- PR och marknadsföring\n- Hemsidan\n- Partiets budget 2013\n"
        "- Övrigt\n\n### PR och marknadsföring\n\nPR sköts framför allt genom sociala medier." + said +
        "\n\n### Hemsidan\n\nHemsidan ska hostas hos ett webbhotell tillsammans med domännamnet." + said +
        "\n\n### Partiets budget 2013\n\nPartiet har två utgiftsposter: webbsidan och bankkontot." + said +
        "\n\n### Val av kassör\n\nDet finns 3 sökande:\n\n- Anna Berg\n- Erik Lund\n- Sara Holm\n\n"
        "#### Anna Berg\n\nAnna vill sköta kassan." + said + "\n\n#### Erik Lund\n\nErik har läst ekonomi." + said +
        "\n\n#### Sara Holm\n\nSara har varit kassör förut." + said + "\n\n### Övrigt\n\nInget övrigt togs upp.\n")
    assert [item.title for item in meeting.items][:3] == ["PR och marknadsföring", "Hemsidan", "Partiets budget 2013"]
    assert all(item.section is None or "Dagordning" not in item.section for item in meeting.items), \
        [(i.title, i.section) for i in meeting.items]
    assert not any(item.text.startswith("Dagordning") for item in meeting.items)
    assert any("Det finns 3 sökande:\nAnna Berg\nErik Lund\nSara Holm" in item.text for item in meeting.items), \
        [i.text[:80] for i in meeting.items]
    assert_nothing_lost(document, meeting)


def test_decisions_in_the_passive_and_elections_are_what_was_decided():
    """"Medlemsavgiften beslutas till 150 kr", "Styrelsen beviljas ansvarsfrihet" and "Anna Berg
    valdes till kassör" decide as much as "beslutade": minutes from three issuers kb had not seen
    had no decision on such points."""
    meeting = parse_minutes(text_document(
        "Årsmöte 2021-03-01\n\n1. Medlemsavgift\nKassören redogjorde för ekonomin. "
        "Medlemsavgiften beslutas till 150 kr per år.\n\n2. Ansvarsfrihet\nRevisorn läste sin berättelse. "
        "Styrelsen beviljas ansvarsfrihet för året.\n\n3. Val av kassör\nEn kandidat presenterade sig. "
        "Anna Berg valdes till kassör.\n", name="arsmote.txt"))
    decided = " ".join(item.decision or "" for item in meeting.items)
    for sentence in ("Medlemsavgiften beslutas till 150 kr per år.", "Styrelsen beviljas ansvarsfrihet för året.",
                     "Anna Berg valdes till kassör."):
        assert sentence in decided, decided
    assert "redogjorde" not in decided and "presenterade" not in decided


def test_a_decision_set_apart_by_layout_is_what_was_decided():
    """Surveyed minutes of five issuers set the decision apart by layout: a lead-in with its "att"
    clause in the next paragraph ("Stämman beslutar," / "att fastställa dagordningen.", "Mötet
    beslöt" over a list), the deciding body's label on a line of its own ("Välfärdsnämndens
    beslut:"), and the meeting electing in the active voice ("Mötet väljer Tove Svensson till
    ordförande"). The decision had been the lead-in alone or nothing, 85 items in all. Where the
    decision is sent ("Beslutet expedieras till:") is no decision, and a student "who chooses" a
    school decides nothing."""
    meeting = parse_minutes(text_document(
        "Föreningsstämma 2022-05-10\n\n§ 5 Fastställande av dagordning\n\nStämman beslutar,\n\n"
        "att fastställa dagordningen.\n\n§ 6 Val av ordförande\n\nValberedningen har lämnat sitt förslag.\n"
        "Mötet väljer Tove Svensson till ordförande.\n\n§ 7 Rekrytering av välfärdschef\n\n"
        "Förvaltningen har berett ärendet och redogör för tjänsten.\n\nVälfärdsnämndens beslut:\n\n"
        "Tjänsten som välfärdschef lediganslås.\n\nBeslutet expedieras till:\n\nStadsstyrelsen\n\n"
        "§ 8 Skolskjuts\n\nElever som aktivt väljer en skola i en annan kommun har inte rätt till skolskjuts.\n",
        name="stamma.txt"))
    decisions = {item.title: item.decision for item in meeting.items}
    assert decisions["§ 5 Fastställande av dagordning"] == "Stämman beslutar, att fastställa dagordningen.", decisions
    assert decisions["§ 6 Val av ordförande"] == "Mötet väljer Tove Svensson till ordförande.", decisions
    assert decisions["§ 7 Rekrytering av välfärdschef"] == "Tjänsten som välfärdschef lediganslås.", decisions
    assert decisions["§ 8 Skolskjuts"] is None, decisions


def test_a_numbered_line_that_goes_on_from_the_numbered_headings_is_the_next_point(tmp_path):
    """A bathing club's PDFs set every point "N. title" in bold at body size, but the reader takes
    only some for headings: "20. David får ordet (...)" and "22. Övriga frågor:" had run into
    point 19 under its title. A numbered line that goes on from the last numbered heading is the
    next point; a list numbered from 1 under a point stays the point's list."""
    said = " Styrelsen redogjorde för läget och mötet diskuterade frågan."
    document, meeting = markdown_meeting(tmp_path, "2021-12-05_arsmote.md",
        "# Årsmöte 2021-12-05\n\n## 18. Utombordare till båten\n\nVi behöver en ny motor till båten." + said +
        "\n\n## 19. Bilens skick\n\nSkicket är ovanligt bra, alla dörrar fungerar." + said +
        "\n\n20. David får ordet (vi röstar om byte av ordförande)\n\nVi avsätter nuvarande ordförande." + said +
        "\n\n## 21. Motioner\n\nTvå motioner har kommit in:\n\n1. Motion om en resa till fjällen.\n"
        "2. Motion om en ny bastu vid bryggan.\n3. Motion om en ny flagga till båten.\n\n"
        "22. Övriga frågor:\n\nDet behövs en ordförandeklubba till nästa möte." + said + "\n")
    titles = [item.title for item in meeting.items]
    assert "20. David får ordet (vi röstar om byte av ordförande)" in titles, titles
    assert not any(title.startswith(("1. ", "2. ", "3. ")) for title in titles), titles
    assert "22. Övriga frågor:" in titles, titles
    assert_nothing_lost(document, meeting)


def test_a_markdown_heading_cut_inside_a_word_goes_on_in_the_next_heading(tmp_path):
    """Markdown converted from a municipal PDF cuts a heading where the PDF's line ended, inside a
    date, and puts each half in a heading of its own: "## Barn- och utbildningsnämndens behandling
    2024-" / "## 10-15". The second half had been the section of the point's decision."""
    said = " Nämnden godkänner slutredovisningen enligt förvaltningens tjänsteutlåtande."
    document, meeting = markdown_meeting(tmp_path, "2024-10-15_protokoll.md",
        "# Barn- och utbildningsnämnden 2024-10-15\n\n## § 120 Gallring i kostsystemet\n\n"
        "Förvaltningen föreslår att handlingarna gallras." + said * 3 +
        "\n\n## § 121 Slutredovisning investeringsprojekt Månsarps förskola\n\n## Utbildningsförvaltningens förslag\n\n"
        "Förvaltningen föreslår att nämnden godkänner slutredovisningen." + said * 3 +
        "\n\n## Barn- och utbildningsnämndens behandling 2024-\n\n## 10-15\n\n### Yrkanden\n\n"
        "Ordföranden yrkar bifall till förvaltningens förslag." + said * 3 + "\n")
    assert not any((item.section or "").endswith("10-15") for item in meeting.items), \
        [(i.title, i.section) for i in meeting.items]
    assert any("Barn- och utbildningsnämndens behandling 2024-10-15" in item.text
               or "Barn- och utbildningsnämndens behandling 2024-10-15" in (item.section or "") for item in meeting.items), \
        [(i.title, i.section, i.text[:60]) for i in meeting.items]
    assert_nothing_lost(document, meeting)


def test_points_numbered_with_a_colon_and_a_date_with_hyphens():
    """A school club's scanned minutes number their points "2: Val av mötesordförande" and date
    themselves "08-09-2021": the points had run together in two items under a title that took the
    first point, and the meeting had no date."""
    said = " Styrelsen gick igenom läget och svarade på frågor från medlemmarna under mötet."
    meeting = parse_minutes(text_document(
        "Styrelsemöte Datorklubben 08-09-2021\n\n1: Öppnade mötet.\n2: Val av mötesordförande\n"
        "Tim Torndal valdes till mötets ordförande.\n3: Verksamhetsberättelse\nLAN hölls på hösten." + said +
        "\n4: Revisors berättelse\nKassan är i ordning." + said + "\n5: Övriga frågor\nEtt nytt LAN planeras." + said +
        "\n", name="arsmote.txt"))
    assert meeting.date == dt.date(2021, 9, 8)
    titles = [item.title for item in meeting.items]
    assert titles[-3:] == ["3: Verksamhetsberättelse", "4: Revisors berättelse", "5: Övriga frågor"], titles


def test_an_attendance_line_that_wraps_inside_a_name_goes_on_on_the_next_line():
    """A scanned board meeting lists those present after "Närvarande:" on a line that wraps
    inside a name ("..., David Törnqvist, Walter" / "Thorslund, Jonathan Lönnqvist, ..."): the
    second line had become an item whose "speaker" was two of the names."""
    said = " Styrelsen gick igenom stadgarna punkt för punkt och antog dem utan ändringar."
    document = text_document(
        "Konstituerande styrelsemöte 2020-04-24\n\nNärvarande: Fredrik Berzins, Tim Torndal, Vilhelm Prytz, "
        "Regina Weigelt, David Törnqvist, Walter\nThorslund, Jonathan Lönnqvist, Christoffer Santala Andersson\n\n"
        "1. Föreningen har bildats.\n2. Föreningens stadgar\n" + said + "\n3. Val av styrelse\n" + said + "\n",
        name="styrelsemote.txt")
    meeting = parse_minutes(document)
    assert meeting.attendees == ["Fredrik Berzins", "Tim Torndal", "Vilhelm Prytz", "Regina Weigelt", "David Törnqvist",
                                 "Walter Thorslund", "Jonathan Lönnqvist", "Christoffer Santala Andersson"]
    assert not any("Thorslund" in item.text or item.speaker for item in meeting.items), [i.text[:60] for i in meeting.items]
    assert_nothing_lost(document, meeting)


def test_a_short_agenda_under_its_own_heading_is_a_table_of_contents(tmp_path):
    """The same party's shorter agendas: three points, one of them with the matters it takes up
    listed under it, and a point headed otherwise than its entry ("Övriga frågor" / "Övrigt").
    Under a heading that names the agenda, the points listed are what counts: two of the three
    are later headings. The agenda had been the section of every point and part of an item."""
    said = " Styrelsen diskuterade frågan och var enig om att gå vidare med den."
    document, meeting = markdown_meeting(tmp_path, "2013-04-01_partimote.md",
        "# Partimöte 1 april 2013\n\n## Dagordning\n\n- Webbsidan\n- Aktuella politiska frågor\n"
        "    - TV-avgiften\n    - Kameraövervakning på allmän plats\n    - Driftvärnet\n- Övriga frågor\n\n"
        "## Webbsidan\n\nDet som återstår att göra på webbsidan är texten om partiet." + said +
        "\n\n## Aktuella politiska frågor\n\nVi vill byta ut TV-avgiften mot en skatt." + said +
        "\n\n## Övrigt\n\nElvira Ferm har gått med i partiet.\n")
    assert [item.title for item in meeting.items] == ["Webbsidan", "Aktuella politiska frågor"], \
        [(i.title, i.section, i.text[:40]) for i in meeting.items]
    assert all(item.section is None for item in meeting.items), [(i.title, i.section) for i in meeting.items]
    assert not any("Dagordning" in item.text for item in meeting.items)
    assert_nothing_lost(document, meeting)


def test_a_list_of_posts_under_an_election_keeps_its_heading_as_the_section(tmp_path):
    """An election that lists its posts ("• Ordförande", "• Kassör", "• Sekreterare"), each a
    heading after the list: the list repeats the headings and is set aside as an agenda is, but
    the election's own heading is no agenda's and stays the section of the posts."""
    said = " Valberedningen presenterade sitt förslag och mötet valde enhälligt."
    document, meeting = markdown_meeting(tmp_path, "2024-03-10_arsmote.md",
        "# Årsmöte 2024-03-10\n\n## Mötets öppnande\n\nOrdföranden öppnade mötet." + said +
        "\n\n## Val av funktionärer\n\n- Ordförande\n- Kassör\n- Sekreterare\n\n### Ordförande\n\nAnna Berg valdes." + said +
        "\n\n### Kassör\n\nErik Lund valdes." + said + "\n\n### Sekreterare\n\nSara Holm valdes." + said +
        "\n\n## Mötets avslutande\n\nOrdföranden avslutade mötet." + said + "\n")
    posts = [item for item in meeting.items if "Anna Berg valdes" in item.text or "Sara Holm valdes" in item.text]
    assert posts and all("Val av funktionärer" in (item.title, item.section) for item in posts), \
        [(i.title, i.section) for i in meeting.items]
    assert_nothing_lost(document, meeting)


def test_a_table_of_people_under_a_row_of_column_titles_is_attendance():
    """A student section's PDF sets its officials role first under "Funktion Namn E-mail/CID", and
    its list of members present under "cid Namn Smeknamn", an id on one line and the name and a
    nickname on the next. Neither has an attendance label: both had been items of names (one of
    955 characters) that answer no question."""
    meeting = parse_minutes(text_document(
        "Protokoll sektionsmöte LP1\n2018-09-06\nKl: 12:00\nPlats: HB2\n"
        "Funktion Namn E-mail/CID\n"
        "Mötesordförande Andreas “Equeroot” Ekeroot ekeroot\nVice mötesordförande Hugo Simonsson hugosi\n"
        "Ordförande Delta Henrik “Brev” Andersson heanders\n\nJusterare och rösträknare Amanda Paulsson amapau\n\n"
        "Övriga närvarande, se bilaga 1\n\n"
        "1 Mötets öppnande\n\nAndreas Ekeroot förklarar mötet öppnat klockan 12:09.\n\n"
        "2 Motioner\n\nMötet beslutar att bifalla motionen om penslar till nollbrickstillverkningen.\n\n"
        "Närvarolista\n\ncid Namn Smeknamn\n1 ekeroot\nAndreas Ekeroot Equeroot\n2 hugosi\nHugo Simonsson\n"
        "3 lucasba\nLucas Bäckvall Lurre\n13 veldhuis Benjamin Velduis Benji\n",
        "2018-09-06_sektionsmote.pdf"))
    assert meeting.attendees == [
        "Andreas Ekeroot, Mötesordförande", "Hugo Simonsson, Vice mötesordförande", "Henrik Andersson, Ordförande Delta",
        "Amanda Paulsson, Justerare och rösträknare", "Andreas Ekeroot", "Hugo Simonsson", "Lucas Bäckvall",
        "Benjamin Velduis"]
    assert [item.title for item in meeting.items] == ["1 Mötets öppnande", "2 Motioner"]
    assert not any("Simonsson" in item.text or "veldhuis" in item.text for item in meeting.items)


def test_titles_with_nothing_under_them_never_make_an_item_over_the_bound():
    """A city's 47-page PDF read every line of its protocol as a heading (its pay tables, attached
    after it, set smaller, held most of the characters), so each § point's lines were titles with
    nothing under them; gathered as they came, they had given items of up to 4,356 characters."""
    from kb.minutes.segment import MAX_CHARS

    said = ["Tidigare behandling:", "Beredning: personalchef Kristina Wikblad",
            "Vid uppvaktning av anställda för 20, 30 och 40 års tjänstgöring har sex silverskedar tilldelats.",
            "Stadsdirektörens förslag:", "Personalsektionen fastställer eurobelopp för uppvaktning av anställda.",
            "Personalsektionens beslut:", "Personalsektionen beslöt att ge förvaltningen i uppgift att bestämma nivåerna.",
            "_____"]
    texts = ["Protokoll 2/2023 Personalsektionen 28.3.2023"]
    for n in range(13, 17):
        texts.append(f"{n} § Ärende nummer {n}")
        for round_ in range(3):
            texts += [f"Personalsektionen {round_ + 1}.{n - 10}.2023, {n} §"] + said
    lines = [Line(i, text, 1 + i // 40, "heading", 15) for i, text in enumerate(texts, 1)]
    meeting = parse_minutes(Document(Path("2023-03-28_protokoll.pdf"), lines))
    assert meeting.items and max(len(item.text) for item in meeting.items) <= MAX_CHARS
    covered = set(range(meeting.header_lines[0], meeting.header_lines[1] + 1)) if meeting.header_lines else set()
    covered |= {*meeting.page_furniture_lines, *meeting.contents_lines, *meeting.attendance_lines}
    for item in meeting.items:
        covered |= set(range(item.line_start, item.line_end + 1))
    assert covered >= set(range(1, len(texts) + 1))


def test_attendance_as_a_form_sets_it_a_box_ticked_for_those_present():
    """A city's template lists its members in two columns, a box before each, ticked for those
    present, under a column label in lower case; the list had ended at that label. Word sets the
    boxes as "☒" and "☐"."""
    meeting = parse_minutes(text_document(
        "Protokoll 1/2023 Ungdomsfullmäktige 30.1.2023\n\n"
        "Beslutande\nordinarie\n[X] Haverinen Emilia, ordförande, distans [X] Sjöström William\n"
        "[X] Harald Amanda, distans [ ] Storskrubb Julia\n☐ Liljeqvist Ella ☒ Nystedt Elias\n\n"
        "1 § Dagens gäst\n\nVälfärdschefen berättar om sitt jobb och presenterar sig för fullmäktige.\n\n"
        "2 § Nästa möte\n\nFullmäktige fastställer datum för sina sammanträden under våren 2023.\n",
        "2023-01-30_ungdomsfullmaktige.pdf"))
    assert meeting.attendees == [
        "Haverinen Emilia, ordförande, distans", "Sjöström William", "Harald Amanda, distans", "Nystedt Elias",
        "Storskrubb Julia (frånvarande)", "Liljeqvist Ella (frånvarande)"]
    assert [item.title for item in meeting.items] == ["1 § Dagens gäst", "2 § Nästa möte"]
    assert not any("Storskrubb" in item.text or "ordinarie" in item.text for item in meeting.items)


def test_a_task_list_with_boxes_is_no_attendance():
    meeting = parse_minutes(text_document(
        "Styrelsemöte 2024-03-18\n\n## Att göra\n\n- [ ] Skicka fakturan till kassören före fredag\n"
        "- [x] Boka lokalen för årsmötet i maj\n\n## Ekonomi\n\nKassan är god och budgeten följs enligt plan.\n",
        "2024-03-18_styrelsemote.md"))
    assert meeting.attendees == []
    assert any("Skicka fakturan" in item.text for item in meeting.items)


def test_a_point_number_set_large_under_its_title_line_opens_the_point_with_that_title():
    """A Finnish city's case system sets each point's title as a line opening with its number
    ("14§ Lägesrapport från välfärdsområdet") and the bare number under it, large ("14 §"): the
    title had gone into the item before, and the points were titled "14 §" alone."""
    rows = [("Protokoll 2/2023 Rådet för funktionshindrade 24.5.2023", "heading", 0)]
    points = [
        (14, "Lägesrapport från välfärdsområdet", "Ordföranden har deltagit i två av välfärdsområdets sammanträden."),
        (15, "Fortsatt samarbete med Äldrerådet", "Äldrerådet planerar en välfärdsdag i samarbete med rådet i höst."),
    ]
    for number, title, said in points:
        rows += [(f"{number}§ {title}", None, None), (f"{number} §", "heading", 0), ("Beredning:", None, None),
                 (said, None, None)]
    lines = [Line(n, text, 1, style, level) for n, (text, style, level) in enumerate(rows, 1)]
    meeting = parse_minutes(Document(Path("2023-05-24_radet.pdf"), lines))
    assert [item.title for item in meeting.items] == ["14§ Lägesrapport från välfärdsområdet",
                                                      "15§ Fortsatt samarbete med Äldrerådet"]
    assert "Äldrerådet planerar" not in meeting.items[0].text


def test_a_line_opening_with_equals_signs_is_a_heading_only_where_the_format_is_markup():
    """"== Val av ordförande" is AsciiDoc's or Typst's heading in a text or Markdown file; in a PDF
    or Word file the characters are what they say: "= 10 650 kr exkl. sociala avgifter." under a
    fee's sum had become the heading over the last ten points of a cooperative's annual meeting."""
    meeting = parse_minutes(read_document(ROOT / "eval/heldout-corpora/brf-magelungen/2022-04-26_stamma.pdf"))
    titles = [item.title for item in meeting.items]
    assert titles.index("16. Beslut om antal styrelseledamöter") > titles.index("15. Beslut om arvoden för styrelsens "
                                                                                "ledamöter, revisorer och valberedning")
    assert not any("10 650" in (item.section or "") for item in meeting.items)
    text = parse_minutes(text_document("Föreningsstämma 2022-04-26\n\n== Val av ordförande\n\nAnna Berg valdes till "
                                       "ordförande för stämman.\n\n== Val av justerare\n\nPer Ek och Eva Ås valdes att jämte ordföranden "
                                       "justera dagens protokoll.\n",
                                       "2022-04-26_stamma.txt"))
    assert [item.title for item in text.items] == ["Val av ordförande", "Val av justerare"]


def test_a_part_cut_from_a_paragraph_across_a_page_break_carries_its_own_page():
    """A sentence too long for one item runs on from page 1 to page 2; the part cut from it that
    starts on page 2 is on page 2 (it had carried the paragraph's first page), and the point's
    title goes with the first part (it had been an item alone, the first part filling one)."""
    sectors = ["bildning", "välfärd", "teknik", "förvaltning", "kultur", "fritid", "omsorg", "skola", "dagvård",
               "vatten", "gator", "parker", "bibliotek", "museum", "hemtjänst", "kök", "städning", "ekonomi"]
    paragraph = "Sektionen gick igenom enkätens svar " + ", ".join(
        f"från sektorn för {sector} som jämfördes med förra årets svar från samma sektor" for sector in sectors) + "."
    words, wrapped = paragraph.split(), [""]
    for word in words:  # lines of about 80 characters, as a PDF wraps a paragraph
        wrapped[-1:] = [f"{wrapped[-1]} {word}".strip()] if len(wrapped[-1]) < 80 else [wrapped[-1], word]
    rows = [("Protokoll 2/2023 Personalsektionen 28.3.2023", 1), ("", 1), ("16 § Personalenkät 2022", 1)]
    rows += [(text, 1 if n < len(wrapped) // 4 else 2) for n, text in enumerate(wrapped)]
    lines = [Line(n, text, page) for n, (text, page) in enumerate(rows, 1)]
    document = Document(Path("2023-03-28_protokoll.pdf"), lines)
    meeting = parse_minutes(document)
    assert len(meeting.items) >= 2 and {item.page for item in meeting.items} == {1, 2}
    assert meeting.items[0].lines[0] == "16 § Personalenkät 2022" and len(meeting.items[0].lines) > 1  # no title alone
    assert_nothing_lost(document, meeting, shared_lines_at_cuts=True)


def test_points_numbered_with_the_body_initials_before_the_paragraph_sign():
    """Many municipalities number a point "KFN § 47" or "KS § 12", the case number on the same line
    and the title under it; those had been text, and one item ran from a point's last lines into
    the next point's title."""
    points = [(46, "Delårsrapport 2: 2025-01-01 - 2025-08-31", "Förvaltningen har upprättat delårsrapport per "
               "31 augusti 2025 med helårsprognos för kultur- och fritidsnämnden."),
              (47, "Evenemangspolicy", "Kultur- och fritidschefen föredrar förslaget till evenemangspolicy för "
               "kommunens egna arrangemang och föreningarnas."),
              (48, "Likställighetspolicy - Föreningsbidrag", "Nämnden har tidigare gett förvaltningen i uppdrag "
               "att ta fram en likställighetspolicy för föreningsbidragen.")]
    text = "KULTUR- OCH FRITIDSNÄMNDEN\nSammanträdesprotokoll 2025-10-06\n\n"
    for number, title, said in points:
        text += f"KFN § {number}                  KFN/2025:{number - 40}\n\n{title}\n\nÄrendebeskrivning\n{said}\n\n" \
                "Beslutet expedieras till:\nEkonomiavdelningen\n\n"
    meeting = parse_minutes(text_document(text, "2025-10-06_protokoll.txt"))
    assert [item.text.split("\n")[0].split()[:3] for item in meeting.items] == [
        ["KFN", "§", "46"], ["KFN", "§", "47"], ["KFN", "§", "48"]]
    assert all(title in item.text for (_, title, _), item in zip(points, meeting.items))


def test_an_agenda_of_paragraphs_whose_numbers_open_the_points_after_it_is_contents():
    """A municipality lists its points under "Ärendelista" as "§ 46  KFN/2025:1" with the title on
    the next line, no page numbers, and opens each point with "KFN § 46": the list had been one
    item holding every title. A run of one-line points is no such list (nothing repeats them)."""
    points = [(46, "Delårsrapport 2", "Förvaltningen har upprättat delårsrapport per 31 augusti med helårsprognos."),
              (47, "Evenemangspolicy", "Kultur- och fritidschefen föredrar förslaget till policy för evenemang."),
              (48, "Likställighetspolicy", "Nämnden har gett förvaltningen i uppdrag att ta fram en policy för bidrag.")]
    text = "KULTUR- OCH FRITIDSNÄMNDEN\nSammanträdesprotokoll 2025-10-06\n\nÄrendelista\n\n"
    text += "".join(f"§ {number}         KFN/2025:{number - 40}\n\n             {title}\n\n" for number, title, _ in points)
    text += "".join(f"KFN § {number}      KFN/2025:{number - 40}\n\n{title}\n\nÄrendebeskrivning\n{said}\n\n"
                    for number, title, said in points)
    meeting = parse_minutes(text_document(text, "2025-10-06_protokoll.txt"))
    assert [item.text.split()[:3] for item in meeting.items] == [["KFN", "§", "46"], ["KFN", "§", "47"], ["KFN", "§", "48"]]
    assert len(meeting.contents_lines) == 6
    short = parse_minutes(text_document("Stämma 2014-05-06\n\n§ 1\nStämman öppnades av ordföranden.\n\n§ 2\nAnna Berg valdes "
                                        "till ordförande.\n\n§ 3\nPer Ek valdes till sekreterare.\n", "2014-05-06_stamma.txt"))
    assert short.contents_lines == []
