"""Reading minutes as users have them: PDF, Word, Markdown and text in the encodings they come in.
The PDF and Word files are made here from the text fixtures (see tests/fixtures/render.py)."""

import datetime as dt

import pytest
from fpdf import FPDF

from kb.errors import DocumentError
from kb.minutes import parse_minutes
from kb.readers import read_document
from tests.conftest import SEED
from tests.fixtures.render import pages_at_gaps, text_export_paragraphs, write_docx, write_pdf
from tests.test_minutes import BOARD, PROTOCOL, assert_nothing_lost


def contents(meeting):
    """What an item says and whose it is; line numbers differ between formats."""
    return [(i.title, i.section, i.organisation, i.speaker, i.lines) for i in meeting.items]


@pytest.fixture(scope="module")
def seed_text_meeting():
    return parse_minutes(read_document(SEED))


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    # The empty lines inside paragraphs of the text are artefacts of its export from PDF; only the
    # whitespace-only lines are the paragraph gaps, drawn as vertical space.
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line]
    return write_pdf(
        tmp_path_factory.mktemp("pdf") / "2020-12-14_naringslivsdialog.pdf",
        pages_at_gaps(lines, lines_per_page=20),
        running_header=["Näringslivsdialog i Jämtlands län"],
        running_footer=["Sida {page} av {pages}"],
    )


def test_seed_as_pdf_yields_the_same_items_with_pages(seed_pdf, seed_text_meeting):
    document = read_document(seed_pdf)
    meeting = parse_minutes(document)
    assert contents(meeting) == contents(seed_text_meeting)
    assert (meeting.title, meeting.date, meeting.next_meeting) == (
        "Anteckningar näringslivsdialog", dt.date(2020, 12, 14), dt.date(2021, 1, 18),
    )
    pages = [item.page for item in meeting.items]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == max(line.page for line in document.lines) > 1
    furniture = [line.text for line in document.lines if line.number in meeting.page_furniture_lines]
    assert set(furniture) >= {"Näringslivsdialog i Jämtlands län", "Sida 2 av 3"}
    assert_nothing_lost(document, meeting)


def test_seed_as_word_yields_the_same_items(tmp_path, seed_text_meeting):
    paragraphs = text_export_paragraphs(SEED.read_text(encoding="utf-8").splitlines())
    document = read_document(write_docx(tmp_path / "minutes.docx", paragraphs))
    meeting = parse_minutes(document)
    assert contents(meeting) == contents(seed_text_meeting)
    assert meeting.date == dt.date(2020, 12, 14) and all(item.page is None for item in meeting.items)
    assert_nothing_lost(document, meeting)


def test_municipal_protocol_as_pdf_yields_the_same_items(tmp_path):
    pages = [page.split("\n") for page in PROTOCOL.read_text(encoding="utf-8").split("\f")]
    document = read_document(write_pdf(tmp_path / "protokoll.pdf", pages))
    meeting = parse_minutes(document)
    assert contents(meeting) == contents(parse_minutes(read_document(PROTOCOL)))
    assert [item.page for item in meeting.items] == [1, 1, 2, 3]
    assert meeting.date == dt.date(2024, 3, 18) and meeting.attendees[0] == "Ola Kereby (S), ordförande"
    assert_nothing_lost(document, meeting)


def test_word_headings_list_levels_and_attendance_table(tmp_path):
    import docx

    word = docx.Document()
    word.add_heading("Styrelsemöte Almi Mitt 6 maj 2024", level=1)
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Närvarande"
    table.cell(0, 1).text = "Peter Andrén, ordförande"
    table.cell(0, 1).add_paragraph("Anna Berg")
    word.add_heading("1. Mötets öppnande", level=2)
    word.add_paragraph("Ordförande Peter Andrén öppnade mötet.")
    word.add_heading("2. VD-rapport", level=2)
    word.add_paragraph("VD Martin Hellström rapporterade:")
    word.add_paragraph("Utlåningen ökade", style="List Bullet")
    word.add_paragraph("mest i inlandet", style="List Bullet 2")
    word.add_heading("Beslut", level=3)
    word.add_paragraph("Styrelsen beslutade att lägga rapporten till handlingarna.")
    word.add_heading("3. Nästa möte", level=2)
    word.add_paragraph("Nästa möte hålls den 9 september.")
    word.save(tmp_path / "styrelse.docx")

    document = read_document(tmp_path / "styrelse.docx")
    assert [(line.style, line.level) for line in document.lines if line.text == "mest i inlandet"] == [("list", 1)]
    meeting = parse_minutes(document)
    assert (meeting.title, meeting.date, meeting.next_meeting) == ("Styrelsemöte Almi Mitt", dt.date(2024, 5, 6), dt.date(2024, 9, 9))
    assert meeting.attendees == ["Peter Andrén, ordförande", "Anna Berg"]
    # "1. Mötets öppnande" says who opened the meeting: an item of its own. A point too small to
    # answer anything alone goes with its neighbour: "3. Nästa möte" with the one before.
    assert [(i.title, i.speaker) for i in meeting.items] == [("1. Mötets öppnande", "Peter Andrén"),
                                                             ("2. VD-rapport", "Martin Hellström")]
    assert meeting.items[0].lines == ["1. Mötets öppnande", "Ordförande Peter Andrén öppnade mötet."]
    assert meeting.items[1].lines[-2:] == ["3. Nästa möte", "Nästa möte hålls den 9 september."]
    assert meeting.items[1].lines[2:-2] == [
        "Utlåningen ökade", "mest i inlandet", "Beslut", "Styrelsen beslutade att lägga rapporten till handlingarna.",
    ]
    assert_nothing_lost(document, meeting)


def test_markdown_is_read_without_its_markup():
    lines = {line.number: line for line in read_document(BOARD).lines}
    assert lines[1].text == "Styrelsemöte Almi Mitt 2024-05-06" and (lines[1].style, lines[1].level) == ("heading", 0)
    assert lines[3].text == "Tid: kl. 09.00–11.30" and lines[4].text.startswith("Plats: Almis kontor")
    assert lines[10].text == "1. Mötets öppnande" and lines[10].level == 1
    bullet, wrapped, nested = lines[23], lines[24], lines[26]
    assert (bullet.text, bullet.style, bullet.level) == ("Efterfrågan på mikrolån är fortsatt hög, särskilt bland nyföretagare i", "list", 0)
    assert (wrapped.text, wrapped.style) == ("inlandskommunerna.", None)
    assert (nested.text, nested.style, nested.level) == ("en med inriktning mot besöksnäringen,", "list", 1)


MINUTES = "Möte 18 mars 2024\n\n• Länsstyrelsen, Peter Andrén\n– Läget i Åre är bättre\n"


@pytest.mark.parametrize(
    "data",
    [MINUTES.encode("utf-8-sig"), MINUTES.encode("cp1252"), MINUTES.replace("\n", "\r\n").encode("utf-8")],
    ids=["utf-8 with BOM", "cp1252", "utf-8 with CRLF"],
)
def test_text_encodings(tmp_path, data):
    path = tmp_path / "minutes.txt"
    path.write_bytes(data)
    meeting = parse_minutes(read_document(path))
    assert meeting.title == "Möte" and meeting.date == dt.date(2024, 3, 18)
    assert meeting.items[0].speaker == "Peter Andrén"
    assert meeting.items[0].lines == ["Länsstyrelsen, Peter Andrén", "Läget i Åre är bättre"]


def test_latin1_bytes_that_cp1252_does_not_map_are_read_as_latin1(tmp_path):
    path = tmp_path / "minutes.txt"
    path.write_bytes("Möte 2024-03-18\n\nSärskilt \x81 tecken\n".encode("latin-1"))
    assert "Särskilt \x81 tecken" in [line.text for line in read_document(path).lines]


def test_pdf_without_text_layer_is_refused_by_name(tmp_path):
    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 100, 150, style="F")  # a scanned page is a picture, no text
    path = tmp_path / "skannat protokoll.pdf"
    scan.output(str(path))
    with pytest.raises(DocumentError, match="skannat protokoll.pdf: PDF has no text layer"):
        read_document(path)


@pytest.mark.parametrize("name, data", [("bild.png", b"\x89PNG\r\n"), ("trasig.docx", b"not a zip"), ("tom.txt", b"  \n")])
def test_unreadable_files_are_refused_by_name(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=name):
        read_document(path)
