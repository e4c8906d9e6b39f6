"""What every reader returns: a `Document` of numbered `Line`s."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Hashable

# The marks that open a bullet list's entry in text: the first set at the top level as most
# templates use them, the second for entries under those.
MAJOR_BULLETS = "▪•●■\uf0a7\uf0b7"  # the last two: Symbol-font bullets as Word's PDFs export them
MINOR_BULLETS = "–—-*◦▫‣∙"
# A bullet and its entry's text.
BULLET_ENTRY = re.compile(rf"^\s*[{MAJOR_BULLETS}{re.escape(MINOR_BULLETS)}]\s+(\S.*)$")


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    # The page the line is on where the format records pages (PDF; form feeds in text; page
    # markers in Markdown; page breaks in Word), else None.
    page: int | None = None
    # What the format says the line is: "heading" (Markdown and Word heading styles, larger or
    # bold short lines in a PDF), "list" (Markdown and Word list items), "table" (a Markdown table
    # row, cells joined by " | "; a paragraph in a Word table), "code" (a line of a Markdown code
    # block, kept as written); None for running text.
    style: str | None = None
    # Nesting depth, 0 at the top, for headings (0 the largest PDF heading size) and list items.
    level: int | None = None


@dataclass(frozen=True)
class Document:
    path: Path
    # A blank line (text "") is a paragraph gap: empty in the text, vertical space in a PDF.
    lines: list[Line]
    # Whether a sentence may run on over several lines (text, Markdown, PDF). A Word paragraph is
    # one line as written, so its lines are never joined.
    wrapped: bool = True
    # Whether a line may mark itself a heading in AsciiDoc's or Typst's markup ("== Val av
    # ordförande"): in text and Markdown; a PDF's or Word file's characters are what they say
    # ("= 10 650 kr exkl. sociala avgifter." under a fee's sum in a PDF).
    markup: bool = True
    # Key/values the file states about itself, apart from its text: Markdown front matter (keys in
    # lower case, values as written, a list as "a, b").
    metadata: dict[str, str] = field(default_factory=dict)


def list_levels(indents: dict[Hashable, float], tolerance: float) -> dict[Hashable, int]:
    """Each bullet's nesting level by its indent, where the bullets stand at two indents or more
    (indents within `tolerance` are one); else {}: one level, and the marks are all there is.

    A PDF and a plain text keep a bullet as a character and its depth only as its indent, and a
    mark need not tell the depth: LiTHe kod's LaTeX outlines set "•" on the first and the third
    level, pandoc's plain text "-" on every level. A note two levels down ("• Imorgon 13-15" under
    "– Börja planera in tid" under "• git-workshop") had read as a point of its own and cut its
    point in three."""
    levels: list[float] = []
    for indent in sorted(indents.values()):
        if not levels or indent - levels[-1] > tolerance:
            levels.append(indent)
    if len(levels) < 2:
        return {}
    return {key: sum(level <= indent + tolerance for level in levels) - 1 for key, indent in indents.items()}


def bold_title(text: str) -> bool:
    """Whether a line set all in bold reads as a title: short, not a sentence or a clause of one,
    not starting in lower case. How many secretaries mark an agenda point without heading styles
    (in Word, and in Markdown as "**Ekonomi**")."""
    text = text.strip()
    return bool(text) and len(text.split()) <= 14 and not text.endswith((".", ",", ";", ":")) and not text[0].islower()


def bold_headings(lines: list[Line]) -> list[Line]:
    """Lines of style "bold" (a bold title) become headings one level below the styled ones, but
    only where the document has few styled headings (as the PDF reader reads bold lines); where it
    uses heading styles, bold is emphasis and the lines are running text."""
    styled = [line.level or 0 for line in lines if line.style == "heading"]
    bold = [line for line in lines if line.style == "bold"]
    use = len(styled) < 3 and len(bold) >= 2
    level = max(styled, default=-1) + 1
    return [
        Line(line.number, line.text, line.page, "heading" if use else None, level if use else None)
        if line.style == "bold" else line
        for line in lines
    ]
