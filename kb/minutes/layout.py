"""From a document's lines to blocks: the lines that are not content set aside (`aside`), then
how wrapped lines join into the paragraphs, bullets and headings the author wrote, and which
blocks are agenda points.

A block keeps where each of its source lines starts in its text, so that a long paragraph can
be cut at a sentence and each part still names its own source lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.minutes.aside import agenda_list, page_furniture, table_of_contents
from kb.minutes.attendance import attendance_lists
from kb.minutes.marks import BULLET, NUMBERED, TERMINAL, numbering_depth, paragraph_number
from kb.minutes.names import LOWER, UPPER, dates_at
from kb.readers import Line
from kb.readers.lines import MAJOR_BULLETS, MINOR_BULLETS

# A case reference after the number: "§ 187 Dnr BN-2025-00001", "§ 4 KS 2024/123".
_REFERENCE = re.compile(r"^(?:[A-ZÅÄÖ][\w.]{0,5}\s*)*(?:[A-ZÅÄÖ]{1,6}[- ]?)?\d{2,4}[-/:.]\d+(?:[-/:.]\d+)*\s*$")
_LABEL = re.compile(rf"^[{UPPER}][\w ]{{0,25}}:\s")  # "Plats och tid: ...", "Justerare: ..."


@dataclass
class Block:
    """A line as the minutes' author wrote it: wrapped pieces joined, bullet marker removed."""

    kind: str  # "heading", "numbered", "major", "minor", "table", "plain"
    text: str
    start: int
    end: int
    page: int | None
    after_gap: bool  # a paragraph gap (blank line, or vertical space in a PDF) precedes it
    level: int | None = None
    # (offset in text, source line number) where each source line starts
    pieces: list[tuple[int, int]] = field(default_factory=list)
    # (source line number, page) where the block goes on on a new page
    turns: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self):
        if not self.pieces:
            self.pieces = [(0, self.start)]

    def line_at(self, offset: int) -> int:
        return max((n for o, n in self.pieces if o <= offset), default=self.start)

    def page_at(self, number: int) -> int | None:
        """The page of one of the block's lines: a paragraph runs on across a page break."""
        return max(((n, page) for n, page in self.turns if n <= number), default=(0, self.page))[1]

    def goes_on(self, offset: int, line: Line) -> None:
        """`line`, its text joined to the block's at `offset`, is the block's last line now."""
        self.pieces.append((offset, line.number))
        if line.page != self.page_at(self.end):
            self.turns.append((line.number, line.page))
        self.end = line.number


@dataclass
class Layout:
    blocks: list[Block]
    furniture: set[int]  # running page headers and footers, page counters
    contents: set[int]  # a table of contents
    attendance: set[int]
    attendees: list[str]


def lay_out(lines: list[Line], wrapped: bool, markup: bool = True) -> Layout:
    furniture = page_furniture(lines)
    lines = [line for line in lines if line.number not in furniture]
    contents = table_of_contents(lines)
    lines = [line for line in lines if line.number not in contents]
    attendance, names = attendance_lists(lines)
    lines = [line for line in lines if line.number not in attendance]
    # After the attendance lists, which an agenda below them ends.
    agenda = agenda_list(lines)
    lines = [line for line in lines if line.number not in agenda]
    return Layout(logical_blocks(lines, wrapped, markup), furniture, contents | agenda, attendance, names)


def logical_blocks(lines: list[Line], wrapped: bool, markup: bool = True) -> list[Block]:
    out: list[Block] = []
    # A text exported from PDF (as the first minutes were) marks paragraph gaps with whitespace-only
    # lines and leaves empty lines inside paragraphs; elsewhere any blank line is a gap.
    whitespace_gaps = any(line.text and not line.text.strip() for line in lines)
    content = [line for line in lines if line.text.strip()]
    next_content = {id(a): b for a, b in zip(content, content[1:])}
    two_level_bullets = _bullet_levels(content)
    gap = False
    previous: Line | None = None
    for line in lines:
        stripped = " ".join(line.text.split())
        if not stripped:
            gap = gap or line.text != "" or not whitespace_gaps
            continue
        kind, text, level = _classify(line, stripped, two_level_bullets, markup)
        following = next_content.get(id(line))
        joinable = wrapped and kind == "plain" and bool(out)
        if previous is not None and line.page != previous.page:
            # The space around a page's header and footer says nothing about paragraphs: a page
            # break is a gap unless the text plainly runs on.
            joins = joinable and _continues(out[-1], text, following, page_break=True)
            gap = not joins
        else:
            joins = joinable and not gap and _continues(out[-1], text, following)
        if joins:
            prev = out[-1]
            prev.text, offset = _join(prev.text, text)
            prev.goes_on(offset, line)
        elif kind == "heading" and _heading_runs_on(out, text, level, line, wrapped and not gap):
            prev = out[-1]
            prev.text, offset = _join(prev.text, text)
            prev.goes_on(offset, line)
        elif _number_under_title(out, kind, text):
            prev = out[-1]  # the title line opens the point, in the number's style
            prev.kind, prev.level = kind, level
            prev.goes_on(len(prev.text), line)
        elif _titles_number(out, kind, text, level):
            prev = out[-1]
            prev.goes_on(len(prev.text) + 1, line)
            prev.text = f"{prev.text} {text}"
        else:
            out.append(Block(kind, text, line.number, line.number, line.page, gap, level))
        gap = False
        previous = line
    for block in out:
        # "9. Innovation och riskkapital: Tillgång till ..." read as a title until its wrapped
        # lines joined it: a numbered sentence is an entry of a list, not an agenda point.
        m = NUMBERED.match(block.text) if block.kind == "numbered" and block.end > block.start else None
        if m and not m.group(1).startswith("§") and m.group(2) and not is_agenda_title(m.group(2)):
            block.kind, block.level = "minor", None
    _points_in_sequence(out)
    _lists_under_points(out)
    return out


def _points_in_sequence(blocks: list[Block]) -> None:
    """A numbered line that goes on from the last agenda point's number in its style ("15)" then
    "16) Discussion of suggestions from board or members that were sent to the board 10 days
    before the annual meeting") is the next point, however long its title."""
    last: tuple[int, str] | None = None  # the last agenda point's number and the mark after it
    for block in blocks:
        m = _PLAIN_NUMBER.match(block.text) if block.kind in ("numbered", "minor") else None
        if m is None:
            continue
        number, mark = int(m.group(1)), m.group(2)
        if block.kind == "numbered" and block.level == 1:
            last = (number, mark)
        elif last is not None and (number, mark) == (last[0] + 1, last[1]):
            block.kind, block.level = "numbered", 1
            last = (number, mark)


_PLAIN_NUMBER = re.compile(r"^(\d{1,3})([.):])\s+\S")
_ANY_NUMBER = re.compile(r"^(\d{1,3})([.):]?)(?:\s|$)")


def _lists_under_points(blocks: list[Block]) -> None:
    """Numbering that starts again at 1 in another style, right under a point ("2 Formalia", then
    "1. Val av mötesordförande", "2. Val av sekreterare", then "3 Godkännande av dagordning"), is a
    list inside that point, one level deeper, as Word's numbered lists come out in plain text; the
    outer numbering going on ("3" after "2", in its own style) closes it. A heading starts afresh."""
    stack: list[tuple[int, str]] = []  # per depth: the last number and the mark after it
    for block in blocks:
        if block.kind == "heading":
            stack = []
            continue
        m = _ANY_NUMBER.match(block.text) if block.kind == "numbered" and block.level == 1 else None
        if m is None:
            continue
        number, mark = int(m.group(1)), m.group(2)
        going_on = next((depth for depth in range(len(stack) - 1, -1, -1) if stack[depth] == (number - 1, mark)), None)
        if going_on is not None:
            del stack[going_on + 1:]
            stack[going_on] = (number, mark)
        elif number == 1 and stack and stack[-1][1] != mark:
            stack.append((number, mark))
        elif stack:
            stack[-1] = (number, mark)
        else:
            stack = [(number, mark)]
        block.level = len(stack)


def _heading_runs_on(out: list[Block], text: str, level: int | None, line: Line, wraps: bool) -> bool:
    """A heading too long for its line goes on, in the same style, on the next one ("6 Återställande
    av styrdokument, uppdaterade stadgar och" / "övrig dokumentation som förlorats ..."), as PDFs
    set them (`wraps`: in a wrapped text, no gap between): the next line starts in lower case, or
    the line before is long and ends no sentence. A heading cut inside a word goes on, after a
    blank line too (Markdown converted from a municipal PDF: "## Barn- och utbildningsnämndens
    behandling 2024-" / "" / "## 10-15", whose "10-15" had been the section of the decision)."""
    if not out or out[-1].kind != "heading" or out[-1].level != level or out[-1].page != line.page:
        return False
    last_line = out[-1].text[out[-1].pieces[-1][0]:]
    cut = last_line.endswith("-") and last_line[-2:-1].isalnum() and line.number - out[-1].end <= 2
    if cut:
        return True
    return wraps and out[-1].end == line.number - 1 and (
        text[:1].islower() or len(last_line) >= 40 and not last_line.endswith(TERMINAL))


def _titles_number(out: list[Block], kind: str, text: str, level: int | None) -> bool:
    """A title on the line after a bare agenda number ("§ 187  Dnr BN-2025-00001" / "Förändring
    av ärendelista") belongs to the number's line; so does a heading after a heading that is
    only the number, in the same style or a higher one (Markdown converted from a municipal PDF:
    "## **§ 119**" / "## **Gallring av handlingar i kostsystemet Matilda**", and in the same file
    "## **§ 123**" / "# **Sammanträdestider ...**", which had become the section of every later
    point). A deeper heading after the number is a part of its point ("### Beslut")."""
    if not out or out[-1].kind not in ("numbered", "heading") or out[-1].start != out[-1].end:
        return False
    if kind != "plain" and not (kind == "heading" and out[-1].kind == "heading" and (
            out[-1].level == level or None not in (level, out[-1].level) and level < out[-1].level)):
        return False
    m = NUMBERED.match(out[-1].text)
    if not m:
        return False
    rest = m.group(2).strip()
    return (not rest or bool(_REFERENCE.match(rest))) and is_agenda_title(text)


def _number_under_title(out: list[Block], kind: str, text: str) -> bool:
    """A heading that is only a paragraph's number under a line that opens with it ("14§
    Lägesrapport från välfärdsområdet" / "14 §" set large, as a Finnish city's case system lays out
    each point): the line above is the point's title. The title had gone into the item before, and
    the bare number opened the point."""
    bare = paragraph_number(text)
    if not bare or bare[1] or kind not in ("heading", "numbered") or not out \
            or out[-1].kind not in ("plain", "numbered") or out[-1].start != out[-1].end:
        return False
    opens = paragraph_number(out[-1].text)
    return opens is not None and opens[0] == bare[0] and opens[1][:1].isalpha()


def _bullet_levels(content: list[Line]) -> bool:
    """Whether bullets come in two levels (▪ points with – sub-points, or nested lists): only then
    is a top-level bullet a point of its own rather than an entry of a list."""
    if any(line.style == "list" and line.level for line in content):
        return True
    marks = {m.group(1) for line in content if (m := BULLET.match(line.text)) and m.group(2).strip()}
    return bool(marks & set(MAJOR_BULLETS)) and bool(marks & set(MINOR_BULLETS))


# "####1. Val av mötesordförande": a Markdown heading its author wrote without the space that
# CommonMark requires; every reader of the minutes sees a heading (in a PDF printed from the
# Markdown as written too: LiTHe kod's "##Kallade", "##Mötets öppnande").
_UNSPACED_HEADING = re.compile(r"^(#{1,6})(?=[^#\s])(.+)$")
# "== Val av ordförande": a heading in AsciiDoc's or Typst's markup ("= Title", "== Section"), or
# MediaWiki's ("== Section =="), in a text or Markdown file; Markdown itself has no such line. In
# a PDF or Word file it is what it says: "= 10 650 kr exkl. sociala avgifter." under a fee's sum
# had become the heading over the last ten points of a cooperative's annual meeting.
_EQUALS_HEADING = re.compile(r"^(={1,6})\s+([^=\s].{0,150}?)(?:\s+=+)?$")


def _classify(line: Line, stripped: str, two_level_bullets: bool, markup: bool = True) -> tuple[str, str, int | None]:
    if line.style == "heading":
        return "heading", stripped, line.level
    m = _UNSPACED_HEADING.match(stripped) if line.style is None else None
    if m:
        return "heading", m.group(2).strip(), len(m.group(1)) - 1
    m = _EQUALS_HEADING.match(stripped) if line.style is None and markup else None
    if m and re.search(r"[^\W\d_]", m.group(2)):
        return "heading", m.group(2).strip(), len(m.group(1)) - 1
    if line.style in ("table", "code"):  # a row or a preformatted line: its own block, as written
        return "table", stripped, None
    if line.style == "list":
        return ("major" if two_level_bullets and not line.level else "minor"), stripped, line.level
    m = BULLET.match(stripped)
    if m and (m.group(2) or "").strip():
        kind = "major" if two_level_bullets and m.group(1) in MAJOR_BULLETS else "minor"
        return kind, m.group(2).strip(), None
    m = NUMBERED.match(stripped)
    if m and not any(position == 0 for position, _ in dates_at(stripped, year_hint=2000)):
        # A numbered line that reads as a title is an agenda point; one that reads as a sentence is
        # an entry of a numbered list.
        rest = m.group(2).strip()
        if m.group(1).startswith("§") or (rest and is_agenda_title(rest)) or (not rest and "." not in m.group(1)[:-1]):
            return "numbered", stripped, numbering_depth(m.group(1))
        return "minor", stripped, None
    return "plain", stripped, None


def _continues(prev: Block, text: str, following: Line | None, page_break: bool = False) -> bool:
    """Whether a plain line continues the previous logical line (a wrap) or starts a new one.
    Across a page break only the plain signs count: a lower-case start, a hyphen or comma left open."""
    if prev.kind in ("heading", "table"):
        return False
    if text[0].islower() or text[0] in ",)”\"'":
        return True
    if prev.kind == "numbered" or prev.text.endswith(TERMINAL):
        return False
    if sum(prev.text.count(q) for q in "”“\"") % 2 or prev.text.count("(") > prev.text.count(")"):
        return True  # inside a quotation or parenthesis
    if page_break:
        return prev.text.endswith((",", "-"))
    if _LABEL.match(text):
        return False
    # A short title on a line of its own ("Beslut", "Kommuner") is not a sentence wrapped: a
    # wrapped line runs to the margin.
    if prev.start == prev.end and is_title(prev.text):
        return False
    # A short title directly above a bullet list ("Kommuner") is not a wrapped sentence.
    if is_title(text) and following is not None and (following.style == "list" or BULLET.match(following.text.strip())):
        return False
    return True


def _join(left: str, right: str) -> tuple[str, int]:
    """The joined text and the offset where `right` starts in it. A word hyphenated at the line
    break ("närings-" + "livet") is joined without the hyphen, but "Hälso- och" (a Swedish elided
    compound) keeps its hyphen and space."""
    if re.search(rf"[{LOWER}]-$", left) and right[:1].islower() and not right.startswith(("och ", "eller ")):
        return left[:-1] + right, len(left) - 1
    if re.search(r"\d-$", left) and right[:1].isdigit():  # a range wrapped at its dash: "10-" + "16"
        return left + right, len(left)
    return f"{left} {right}", len(left) + 1


def is_title(text: str) -> bool:
    """Short, no sentence punctuation: reads as a heading rather than as a statement."""
    return len(text.split()) <= 6 and not re.search(r"[.,;!?]|:.", text)


def is_agenda_title(text: str) -> bool:
    """An agenda point's name: "Budget 2025", "Detaljplan för Storsjöstrand, samråd"; not a sentence."""
    return len(text.split()) <= 14 and not text.rstrip().endswith((".", ":", "!", "?", ",")) and text[:1].isupper()
