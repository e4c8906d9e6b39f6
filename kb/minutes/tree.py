"""Blocks into a tree of parts, from the structure the minutes carry.

1. Openers: the blocks that start a part of the minutes, each with a rank (lower is more major):
   a heading has its format's level (Word style, Markdown `#`, PDF font size); an agenda number
   its depth ("§ 12", "12." -> 1, "3.7" -> 2); a contribution ("Almi, Martin Hellström"; a
   top-level bullet of a two-level list, in minutes with headings only when sub-bullets follow
   it) ranks below points; a short title line over a paragraph ("Beslut", "Sammanfattning av
   ärendet") is a sub-part, lowest of all.
2. A tree: each opener holds what follows it until an opener of the same or a higher rank. A
   heading over the whole document names the meeting (`unwrap`), and the rank of the agenda
   points is the one with the most parts whose titles do not recur (`agenda_rank`).

`kb.minutes.segment` cuts the tree into items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from kb.minutes.layout import Block, is_title
from kb.minutes.marks import PARAGRAPH, UPPER, bare_title, run_in_title
from kb.minutes.names import match_speaker

MIN_POINTS = 5  # fewer parts at a rank are sections, not agenda points (see agenda_rank)
CONTRIBUTION = 40  # the rank of a contribution opener: below agenda points and headings
SUB_PART = 90  # the rank of a sub-part title ("Beslut") inside a point
# A point's number; its stop may touch the title ("1.Mötets öppnande", as an annual meeting's PDF
# sets its first point: without its number the sentence heading under it had become the section
# of every point after it).
NUMBER = re.compile(rf"^(?:[{UPPER}]{{2,6}}\s+(?=§))?§?\s*(\d+(?:\.\d+)*)(?:[.):]?(?=\s|$)|[.)](?=[{UPPER}]))")


@dataclass
class Node:
    opener: Block | None
    rank: float
    blocks: list[Block] = field(default_factory=list)  # the opener's own text, before any child
    children: list["Node"] = field(default_factory=list)
    # (organisation, speaker) when the opener names who speaks
    party: tuple[str | None, str | None] | None = None
    # Whether the part may be one item when it fits: an agenda point or a part of one; a group of
    # points ("Beslutsärenden", "Minutes of Meeting") never is.
    whole: bool = True
    # Whether it is below the agenda points (a sub-part: small ones are merged with their siblings).
    below_points: bool = True
    # Whether its title recurs in the minutes: a label of the template ("Beslutsunderlag",
    # "Yrkanden" under every point), not the name of a matter or a person.
    label: bool = False

    @property
    def title(self) -> str:
        return run_in_title(self.opener.text)

    def all_blocks(self) -> list[Block]:
        out = ([self.opener] if self.opener else []) + self.blocks
        for child in self.children:
            out += child.all_blocks()
        return out

    @property
    def size(self) -> int:
        return sum(len(block.text) + 1 for block in self.all_blocks())

    @property
    def title_only(self) -> bool:
        """A title, perhaps with one short line under it ("– Region JH"), and nothing else."""
        if self.opener is None or self.children or self.party is not None:
            return False
        if self.opener.kind in ("heading", "numbered"):
            return not self.blocks  # under an agenda point, one short line is what was decided
        # One line under it may name whose section it is ("Avstämning läget i länet" / "Region JH").
        return is_title(self.opener.text) and len(self.blocks) <= 1 and all(_names(b.text) for b in self.blocks)


def _names(text: str) -> bool:
    """A short line of capitalised words or acronyms ("Region JH", "Almi Mitt"): a name."""
    words = text.split()
    return 0 < len(words) <= 4 and all(word[:1].isupper() for word in words) and is_title(text)


def structured(blocks: list[Block]) -> bool:
    """Whether the minutes are laid out in agenda points (headings or numbered points) rather than
    as a round of contributions. One paragraph ("§ 93 Dnr 2024-00134 ...") is: a protocol extract
    of one paragraph had had its "Beslut" and "Sammanfattning av ärendet" read as contributions,
    each an item however small."""
    headings = sum(b.kind == "heading" for b in blocks)
    numbered = sum(b.kind == "numbered" for b in blocks)
    return headings >= 2 or numbered >= 2 or (headings >= 1 and numbered >= 1) \
        or any(b.kind == "numbered" and PARAGRAPH.match(b.text) for b in blocks)


def rank_openers(blocks: list[Block]) -> list[float | None]:
    """The rank of each block that opens a part, None for the rest (see the module docstring)."""
    agenda = structured(blocks)
    headings = [b.level or 0 for b in blocks if b.kind == "heading"]
    # Where the format marks its headings, numbered lines below them are list entries ("1. Att
    # attsats 1 bifalles"), unless they are paragraphs ("§ 12").
    trust_format = len(headings) >= 3
    number_base = max(headings, default=0)
    # Where the points are numbered with "§", plain numbers ("1. VA-teknik", "5. VA-omvandling")
    # are a list inside a point: one rank deeper, so they never close a § point or title the next.
    # So are the other headings at the level of the § headings ("1. Evenemang och aktiviteter",
    # "Utställningar" inside a Finland-Swedish committee's "43 § Anmälningsärenden"): as siblings
    # of the points they had become the section of every point after them.
    paragraph_marks = sum(b.kind in ("numbered", "heading") and PARAGRAPH.match(b.text) is not None for b in blocks) >= 2
    paragraph_levels = {b.level or 0 for b in blocks if b.kind == "heading" and PARAGRAPH.match(b.text)} \
        if paragraph_marks else set()
    ranks: list[float | None] = []
    since_opener = -1  # blocks since the last opener; -1 before the first
    # The last numbered heading's number and rank: a numbered line that goes on from it is the
    # next point, whatever the reader made of its type ("19. Turkbjörns opel" bold, then "20.
    # David får ordet (...)" and "22. Övriga frågor:" not), unless it goes on from a numbered
    # list under the point ("1.", "2.", "3." under "21. Motioner").
    point: tuple[str, float] | None = None
    listed: str | None = None  # the last number of a list under the point
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        found = match_speaker(block.text)
        rank: float | None = None
        number = NUMBER.match(block.text)
        if block.kind == "heading":
            rank = (block.level or 0) + 0.5 * ((block.level or 0) in paragraph_levels and not PARAGRAPH.match(block.text))
            point, listed = ((number.group(1), rank) if number else None), None
        elif block.kind in ("numbered", "major", "minor") and point is not None and number \
                and number.group(1) == next_number(point[0]) and number.group(1) != next_number(listed):
            rank = point[1]
            point, listed = (number.group(1), rank), None
        elif block.kind == "numbered" and (not trust_format or PARAGRAPH.match(block.text)):
            rank = number_base + (block.level or 1) + (paragraph_marks and not PARAGRAPH.match(block.text))
        elif _opens_contribution(block, found, blocks[index - 1] if index else None, following, agenda):
            rank = CONTRIBUTION
        elif block.kind == "plain" and is_title(block.text) and block.start == block.end and following is not None \
                and following.kind in ("plain", "minor", "major") and not is_title(following.text):
            rank = SUB_PART if agenda else CONTRIBUTION
        elif not agenda and block.after_gap and is_title(block.text) and block.kind != "table":
            rank = CONTRIBUTION  # a title after a gap in a round of contributions ("Organisationer")
        elif not agenda and block.kind == "plain" and block.after_gap and since_opener >= 1:
            rank = CONTRIBUTION  # a paragraph after a gap, below a contribution with its lines
        if block.kind in ("numbered", "major", "minor") and number and rank != (point[1] if point else None):
            listed = number.group(1)
        ranks.append(rank)
        since_opener = 0 if rank is not None else since_opener + 1
    return ranks


def _opens_contribution(block: Block, found, previous: Block | None, following: Block | None, agenda: bool) -> bool:
    """A top-level bullet of a two-level list (under headings, only with sub-bullets of its own),
    or a line naming who speaks ("Almi, Martin Hellström") followed by what they said."""
    if block.kind == "major":
        if block.text[:1].islower() and block.text.endswith(":"):
            return False  # a clause that leads into its sub-list ("fastställa Sektionsstyrelsens beslut att välja:")
        return not agenda or bool(found) or (following is not None and following.kind == "minor")
    return bool(found) and not found[2] and _says_something(following) \
        and not _list_of_names(block, following) and not _list_of_names(block, previous)


def _says_something(following: Block | None) -> bool:
    """Whether what follows a name line is what the person said (not a signature at the end,
    not the next name or heading)."""
    return following is not None and following.kind not in ("heading", "numbered") \
        and match_speaker(following.text) is None




def number_of(node: Node) -> str | None:
    found = NUMBER.match(node.opener.text) if node.opener is not None else None
    return found.group(1) if found else None


def next_number(number: str | None) -> str | None:
    """"13" -> "14", "3.7" -> "3.8"."""
    if number is None:
        return None
    head, _, last = number.rpartition(".")
    return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)


def _list_of_names(block: Block, neighbour: Block | None) -> bool:
    """A name line next to another (a list of people), not a contribution."""
    if neighbour is None or neighbour.kind != block.kind:
        return False
    found = match_speaker(neighbour.text)
    return found is not None and not found[2]


def build_tree(blocks: list[Block], ranks: list[float | None]) -> Node:
    root = Node(None, -1)
    stack = [root]
    for block, rank in zip(blocks, ranks):
        if rank is None:
            stack[-1].blocks.append(block)  # the latest opener is always on top, and has no child yet
            continue
        while stack[-1].rank >= rank:
            stack.pop()
        found = match_speaker(block.text)
        node = Node(block, rank, party=found[:2] if found and rank == CONTRIBUTION else None)
        stack[-1].children.append(node)
        stack.append(node)
    return root


def unwrap(root: Node) -> int:
    """A heading over the whole document ("LÅNGASANDS FASTIGHETSÄGAREFÖRENING" above every point)
    names the meeting; it is no section. Its children become the top; returns how many of its
    blocks join the meeting header (the heading, and place and time under it; longer text under
    it, "Inledning", stays content). A numbered point is no such heading: a protocol extract of
    one paragraph ("§ 93 Dnr 2024-00134 Svar på ... remiss" over its "Beslut" and "Sammanfattning")
    had lost its title to the header."""
    header = 0
    while len(root.children) == 1 and len(root.children[0].children) >= 2 and not root.blocks \
            and root.children[0].party is None and not _numbered(root.children[0]):
        wrapper = root.children[0]
        if len(wrapper.blocks) <= 3:
            header += 1 + len(wrapper.blocks)
        else:
            header += 1
            root.blocks = wrapper.blocks
        root.children = wrapper.children
    return header


def leading_labels(root: Node, labelled: Callable[[str], bool]) -> int:
    """Labelled lines of when and where at the top, each a title with nothing under it ("Datum: 9
    april 2018" / "Plats: OSS kansli, ..."), as a PDF that sets every line in bold reads them:
    the header's, not titles leading into the first point's item. Returns how many join the
    header."""
    count = 0
    while not root.blocks and len(root.children) > 1 and root.children[0].title_only \
            and not root.children[0].blocks and labelled(root.children[0].opener.text):
        root.children.pop(0)
        count += 1
    return count


def _numbered(node: Node) -> bool:
    return node.opener is not None and (node.opener.kind == "numbered" or bool(PARAGRAPH.match(node.opener.text)))


def nodes(node: Node):
    for child in node.children:
        yield child
        yield from nodes(child)


def agenda_rank(root: Node) -> float | None:
    """The rank of the agenda points: of the heading and number ranks, leaving out ranks whose
    titles mostly recur (labels such as "Förslag", "Beslut" under every point), the shallowest
    with at least MIN_POINTS parts and a quarter as many as the most numerous; None when the
    minutes have no such ranks. A deeper rank can outnumber the points: a section's general
    meeting keeps a heading per candidate under each election (36 against 20 points), and a
    plain text numbers the sub-points "6.1", "6.2" under its points. Where no rank qualifies,
    the most numerous is taken."""
    by_rank: dict[float, list[str]] = {}
    for node in nodes(root):
        if node.rank < CONTRIBUTION and node.opener.kind in ("heading", "numbered"):
            by_rank.setdefault(node.rank, []).append(bare_title(node.opener.text))
    counts = {
        rank: len(titles) for rank, titles in by_rank.items()
        if sum(titles.count(title) > 1 for title in titles) <= len(titles) / 2
    }
    if not counts:
        return None
    most = max(counts.values())
    shallow = [rank for rank, count in counts.items() if count >= MIN_POINTS and count >= most / 4]
    return min(shallow) if shallow else max(counts, key=lambda rank: (counts[rank], -rank))
