"""The update pipeline: corpus files in, one committed index generation out.

    list the corpus -> read and hash each file (here, the one writer) -> parse the new and
    changed ones into items and passages -> embed the passages not cached yet (each chunk
    committed to the embedding cache as it comes) -> a Plan -> commit: the next vector file
    beside the live one, then one SQLite transaction that switches metadata, lexical index and
    the generation number naming the live vector file -> remove the old vector files.

Parsing and embedding are the only steps that take time (embedding nearly all of it:
BENCHMARKS.md section 1, parsing, SQLite and FAISS together under 1%), and the only ones that need
nothing of the index: they go through a `Work`, which does them in this process (`LocalWork`) or
on a cluster's workers (`kb.cluster.ClusterWork`, `kb index --cluster`). Everything that reads or
writes the index stays here, in the one process that holds the writer lock, so the crash-safety
of a generation does not depend on where the work was done: a worker that dies loses at most the
chunk it held, and what was embedded before is in the cache for the next run.
"""

from __future__ import annotations

import hashlib
import stat
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

import numpy as np

from kb.corpus import CorpusFile, list_corpus
from kb.embed import PASSAGES_VERSION, Embedder, passage_texts, text_hash, whole_windows
from kb.errors import DocumentError, IndexDamagedError, IndexMismatchError, KBError
from kb.languages import LanguageShift, languages_of
from kb.lexical import lexical_terms
from kb.minutes import DEFAULT_SEGMENTER, PARSER_VERSION, SEGMENTERS, Item, Meeting
from kb.readers import DEFAULT_LIMITS, Limits, read_bytes, read_document
from kb.store import Store, StoredMeeting
from kb.vectors import VectorIndex, kb_files, vector_file

# Raised whenever what BM25 reads for an item changes (`_lexical_text`, the column of its language,
# how `kb.lexical.stems` stems, the compounds' last parts `kb.lexical.lexical_terms` adds).
LEXICAL_VERSION = 6
# What items, passages and lexical terms a file gives; an index that records another parses its
# files again (embeddings of unchanged passage texts are reused).
ITEMS_VERSION = f"{PARSER_VERSION}.{PASSAGES_VERSION}.{LEXICAL_VERSION}"
# Items whose language decides the minutes' language (kb.languages).
LANGUAGE_SAMPLE = 500
# Passages per call of the model, each call's vectors committed to the cache before the next:
# longest first, so like-sized texts share a batch (64-text chunks in corpus order: +31% time,
# BENCHMARKS.md section 1).
EMBED_CHUNK = 128


@dataclass
class UpdateSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    items_embedded: int = 0
    items_total: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ParseJob:
    """One file to parse: its name in the index, path (for its type and messages), hash and bytes.
    The bytes travel with it, so a worker needs no access to the corpus folder."""

    source: str
    path: Path
    sha256: str
    data: bytes


@dataclass(frozen=True)
class ParsedFile:
    """A file parsed: its hash, its meeting, and each item with the passage texts embedded for it."""

    sha256: str
    meeting: Meeting
    passages: list[tuple[Item, list[str]]]


@dataclass
class Plan:
    """What one commit writes, decided before anything of the index changes.

    `stored` is the index's meetings when the update began; `parsed` the files whose meetings
    are (re)inserted; `gone` the sources that leave the index; `rebuild` replaces every stored
    meeting; `corpus` is recorded as the index's corpus (None for `add` and `remove`)."""

    stored: dict[str, StoredMeeting]
    parsed: dict[str, ParsedFile] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    rebuild: bool = False
    corpus: Path | None = None

    @property
    def retired(self) -> list[str]:
        """The stored sources whose meetings the commit deletes: all on a rebuild, else the gone
        and the changed ones."""
        if self.rebuild:
            return list(self.stored)
        return [*self.gone, *(source for source in self.parsed if source in self.stored)]

    def texts(self) -> dict[str, str]:
        """Every passage text of the parsed files, by its hash (a text shared by items, once)."""
        return {text_hash(t): t for parsed in self.parsed.values() for _, texts in parsed.passages for t in texts}

    def items_with(self, hashes: set[str]) -> int:
        """How many items have a passage among `hashes`."""
        return sum(1 for parsed in self.parsed.values() for _, texts in parsed.passages
                   if any(text_hash(t) in hashes for t in texts))


class Work(Protocol):
    """Where parsing and embedding run. Both are pure: files and texts in, items and vectors out."""

    def parse(self, jobs: Iterable[ParseJob], segmenter: str, limits: Limits) -> Iterator[tuple[ParseJob, ParsedFile | str]]:
        """Each job with its parsed file, or why it cannot be read (one line)."""

    def embed(self, embedder: Embedder, chunks: list[list[str]]) -> Iterator[tuple[int, np.ndarray]]:
        """(chunk number, its vectors) for every chunk, in any order."""


class LocalWork:
    """Parsing and embedding in this process, one file and one chunk at a time (the default)."""

    def parse(self, jobs, segmenter, limits):
        for job in jobs:
            yield job, parse_file(job, segmenter, limits)

    def embed(self, embedder, chunks):
        for number, texts in enumerate(chunks):
            yield number, embedder.embed_passages(texts)


def parse_file(job: ParseJob, segmenter: str, limits: Limits = DEFAULT_LIMITS) -> ParsedFile | str:
    """A file's bytes parsed into its meeting and passages; any failure is returned as one line
    saying why (one bad file never stops the rest, wherever it is parsed)."""
    try:
        document = read_document(job.path, job.data, limits)
        meeting = SEGMENTERS[segmenter](document)
        if not meeting.items:
            raise DocumentError(job.path, _no_items(document, meeting))
    except Exception as e:  # noqa: BLE001 - one bad file never stops the rest
        return _file_problem(e)
    return ParsedFile(job.sha256, meeting, passages_of(meeting, segmenter == DEFAULT_SEGMENTER))


def passages_of(meeting: Meeting, detail: bool = True) -> list[tuple[Item, list[str]]]:
    """Each item with the texts embedded for it. The naive baseline (`detail` False) embeds each
    chunk once, as the pipelines it stands for do."""
    return [(item, passage_texts(item.text, _context(meeting, item), detail)) for item in meeting.items]


class Pipeline:
    """One update of one index, run by the process that holds its writer lock."""

    def __init__(self, index_dir: Path, store: Store, embedder: Embedder, segmenter: str,
                 limits: Limits = DEFAULT_LIMITS, log: Callable[[str], None] = print, work: Work | None = None):
        self.index_dir = index_dir
        self.store = store
        self.embedder = embedder
        self.segmenter = segmenter
        self.limits = limits
        self.log = log
        self.work = work or LocalWork()
        # The live vectors and their generation after the last commit, for the caller to keep.
        self.vectors: VectorIndex | None = None
        self.generation: int | None = None

    # -- the three kinds of update ----------------------------------------------------------------

    def update(self, corpus: Path, rebuild: bool, progress: bool, follow_symlinks: bool = False) -> UpdateSummary:
        """Bring the index in step with the corpus folder."""
        summary = UpdateSummary()
        store = self.store
        stored = store.meetings()
        listing = list_corpus(corpus, follow_symlinks)
        summary.skipped += listing.skipped

        if store.get_meta("segmenter", self.segmenter) != self.segmenter and not rebuild:
            raise IndexMismatchError(
                f"the index in {self.index_dir}/ was built with the {store.get_meta('segmenter')} segmenter; "
                "run `kb index --rebuild` to switch"
            )
        # A new parser may cut the same file into other items: parse everything again.
        reparse = rebuild or (bool(stored) and store.get_meta("parser") != ITEMS_VERSION)
        parsed, kept = self.read_files(listing.files, stored, reparse, rebuild, summary)
        gone = [rel for rel in stored if rel not in kept]
        renamed_from = {stored[rel].sha256: rel for rel in gone}
        for rel in list(summary.added):
            origin = renamed_from.pop(parsed[rel].sha256, None)
            if origin:
                summary.added.remove(rel)
                summary.renamed.append({"from": origin, "to": rel})
        summary.removed = [rel for rel in gone if rel in renamed_from.values()]

        plan = Plan(stored, parsed, gone, rebuild, corpus)
        summary.items_embedded = self.embed_missing(plan, progress)
        base = None if rebuild else self.vectors_to_extend()
        # An index from before kb.languages gets its language shift with one new generation.
        if parsed or gone or base is None or store.get_meta("languages") is None:
            self.commit(plan, base)
        self.remove_old_vector_files()
        summary.items_total = store.counts()["items"]
        return summary

    def update_files(self, files: dict[str, CorpusFile], summary: UpdateSummary, progress: bool) -> UpdateSummary:
        """Index these files, leaving the rest of the index as it is (`add`)."""
        store = self.store
        stored = store.meetings()
        if stored and store.get_meta("parser") != ITEMS_VERSION:
            raise KBError(f"the index in {self.index_dir}/ was parsed by an earlier kb; run `kb index` on its corpus "
                          "first, then add files")
        others = {digest: source for source, digest in store.meeting_sources().items() if source not in files}
        parsed, _ = self.read_files(files, stored, False, False, summary, others)
        plan = Plan(stored, parsed)
        summary.items_embedded = self.embed_missing(plan, progress)
        base = self.vectors_to_extend()
        if parsed or base is None:
            self.commit(plan, base)
        self.remove_old_vector_files()
        summary.items_total = store.counts()["items"]
        return summary

    def remove(self, names: list[str]) -> UpdateSummary:
        """Take these sources out of the index (`remove`)."""
        stored = self.store.meetings()
        unknown = [name for name in names if name not in stored]
        if unknown:
            raise KBError(f"not in the index: {', '.join(unknown)}; `kb stats` lists the files it holds")
        summary = UpdateSummary(removed=names)
        self.commit(Plan(stored, gone=names), self.vectors_to_extend())
        self.remove_old_vector_files()
        summary.items_total = self.store.counts()["items"]
        return summary

    # -- the steps ------------------------------------------------------------------------------

    def read_files(self, files: dict[str, CorpusFile], stored: dict[str, StoredMeeting], reparse: bool, rebuild: bool,
                   summary: UpdateSummary, indexed: dict[str, str] | None = None) -> tuple[dict[str, ParsedFile], set[str]]:
        """Read, hash and parse each file that is new or changed: ({name: parsed file}, the names
        that stay in the index). A file that fails in any way is skipped with a line naming it and
        why, and what was indexed of it before stays; the others go on. Of files with the same
        content, one is indexed (a plain file before a link, one indexed already, the shallowest,
        then by name) and the others are listed as skipped; `indexed` ({sha256: name}) holds
        content indexed already under other names. Reading and hashing happen here, in order;
        parsing goes through `self.work` as the files are read."""
        parsed: dict[str, ParsedFile] = {}
        kept: set[str] = set()
        first_with = dict(indexed or {})

        order = sorted(files, key=lambda rel: (files[rel].link, rel not in stored, rel.count("/"), rel))

        def jobs() -> Iterator[ParseJob]:
            for rel in order:
                path, old = files[rel].path, stored.get(rel)
                try:
                    data = read_bytes(path, self.limits)  # hashed and parsed from the same bytes
                except Exception as e:  # noqa: BLE001 - one bad file never stops the rest
                    failed(rel, _file_problem(e))
                    continue
                digest = hashlib.sha256(data).hexdigest()
                if digest in first_with:
                    summary.skipped.append({"file": rel, "problem": f"same content as {first_with[digest]}; indexed once, there"})
                    continue
                first_with[digest] = rel
                kept.add(rel)
                if old and old.sha256 == digest and not reparse:
                    summary.unchanged.append(rel)
                    continue
                yield ParseJob(rel, path, digest, data)

        def failed(rel: str, problem: str) -> None:
            summary.skipped.append({"file": rel, "problem": problem})
            if rel in stored:
                kept.add(rel)
                summary.unchanged.append(rel)  # keep what was indexed before

        for job, outcome in self.work.parse(jobs(), self.segmenter, self.limits):
            if isinstance(outcome, str):
                failed(job.source, outcome)
                continue
            parsed[job.source] = outcome
            (summary.changed if job.source in stored and not rebuild else summary.added).append(job.source)
        # In the order the files were read, wherever they were parsed (a cluster returns them as
        # they finish), so an index gets the same item and passage ids either way.
        parsed = {rel: parsed[rel] for rel in order if rel in parsed}
        for names in (summary.added, summary.changed, summary.unchanged):
            names.sort()
        summary.skipped.sort(key=lambda skip: skip["file"])
        return parsed, kept

    def embed_missing(self, plan: Plan, progress: bool) -> int:
        """Embed the passages whose text is not cached yet, each chunk committed to the cache as
        it comes back; returns how many items needed it."""
        texts = plan.texts()
        cached = set() if plan.rebuild else self.store.cached_hashes(self.embedder.name, texts)
        missing = [h for h in texts if h not in cached]
        if not missing:
            return 0
        from tqdm import tqdm

        missing.sort(key=lambda h: len(texts[h]), reverse=True)
        chunks = [missing[start : start + EMBED_CHUNK] for start in range(0, len(missing), EMBED_CHUNK)]
        with tqdm(total=len(missing), desc="embedding", unit="passage", disable=not progress, file=sys.stderr) as bar:
            for number, vectors in self.work.embed(self.embedder, [[texts[h] for h in chunk] for chunk in chunks]):
                self.store.add_embeddings(self.embedder.name, chunks[number], vectors)
                bar.update(len(chunks[number]))
        return plan.items_with(set(missing))

    def vectors_to_extend(self) -> VectorIndex | None:
        """The live vector file, if it is whole and fits the store; None means write it anew
        from the cached embeddings (a first index, or a file lost or damaged)."""
        generation = self.store.get_meta("generation")
        if generation is None:
            return None
        try:
            vectors = VectorIndex.load(vector_file(self.index_dir, generation), exact=self.cached_vectors)
        except IndexDamagedError as e:
            self.log(f"warning: {e}; writing it anew from the cached embeddings")
            return None
        problem = vectors.disagreement(self.embedder.dim, self.store.counts()["passages"], self.store.get_meta("vectors"))
        if problem:
            self.log(f"warning: {problem}; writing it anew from the cached embeddings")
            return None
        return vectors

    def cached_vectors(self, ids):
        """The cached embeddings of these passages: what a quantised vector index re-scores with,
        and is rebuilt from when it changes type."""
        return self.store.vectors_of_passages(self.embedder.name, ids, self.embedder.dim)

    def commit(self, plan: Plan, base: VectorIndex | None) -> None:
        """Write the next generation: its vector file beside the live one, then one SQLite
        transaction for everything else, the generation number naming the new file last."""
        store, embedder = self.store, self.embedder
        generation = int(store.get_meta("generation", "0"))
        new_file = vector_file(self.index_dir, generation + 1)
        with store.transaction():
            retired: list[int] = []
            for rel in plan.retired:
                retired += store.passage_ids_of(plan.stored[rel].id)
                store.delete_meeting(plan.stored[rel].id)
            last_before = store.last_passage_id()
            for rel, parsed in plan.parsed.items():
                meeting_id = store.insert_meeting(rel, parsed.sha256, parsed.meeting)
                points = _points(parsed.meeting.items)
                languages = languages_of([item.text for item, _ in parsed.passages])
                for (item, passages), language in zip(parsed.passages, languages):
                    item_id = store.insert_item(meeting_id, item, lexical_terms(_lexical_text(parsed.meeting, item)),
                                                points[item.ordinal], language)
                    whole = whole_windows(item.text)
                    for number, passage in enumerate(passages):
                        store.insert_passage(item_id, text_hash(passage), detail=number >= whole)
            store.forget_unused_embeddings(embedder.name)
            if base is None:
                vectors = VectorIndex(embedder.dim, exact=self.cached_vectors)
                ids, matrix = store.passage_vectors(embedder.name)
            else:
                vectors = base
                vectors.remove(retired)
                ids, matrix = store.passage_vectors(embedder.name, after_id=last_before)
            vectors.add(ids, matrix)
            vectors.save(new_file, mode=stat.S_IMODE(store.path.stat().st_mode) & 0o666)
            store.set_meta("model", embedder.name)
            store.set_meta("dim", embedder.dim)
            store.set_meta("vectors", vectors.kind)  # the backend, as kb.vectors chose it by size
            store.set_meta("generation", generation + 1)
            store.set_meta("segmenter", self.segmenter)
            store.set_meta("parser", ITEMS_VERSION)
            previous = LanguageShift.from_json(store.get_meta("languages"))
            store.set_meta("languages", LanguageShift.measure(embedder, store.item_texts(LANGUAGE_SAMPLE), previous).to_json())
            if plan.corpus is not None:
                store.set_meta("corpus", str(plan.corpus))
        self.vectors, self.generation = vectors, generation + 1

    def remove_old_vector_files(self) -> None:
        """Once committed, only the live file is read: the old one and any an interrupted update
        left go. Only files kb made (by name, regular files) are removed."""
        live = vector_file(self.index_dir, self.store.get_meta("generation"))
        for path in kb_files(self.index_dir):
            if path != live:
                path.unlink(missing_ok=True)


def _file_problem(error: Exception) -> str:
    """Why a file was skipped, in a few words, whatever failed on it."""
    if isinstance(error, DocumentError):
        return error.problem
    if isinstance(error, RecursionError):
        return "unreadable: its structure nests too deeply"
    if isinstance(error, MemoryError):
        return "too large to read in the memory there is"
    detail = " ".join(str(error).split())[:200]
    return f"unreadable ({type(error).__name__}{': ' + detail if detail else ''})"


def _no_items(document, meeting: Meeting) -> str:
    """Why a file with text gave no items."""
    text = sum(1 for line in document.lines if line.text.strip())
    reasons = [
        (len(meeting.page_furniture_lines), "repeat on its pages as page headers and footers do"),
        (len(meeting.contents_lines), "are a table of contents"),
        (len(meeting.attendance_lines), "list who attended"),
        (meeting.header_lines[1] - meeting.header_lines[0] + 1 if meeting.header_lines else 0, "are the meeting's header"),
    ]
    found = ", ".join(f"{count} {what}" for count, what in reasons if count)
    return f"no items found in its {text} line(s) of text" + (f" ({found})" if found else "")


def _context(meeting: Meeting, item: Item) -> str:
    """Who, where and when, so that "what did Almi say" finds Almi's items; and the titles above
    the item, its point's own title too when the item is a later part of it, so that every part
    of a long point is found by what the point is about."""
    who = ", ".join(part for part in (item.organisation, item.speaker) if part and part not in item.title)
    path = " > ".join(part for part in (item.section, _later_part_title(item)) if part)
    parts = [who, path, _meeting_held(meeting)]
    return " | ".join(part for part in parts if part)


def _points(items: list[Item]) -> dict[int, int]:
    """Each item's point, as the ordinal of the point's first part: a later part of a point cut
    in several (its text does not begin with the title all its parts carry) belongs to the point
    of the item before it when that item carries the same title and section."""
    points: dict[int, int] = {}
    before: Item | None = None
    for item in items:
        continues = before is not None and _later_part_title(item) is not None \
            and (before.title, before.section) == (item.title, item.section)
        points[item.ordinal] = points[before.ordinal] if continues else item.ordinal
        before = item
    return points


def _later_part_title(item: Item) -> str | None:
    """The point's title, for a part of the point whose text does not begin with it."""
    return item.title if not item.text.startswith(item.title) else None


def _meeting_held(meeting: Meeting) -> str:
    """The meeting's title and date: "Kommunstyrelsens arbetsutskott 2024-01-16"."""
    return f"{meeting.title} {meeting.date.isoformat() if meeting.date else ''}".strip()


def _lexical_text(meeting: Meeting, item: Item) -> str:
    """What BM25 reads for an item: who, the titles above it, its point's title when the item is a
    later part of the point (as `_context` gives it to the embedding), its text, and the meeting's
    title and date. Measured on the dev corpus (hybrid), each added alone: the point's title
    0.687 / 0.764 -> 0.700 / 0.771 (the municipal committees' long points); then the meeting's
    title and date -> 0.707 / 0.779 (eight questions rose, three of them to first place, most of
    them naming the meeting: "Who chaired the 2022 annual meeting?"; four fell one place, two of
    them from first). The first minutes and the held-out corpora were unchanged by both."""
    parts = (item.organisation, item.speaker, item.section, _later_part_title(item), item.text, _meeting_held(meeting))
    return " ".join(part for part in parts if part)
