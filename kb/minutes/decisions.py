"""What a point decided: the text under a decision label, else the sentences that decide.

Minutes mark a decision by a label ("Beslut", "Beslutet", "Välfärdsnämndens beslut:", a title
of its own or leading its line), by a deciding verb ("beslutar", "beslutades", "valdes",
"beviljas", "Mötet väljer"), or by layout: a lead-in whose clause follows in the next block
("Stämman beslutar," / "att fastställa dagordningen."). Where a decision is sent ("Beslutet
expedieras till:") is no decision.
"""

from __future__ import annotations

import re

from kb.minutes.layout import Block, is_title

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"”–-])")
# A decision's label, also with the deciding body's name before it ("Välfärdsnämndens beslut:",
# "Barn- och utbildningsnämndens beslut").
_DECISION_LABEL = re.compile(
    r"^(?:(?:[\w-]+ ){0,3}[\w-]+s )?(?:beslut|beslutet|beslutades|överenskommelse|förslag till beslut|beslutsförslag)\b", re.I)
# Where a decision is sent ("Beslutet expedieras till:", "Beslutet skickas till"): no decision.
_DISTRIBUTION = re.compile(r"^beslutet\s+(?:ska\s+)?(?:expedieras|skickas|sänds|delges|översänds)\b", re.I)
# The verbs that decide, in the active and the passive, present and past: "Medlemsavgiften
# beslutas till 150 kr", "Styrelsen beviljas ansvarsfrihet", "Anna valdes till ordförande".
# The active "väljer" and "valde" only as the sentence's verb after a short subject ("Mötet väljer
# Tove Svensson till ordförande"), not "elever som aktivt väljer en skola".
_DECIDES = re.compile(
    r"\b(?:beslut(?:ar|ade|at|ades|as)|beslöts?|fastställ(?:er|de|des|s|es)|bifall(?:er|s|es)|godkänn(?:er|de|des|s|es)"
    r"|anta[rs]|antogs?|bevilja(?:r|s|de|des)|väljs|valdes|utses|utsågs)\b"
    r"|^\W*(?:\S+\s+){1,2}(?:väljer|valde)\b", re.I)


def decision(blocks: list[Block]) -> str | None:
    """What was decided: the text under a "Beslut" title, else the sentences that decide."""
    for index, block in enumerate(blocks):
        if _DISTRIBUTION.match(block.text):
            continue
        if _DECISION_LABEL.match(block.text) and is_title(block.text.rstrip(":")):
            decided = []
            for following in blocks[index + 1:]:
                if is_title(following.text) and decided:
                    break
                decided.append(following.text)
            if decided:
                return " ".join(decided)[:600]
        elif _DECISION_LABEL.match(block.text) and ":" in block.text[:30]:
            return block.text.split(":", 1)[1].strip()[:600] or None
    return deciding(blocks)


def deciding(blocks: list[Block]) -> str | None:
    """The sentences that decide ("Anna Berg valdes till kassör"). A block that ends in a lead-in
    ("Stämman beslutar," / "att godkänna årsredovisningen", "Mötet beslöt" over its "att" list)
    goes on in the next block."""
    sentences = []
    for index, block in enumerate(blocks):
        parts = SENTENCE_END.split(block.text)
        for number, sentence in enumerate(parts):
            if not _DECIDES.search(sentence) or _DISTRIBUTION.match(sentence):
                continue
            sentences.append(sentence)
            end = sentence.rstrip()
            lead_in = end.endswith((",", ":")) or (len(end.split()) <= 3 and not end.endswith((".", "!", "?")))
            if number == len(parts) - 1 and lead_in and index + 1 < len(blocks):
                sentences.append(blocks[index + 1].text)
    return " ".join(dict.fromkeys(sentences))[:600] or None
