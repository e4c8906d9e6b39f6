"""Who spoke: matching the names a user types (`--org`, `--speaker`, `kb timeline`) to the
organisations and speakers an index holds, and listing them (`kb parties`).

An item's organisation or speaker field may hold several names joined by ", " ("Martin
Hellström, Anders Blomberg"); each is a name of its own here. Matching is on whole words, folded
for case in every alphabet ("FÖRETAGARNA" finds "Företagarna"), so "Berg" finds "Karin Berg" and
not "Anders Blomberg"; a word may carry a Swedish ending the name lacks or the other way round
("Handelskammaren", "Arbetsförmedlingens"). Organisations are also found by their English aliases
(`kb.aliases`: "the employment service"). What the user types is never SQL: the names that match
are looked up in Python and handed to SQL as a list.
"""

from __future__ import annotations

import re
import unicodedata

from kb.aliases import ALIASES

SEPARATOR = ", "
COLUMNS = ("organisation", "speaker")
_WORD = re.compile(r"[^\W_]+")
# Endings by which a name's word and a typed word may differ: genitive and definite forms.
_ENDINGS = {"s", "n", "en", "ens", "et", "ets", "t", "ts", "na", "nas", "ns"}


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def singles(field: str | None) -> list[str]:
    """The names one organisation or speaker field holds."""
    return [name for name in (field or "").split(SEPARATOR) if name.strip()]


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _ENDINGS


def _run_in(wanted: list[str], name: list[str]) -> bool:
    """Whether the typed words stand in the name as a run of whole words."""
    return any(
        all(_same_word(w, n) for w, n in zip(wanted, name[start : start + len(wanted)]))
        for start in range(len(name) - len(wanted) + 1)
    )


def aliased(text: str) -> set[str]:
    """The organisation names an English alias in `text` stands for ("the employment service")."""
    joined = " ".join(words(text))
    return {name for alias, names in ALIASES.items() if re.search(rf"\b{re.escape(alias)}\b", joined) for name in names}


def name_matches(typed: str, name: str) -> bool:
    wanted = words(typed)
    return bool(wanted) and _run_in(wanted, words(name))


def matching(typed: str, names: list[str], column: str) -> dict[str, bool]:
    """{single name: whether it is an exact match} for the single names of `names` (fields as
    stored) that `typed` names."""
    aliases = {fold(name) for name in aliased(typed)} if column == "organisation" else set()
    found: dict[str, bool] = {}
    for field in names:
        for single in singles(field):
            exact = words(single) == words(typed) or fold(single) in aliases
            if exact or name_matches(typed, single) or any(name_matches(alias, single) for alias in aliases):
                found[single] = found.get(single, False) or exact
    return found


def fields_with(names: set[str], fields: list[str]) -> list[str]:
    """The stored fields that hold any of these single names."""
    return [field for field in fields if any(single in names for single in singles(field))]


def party_fields(typed: str, party_names: dict[str, list[str]]) -> dict[str, list[str]] | None:
    """{column: the stored fields} of the items by the organisation or person `typed` names, in
    either field: exact names only if there are any ("Karin Berg" is hers, not also "Karin
    Bergström"'s), else every name it matches. None when it names nobody in the index."""
    found = {column: matching(typed, party_names.get(column, []), column) for column in COLUMNS}
    exact = any(is_exact for names in found.values() for is_exact in names.values())
    fields = {}
    for column in COLUMNS:
        chosen = {name for name, is_exact in found[column].items() if is_exact or not exact}
        if chosen:
            fields[column] = fields_with(chosen, party_names.get(column, []))
    return fields or None


def list_parties(rows) -> dict[str, list[dict]]:
    """{"organisations": [...], "speakers": [...]}, each {"name", "items", "first", "last"},
    most items first, from rows of (column, field, items, first date, last date)."""
    merged: dict[str, dict[str, dict]] = {column: {} for column in COLUMNS}
    for column, field, count, first, last in rows:
        for single in singles(field):
            entry = merged[column].setdefault(single, {"name": single, "items": 0, "first": None, "last": None})
            entry["items"] += count
            if first and (entry["first"] is None or first < entry["first"]):
                entry["first"] = first
            if last and (entry["last"] is None or last > entry["last"]):
                entry["last"] = last
    order = lambda entry: (-entry["items"], fold(entry["name"]))  # noqa: E731
    return {
        "organisations": sorted(merged["organisation"].values(), key=order),
        "speakers": sorted(merged["speaker"].values(), key=order),
    }
