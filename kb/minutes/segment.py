"""A tree of parts (`kb.minutes.tree`) into items, bounded in size.

An agenda point (see `agenda_rank`) that fits in MAX_CHARS is one item, its sub-parts inside it;
a larger one, or a group of points, gives its own text, then each child, as items; small
sub-parts are merged up to MAX_CHARS, and a part under TINY_CHARS goes with its neighbours (into
the next item only under LEAD_CHARS, or when both are parts of one point under the template's
recurring labels, and such a part at the end of its point into the item before); a part with no
children is cut at block, then sentence, boundaries, into parts of about equal size. Two
contributions are never one item. A part that is only a title ("Organisationer") is no item: it
becomes the section of the parts after it, up to the next number of the points around it. Every
item carries the titles above it (its section) and its own title.

The measured reasons for the bounds are in the README (Quality): items that mix points or
speakers, and heading-only items, both lose to a plain paragraph chunker.
"""

from __future__ import annotations

from collections import Counter

from kb.minutes.decisions import SENTENCE_END, decision, deciding
from kb.minutes.layout import Block
from kb.minutes.model import Item
from kb.minutes.marks import bare_title
from kb.minutes.names import is_name, match_speaker, only_a_date
from kb.minutes.tree import CONTRIBUTION, NUMBER, SUB_PART, Node, agenda_rank, next_number, nodes, number_of

MAX_CHARS = 1000
MIN_CHARS = 200
TINY_CHARS = 80
# Small parts with less than this in all lead into the next item ("Mötets öppnande / 12:14");
# with more they are an item of their own: "6. Mötesfrekvens. Styrelsen ska ses varje vecka, till
# slutet av februari." answers a question, and at the head of a long point on the servers it had
# been found by none (held-out corpora 0.600 / 0.697 -> 0.632 / 0.715 in hybrid mode; the dev corpus
# and the first minutes unchanged; LUDD's text variant lost one first place, 0.840 -> 0.800 hit@1;
# never leading into the next item cost the dev corpus 0.013 hit@1).
LEAD_CHARS = 40


def items_of(root: Node) -> list[Item]:
    points = agenda_rank(root)
    if points is not None:
        for node in nodes(root):
            node.whole, node.below_points = node.rank >= points, node.rank > points
    titles = Counter(bare_title(node.opener.text) for node in nodes(root))
    for node in nodes(root):
        # A person's name recurs too (a candidate for two posts), and is no label.
        node.label = titles[bare_title(node.opener.text)] > 1 and not is_name(node.opener.text)
    items: list[Item] = []
    _chunk_children(root, [], items)
    for ordinal, item in enumerate(items):
        item.ordinal = ordinal
    return items


def _chunk(node: Node, path: list[str], out: list[Item], lead: list[Block], prefix: list[Block]) -> None:
    """Items for one part; `lead` are title-only lines above it that it takes into its range,
    `prefix` tiny parts before it that it takes into its text."""
    title = node.title
    # Contributions stay apart: two speakers' words, or two topics of a round, are never one item.
    contributions = sum(child.rank == CONTRIBUTION for child in node.children)
    if node.whole and node.size + sum(len(b.text) + 1 for b in prefix) <= MAX_CHARS and contributions < 2 \
            and not any(child.party for child in node.children) and _sub_points(node) < 2:
        out.append(_item(prefix + node.all_blocks(), title, path, node, lead))
        return
    own = [node.opener] + node.blocks
    if not node.children or sum(len(b.text) + 1 for b in node.blocks) >= TINY_CHARS:
        for n, part in enumerate(_parts(prefix + own)):
            out.append(_item(part, title, path, node, lead if n == 0 else []))
        lead, prefix = [], []
    else:
        prefix = prefix + own  # a title (with a line or two) opens the text of its first child
    # A heading that is only a date ("26 januari 2011" under a running title, over every point)
    # names no section.
    _chunk_children(node, path if only_a_date(title) else path + [title], out, lead, owner=node, prefix=prefix)


def _sub_points(node: Node) -> int:
    """How many of the point's parts with text of their own carry its number extended ("10.1
    Griffeltavla", "10.2 Huvudsystemansvarig avgår" under "10 Övriga ärenden"): two or more are
    matters of their own, each its own item even where the point would fit in one (small ones
    still go together). On the dev corpus: LUDD 0.720 / 0.820 -> 0.760 / 0.847 (hybrid), no
    other source moved."""
    own = NUMBER.match(node.opener.text) if node.opener else None
    if own is None:
        return 0
    stem = own.group(1) + "."
    return sum(1 for child in node.children
               if child.opener is not None and (m := NUMBER.match(child.opener.text)) and m.group(1).startswith(stem)
               and child.blocks)


def _chunk_children(node: Node, path: list[str], out: list[Item], lead: list[Block] | None = None,
                    owner: Node | None = None, prefix: list[Block] | None = None) -> None:
    """Items for the children of `node`, in order, appended to `out` (see `_Children`)."""
    _Children(node, path, out, lead, owner, prefix).chunk()


class _Children:
    """The children of one part cut into items: titles with nothing under them open sections or
    lead into the next item, small parts go together, and each other part is cut by `_chunk`.

    `lead`: title-only lines above that the first item takes into its range; `owner`: the point
    whose sub-parts these are; `prefix`: the owner's title, which opens the first item's text."""

    def __init__(self, node: Node, path: list[str], out: list[Item], lead: list[Block] | None,
                 owner: Node | None, prefix: list[Block] | None):
        self.node, self.path, self.out, self.owner = node, path, out, owner
        self.lead = list(lead or [])
        self.first_made = len(out)  # the items made here, for a labelled part at the end of its point
        self.opening = list(prefix or [])  # the owner's title, for the first item made here
        self.section: list[str] = []
        self.section_party: str | None = None
        self.section_rank = 0.0
        self.section_ends: str | None = None  # the number that closes the section
        self.previous_number: str | None = None  # the last point number at this level
        self.section_node: Node | None = None
        self.carried: set[int] = set()  # section titles that the next number closed: titles with nothing under them
        self.merged: list[Node] = []

    def chunk(self) -> None:
        node = self.node
        if node.opener is None and node.blocks:
            # Text before the first part that the meeting header did not take: items of its own.
            for part in _parts(node.blocks):
                self.out.append(_item(part, part[0].text, self.path, None, []))
        for index, child in enumerate(node.children):
            following = node.children[index + 1] if index + 1 < len(node.children) else None
            self.previous_number = (number_of(node.children[index - 1]) or self.previous_number) if index else None
            self._child(child, following)
        self._finish()

    def flush(self) -> None:
        """The small parts gathered so far, one item; with the titles they open, more than one if
        they hold more than MAX_CHARS in all. A city's protocol whose every line read as a title
        with nothing under it had given items of up to 4,356 characters."""
        if not self.merged:
            return
        merged, owner = self.merged, self.owner
        blocks = self.opening + [b for m in merged for b in m.all_blocks()]
        self.opening = []
        sub_parts = owner is not None and merged[0].rank == SUB_PART
        first = next((m for m in merged if id(m) not in self.carried), merged[0])  # not a closed section's title
        title = owner.title if sub_parts else first.title
        for n, part in enumerate(_parts(blocks)):
            self.out.append(_item(part, title, self.path[:-1] if sub_parts else self.path + self.section,
                                  owner or merged[0], self.lead if n == 0 else []))
        merged.clear()
        self.lead = []

    def _child(self, child: Node, following: Node | None) -> None:
        if child.title_only and following is not None and following.rank == child.rank and following.children \
                and not _empty_point(child, following):
            # A title with nothing under it, before a title of the same rank with parts of its
            # own ("Hus 6" / "Information från styrelsen" / "Nytt städavtal"): a point with
            # nothing to say, no section over the next; it leads into the next one's first item.
            self.merged.append(child)
            self.carried.add(id(child))
            return
        if child.title_only and following is not None and following.rank >= child.rank \
                and not _empty_point(child, following):
            self._open_section(child)
            return
        closes = self.section_ends is not None and number_of(child) == self.section_ends
        if child.opener.kind == "plain" and not child.party or child.rank < self.section_rank or closes:
            self._close_section(closes)
        self._part(child)

    def _open_section(self, child: Node) -> None:
        self.flush()
        # The titles before had nothing under them ("§ 17 Övriga frågor", "1. Andrey
        # Devyatkin" in a numbered list of those present): they name no section now, so
        # their text goes into the next item's.
        self.opening, self.lead = self.opening + self.lead, []
        self.section, self.section_rank = [child.title], child.rank
        self.section_ends = next_number(number_of(child) or self.previous_number)
        self.section_node = child
        # A line under the title names whose section it is ("Avstämning läget" / "– Region JH").
        self.section_party = child.blocks[0].text if child.blocks else None
        self.lead += child.all_blocks()

    def _close_section(self, closes: bool) -> None:
        """Free text at this level closes the section; so does a part of a higher rank than the
        section's title ("## Innehåll" above a contents table, before "§ 115"), and the next number
        after the title's own, or after the last number before it: "13. Utvärdering" (its table
        read as a heading) is no section of "14. Skicket på ...", nor "1:1 alla har en röst" under
        "4. Fastställande av röstlängd" of "5. Fråga om ..." (a surveyed annual meeting: every
        later point had been in that section)."""
        if closes and self.lead:
            # The title, no section now, is a part with nothing under it: it leads into this one.
            self.merged.insert(0, self.section_node)
            self.carried.add(id(self.section_node))
            self.lead = []
        self.section, self.section_party, self.section_rank, self.section_ends = [], None, 0.0, None

    def _part(self, child: Node) -> None:
        """A part with text of its own: gathered with its small neighbours, or cut by `_chunk`.
        Small sub-parts of a point that had to be cut ("Förslag", "Beslut") go together; a part
        too small to answer anything alone ("Mötets öppnande / 12:14") goes with its neighbours at
        any level; a contribution is its own item however small, unless it is one short line ("Ana
        not present")."""
        owner, merged = self.owner, self.merged
        lone_line = child.rank == CONTRIBUTION and not child.blocks and not child.children and child.size < 40
        small = (owner is not None and child.below_points and child.size < MIN_CHARS or child.size < TINY_CHARS) \
            and not child.party \
            and (child.rank != CONTRIBUTION or lone_line)
        if small and merged and sum(m.size for m in merged) + child.size <= MAX_CHARS:
            merged.append(child)
            return
        prefix: list[Block] = []
        if merged and not small and (sum(m.size for m in merged) < LEAD_CHARS or _same_point(owner, merged, child)
                                     or all(id(m) in self.carried for m in merged)):
            prefix = [b for m in merged for b in m.all_blocks()]  # too small alone, or a label's: it leads into this one
            merged.clear()
        if merged and not small and owner is not None and len(self.out) > self.first_made \
                and all(m.rank == SUB_PART for m in merged) and sum(m.size for m in merged) < MIN_CHARS:
            # Too small alone, too large to lead into this part ("Jäv / Anders Eriksson (C) deltar
            # inte ..." between a point's decision and its long summary): the part before takes it.
            self._into_previous()
        self.flush()
        if not merged and not small:
            prefix, self.opening = self.opening + prefix, []
        if small:
            merged.append(child)
            return
        before = len(self.out)
        _chunk(child, self.path + self.section, self.out, self.lead, prefix)
        for item in self.out[before:]:
            item.organisation = item.organisation or self.section_party
            if owner is not None and child.rank == SUB_PART and item.section and item.section.endswith(owner.title):
                # A sub-part ("Beslut", "Sammanfattning av ärendet") is part of its point: the
                # point's title is the item's, the sub-part's title its first line.
                item.title = owner.title
                item.section = item.section[: -len(owner.title)].rstrip(" >") or None
        self.lead = []

    def _into_previous(self) -> bool:
        """The small parts gathered (and the titles above them) go into the item before, when it
        ends just above them and can hold them; not when their point's own title is still to open
        an item (that would lose the title)."""
        out, merged = self.out, self.merged
        if not out or self.opening or out[-1].line_end >= merged[0].opener.start \
                or len(out[-1].text) + sum(m.size for m in merged) > MAX_CHARS:
            return False
        tail = sorted(self.lead + [b for m in merged for b in m.all_blocks()], key=lambda block: block.start)
        out[-1].lines += [b.text for b in tail]
        out[-1].line_end = tail[-1].end
        # What the part decided is the item's too ("3. Val av kassör / Anna Berg valdes till kassör").
        out[-1].decision = " ".join(filter(None, [out[-1].decision, deciding(tail)]))[:600] or None
        merged.clear()
        self.lead = []
        return True

    def _finish(self) -> None:
        """What is left after the last child: a small tail goes into the item before it, the rest
        is an item, and titles with nothing after them go into the last item's lines."""
        owner, merged, out, lead = self.owner, self.merged, self.out, self.lead
        # A labelled part at the end of its point ("Beslutsgång") goes into the part before it (parser
        # 46: 10 fewer items in the dev corpus, 7 in the held-out corpora; no rank of any question set moved).
        tail_label = owner is not None and len(out) > self.first_made and _labelled(merged)
        titles_only = any(id(m) in self.carried for m in merged) and all(m.title_only for m in merged)
        if merged and (sum(m.size for m in merged) < TINY_CHARS or tail_label or titles_only):
            # Too small alone at the end ("Mötet avslutas 13:00"): the item before takes it.
            self._into_previous()
        self.flush()
        lead = self.lead
        tail = [block for block in lead if out and block.start > out[-1].line_end]
        if tail and len(out[-1].text) + sum(len(block.text) + 1 for block in tail) > MAX_CHARS:
            for part in _parts(tail):  # too many to go into the last item: items of their own
                out.append(_item(part, part[0].text, self.path + self.section, None, []))
        elif lead and out:  # titles with nothing after them: the last item takes their lines
            out[-1].lines += [block.text for block in tail]
            out[-1].line_end = max(out[-1].line_end, lead[-1].end)


def _empty_point(child: Node, following: Node) -> bool:
    """A numbered point with nothing under it, followed by the next number of the same kind
    ("1. Eric was elected as meeting chair" / "2. Martin was elected ..."): a point that says all
    in its title, not a section over what follows."""
    return child.opener.kind == "numbered" and following.opener is not None and following.opener.kind == "numbered" \
        and following.rank == child.rank


def _same_point(owner: Node | None, merged: list[Node], child: Node) -> bool:
    """Whether small sub-parts can lead into the next part of their point: all are parts of one
    point under the template's recurring labels ("Beslutsunderlag" over "Förslag till beslut")
    and fit in one item together. A part under a title of its own ("5.1 Trappa", a candidate's
    name in an election) is a matter of its own, and never leads into the next one. The
    municipal templates' "Beslutsunderlag" and "Beslutsgång" had been items of their own, all
    boilerplate but the point's title, and had come first for questions about the point: the
    held-out corpora 0.642 / 0.719 -> 0.653 / 0.726 (hybrid), the dev corpus and the first
    minutes unchanged (1,090 items -> 1,064)."""
    return owner is not None and _labelled([*merged, child]) and sum(m.size for m in merged) + child.size <= MAX_CHARS


def _labelled(nodes: list[Node]) -> bool:
    return all(node.below_points and node.label and node.party is None for node in nodes)


def _parts(blocks: list[Block]) -> list[list[Block]]:
    """Blocks in runs of at most MAX_CHARS, of about equal size (no 30-character tail); a block
    longer than that is cut at sentences."""
    pieces: list[Block] = []
    for block in blocks:
        before = sum(len(piece.text) + 1 for piece in pieces)
        # A title before a long paragraph goes with its first sentences, never alone.
        pieces += _sentences(block, MAX_CHARS - before if before < TINY_CHARS else MAX_CHARS) \
            if len(block.text) > MAX_CHARS else [block]
    total = sum(len(piece.text) + 1 for piece in pieces)
    target = total / -(-total // MAX_CHARS)  # total over the fewest parts that can hold it
    parts: list[list[Block]] = [[]]
    size = 0
    for piece in pieces:
        if parts[-1] and (size + len(piece.text) > MAX_CHARS or size >= target):
            parts.append([])
            size = 0
        parts[-1].append(piece)
        size += len(piece.text) + 1
    if len(parts) > 1 and size < MIN_CHARS and size + sum(len(p.text) + 1 for p in parts[-2]) <= MAX_CHARS:
        tail = parts.pop()
        parts[-1] += tail  # no small tail on its own
    return parts


def _sentences(block: Block, first: int = MAX_CHARS) -> list[Block]:
    """A long paragraph as runs of whole sentences of at most MAX_CHARS, the first of at most
    `first` (a sentence longer than that is cut at a space); each run names the source lines it
    came from."""
    text = block.text
    cuts = [0]
    last = 0
    for m in SENTENCE_END.finditer(text):
        if m.start() - cuts[-1] > (first if len(cuts) == 1 else MAX_CHARS) * 0.8:
            cuts.append(last if last > cuts[-1] else m.end())
        last = m.end()
    cuts.append(len(text))
    out = []
    for a, b in zip(cuts, cuts[1:]):
        while b - a > (limit := first if not out else MAX_CHARS):
            space = text.rfind(" ", a, a + limit)
            cut = space if space > a else a + limit
            out.append(_slice(block, a, cut))
            a = cut
        if text[a:b].strip():
            out.append(_slice(block, a, b))
    return out


def _slice(block: Block, a: int, b: int) -> Block:
    start, end = block.line_at(a), block.line_at(max(a, b - 1))
    pieces = [(max(0, o - a), n) for o, n in block.pieces if a <= o < b] or [(0, start)]
    turns = [(n, page) for n, page in block.turns if start < n <= end]
    return Block(block.kind, block.text[a:b].strip(), start, end, block.page_at(start), block.after_gap, block.level,
                 pieces, turns)


def _item(blocks: list[Block], title: str, path: list[str], node: Node | None, lead: list[Block]) -> Item:
    first = min(lead + blocks, key=lambda block: block.start)
    organisation, speaker = _who(node, blocks)
    return Item(
        ordinal=0,
        title=title,
        lines=[b.text for b in blocks],
        line_start=first.start,
        line_end=blocks[-1].end,
        page=first.page,
        section=" > ".join(path) or None,
        organisation=organisation,
        speaker=speaker,
        decision=decision(blocks),
    )


def _who(node: Node | None, blocks: list[Block]) -> tuple[str | None, str | None]:
    """The speaker the opener names, else those who present in the part's text ("Ola Kereby (S)
    föredrar ärendet", "Kassör Sara Lindqvist redovisar"), first one first."""
    if node is not None and node.party:
        return node.party
    organisations, speakers = [], []
    # A later part of a point keeps who presented the point.
    whole = node.all_blocks() if node is not None and node.size <= 4 * MAX_CHARS else []
    for block in blocks + [b for b in whole if b not in blocks]:
        found = match_speaker(block.text)
        if found and found[2]:
            for names, name in ((organisations, found[0]), (speakers, found[1])):
                if name and name not in names:
                    names.append(name)
    return ", ".join(organisations) or None, ", ".join(speakers) or None
