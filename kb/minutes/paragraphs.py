"""The naive baseline kb is measured against: paragraphs (runs of non-blank lines) merged up to
800 characters, longer ones cut at line boundaries; no titles, speakers, sections or furniture.
This is what a general-purpose RAG pipeline does with minutes; `kb eval --baseline` ranks it on
the same questions with the same model, so every figure kb quotes has its baseline beside it."""

from __future__ import annotations

from kb.minutes.model import Item, Meeting
from kb.minutes.names import find_dates
from kb.readers import Document, Line

CHUNK_CHARS = 800


def parse_paragraphs(document: Document) -> Meeting:
    paragraphs: list[list[Line]] = [[]]
    for line in document.lines:
        if line.text.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    chunks: list[list[Line]] = [[]]
    for paragraph in (p for p in paragraphs if p):
        for piece in _pieces(paragraph):
            if chunks[-1] and _size(chunks[-1]) + _size(piece) > CHUNK_CHARS:
                chunks.append([])
            chunks[-1] += piece
    items = [
        Item(ordinal=n, title=chunk[0].text.strip(), lines=[line.text.strip() for line in chunk],
             line_start=chunk[0].number, line_end=chunk[-1].number, page=chunk[0].page)
        for n, chunk in enumerate(c for c in chunks if c)
    ]
    dates = find_dates(document.path.name.replace("_", " ")) or find_dates(document.path.parent.name.replace("_", " "))
    return Meeting(title=document.path.stem, date=dates[0] if dates else None, items=items)


def _pieces(paragraph: list[Line]) -> list[list[Line]]:
    pieces: list[list[Line]] = [[]]
    for line in paragraph:
        if pieces[-1] and _size(pieces[-1]) + len(line.text) > CHUNK_CHARS:
            pieces.append([])
        pieces[-1].append(line)
    return pieces


def _size(lines: list[Line]) -> int:
    return sum(len(line.text.strip()) + 1 for line in lines)
