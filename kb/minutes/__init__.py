"""Parsing minutes into a meeting and its items, in steps, one module each:

- `aside`: the lines that are not content (page furniture, tables of contents, an agenda that
  lists the headings after it, attendance lists);
- `layout`: the other lines to blocks (wrapped lines joined; bullets, numbered points and
  headings told apart), with `marks` for what a line's bullet or number says;
- `tree`: blocks to a tree of parts, from the structure (headings, numbering, contributions);
- `segment`: the tree to items, bounded in size;
- `metadata`: the meeting's title, date, body, header and next meeting;
- `names`: personal names, roles, speakers and dates as Swedish minutes write them.

Every non-empty source line ends up in an item's line range or in the meeting header, or among
the page furniture, contents and attendance lines the meeting lists.
"""

from __future__ import annotations

from kb.minutes import metadata
from kb.minutes.attendance import members_in_header
from kb.minutes.layout import lay_out
from kb.minutes.model import Item, Meeting
from kb.minutes.names import find_dates, parse_speaker, without_titles
from kb.minutes.paragraphs import parse_paragraphs
from kb.minutes.segment import items_of
from kb.minutes.tree import build_tree, leading_labels, rank_openers, unwrap
from kb.readers import Document

__all__ = ["SEGMENTERS", "Item", "Meeting", "find_dates", "parse_minutes", "parse_speaker"]

DEFAULT_SEGMENTER = "minutes"
# Raised whenever parsing changes what items a file gives: an index built by another version
# parses every file again on its next update (embeddings of unchanged item texts are reused).
PARSER_VERSION = 90


def parse_minutes(document: Document) -> Meeting:
    """The meeting a document records; the date falls back from the title to the front matter,
    the header, the running page headers, the file name, and last its folder's name
    ("2024-01-16/protokoll.md", "20201210/agenda.md")."""
    layout = lay_out(document.lines, document.wrapped, document.markup)
    blocks = layout.blocks
    ranks = rank_openers(blocks)
    front = document.metadata
    title_count, header_count = metadata.split_header(
        blocks, ranks, titled=bool(metadata.front_matter(front, metadata.TITLE_KEYS)))
    # Each line of the title once: Word made from LaTeX by pandoc has the document's title as its
    # Title paragraph and again on the title page ("Protokoll fört vid sektionsmöte").
    title_lines = list(dict.fromkeys(block.text for block in blocks[:title_count]))
    title_text = " ".join(title_lines)
    header_text = " ".join(block.text for block in blocks[:header_count])
    furniture_text = " ".join(line.text for line in document.lines if line.number in layout.furniture)
    date = metadata.meeting_date(
        title_text, metadata.front_matter(front, metadata.DATE_KEYS), header_text, furniture_text,
        document.path.name.replace("_", " "), document.path.parent.name.replace("_", " "),
    )
    # The running page header before the header's own lines: it names the body on every page
    # ("Kommunstyrelsens arbetsutskott"), where the header's attendance lines name others ("Nämnden
    # för Service" of an official's title had become a committee's meeting title).
    named = metadata.meeting_title(metadata.title_before_date(title_lines))
    body = metadata.body(named, furniture_text, header_text)
    title = metadata.choose_title(named, metadata.front_matter(front, metadata.TITLE_KEYS), body, document.path.stem)
    root = build_tree(blocks[header_count:], ranks[header_count:])
    header_count += unwrap(root)
    header_count += leading_labels(root, metadata.labelled_line)
    items = items_of(root)
    texts = [line.text for line in document.lines]
    whole = "\n".join(texts)
    for item in items:
        item.speaker = without_titles(item.speaker, whole)
    header = blocks[:header_count]
    return Meeting(
        title=title,
        date=date,
        next_meeting=metadata.next_meeting(date, items),
        body=body,
        place=metadata.meeting_place(texts, front),
        attendees=members_in_header(" ".join(block.text for block in header), layout.attendees),
        header_lines=(header[0].start, header[-1].end) if header else None,
        page_furniture_lines=sorted(layout.furniture),
        contents_lines=sorted(layout.contents),
        attendance_lines=sorted(layout.attendance),
        items=items,
    )


# How a document becomes items: kb's parser, or the naive paragraph chunker it is measured
# against (`kb eval --baseline`). The index records which one built it.
SEGMENTERS = {"minutes": parse_minutes, "paragraphs": parse_paragraphs}
