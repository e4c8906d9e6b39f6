"""Names, roles and dates as Swedish minutes write them.

These are facts of the language, not of one template: how a Swedish date is written, what a
personal name looks like (capitalised words that are not function words: "Att Tim svarar" names
no one called "Att Tim"), the roles a meeting gives people (ordförande, kassör, sekreterare) and
the verbs that say someone had the floor (informerar, redogör, föredrar).
"""

from __future__ import annotations

import datetime as dt
import re

# Swedish month names, and the English ones that minutes kept in English use.
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "jan", "january"), ("februari", "feb", "february"), ("mars", "mar", "march"),
            ("april", "apr"), ("maj", "may"), ("juni", "jun", "june"), ("juli", "jul", "july"),
            ("augusti", "aug", "august"), ("september", "sep", "sept"), ("oktober", "okt", "october", "oct"),
            ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Letters of names, in regular expressions' classes: the Latin letters with their accents, as names
# in Swedish minutes have them ("Stian Rødven Eide", "Wilma Wiberg Øverphøs", "Łukasz Dvořák").
# Latin Extended-A (U+0100-U+017F) alternates capital and small letters: both classes hold it.
UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
LOWER = "a-zß-öø-ÿ\u0100-\u017f"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_PATTERNS = [
    # 14 december 2020, 18 mars (year optional)
    (re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I), "dmy"),
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    # 20201210, as file and folder names and some titles write it ("Agenda & mötesanteckningar 20201210")
    (re.compile(r"(?<![\d-])((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d-])"), "iso"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})[ -](\d{4})\b"), "d/m y"),
    # 15.9.2022, as Finland's Swedish-speaking municipalities write dates
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), "d/m y"),
    # 08-09-2021: day, month and year with hyphens, as a school club's minutes date themselves
    (re.compile(r"(?<![\d-])(\d{1,2})-(\d{1,2})-(\d{4})\b"), "d/m y"),
]

# Personal names: two or three capitalised words ("Martin Hellström", "Lars-Åke Wassö").
NAME_WORD = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"
NAME = rf"{NAME_WORD}(?:\s+{NAME_WORD}){{1,2}}"
_NAMES = rf"{NAME}(?:\s*(?:,|och)\s*{NAME})*"
_PARTY = r"\((?:S|M|C|V|L|KD|MP|SD)\)"
# The roles minutes give people; a role word before a name is not part of the name.
_ROLE_WORDS = (
    r"ordförande|vice ordförande|mötesordförande|sekreterare|mötessekreterare|kassör|vd|vice vd"
    r"|ledamot|styrelseledamot|medlem|ersättare|suppleant|revisor|justerare|adjungerad|ordf\.?"
    rf"|[{LOWER}]*(?:chef|direktör|handläggare|strateg|ansvarig|samordnare|ordförande|sekreterare|kassör)"
)
ROLE = rf"(?i:(?:{_ROLE_WORDS})(?:en|n)?)"
# What someone does when the minutes give them the floor, present or past tense.
SPEAKS = (
    r"(?:föredr|inform|redog|redovis|berätt|present|rapport|öppn|häls|avslut|förklar|meddel|yrk|föresl"
    r"|framh|lyft|beskriv|tack|svar|konstater|understr|påpek|visa|sammanfatt|uppdater|frågar|frågade"
    r"|går igenom|gick igenom|tar upp|tog upp)\w*"
)
_SPEAKER_PATTERNS = [
    # "Almi, Martin Hellström", "Länsstyrelsen, lägesuppdatering Peter Andrén"
    re.compile(rf"^(?P<org>[^,]{{2,60}}?),\s*(?:(?P<role>[{LOWER}][^,]*?)\s+)?(?P<speaker>{_NAMES})\s*$"),
    # "Martin Hellström (Almi)" with optional rest
    re.compile(rf"^(?P<speaker>{NAME})\s*\((?P<org>[^)]{{2,60}})\)\s*(?P<rest>.*)$"),
    # "Ordförande Peter Andrén", "Kassör Sara Lindqvist redovisar ...", "Ekonomichef Eva Holm presenterade ..."
    re.compile(rf"^(?P<role>{ROLE})\s+(?P<speaker>{NAME})\s*(?:{_PARTY})?\s*[:,.]?\s*(?P<rest>(?:{SPEAKS}\b.*)?)$"),
    # "Ola Kereby (S) föredrar ärendet", "Mats Forslund informerar om ..."
    re.compile(rf"^(?P<speaker>{NAME})\s*(?:{_PARTY})?\s+(?P<rest>{SPEAKS}\b.*)$"),
]
_INFO_PREFIX = re.compile(r"^(?:information|info|rapport|lägesbild)\s+från\s+", re.I)
_ATTENDEE = re.compile(rf"^{NAME}\b")


# Words that start Swedish sentences and are never a given name or surname: capitalised at a
# sentence start, "Att Tim svarar" or "Det Gamla" would otherwise read as names. (A general stop
# word list will not do: it holds "hans", "dem" and "man".)
_FUNCTION_WORDS = frozenset(
    "att och det den de dessa detta denna vi jag han hon en ett som om för på i med till av efter"
    " under vid när där här alla inga ingen inget inte nu då så men eller samt även också sedan ska"
    " skall kan har hade är var blir blev finns fick får gör görs beslut beslutet förslag förslaget"
    " mötet styrelsen nämnden utskottet ordförande ordföranden sekreterare kassör information"
    " ärendet övriga övrigt nästa enligt inför mot från ny nya".split()
)


def is_personal_name(text: str) -> bool:
    words = re.split(r"[\s-]+", text.strip())
    return len(words) >= 2 and not any(word.casefold() in _FUNCTION_WORDS for word in words)


def is_name(text: str) -> bool:
    """A personal name and nothing else: "Anna Berg", not "Anna Berg valdes"."""
    text = text.strip()
    return re.fullmatch(NAME, text) is not None and is_personal_name(text)


def parse_speaker(text: str) -> tuple[str | None, str | None] | None:
    """(organisation, speaker) when a line opens someone's contribution, else None."""
    found = match_speaker(text)
    return found[:2] if found else None


def match_speaker(text: str) -> tuple[str | None, str, bool] | None:
    """(organisation, speaker, whether the line goes on to say what they did)."""
    for pattern in _SPEAKER_PATTERNS:
        m = pattern.match(text.strip())
        if not m:
            continue
        groups = m.groupdict()
        speakers = [s.strip() for s in re.split(r"\s*(?:,|\boch\b)\s*", groups["speaker"]) if s.strip()]
        if not speakers or not all(is_personal_name(s) for s in speakers):
            continue
        org = groups.get("org")
        if org and len(speakers) >= 2 and is_name(org):
            continue  # "Anna Berg, Peter Andrén, Olle Martinell": a list of names, not an organisation
        if org:
            org = _INFO_PREFIX.sub("", org).strip()
            if len(org.split()) > 6 or org.casefold() in _FUNCTION_WORDS:
                continue
        return org or None, groups["speaker"].strip(), bool(groups.get("rest"))
    return None


def without_titles(speakers: str | None, text: str) -> str | None:
    """Speakers ("A, B") without a word of title before a name ("Talman Ruben Seyer", "Motionären
    Emelie Sjögren", "Reservation Anna-Karin Granberg"): the first word of a name of three or more
    goes where the document `text` names the person without it more often than with it. A name
    the document always writes whole ("Wei Der Chien", "Bert Olof Öjerskog") stays whole; no
    list of titles is needed, and "Per Olof" keeps "Per" unless the minutes call him "Olof"."""
    if not speakers:
        return speakers
    out: list[str] = []
    for name in speakers.split(", "):
        first, _, rest = name.partition(" ")
        if is_personal_name(rest) and len(rest.split()) >= 2:
            alone = len(re.findall(rf"(?<!\w){re.escape(rest)}(?!\w)", text))
            titled = len(re.findall(rf"(?<!\w){re.escape(first)}\s+{re.escape(rest)}(?!\w)", text))
            if alone > titled:
                name = rest
        if name not in out:
            out.append(name)
    return ", ".join(out)


def is_name_list(text: str) -> bool:
    """"Ola Kereby (S), ordförande", "Anna Berg, Peter Andrén och Olle Martinell": names, each with
    perhaps a party, a role or an organisation, and no sentence."""
    m = _ATTENDEE.match(text)
    return bool(m) and is_personal_name(m.group(0)) and ":" not in text and not text.endswith(".") and all(
        len(chunk.split()) <= 5 for chunk in re.split(r",|\boch\b", text)
    )


def name_and_role(text: str) -> str | None:
    """"Loke Bahr Vice ordförande" -> "Loke Bahr, Vice ordförande": a name followed by a role of
    one to three words with no comma between, as a list of those present set as a two-column table
    reads line by line; None for anything else. For lines inside an attendance list only: out of
    one, two capitalised words and two more are as often a sentence's start."""
    words = text.split()
    if not 3 <= len(words) <= 6 or not all(word.replace("-", "").isalpha() for word in words):
        return None  # punctuation, digits: a sentence or a list, not a name and a role
    splits = []
    for size in (3, 2):
        name, role = " ".join(words[:size]), " ".join(words[size:])
        if is_name(name) and role and len(words) - size <= 3 \
                and all(word.casefold() not in _FUNCTION_WORDS or re.fullmatch(ROLE, word) for word in words[size:]):
            splits.append((re.fullmatch(ROLE, role) is None, size, f"{name}, {role}"))
    return min(splits)[2] if splits else None  # a known role's words stay the role's


# "Anja Frid (V)": a name with its party's letters, as municipal minutes list their members.
_PARTY_NAME = re.compile(rf"({NAME})\s*\([{UPPER}]{{1,5}}\)")
# "... tjänstgör för Berith Svensson (V)": the member someone sits in for, who was not there.
STANDS_IN = re.compile(r"(?:\bför|\bersätter)\s*$", re.I)


def party_list(text: str) -> list[str]:
    """"Christopher Rydell (S), ordförande Thomas Bolin (S) Anja Frid (V) tjänstgör för Berith
    Svensson (V)": those present, run together on one line as a municipal PDF's column of members
    reads once converted to text. An entry per "Name (Party)", what follows it up to the next one
    (a role, "tjänstgör för ...", the hours and paragraphs attended) staying with it; [] unless the
    line opens with such a name and holds at least three, with no sentence between them."""
    starts = [m.start() for m in _PARTY_NAME.finditer(text)
              if is_personal_name(m.group(1)) and not STANDS_IN.search(text[: m.start()])]
    if len(starts) < 3 or starts[0] != 0:
        return []
    entries = [text[a:b].strip().rstrip(",").strip() for a, b in zip(starts, starts[1:] + [len(text)])]
    if any(len(entry.split()) > 16 or entry.endswith(".") for entry in entries):
        return []
    return entries


# "utbildningschef förskola Charlotte Olsson": one entry's role and the next entry's name, where
# a list of "Name, role" entries runs together on one line. A role opens in lower case, or with a
# few capitals and a hyphen ("HR-chef", "IT-projektledare"); the paragraphs someone attended may
# end it ("ekonomichef §§ 88, 89 Helena Hellman": "89").
_ROLE_THEN_NAME = re.compile(
    rf"^(?P<role>(?:[{LOWER}§\d]|[{UPPER}]{{1,4}}-[{LOWER}]).*?[{LOWER}.\d])\s+(?P<name>{NAME})$")


def attendees(text: str) -> list[str]:
    """One entry per name; what follows a name up to the next one (party, role) stays with it."""
    entries: list[str] = []
    for chunk in (c.strip() for c in re.split(r",|\boch\b", text)):
        if not chunk:
            continue
        run_on = _ROLE_THEN_NAME.match(chunk) if entries else None
        if run_on and is_personal_name(run_on.group("name")):
            entries[-1] += f", {run_on.group('role')}"
            entries.append(run_on.group("name"))
        elif _ATTENDEE.match(chunk) or not entries:
            entries.append(chunk)
        else:
            entries[-1] += f", {chunk}"
    return entries


def find_dates(text: str, year_hint: int | None = None) -> list[dt.date]:
    """Dates in the usual Swedish forms, in order of appearance."""
    return [date for _, date in dates_at(text, year_hint)]


def dates_at(text: str, year_hint: int | None = None) -> list[tuple[int, dt.date]]:
    return [(start, date) for start, _, date in date_spans(text, year_hint)]


def date_spans(text: str, year_hint: int | None = None) -> list[tuple[int, int, dt.date]]:
    """(start, end, date) of each date in the text, in order of appearance."""
    found = []
    for pattern, form in DATE_PATTERNS:
        for m in pattern.finditer(text):
            try:
                if form == "dmy":
                    year = int(m.group(3)) if m.group(3) else year_hint
                    if year is None:
                        continue
                    date = dt.date(year, MONTHS[m.group(2).lower()], int(m.group(1)))
                elif form == "iso":
                    date = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                else:
                    date = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                continue
            found.append((m.start(), m.end(), date))
    return sorted(found)


def without_dates(text: str) -> str:
    """The text with its dates taken out ("Årsmöte 2023-03-01" -> "Årsmöte ")."""
    for pattern, _ in DATE_PATTERNS:
        text = pattern.sub("", text)
    return text


def only_a_date(text: str) -> bool:
    """A line that is a date and at most two words besides ("12 November 2020", "Måndag
    2017-02-20", "Stackens Vårmöte 2024-03-07")."""
    return bool(find_dates(text)) and len(without_dates(text).split()) <= 2
