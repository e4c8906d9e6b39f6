"""What each format tells the readers about structure: headings and levels from PDF typography,
paragraph gaps from PDF spacing, pages from PDF pages, Markdown page markers and Word page
breaks, Markdown front matter, tables. The files are made here."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from fpdf import FPDF

from kb.errors import DocumentError
from kb.readers import read_document

FONTS = Path("/usr/share/fonts/truetype/dejavu")


def row(line):
    return (line.text, line.page, line.style, line.level)


def blank(page):
    return ("", page, None, None)


@pytest.fixture
def typeset_pdf(tmp_path):
    """Minutes on two pages: a 16pt bold title, 13pt agenda points, 11pt body paragraphs with
    space between them, a bold body-size "Beslut" right above its paragraph, a paragraph set all in
    bold and a line with two bold words in it."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", style="B", fname=str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)

    def line(text, size=11, style="", markdown=False):
        pdf.set_font("DejaVu", style, size)
        pdf.cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", markdown=markdown)

    def paragraph(text, style=""):
        pdf.set_font("DejaVu", style, 11)
        pdf.multi_cell(120, 5.5, text, new_x="LMARGIN", new_y="NEXT")

    def gap():
        pdf.ln(4)

    pdf.add_page()
    line("Protokoll styrelsemöte", 16, "B")
    gap()
    line("1. Ekonomi", 13)
    gap()
    paragraph(
        "Ordföranden Anna Berg redovisade att intäkterna ökade under kvartalet och att kostnaderna "
        "höll sig inom den budget som styrelsen fastställde i december."
    )
    gap()
    line("Beslut", style="B")
    paragraph("Styrelsen beslutade att godkänna rapporten och lägga den till handlingarna.")
    gap()
    paragraph(
        "Styrelsen betonar att alla kommuner i länet ska få del av satsningen och att ingen del av "
        "länet får glömmas bort i arbetet",
        style="B",
    )
    gap()
    line("Mötet leddes av **Anna Berg** som ordförande", markdown=True)
    pdf.add_page()
    line("2. Nästa möte", 13)
    gap()
    paragraph("Nästa möte hålls den 9 september i Östersund.")
    path = tmp_path / "styrelse.pdf"
    pdf.output(str(path))
    return path


def test_pdf_typography_gives_headings_levels_gaps_and_pages(typeset_pdf):
    assert [row(line) for line in read_document(typeset_pdf).lines] == [
        ("Protokoll styrelsemöte", 1, "heading", 0),
        blank(1),
        ("1. Ekonomi", 1, "heading", 1),
        blank(1),
        ("Ordföranden Anna Berg redovisade att intäkterna ökade", 1, None, None),
        ("under kvartalet och att kostnaderna höll sig inom den", 1, None, None),
        ("budget som styrelsen fastställde i december.", 1, None, None),
        blank(1),
        # Bold at the body size: a heading one level below the sized ones, even without space under it.
        ("Beslut", 1, "heading", 2),
        ("Styrelsen beslutade att godkänna rapporten och lägga den", 1, None, None),
        ("till handlingarna.", 1, None, None),
        blank(1),
        # A paragraph set in bold is running text, not three headings.
        ("Styrelsen betonar att alla kommuner i länet ska få", 1, None, None),
        ("del av satsningen och att ingen del av länet får", 1, None, None),
        ("glömmas bort i arbetet", 1, None, None),
        blank(1),
        ("Mötet leddes av Anna Berg som ordförande", 1, None, None),
        ("2. Nästa möte", 2, "heading", 1),
        blank(2),
        ("Nästa möte hålls den 9 september i Östersund.", 2, None, None),
    ]


def test_pdf_overprinted_text_reads_once_and_is_bold(tmp_path):
    """Some tools fake bold by printing a line twice, a fraction of a point apart."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(10, 10)
    pdf.cell(0, 6, "Beslut")
    pdf.set_xy(10.1, 10)
    pdf.cell(0, 6, "Beslut")
    pdf.set_xy(10, 16)
    pdf.cell(0, 6, "Styrelsen beslutade att godkänna rapporten.")
    pdf.output(str(tmp_path / "fet.pdf"))
    assert [row(line) for line in read_document(tmp_path / "fet.pdf").lines] == [
        ("Beslut", 1, "heading", 0),
        ("Styrelsen beslutade att godkänna rapporten.", 1, None, None),
    ]


def outline_pdf(path: Path) -> Path:
    """A board's notes as an outline (LaTeX's itemize): "•" at the first and third levels, "–" at
    the second; each level indented 12 mm more than the one above."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for depth, text in [
        (None, "Mötets öppnande 12.16"),
        (0, "• git-workshop"), (1, "– Börja planera in tid"), (2, "• Imorgon 13-15"),
        (1, "– Fokus på samarbetet"), (0, "• Mail"), (1, "– Mailet är skickat"),
    ]:
        pdf.set_x(20 + 12 * (depth if depth is not None else -1))
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_pdf_bullets_are_list_items_levelled_by_their_indent(tmp_path):
    """The glyph says nothing of the depth (the same "•" on the first and third level); the
    indent does."""
    assert [row(line) for line in read_document(outline_pdf(tmp_path / "styrelse.pdf")).lines] == [
        ("Mötets öppnande 12.16", 1, None, None),
        ("git-workshop", 1, "list", 0),
        ("Börja planera in tid", 1, "list", 1),
        ("Imorgon 13-15", 1, "list", 2),
        ("Fokus på samarbetet", 1, "list", 1),
        ("Mail", 1, "list", 0),
        ("Mailet är skickat", 1, "list", 1),
    ]


def test_a_pdf_outline_gives_one_item_per_top_level_bullet(tmp_path):
    from kb.minutes import parse_minutes

    items = parse_minutes(read_document(outline_pdf(tmp_path / "styrelse.pdf"))).items
    assert [(item.title, item.text.splitlines()[-1]) for item in items] == [
        ("git-workshop", "Fokus på samarbetet"), ("Mail", "Mailet är skickat"),
    ]


def test_plain_text_bullets_are_levelled_by_their_indent(tmp_path):
    """pandoc's plain text writes "-" on every level of a nested list; the indent tells them
    apart, and the top-level entries are the points."""
    (tmp_path / "styrelse.txt").write_text(
        "Mötets öppnande 12.16\n\n-   git-workshop\n    -   Börja planera in tid\n"
        "        -   Imorgon 13-15\n    -   Fokus på samarbetet\n-   Mail\n    -   Mailet är skickat\n",
        encoding="utf-8")
    document = read_document(tmp_path / "styrelse.txt")
    assert [row(line) for line in document.lines if line.style] == [
        ("git-workshop", None, "list", 0), ("Börja planera in tid", None, "list", 1),
        ("Imorgon 13-15", None, "list", 2), ("Fokus på samarbetet", None, "list", 1),
        ("Mail", None, "list", 0), ("Mailet är skickat", None, "list", 1),
    ]
    from kb.minutes import parse_minutes

    assert [item.title for item in parse_minutes(document).items] == ["git-workshop", "Mail"]


def test_pdf_bullets_at_one_indent_are_left_as_written(tmp_path):
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for text in ["Närvarande", "• Anna Berg", "• Peter Andrén"]:
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "lista.pdf"))
    assert [row(line) for line in read_document(tmp_path / "lista.pdf").lines] == [
        ("Närvarande", 1, None, None), ("• Anna Berg", 1, None, None), ("• Peter Andrén", 1, None, None),
    ]


def test_pdf_accents_set_apart_from_their_letters_are_put_back(tmp_path):
    """LaTeX without T1 encoding sets "ö" as "o" with a "¨" glyph over it: the text layer has
    "mo¨tet" unless the reader puts the accent back."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    x = 20.0
    for text, accent in [("Beslut om m", None), ("o", "¨"), ("tet p", None), ("a", "˚"), (" torsdag", None)]:
        pdf.text(x, 30, text)
        if accent:
            pdf.text(x + 0.4, 30, accent)  # centred over the letter, a little right of its left edge
        x += pdf.get_string_width(text)
    pdf.output(str(tmp_path / "latex.pdf"))
    assert [line.text for line in read_document(tmp_path / "latex.pdf").lines] == ["Beslut om mötet på torsdag"]


def test_pdf_sideways_text_is_turned_upright(tmp_path):
    """A wide table printed along the page reads as the reader turns the page; the page's upright
    text comes first."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(0, 6, "Bilaga 1")
    with pdf.rotation(90, x=105, y=148.5):
        pdf.set_xy(40, 100)
        for i in range(3):
            pdf.cell(0, 6, f"Kommun {i} | budget {i * 10} miljoner kronor", new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(40)
    pdf.output(str(tmp_path / "bilaga.pdf"))
    assert [line.text for line in read_document(tmp_path / "bilaga.pdf").lines] == [
        "Bilaga 1", "", "Kommun 0 | budget 0 miljoner kronor", "Kommun 1 | budget 10 miljoner kronor",
        "Kommun 2 | budget 20 miljoner kronor",
    ]


def test_damaged_pdfs_are_refused_by_name(tmp_path, typeset_pdf):
    data = typeset_pdf.read_bytes()
    for name, damaged in [
        ("halv.pdf", data[: len(data) // 2]),
        ("utan slut.pdf", data[:-200]),
        ("skräp.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20),
    ]:
        with pytest.raises(DocumentError, match=f"{name}: unreadable PDF"):
            read_document(tmp_path / name, damaged)


def test_pdf_with_a_password_is_refused_by_name(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(0, 5, "Protokoll")
    pdf.set_encryption(owner_password="ägare", user_password="hemligt")
    with pytest.raises(DocumentError, match="låst.pdf: encrypted PDF"):
        read_document(tmp_path / "låst.pdf", bytes(pdf.output()))


MARKDOWN = """\
---
Title: Styrelsemöte Almi Mitt
datum: 2024-05-06
tid: 9:30
närvarande:
  - Anna Berg
  - Olle Martinell
---
<!-- sida 1 -->
# Styrelsemöte

<!-- en anteckning
över två rader -->
Mötet öppnades.

<!-- sida 2 -->
| Namn | Roll |
|------|------|
| Anna Berg | ordförande |

<!-- pagebreak -->
## Nästa möte
"""


def test_markdown_front_matter_page_markers_and_tables(tmp_path):
    path = tmp_path / "styrelse.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    document = read_document(path)
    assert document.metadata == {
        "title": "Styrelsemöte Almi Mitt", "datum": "2024-05-06", "tid": "9:30", "närvarande": "Anna Berg, Olle Martinell",
    }
    assert [row(line) for line in document.lines] == [blank(1)] * 9 + [
        ("Styrelsemöte", 1, "heading", 0),
        blank(1),
        blank(1),
        blank(1),
        ("Mötet öppnades.", 1, None, None),
        blank(1),
        blank(2),
        ("Namn | Roll", 2, "table", None),
        ("", 2, "table", None),
        ("Anna Berg | ordförande", 2, "table", None),
        blank(2),
        blank(3),
        ("Nästa möte", 3, "heading", 1),
    ]
    assert [line.number for line in document.lines] == list(range(1, 23))


def test_markdown_front_matter_without_a_yaml_library(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml raises ImportError
    path = tmp_path / "styrelse.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert read_document(path).metadata == {"title": "Styrelsemöte Almi Mitt", "datum": "2024-05-06", "tid": "9:30"}


def test_markdown_toml_front_matter_as_hugo_keeps_it(tmp_path, monkeypatch):
    """A blog post's "+++" block: its keys are the meeting's (the title, the date), not a line of
    text; its first heading is the first point, not a second title."""
    from kb.minutes import parse_minutes

    path = tmp_path / "2017-09-25-styrelsemote.md"
    path.write_text('+++\nauthors = [ "etu", "dos" ]\ndate = 2017-09-25T20:20:00+02:00\ntitle = "Styrelsemöte september"\n'
                    '[params]\nx = 1\n+++\n### Logotyp\nVi påminner Aku igen.\n\n### Emacs\nEtu och Talyz ska maila '
                    'Emacs Meetup Stockholm och fråga om de vill komma på besök under hösten, kanske i oktober.\n',
                    encoding="utf-8")
    document = read_document(path)
    assert document.metadata == {"authors": "etu, dos", "date": "2017-09-25T20:20:00+02:00", "title": "Styrelsemöte september"}
    assert [line.text for line in document.lines[:6]] == [""] * 6
    meeting = parse_minutes(document)
    assert (meeting.title, meeting.date, meeting.header_lines) == ("Styrelsemöte september", dt.date(2017, 9, 25), None)
    assert "Vi påminner Aku igen." in [line for item in meeting.items for line in item.lines]
    monkeypatch.setitem(sys.modules, "tomllib", None)  # Python 3.10: the key = value lines
    assert read_document(path).metadata["title"] == "Styrelsemöte september"


def test_markdown_rule_at_the_top_is_not_front_matter(tmp_path):
    path = tmp_path / "anteckningar.md"
    path.write_text("---\nMöte med länsstyrelsen\n---\nText\n", encoding="utf-8")
    document = read_document(path)
    assert document.metadata == {} and "Möte med länsstyrelsen" in [line.text for line in document.lines]
    assert all(line.page is None for line in document.lines)


def _word_with_table_and_page_break(path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    word = docx.Document()
    word.add_paragraph("Protokoll", style="Title")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Närvarande", "Anna Berg"
    table.cell(1, 0).text, table.cell(1, 1).text = "Justerare", "Olle Martinell"
    word.add_heading("1. Ekonomi", level=1)
    word.add_paragraph("Intäkterna ökade.")
    word.add_page_break()
    # A style of the organisation's own that Word's outline puts at level 2 (w:outlineLvl 1).
    style = word.styles.add_style("Punktrubrik", WD_STYLE_TYPE.PARAGRAPH)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")
    style.element.get_or_add_pPr().append(outline)
    word.add_paragraph("2. Nästa möte", style="Punktrubrik")
    word.add_paragraph("Nästa möte hålls den 9 september.")
    word.save(str(path))
    return path


def test_word_tables_outline_levels_and_page_breaks(tmp_path):
    document = read_document(_word_with_table_and_page_break(tmp_path / "styrelse.docx"))
    assert [row(line) for line in document.lines] == [
        ("Protokoll", 1, "heading", 0),
        ("Närvarande", 1, "table", None),
        ("Anna Berg", 1, "table", None),
        ("Justerare", 1, "table", None),
        ("Olle Martinell", 1, "table", None),
        ("1. Ekonomi", 1, "heading", 0),
        ("Intäkterna ökade.", 1, None, None),
        blank(1),  # the paragraph holding the page break
        ("2. Nästa möte", 2, "heading", 1),
        ("Nästa möte hålls den 9 september.", 2, None, None),
    ]


def test_word_pages_from_where_word_last_broke_them(tmp_path):
    """A file saved by Word marks where each page began (w:lastRenderedPageBreak), also after a
    hard page break; a paragraph running over a page break is on the page it starts on."""
    import docx
    from docx.oxml import OxmlElement

    def rendered_break(run):
        run._r.append(OxmlElement("w:lastRenderedPageBreak"))

    word = docx.Document()
    word.add_paragraph("Första sidan.")
    long = word.add_paragraph()
    long.add_run("En lång paragraf som börjar på sidan ett")
    rendered_break(long.add_run())
    long.add_run(" och slutar på sidan två.")
    word.add_page_break()
    after = word.add_paragraph()
    rendered_break(after.add_run())
    after.runs[0].add_text("Tredje sidan.")
    word.save(str(tmp_path / "lång.docx"))
    lines = read_document(tmp_path / "lång.docx").lines
    assert [(line.text, line.page) for line in lines] == [
        ("Första sidan.", 1),
        ("En lång paragraf som börjar på sidan ett och slutar på sidan två.", 1),
        ("", 2),
        ("Tredje sidan.", 3),
    ]


def test_word_without_page_breaks_has_no_pages(tmp_path):
    import docx

    word = docx.Document()
    word.add_paragraph("Protokoll")
    word.add_paragraph("Mötet öppnades.")
    word.save(str(tmp_path / "kort.docx"))
    assert [line.page for line in read_document(tmp_path / "kort.docx").lines] == [None, None]


def test_word_bold_titles_are_headings_only_where_the_document_has_no_heading_styles(tmp_path):
    import docx

    from kb.readers import read_document

    def write(path, styled):
        word = docx.Document()
        if styled:
            for n in range(3):
                word.add_heading(f"{n + 1}. Punkt", level=1)
        for title, text in (("Ekonomi", "Budgeten följs och prognosen visar ett litet överskott."),
                            ("Lokaler", "Hyran höjs med tre procent från och med nästa år.")):
            word.add_paragraph().add_run(title).bold = True
            paragraph = word.add_paragraph("Styrelsen noterade att ")
            paragraph.add_run("detta").bold = True  # a bold word in a sentence is emphasis
            paragraph.add_run(f" gäller. {text}")
        word.save(path)
        return {line.text: (line.style, line.level) for line in read_document(path).lines if line.text}

    plain = write(tmp_path / "plain.docx", styled=False)
    assert plain["Ekonomi"] == ("heading", 0) and plain["Lokaler"] == ("heading", 0)
    assert all(style is None for text, (style, _) in plain.items() if text.startswith("Styrelsen"))
    styled = write(tmp_path / "styled.docx", styled=True)
    assert styled["Ekonomi"] == (None, None) and styled["1. Punkt"] == ("heading", 0)


def test_pdf_words_of_a_tightly_justified_line_stay_apart(tmp_path):
    """LaTeX squeezes a justified line's word gaps to a quarter of the font size, with no space
    characters between words (pdfplumber's fixed 3-point tolerance ran them together); letters
    spaced out a little are still one word."""
    pdf = FPDF(unit="pt")
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    x = 60.0
    for word in "Jag har inte kunnat kontrollera den ekonomiska berättelsen".split():
        pdf.text(x, 100, word)
        x += pdf.get_string_width(word) + 2.5  # a 2.5-point gap at 10 points
    pdf.char_spacing = 0.8
    pdf.text(60, 130, "Revisionsberättelse")
    pdf.output(str(tmp_path / "tight.pdf"))
    assert [line.text for line in read_document(tmp_path / "tight.pdf").lines if line.text] == [
        "Jag har inte kunnat kontrollera den ekonomiska berättelsen", "Revisionsberättelse",
    ]


def _raw_line(text: str, size: float, font: str, top: float) -> dict:
    chars = [{"text": ch, "size": size, "fontname": font} for ch in text if ch.strip()]
    return {"chars": chars, "text": text, "top": top, "bottom": top + size, "x0": 50.0, "x1": 400.0}


def test_pdf_ocr_text_layer_sizes_are_not_headings_unless_much_larger():
    """A scan's OCR layer ("GlyphLessFont") sizes each line by its box on the scan, so body lines
    wander between 9 and 10 points: only a size half again the body's is a heading there, and not
    handwriting read as a few letters; in a typeset PDF a point larger still is."""
    from kb.readers.pdf import _heading_step, _headings, _pdf_line

    def lines(font):
        rows = [("Stenålderns samfällighet", 26.0), ("Emil väljs till justerare.", 10.0), ("Tan Ph", 20.0)]
        rows += [(f"Rad {n} i protokollet om lekplatsen och sanden.", 9.0) for n in range(6)]
        return [_pdf_line(1, 0, _raw_line(text, size, font, 20.0 * n), set()) for n, (text, size) in enumerate(rows)]

    scanned, typeset = lines("NAXLUX+GlyphLessFont"), lines("ABCDEF+LiberationSerif")
    assert scanned[0].ocr and not typeset[0].ocr
    headings = lambda found: [line.text for line in found if id(line) in _headings(found, 9.0, _heading_step(found, 9.0))]  # noqa: E731
    assert headings(scanned) == ["Stenålderns samfällighet"]  # not the initials in a signature box, read as "Tan Ph"
    assert headings(typeset) == ["Stenålderns samfällighet", "Emil väljs till justerare.", "Tan Ph"]


def test_pdf_text_layer_leftovers_that_are_no_text_are_dropped():
    """pdfminer's "(cid:16)" for a glyph it cannot map, a replacement character inside a word, and
    soft hyphens: inside a word they go, at a line's end one is a hyphen (joined with the next
    line's word as any hyphenated word is)."""
    from kb.readers.pdf import _pdf_line

    def text(raw):
        return _pdf_line(1, 0, _raw_line(raw, 10.0, "ABCDEF+LiberationSerif", 20.0), set()).text

    assert text('Kampanjen "Mileone(cid:16) sopapassa(cid:16)"') == 'Kampanjen "Mileone sopapassa"'
    assert text("Det är lag\ufffeligt.") == "Det är lagligt."
    assert text("Thyra Zetterman Café\xadmästare") == "Thyra Zetterman Cafémästare"
    assert text("Aktivitets\xaduts\xad") == "Aktivitetsuts-"
    assert text("föregående styrelsensverk(cid:47)") == "föregående styrelsensverk-"


def test_pdf_point_titles_hanging_left_of_their_text_come_before_it(tmp_path):
    """A student section's Typst template sets each point's number and title in a column left of
    its text, the title over two or three lines beside the text's lines: the title is read whole,
    then the text, instead of line by line across both columns."""
    pdf = FPDF(unit="pt")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    rows = [(100, "§6", "Godkännande av", "Mötet beslöt"), (114, None, "föregående", "att godkänna föregående protokoll."),
            (128, None, "mötesprotokoll", None), (160, "§7", "Information från", "Inga nyheter från kåren."),
            (174, None, "kåren", "Nästa möte hålls i maj."), (206, None, None, "Balansrapport 2017 visar 12 000 kr.")]
    for y, number, title, text in rows:
        if number:
            pdf.text(76, y, number)
        if title:
            pdf.text(103, y, title)
        if text:
            pdf.text(219, y, text)
    # A point's time at the right margin, and its text under the title: no hanging title, and
    # the text stays apart from the title.
    pdf.text(76, 240, "8. Mötets avslutande")
    pdf.text(480, 240, "18:05")
    pdf.text(90, 254, "Ordföranden avslutade mötet och tackade alla för ett givande möte i dag.")
    pdf.output(str(tmp_path / "hanging.pdf"))
    assert [line.text for line in read_document(tmp_path / "hanging.pdf").lines if line.text] == [
        "§6 Godkännande av föregående mötesprotokoll", "Mötet beslöt", "att godkänna föregående protokoll.",
        "§7 Information från kåren", "Inga nyheter från kåren.", "Nästa möte hålls i maj.", "Balansrapport 2017 visar 12 000 kr.",
        "8. Mötets avslutande 18:05", "Ordföranden avslutade mötet och tackade alla för ett givande möte i dag.",
    ]


def test_pdf_ocr_section_signs_misread_are_put_back():
    """Tesseract read a scanned protocol's "§" as "&", "$", "£", "8" or "8 " (two scanned annual
    protocols of a housing cooperative), and its points ran together. An "8" is a section sign only
    where the number follows the last point's; in a typeset PDF nothing changes."""
    from kb.readers.pdf import _pdf_line, _section_signs

    rows = ["& 1. Stämmans öppnande", "$2 Val av ordförande", "83 Beslut om ansvarsfrihet", "8 4. Val av revisor",
            "£ 5. Avslutning", "8 12 stolar köptes in.", "& 6 Övrigt", "S 7 Nästa möte"]

    def lines(font):
        found = [_pdf_line(1, 0, _raw_line(text, 10.0, font, 20.0 * n), set()) for n, text in enumerate(rows)]
        _section_signs(found)
        return [line.text for line in found]

    assert lines("NAXLUX+GlyphLessFont") == [
        "§ 1. Stämmans öppnande", "§ 2 Val av ordförande", "§ 3 Beslut om ansvarsfrihet", "§ 4. Val av revisor",
        "§ 5. Avslutning", "8 12 stolar köptes in.", "§ 6 Övrigt", "§ 7 Nästa möte",
    ]
    assert lines("ABCDEF+LiberationSerif") == rows


def test_pdf_ocr_section_signs_misread_before_a_number_alone_are_put_back():
    """Another cooperative's scanned protocols give a point no title, its number alone on a line
    over its text ("$16", "$ 17", "814" for § 14), and the first point "81. Föreningsstämmans
    öppnande": their points had run together, two or three an item."""
    from kb.readers.pdf import _pdf_line, _section_signs

    rows = ["31 medlemmar var närvarande.", "81. Föreningsstämmans öppnande", "$2", "Till ordförande valdes Attila Kriss.", "83",
            "Stämman godkände dagordningen.", "$ 4", "814 kronor betalades ut.", "35", "Stämman valde revisor."]
    found = [_pdf_line(1, 0, _raw_line(text, 10.0, "NAXLUX+GlyphLessFont", 20.0 * n), set()) for n, text in enumerate(rows)]
    _section_signs(found)
    assert [line.text for line in found] == [
        "31 medlemmar var närvarande.", "§ 1. Föreningsstämmans öppnande", "§ 2", "Till ordförande valdes Attila Kriss.", "§ 3",
        "Stämman godkände dagordningen.", "§ 4", "814 kronor betalades ut.", "§ 5", "Stämman valde revisor."]


def test_markdown_bold_titles_are_headings_where_the_file_has_no_heading_marks(tmp_path):
    """Markdown converted from Word or PDF, and some secretaries, mark a point as a paragraph all
    in bold ("**2. Ekonomi**", perhaps with the text on the next line after a hard break). As in
    Word, such titles are headings where the file has few headings of its own; bold inside a
    sentence, a bold label ("**Beslut:** att ...") and a bold sentence are not."""
    path = tmp_path / "2024-05-02_styrelsemote.md"
    path.write_text("Protokoll styrelsemöte 2024-05-02\n\n**1. Mötets öppnande**\\\nOrdföranden öppnade mötet.\n\n"
                    "**2. Ekonomi**\n\nKassören redovisade att **budgeten** håller.\n\n**Beslut:** att godkänna rapporten.\n\n"
                    "**Alla var överens om att fortsätta.**\n\n**3. Övriga frågor**\nInga.\n", encoding="utf-8")
    headings = [line.text for line in read_document(path).lines if line.style == "heading"]
    assert headings == ["1. Mötets öppnande", "2. Ekonomi", "3. Övriga frågor"]
    path.write_text("# Protokoll\n\n## Ekonomi\n\n**Budget**\n\nText.\n\n## Lokaler\n\n**Nycklar**\n\nText.\n\n## Övrigt\n\nInga.\n",
                    encoding="utf-8")
    assert [line.text for line in read_document(path).lines if line.style == "heading"] == ["Protokoll", "Ekonomi", "Lokaler", "Övrigt"]


def test_markdown_a_backslash_that_ends_a_paragraph_is_no_text(tmp_path):
    """pandoc writes a hard break as a backslash at the end of the line, also before a blank line,
    where CommonMark keeps it as text: a working group's notes had "Tomas Snäckerström\\" in their
    first item and "**Informatik**\\" was no bold title."""
    path = tmp_path / "2020-03-13_arbetsmote.md"
    path.write_text("Anteckningar från arbetsmöte\n\nVid protokollet: Tomas Snäckerström\\\n\n**Informatik**\\\n\n"
                    "Arbetsområdet berör standarder.\\\nDeltar gör Mårten.\n\n**Arkitektur**\\\n\nArbetsområdet avser "
                    "ramverket.\n", encoding="utf-8")
    lines = [line for line in read_document(path).lines if line.text]
    assert "\\" not in " ".join(line.text for line in lines)
    assert [line.text for line in lines if line.style == "heading"] == ["Informatik", "Arkitektur"]
    assert [line.text for line in lines][3:5] == ["Arbetsområdet berör standarder.", "Deltar gör Mårten."]


def test_markdown_a_line_of_spaces_is_a_blank_line_and_every_blank_line_ends_a_paragraph(tmp_path):
    """Lines of spaces are blank lines to Markdown. Read as text, they had made the file look like
    a PDF export, whose whitespace-only lines are the gaps and whose empty lines sit inside
    paragraphs: a board's "* Elect two protocol reviewers" / "  Jyrki & Helio" / "" / "* Sponsorship
    status" had become one block, and its meeting 6 items for 11 topics."""
    path = tmp_path / "2016-04-04_styrelsemote.md"
    path.write_text("Anteckningar från arbetsmöte\n\nVid protokollet: Tomas Snäckerström\n\nPer inledde mötet.\n  \n"
                    "## Teknik\n\nPer meddelade att alla får konton.\n", encoding="utf-8")
    from kb.minutes.layout import lay_out

    document = read_document(path)
    assert [block.text for block in lay_out(document.lines, document.wrapped).blocks] == [
        "Anteckningar från arbetsmöte", "Vid protokollet: Tomas Snäckerström", "Per inledde mötet.", "Teknik",
        "Per meddelade att alla får konton."]


def test_markdown_code_blocks_are_kept_line_for_line(tmp_path):
    """A club's minutes set its budget and a diff of its statutes in code blocks: each line as
    written ("-### 6. Inträde" is a removed line, not a list item), none run on into the next,
    and the fences no text."""
    from kb.minutes import parse_minutes

    path = tmp_path / "2017-09-21_extramote.md"
    path.write_text("# Extra föreningsmöte 2017-09-21\n\n## 8. Budget\n\nFöljande budget föreslogs:\n\n```\n"
                    "medlemsavgifter:  +5000 SEK\nhårdvara:        -20000 SEK\n```\n\n## Bilaga 1 - Ny Medlemskategori\n\n```\n"
                    "-### 6. Inträde\n+### 6. Medlemskap\n+En medlem kan avsäga sig sin rösträtt genom att bli stödmedlem.\n```\n",
                    encoding="utf-8")
    lines = read_document(path).lines
    assert [(line.text, line.style) for line in lines if line.style == "code"] == [
        ("medlemsavgifter:  +5000 SEK", "code"), ("hårdvara:        -20000 SEK", "code"), ("-### 6. Inträde", "code"),
        ("+### 6. Medlemskap", "code"), ("+En medlem kan avsäga sig sin rösträtt genom att bli stödmedlem.", "code")]
    assert not any(line.text.startswith("```") for line in lines)
    items = parse_minutes(read_document(path)).items
    assert ["medlemsavgifter: +5000 SEK", "hårdvara: -20000 SEK"] == items[0].lines[-2:]
    assert items[-1].lines[-3:] == ["-### 6. Inträde", "+### 6. Medlemskap",
                                    "+En medlem kan avsäga sig sin rösträtt genom att bli stödmedlem."]


def test_markdown_nikola_metadata_in_a_comment(tmp_path):
    """A Nikola post's ".. title:" lines in an HTML comment name the meeting; its ".. date:" is when
    the post went up (here two weeks after the meeting), so the date comes from elsewhere (here the
    file's name)."""
    from kb.minutes import parse_minutes

    path = tmp_path / "2024-03-07_varmote.md"
    path.write_text("<!-- \n.. title: Vårmötesprotokoll 2024\n.. slug: varmote-proto\n.. date: 2024-03-21 19:35 CET\n"
                    ".. description: \n-->\n\nProtokoll fört vid föreningens vårmöte 2024-03-07.\n\n"
                    "## 1. Mötets öppnande\n\nOrdföranden förklarar mötet öppnat och hälsar alla välkomna.\n\n"
                    "## 2. Val av justerare\n\nMötet väljer Kaj och Anna att justera protokollet.\n", encoding="utf-8")
    document = read_document(path)
    assert document.metadata == {"title": "Vårmötesprotokoll 2024", "slug": "varmote-proto", "posted": "2024-03-21 19:35 CET"}
    assert [line.text for line in document.lines[:6]] == [""] * 6
    meeting = parse_minutes(document)
    assert (meeting.title, meeting.date) == ("Vårmötesprotokoll 2024", dt.date(2024, 3, 7))
    assert "1. Mötets öppnande" in [item.title for item in meeting.items]
    bare = tmp_path / "bare.md"
    bare.write_text(".. title: Höstmöte\n.. date: 2011-12-20\n\nText om mötet.\n", encoding="utf-8")
    assert read_document(bare).metadata == {"title": "Höstmöte", "posted": "2011-12-20"}


def test_pdf_paragraphs_at_a_size_larger_than_the_most_common_are_body_text(tmp_path):
    """A city's protocol set its paragraphs at 12 points and the pay tables attached after it at
    10, which held most of the characters: every line of the protocol had read as a heading. A size
    that sets many long lines is running text; the 15-point point titles stay headings."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSans.ttf"))
    pdf.set_auto_page_break(False)
    said = ("Personalsektionen fastställer eurobelopp för uppvaktning av anställda efter tjugo, trettio "
            "och fyrtio års tjänstgöring och ger förvaltningen mandat att välja en lämplig gåva.")
    for point in range(1, 5):
        pdf.add_page()
        pdf.set_font("DejaVu", size=15)
        pdf.cell(0, 8, f"{point} § Uppvaktningar och gåvor", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=12)
        for _ in range(3):
            pdf.multi_cell(170, 6, said, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    for _ in range(3):
        pdf.add_page()
        pdf.set_font("DejaVu", size=10)
        for row_number in range(40):
            pdf.cell(0, 5, f"Lönegrupp 01TOI{row_number:03d}   grundlön 2 300,00 euro   tillägg 120,00 euro   summa 2 420,00",
                     new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "protokoll.pdf"))
    lines = read_document(tmp_path / "protokoll.pdf").lines
    headings = [line.text for line in lines if line.style == "heading"]
    assert headings == [f"{point} § Uppvaktningar och gåvor" for point in range(1, 5)]
    assert any(line.text.startswith("Personalsektionen fastställer") and line.style is None for line in lines)
