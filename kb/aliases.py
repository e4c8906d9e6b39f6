"""English and everyday names for the organisations that report in the minutes.

Users ask in English ("what did the employment service say") about Swedish names
("Arbetsförmedlingen"). Each alias maps to the name, or names, the minutes use; matching is on
stems, so "Handelskammaren" and "Handelskammare" meet.
"""

ALIASES: dict[str, tuple[str, ...]] = {
    "employment service": ("Arbetsförmedlingen",),
    "employment agency": ("Arbetsförmedlingen",),
    "job centre": ("Arbetsförmedlingen",),
    "chamber of commerce": ("Handelskammare", "Handelskammaren"),
    "county administrative board": ("Länsstyrelsen",),
    "county board": ("Länsstyrelsen",),
    "university": ("MIUN", "Mittuniversitetet"),
    "mid sweden university": ("MIUN", "Mittuniversitetet"),
    "farmers": ("LRF",),
    "federation of swedish farmers": ("LRF",),
    "business owners": ("Företagarna",),
    "federation of private enterprises": ("Företagarna",),
    "health care": ("Hälso- och sjukvården",),
    "healthcare": ("Hälso- och sjukvården",),
    "new business centre": ("Nyföretagarcentrum",),
    "enterprise agency": ("Nyföretagarcentrum",),
    "municipalities": ("Kommuner",),
}
