"""How long finding a business's questions without an FAQ answer takes, once its messages are
read: keying and grouping N visitor messages (`knowledge.gaps.most_asked`), against the simple
method as a baseline.

The baseline, kept here only for comparison, joins each message to a question with one
`rapidfuzz.process.extractOne` over the questions found so far (token_sort_ratio ≥ 85): a
Python loop whose every step scans a growing list. The product keys identical wordings by
dictionary and compares the distinct ones (the newest `MAX_KEYS`) in one batched `cdist`. Both
group the same messages; up to `MAX_KEYS` distinct wordings the script checks that the two agree
on how many questions there are (within 2 %: token_sort_ratio and ratio on sorted words differ
at the edge) before it prints a time.

The messages are generated: three to seven words drawn from a small Dutch vocabulary, so many
repeat and many nearly repeat, as visitors' questions do.

Run: .venv/bin/python bench/faq_gaps.py [--sizes 1000 2000 4000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process

from livedesk.knowledge.gaps import MAX_KEYS, SAME_QUESTION, Asked, most_asked, question_key

WORDS = (
    "bestelling retour factuur betalen bitcoin levering pakket adres wijzigen afspraak "
    "verzetten tandarts controle huur contract sleutel reparatie ketel schimmel buren "
    "parkeren winkel utrecht amsterdam korting cadeaubon maat jas schoen garantie"
).split()


def messages(n: int, seed: int = 1) -> list[Asked]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Asked(
            "c",
            i,
            " ".join(rng.sample(WORDS, rng.randint(3, 7))) + "?",
            start - timedelta(minutes=i),
        )
        for i in range(n)
    ]


def baseline(answered: list[Asked]) -> int:
    """The number of questions, grouped one extractOne per message."""
    keys: list[str] = []
    for a in answered:
        key = question_key(a.text)
        if (
            key
            and process.extractOne(
                key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SAME_QUESTION
            )
            is None
        ):
            keys.append(key)
    return len(keys)


def timed(fn, *args) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'messages':>9}{'questions':>10}{'product ms':>12}{'baseline ms':>13}{'ratio':>8}")
    for n in args.sizes:
        product, base = [], []
        for _ in range(args.repeat):
            seconds, found = timed(most_asked, messages(n), 10**9)
            product.append(seconds)
            seconds, counted = timed(baseline, messages(n))
            base.append(seconds)
        questions = len(found)  # type: ignore[arg-type]
        distinct = len({question_key(a.text) for a in messages(n)})
        if distinct <= MAX_KEYS:
            assert abs(questions - counted) <= max(3, counted // 50), (questions, counted)
        p, b = statistics.median(product) * 1000, statistics.median(base) * 1000
        print(f"{n:>9}{questions:>10}{p:>12.1f}{b:>13.1f}{b / p:>8.1f}")


if __name__ == "__main__":
    main()
