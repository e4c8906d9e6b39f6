"""Markdown rendered to plain text line by line, keeping what the markup says about structure:
headings and list items with their level, table rows, page markers and front matter."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from kb.readers.lines import Line, bold_headings, bold_title
from kb.readers.text import text_lines

# "<!-- sida 3 -->", "<!-- page 3 of 9 -->", "<!-- pagebreak -->": where a page of the original
# (often a PDF converted to Markdown) starts.
_PAGE_MARKER = re.compile(
    r"<!--\s*(?:(?:sida|page|s\.|p\.)\s*(\d+)(?:\s*(?:av|of|/)\s*\d+)?|page\s*break|sidbrytning|new\s*page|ny\s*sida)\s*-->",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_NIKOLA_KEY = re.compile(r"^\.\. ([A-Za-z][\w-]*):(?:\s+(.*))?$")
_FRONT_MATTER_KEY = re.compile(r"^([^\W\d][\w .-]*?)\s*:(?:\s+(.*))?$")


def markdown_lines(path: Path, data: bytes) -> tuple[list[Line], dict[str, str]]:
    """The lines and the front matter's key/values. Markup (emphasis, links, list markers) goes;
    ordered list items keep their number, which is how minutes number agenda points. Lines that
    are not content (front matter, HTML comments, rules, table delimiter rows) stay as blank lines
    so line numbers still match the file."""
    from markdown_it import MarkdownIt

    lines = text_lines(path, data)
    metadata, front_matter = _front_matter(lines)
    lines = [Line(line.number, "", line.page) if line.number <= front_matter else line for line in lines]
    tokens = MarkdownIt("commonmark").enable("table").parse("\n".join(line.text for line in lines))
    lines = _paged(lines, tokens)

    out = list(lines)

    def put(index: int, text: str, style: str | None = None, level: int | None = None) -> None:
        out[index] = Line(index + 1, text, lines[index].page, style, level)

    open_lists: list[str] = []
    block: tuple[str | None, int | None, str] = (None, None, "")
    row: list[str] | None = None
    row_index = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            open_lists.append(token.type)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            open_lists.pop()
        elif token.type == "heading_open":
            block = ("heading", int(token.tag[1]) - 1, "")
            if token.markup in ("=", "-") and token.map:  # a setext heading's underline
                put(token.map[1] - 1, "")
        elif token.type == "list_item_open":
            if open_lists[-1] == "ordered_list_open":
                block = (None, None, f"{token.info}{token.markup} ")
            else:
                block = ("list", len(open_lists) - 1, "")
        elif token.type == "hr" and token.map:
            put(token.map[0], "")
        elif token.type in ("fence", "code_block") and token.map:
            # Preformatted text (a budget, a diff of the statutes) line for line: no list marker
            # read in "-### 6. Inträde", no line run on into the next; the fences are no text.
            first, end = token.map
            for index in range(first, end):
                fence = token.type == "fence" and (
                    index == first or index == end - 1 and lines[index].text.strip().startswith(token.markup))
                put(index, "" if fence else lines[index].text, None if fence else "code")
        elif token.type == "html_block" and token.map and not _COMMENT.sub("", token.content).strip():
            for index in range(*token.map):
                put(index, "")
        elif token.type == "table_open" and token.map:
            put(token.map[0] + 1, "", "table")  # the |---|---| row under the header
        elif token.type == "tr_open" and token.map:
            row, row_index = [], token.map[0]
        elif token.type == "tr_close" and row is not None:
            put(row_index, " | ".join(row), "table")
            row = None
        elif token.type == "inline" and row is not None:
            row.append(_inline_text(token).strip())
        elif token.type == "inline" and token.map:
            style, level, prefix = block
            for offset, text in enumerate(_inline_text(token).split("\n")):
                if offset == 0:
                    bold = style is None and not prefix and _bold_first_line(token) and bold_title(text)
                    put(token.map[0], prefix + text, "bold" if bold else style, level)
                else:
                    put(token.map[0] + offset, text)
            block = (None, None, "")
    # A line of spaces is a blank line to Markdown, a paragraph's end; as text it would read as the
    # whitespace-only gap lines of a PDF export, whose empty lines then join paragraphs across.
    out = [Line(line.number, "", line.page, line.style, line.level) if not line.text.strip() else line for line in out]
    return bold_headings(out), metadata


def _bold_first_line(token) -> bool:
    """Whether a paragraph's first line is all in bold ("**Ekonomi**", or "**Ekonomi**\\" with
    the point's text on the next line): how Markdown converted from Word or PDF, and some
    secretaries, mark an agenda point without a heading."""
    children = token.children or []
    end = next((i for i, child in enumerate(children) if child.type in ("softbreak", "hardbreak")), len(children))
    depth, found = 0, False
    for index, child in enumerate(children[:end]):
        if child.type == "strong_open":
            depth += 1
        elif child.type == "strong_close":
            depth -= 1
        elif child.type == "text" and not child.content.strip():
            continue
        elif child.type == "text" and index == len(children) - 1 and child.content.strip() == "\\":
            continue  # "**Informatik**\\" alone: a hard break that ends the paragraph (_inline_text)
        elif depth == 0:
            return False
        else:
            found = True
    return found


def _inline_text(token) -> str:
    """The text of a Markdown inline token without its markup; soft and hard breaks become newlines.
    A backslash that ends the paragraph is a hard break with nothing after it (pandoc writes one
    after a line such as "Vid protokollet: Tomas Snäckerström\\" before a blank line); CommonMark
    keeps it as text, and it had stood at the end of titles and names."""
    children = token.children or []
    parts = []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_inline_text(child))
    text = "".join(parts)
    ends_in_backslash = children and children[-1].type == "text" and children[-1].content.endswith("\\")
    return text[:-1] if ends_in_backslash else text


def _paged(lines: list[Line], tokens) -> list[Line]:
    """Pages from the page markers, when there are any: a numbered marker sets the page of the lines
    after it, a page break advances it. Lines before the first marker are on the page before it."""
    markers: dict[int, int | None] = {}
    for token in tokens:
        if token.type == "html_block" and token.map:
            m = _PAGE_MARKER.fullmatch(token.content.strip())
            if m:
                markers[token.map[0]] = int(m.group(1)) if m.group(1) else None
    if not markers:
        return lines
    first = markers[min(markers)]
    page = max(1, first - 1) if first else 1
    out = []
    for index, line in enumerate(lines):
        if index in markers:
            number = markers[index]
            page = number if number is not None else page + 1
        out.append(Line(line.number, line.text, page, line.style, line.level))
    return out


def _front_matter(lines: list[Line]) -> tuple[dict[str, str], int]:
    """YAML front matter (between "---" lines at the very top), or TOML front matter (between
    "+++" lines, as Hugo and Zola sites keep it): its top-level key/values as text, keys in lower
    case, and how many lines it takes. Nested mappings are left out; a list becomes "a, b"."""
    nikola = _nikola_metadata(lines)
    if nikola is not None:
        return nikola
    if lines and lines[0].text.strip() == "+++":
        end = next((i for i in range(1, len(lines)) if lines[i].text.strip() == "+++"), None)
        return (_parse_toml([line.text for line in lines[1:end]]), end + 1) if end else ({}, 0)
    if not lines or lines[0].text.strip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].text.strip() in ("---", "...")), None)
    body = [line.text for line in lines[1:end]] if end else []
    first = next((text for text in body if text.strip() and not text.lstrip().startswith("#")), "")
    if not _FRONT_MATTER_KEY.match(first):
        return {}, 0  # a rule, not front matter
    return _parse_front_matter(body), end + 1


def _nikola_metadata(lines: list[Line]) -> tuple[dict[str, str], int] | None:
    """Nikola's metadata, at the top of a post: ".. title: Höstmöte 2020" lines, bare (up to the
    first blank line) or inside an HTML comment ("<!--" ... "-->"); None when the file does not
    start so. Its "date" is when the post went up, often days after the meeting, so it is kept as
    "posted", not as the meeting's date."""
    commented = bool(lines) and lines[0].text.strip() == "<!--"
    metadata: dict[str, str] = {}
    for index in range(int(commented), len(lines)):
        text = lines[index].text.strip()
        m = _NIKOLA_KEY.match(text)
        if m:
            key, value = m.group(1).lower(), (m.group(2) or "").strip()
            if value:
                metadata["posted" if key == "date" else key] = value
        elif text == ("-->" if commented else ""):
            return (metadata, index + 1) if metadata else None
        elif text:
            return None
    return (metadata, len(lines)) if metadata and not commented else None


def _parse_toml(body: list[str]) -> dict[str, str]:
    loaded = _mapping("tomllib", "\n".join(body))  # tomllib: Python 3.11 and later
    if loaded is not None:
        return _flat(loaded)
    # Without tomllib, or for broken TOML: top-level `key = value` lines, read as "key: value".
    return _parse_front_matter([re.sub(r"^([^\W\d][\w.-]*)\s*=\s*", r"\1: ", text) for text in body])


def _mapping(module: str, text: str) -> dict | None:
    """`text` parsed by `module` (tomllib or yaml) where it is installed and the text is a mapping
    in that language, else None."""
    try:
        library = importlib.import_module(module)
    except ImportError:
        return None
    try:
        # YAML's BaseLoader keeps every value as written: "9:30" stays a time, "no" stays a word.
        loaded = library.loads(text) if module == "tomllib" else library.load(text, Loader=library.BaseLoader)
    except (ValueError, getattr(library, "YAMLError", ValueError)):  # TOMLDecodeError is a ValueError
        return None
    return loaded if isinstance(loaded, dict) else None


def _flat(loaded: dict) -> dict[str, str]:
    """The top-level keys (in lower case) with a text, number, date or list of them, as text;
    nested tables and mappings are left out."""
    metadata = {}
    for key, value in loaded.items():
        if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
            value = ", ".join(str(item).strip() for item in value)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if isinstance(value, (str, int, float)):
            metadata[str(key).strip().lower()] = str(value).strip()
    return metadata


def _parse_front_matter(body: list[str]) -> dict[str, str]:
    loaded = _mapping("yaml", "\n".join(body))
    if loaded is not None:
        return _flat(loaded)
    metadata = {}
    for text in body:  # without a YAML library (or for broken YAML): top-level "key: value" lines
        m = _FRONT_MATTER_KEY.match(text)
        if m and m.group(2):
            value = m.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            metadata[m.group(1).strip().lower()] = value
    return metadata
