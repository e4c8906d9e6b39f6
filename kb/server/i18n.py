"""The web page's words in Swedish and English, and which language a request gets.

The language is, in order: `?lang=sv|en` in the address (the switch link; remembered in a cookie),
the cookie, the browser's Accept-Language (the first of sv and en by its weights), else English.
Messages from kb itself (errors) stay in English, as the command line prints them.
"""

from __future__ import annotations

LANGUAGES = ("sv", "en")
DEFAULT = "en"
COOKIE = "kb_lang"

TEXT = {
    "en": {
        "name": "English",
        "other": "På svenska",
        "title": "Minutes",
        "tagline": "Search the minutes by meaning, in Swedish or English",
        "skip": "Skip to results",
        "search": "Search",
        "question": "Question or words",
        "placeholder": "e.g. what did Almi say about bridge loans",
        "filters": "Filters",
        "organisation": "Organisation",
        "speaker": "Speaker",
        "since": "From date",
        "until": "To date",
        "meeting": "Meeting (date, title or file)",
        "attendee": "Attended by",
        "mode": "Mode",
        "mode_dense": "Meaning",
        "mode_hybrid": "Meaning and words",
        "mode_lexical": "Exact words",
        "k": "Hits",
        "hits": "{n} hits for",
        "hit": "1 hit for",
        "no_hits": "No hits. Try other words, or fewer filters.",
        "no_date": "no date",
        "no_speaker": "(no speaker named)",
        "section": "Section",
        "decision": "Decision",
        "lines": "lines {a}–{b}",
        "page": "page {n}",
        "open_source": "Open the source",
        "source_text": "text, lines {a}–{b}",
        "in_meeting": "In the meeting",
        "named": "the question names {names}",
        "timeline": "Timeline",
        "timeline_of": "Timeline: {party}",
        "timeline_for": "Organisation or person",
        "timeline_query": "Only items about (optional)",
        "timeline_show": "Show",
        "timeline_items": "{n} items, oldest first",
        "meeting_view": "Meeting",
        "place": "Place",
        "present": "Present",
        "absent": "Absent",
        "next_meeting": "Next meeting",
        "n_items": "{n} items",
        "item": "Item",
        "file": "File",
        "changed": "This file has changed since it was indexed: line numbers may have moved. Run `kb index`.",
        "source_of": "Source: {file}",
        "whole_pdf": "Open the PDF at page {n}",
        "back_to_meeting": "Back to the meeting",
        "stats": "{meetings} meetings, {items} items",
        "api": "JSON API",
        "error": "Error",
        "language": "Language",
        "keyboard": "Press / to search",
        "parties": "Organisations and speakers",
    },
    "sv": {
        "name": "Svenska",
        "other": "In English",
        "title": "Protokoll",
        "tagline": "Sök i protokollen efter innebörd, på svenska eller engelska",
        "skip": "Hoppa till träffarna",
        "search": "Sök",
        "question": "Fråga eller ord",
        "placeholder": "t.ex. vad sa Almi om brygglånen",
        "filters": "Filter",
        "organisation": "Organisation",
        "speaker": "Talare",
        "since": "Från datum",
        "until": "Till datum",
        "meeting": "Möte (datum, rubrik eller fil)",
        "attendee": "Närvarande",
        "mode": "Sökläge",
        "mode_dense": "Innebörd",
        "mode_hybrid": "Innebörd och ord",
        "mode_lexical": "Exakta ord",
        "k": "Träffar",
        "hits": "{n} träffar för",
        "hit": "1 träff för",
        "no_hits": "Inga träffar. Pröva andra ord eller färre filter.",
        "no_date": "inget datum",
        "no_speaker": "(ingen talare angiven)",
        "section": "Avsnitt",
        "decision": "Beslut",
        "lines": "rad {a}–{b}",
        "page": "sida {n}",
        "open_source": "Öppna källan",
        "source_text": "text, rad {a}–{b}",
        "in_meeting": "I mötet",
        "named": "frågan nämner {names}",
        "timeline": "Tidslinje",
        "timeline_of": "Tidslinje: {party}",
        "timeline_for": "Organisation eller person",
        "timeline_query": "Bara punkter om (valfritt)",
        "timeline_show": "Visa",
        "timeline_items": "{n} punkter, äldst först",
        "meeting_view": "Möte",
        "place": "Plats",
        "present": "Närvarande",
        "absent": "Frånvarande",
        "next_meeting": "Nästa möte",
        "n_items": "{n} punkter",
        "item": "Punkt",
        "file": "Fil",
        "changed": "Filen har ändrats sedan den indexerades: radnumren kan ha flyttats. Kör `kb index`.",
        "source_of": "Källa: {file}",
        "whole_pdf": "Öppna PDF:en på sida {n}",
        "back_to_meeting": "Tillbaka till mötet",
        "stats": "{meetings} möten, {items} punkter",
        "api": "JSON-API",
        "error": "Fel",
        "language": "Språk",
        "keyboard": "Tryck / för att söka",
        "parties": "Organisationer och talare",
    },
}


def choose(asked: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language for a request (see the module's docstring)."""
    for candidate in (asked, cookie):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(accept_language or "") or DEFAULT


def from_accept_language(header: str) -> str | None:
    """The first of kb's languages by the header's weights: "sv-SE,sv;q=0.9,en;q=0.8" is sv,
    "en-GB,sv;q=0.5" is en, "de" is neither (None)."""
    best, best_weight = None, 0.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if language in LANGUAGES and weight > best_weight:
            best, best_weight = language, weight
    return best
