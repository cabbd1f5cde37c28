"""Scoring pieces of the FAQ index: BM25 postings for one text field, updatable one entry at
a time, the fuzzy signal, and the fusion of scaled signals into one score (index.py)."""

from __future__ import annotations

import math
from collections import Counter
from typing import cast

import numpy as np
from rapidfuzz import fuzz, process

from livedesk.knowledge import text as T

K1 = 1.2
B = 0.75
# e5 cosines of unrelated Dutch texts sit around 0.75; rescale so "unrelated" ≈ 0.
EMB_FLOOR = 0.75
EMB_SPAN = 0.20


class Field:
    """BM25 postings for one text field, updatable one document at a time."""

    def __init__(self) -> None:
        self.postings: dict[str, dict[int, int]] = {}
        self.doc_terms: dict[int, Counter[str]] = {}
        self.lengths = np.zeros(64, dtype=np.float32)
        self.total_len = 0.0
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _grow(self, slot: int) -> None:
        if slot >= len(self.lengths):
            size = max(slot + 1, 2 * len(self.lengths))
            self.lengths = np.concatenate(
                [self.lengths, np.zeros(size - len(self.lengths), np.float32)]
            )

    def add(self, slot: int, terms: Counter[str]) -> None:
        self._grow(slot)
        self.doc_terms[slot] = terms
        length = float(sum(terms.values()))
        self.lengths[slot] = length
        self.total_len += length
        for term, tf in terms.items():
            self.postings.setdefault(term, {})[slot] = tf
            self._arrays.pop(term, None)

    def remove(self, slot: int) -> None:
        terms = self.doc_terms.pop(slot, None)
        if terms is None:
            return
        self.total_len -= float(self.lengths[slot])
        self.lengths[slot] = 0.0
        for term in terms:
            plist = self.postings[term]
            del plist[slot]
            if not plist:
                del self.postings[term]
            self._arrays.pop(term, None)

    def _posting_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._arrays.get(term)
        if cached is None:
            plist = self.postings[term]
            cached = (
                np.fromiter(plist.keys(), dtype=np.int64, count=len(plist)),
                np.fromiter(plist.values(), dtype=np.float32, count=len(plist)),
            )
            self._arrays[term] = cached
        return cached

    def idf(self, df: int) -> float:
        n = len(self.doc_terms)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def score(self, query: list[str], size: int) -> np.ndarray:
        """BM25 divided by the query's total idf: ~1 when every query term matches once.

        Query terms that occur nowhere still count in the denominator (with the highest
        idf), so a visitor asking about something the FAQ never mentions gets a low score.
        """
        out = np.zeros(size, dtype=np.float32)
        n = len(self.doc_terms)
        if n == 0 or not query:
            return out
        avgdl = max(self.total_len / n, 1e-6)
        norm = np.float32(K1) * (
            np.float32(1 - B) + np.float32(B) * self.lengths[:size] / np.float32(avgdl)
        )
        total_idf = 0.0
        for term in set(query):
            plist = self.postings.get(term)
            df = len(plist) if plist else 0
            idf = self.idf(df)
            total_idf += idf
            if not plist:
                continue
            slots, tfs = self._posting_arrays(term)
            out[slots] += np.float32(idf) * tfs * (K1 + 1) / (tfs + norm[slots])
        if total_idf > 0:
            out /= np.float32(total_idf)
        return out


def fuzzy_scores(query: str, choices: list[str]) -> np.ndarray:
    """rapidfuzz token-set similarity in [0, 1], squared: token_set_ratio is already 100 for
    any word-subset match, squaring keeps near-identical questions clearly ahead."""
    if not choices:
        return np.zeros(0, dtype=np.float32)
    key = T.fuzzy_key(query)
    raw = process.cdist([key], choices, scorer=fuzz.token_set_ratio, dtype=np.float32)[0]
    return cast(np.ndarray, (raw / np.float32(100.0)) ** 2)


def fuse(signals: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of the scaled signals (fuzzy is added separately, on candidates)."""
    size = len(next(iter(signals.values())))
    fused = np.zeros(size, dtype=np.float32)
    for name, values in signals.items():
        if name != "fuzzy":
            fused += np.float32(weights.get(name, 0.0)) * _scaled(name, values)
    return fused


def _scaled(name: str, values: np.ndarray) -> np.ndarray:
    if name.startswith("embedding"):
        return np.clip((values - EMB_FLOOR) / EMB_SPAN, 0.0, None)
    return cast(np.ndarray, np.minimum(values, 1.5))
