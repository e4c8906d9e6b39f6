"""kb for other programs: what a caller may ask, checked, and a KnowledgeBase's answers as
JSON-ready dicts. The layers that serve kb to others (`kb serve`'s JSON API and web pages; any
other front end, an MCP server among them) translate requests into these calls and these dicts
into responses, so they all check input alike and answer with the same fields and one-line errors.

Errors: a bad argument (an empty or overlong query, k out of range, a date that is not
YYYY-MM-DD, an unknown mode) is a ValueError; something the index does not hold (an item id, a
meeting, an organisation or person, a file) is `NotFound`; a missing or damaged index is kb's own
KBError. Every message is one line, and the library's are the ones the command line prints.

Limits keep one request from costing what a hundred would: a query is at most MAX_QUERY_CHARS
characters (the model reads about 512 tokens of it anyway), at most MAX_K hits, MAX_AROUND
items either side of one, filters at most MAX_FILTER_CHARS characters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.errors import KBError
from kb.knowledge_base import KnowledgeBase
from kb.readers import PDF_SUFFIXES, read_bytes
from kb.search import DEFAULT_MODE, MODES, Filters, Hit

MAX_QUERY_CHARS = 1000
MAX_K = 100
MAX_AROUND = 50
MAX_FILTER_CHARS = 200
FILTERS = ("org", "speaker", "since", "until", "meeting", "attendee")


class NotFound(KBError):
    """What the request names is not in the index: an item, a meeting, a party, a file."""


# -- input ------------------------------------------------------------------------------------------


def query_text(query: str | None, name: str = "query") -> str:
    """The query, stripped; empty or longer than MAX_QUERY_CHARS is an error."""
    text = (query or "").strip()
    if not text:
        raise ValueError(f"the {name} is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise ValueError(f"the {name} is {len(text)} characters long; at most {MAX_QUERY_CHARS} are read")
    return text


def number(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")
    return value


def mode_of(mode: str | None) -> str:
    if not mode:
        return DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


def given(text: str | None, name: str = "filter") -> str | None:
    """A filter's text, or None for an empty one (it means "no filter")."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_CHARS:
        raise ValueError(f"{name} is {len(text)} characters long; at most {MAX_FILTER_CHARS}")
    return text.strip()


def date(name: str, text: str | None) -> dt.date | None:
    if given(text, name) is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name}: {text.strip()!r} is not a date; give YYYY-MM-DD") from None


def filters(org: str | None = None, speaker: str | None = None, since: str | None = None, until: str | None = None,
            meeting: str | None = None, attendee: str | None = None) -> Filters:
    """Filters from text as a form or URL gives it: empty fields are no filter."""
    chosen = Filters(org=given(org, "org"), speaker=given(speaker, "speaker"), since=date("since", since),
                     until=date("until", until), meeting=given(meeting, "meeting"), attendee=given(attendee, "attendee"))
    if chosen.since and chosen.until and chosen.since > chosen.until:
        raise ValueError(f"since ({chosen.since}) is after until ({chosen.until})")
    return chosen


# -- output -----------------------------------------------------------------------------------------


def cited(hit: Hit) -> dict[str, Any]:
    """A hit as JSON (the fields of `kb search --json`), with the line to cite it by."""
    return {**hit.to_dict(), "citation": citation(hit)}


def citation(hit: Hit) -> str:
    """Where an item stands, for a reader to find it: "Meeting, 2020-12-14, file, lines 64-69, page 3"."""
    parts = [hit.meeting, hit.date or "no date", hit.source, f"lines {hit.line_start}-{hit.line_end}"]
    if hit.page:
        parts.append(f"page {hit.page}")
    return ", ".join(str(part) for part in parts if part)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- calls ------------------------------------------------------------------------------------------


def search(kb: KnowledgeBase, query: str | None, k: int = 5, mode: str | None = None, **typed: str | None) -> dict:
    """{"query", "mode", "k", "hits"}: the k best items for the query within the filters
    (`org`, `speaker`, `since`, `until`, `meeting`, `attendee`, as text)."""
    text, mode, k = query_text(query), mode_of(mode), number("k", k, 1, MAX_K)
    chosen = filters(**typed)
    hits = kb.search(text, k=k, mode=mode, filters=chosen)
    return {"query": text, "mode": mode, "k": k, "hits": [cited(hit) for hit in hits]}


def item(kb: KnowledgeBase, item_id: int, around: int = 2) -> dict:
    """{"item", "before", "after", "meeting"}: an item, the items around it in its meeting, and
    the meeting with its attendance."""
    number("around", around, 0, MAX_AROUND)
    try:
        hits = kb.show(item_id, around=around)
        meeting = kb.meeting_of(item_id)
    except ValueError as e:  # the id was checked to be a number: the index lacks it
        raise NotFound(one_line(e)) from None
    position = next(i for i, hit in enumerate(hits) if hit.item_id == item_id)
    return {"item": cited(hits[position]), "before": [cited(hit) for hit in hits[:position]],
            "after": [cited(hit) for hit in hits[position + 1:]], "meeting": meeting}


def meeting(kb: KnowledgeBase, which: str | None) -> dict:
    """{"meeting", "items"}: a meeting named by its date, part of its title, or its file (which
    always picks one), with all its items in order and who attended."""
    which = given(which, "meeting")
    if which is None:
        raise ValueError("no meeting named; give its date (YYYY-MM-DD), title or file")
    try:
        found, items = kb.meeting(which)
    except ValueError as e:  # none matches, or several do (the message lists them)
        raise NotFound(one_line(e)) from None
    return {"meeting": found, "items": [cited(hit) for hit in items]}


def meetings(kb: KnowledgeBase) -> dict:
    """{"meetings": [...]}: every meeting, by date: source, title, body, date, next meeting,
    attendees, number of items."""
    return {"meetings": _retrying(lambda: kb.stats()["meetings_list"])}


def timeline(kb: KnowledgeBase, party: str | None, query: str | None = None, k: int = 10) -> dict:
    """{"party", "query", "items"}: what an organisation or person said, oldest first; with a
    query, only their k items most relevant to it."""
    party = given(party, "party")
    if party is None:
        raise ValueError("no organisation or person named; `kb parties` lists them")
    text = query_text(query) if query is not None and query.strip() else None
    number("k", k, 1, MAX_K)
    try:
        hits = kb.timeline(party, query=text, k=k)
    except ValueError as e:  # the input was checked: the index names no such party
        raise NotFound(one_line(e)) from None
    return {"party": party, "query": text, "items": [cited(hit) for hit in hits]}


def parties(kb: KnowledgeBase) -> dict:
    """{"organisations": [...], "speakers": [...]}, each {"name", "items", "first", "last"}."""
    return kb.parties()


def stats(kb: KnowledgeBase) -> dict:
    """What the index holds (as `kb stats --json`, without the list of meetings)."""
    info = _retrying(kb.stats)
    info.pop("meetings_list", None)
    return {**info, "generation": generation(kb)}


def generation(kb: KnowledgeBase) -> int:
    """The index's committed generation: it grows by one with every update that changed it."""
    with kb.store.snapshot():
        return int(kb.store.get_meta("generation", "0"))


def _retrying(call):
    """`kb.stats` sizes the live vector file; an update may remove it between the look and the
    size (it has just committed the next one). Once more then reads the new generation."""
    try:
        return call()
    except FileNotFoundError:
        return call()


# -- source files -----------------------------------------------------------------------------------


@dataclass
class SourceFile:
    """A minutes file the index holds, found by its name in the index (never by a path a caller
    gives), read whole, and checked to be what was indexed."""

    source: str  # its name in the index
    path: Path
    data: bytes
    pdf: bool
    changed: bool  # its content differs from what was indexed (lines and pages may have moved)


def source_file(kb: KnowledgeBase, source: str | None, root: Path | None = None) -> SourceFile:
    """The file the index knows as `source`. The name is only a key: it is looked up among the
    index's meetings, and the path read is the one the index recorded, relative to `root` (the
    folder `kb index` ran in; default the working folder) unless it is absolute. Only regular
    files are read (kb.readers.read_bytes), so a device or FIFO planted under the name is not."""
    source = given(source, "file")
    if source is None:
        raise ValueError("no file named; give a meeting's `source`")
    with kb.store.snapshot():
        known = kb.store.meeting_sources()
    if source not in known:
        raise NotFound(f"no file {source!r} in the index; a meeting's `source` names one")
    stored = next(name for name in known if name == source)  # the index's own string, not the request's
    path = Path(stored)
    if not path.is_absolute():
        path = (root or Path.cwd()) / path
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise NotFound(f"{stored} is no longer a regular file")
        data = read_bytes(path, kb.limits)
    except FileNotFoundError:
        raise NotFound(f"{stored} is indexed but not found in {root or Path.cwd()}/; run `kb serve` in the folder "
                       "`kb index` ran in") from None
    except KBError as e:
        raise NotFound(one_line(e)) from None
    changed = hashlib.sha256(data).hexdigest() != known[stored]
    return SourceFile(stored, path, data, path.suffix.lower() in PDF_SUFFIXES, changed)
