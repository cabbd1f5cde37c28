"""Per-business FAQ index: BM25 over stems and character n-grams, fuzzy matching and an
optional sentence embedding, fused into one ranking with a calibrated confidence.

Each business has its own `BusinessIndex` (`registry.FaqRegistry` holds them). Entries are
added, updated and removed one at a time; postings are kept per term, so a change touches
only that entry's terms. The entry and result types live in `search_types.py`.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from typing import cast

import numpy as np
from rapidfuzz import fuzz, process

from livedesk.knowledge import text as T
from livedesk.knowledge.calibration import (
    OFFER_CHOICES,
    ConfidenceModel,
    default_model,
    offer_model,
)
from livedesk.knowledge.embedding import Embedder, decode_matrix, encode_matrix, query_text
from livedesk.knowledge.learned import LearnedPhrasings, NearRepeat
from livedesk.knowledge.scoring import EMB_FLOOR, Field, fuse, fuzzy_scores
from livedesk.knowledge.search_types import FaqDoc, Suggestion, SuggestResult

CANDIDATES = 40  # fuzzy matching is only computed for the best lexical/semantic candidates
# The unexplained share (`BusinessIndex.unexplained`): query words of at least this many
# letters count; a word is explained by an FAQ word within this rapidfuzz ratio or sharing
# its first PREFIX letters.
UNEXPLAINED_MIN_LETTERS = 4
UNEXPLAINED_RATIO = 80.0
UNEXPLAINED_PREFIX = 5

# Fusion weights (sum of weighted, [0,1]-ish signals). Chosen on the dev set with
# leave-one-business-out checks; see docs/knowledge.md.
LEXICAL_WEIGHTS: dict[str, float] = {
    "bm25": 0.0,  # word-level BM25 adds nothing over n-grams on the dev set; kept for search
    "bm25_question": 0.0,
    "ngram": 1.0,
    "ngram_question": 0.0,
    "fuzzy": 0.25,
}
EMBEDDING_WEIGHTS: dict[str, float] = {
    "bm25": 0.0,
    "bm25_question": 0.0,
    "ngram": 1.0,
    "ngram_question": 0.25,
    "fuzzy": 0.0,
    "embedding": 12.0,
}


def embed_doc(doc: FaqDoc, embedder: Embedder) -> bytes:
    """Embedding rows of one entry: passage(question + answer), one per question phrasing.

    Question and answer together match informal queries far better than the question alone
    (the answer holds the words visitors use). Blocking (~50 ms per row on one core): from
    asyncio, call it via asyncio.to_thread.
    """
    rows = embedder.embed_passages([f"{q}\n{doc.answer}" for q in doc.question_texts])
    return encode_matrix(rows)


class BusinessIndex:
    """All published FAQ entries of one business."""

    def __init__(self, business_id: str, embedder: Embedder | None = None) -> None:
        self.business_id = business_id
        self.embedder = embedder
        self._lock = threading.RLock()
        self._slot_of: dict[str, int] = {}
        self._docs: dict[int, FaqDoc] = {}
        self._free: list[int] = []
        self._next = 0
        self._alive = np.zeros(64, dtype=bool)
        self._fuzzy_keys: dict[int, str] = {}
        self.learned = LearnedPhrasings()  # visitors' phrasings linked to entries by choices
        # Whole entry (question, alternatives, tags, answer) plus a question-only boost.
        self.fields = {
            "bm25": Field(),
            "bm25_question": Field(),
            "ngram": Field(),
            "ngram_question": Field(),
        }
        # Prefix search for operators: folded words → how many entries use them.
        self._word_count: Counter[str] = Counter()
        self._vocab: list[str] = []
        self._doc_words: dict[int, set[str]] = {}
        # Embedding rows (one per question phrasing) and the slot each row belongs to.
        dim = embedder.dim if embedder else 0
        self._qrows = np.zeros((64, dim), dtype=np.float32)
        self._qrow_slot = np.full(64, -1, dtype=np.int64)
        self._qrows_of: dict[int, list[int]] = {}
        self._free_qrows: list[int] = []
        self._next_qrow = 0
        self._has_emb = np.zeros(64, dtype=bool)

    # ---- maintenance -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._slot_of

    @property
    def method(self) -> str:
        return "embedding" if self.embedder is not None else "lexical"

    def get(self, entry_id: str) -> FaqDoc | None:
        slot = self._slot_of.get(entry_id)
        return None if slot is None else self._docs[slot]

    def add(self, doc: FaqDoc) -> None:
        """Add or replace one entry; it is searchable as soon as this returns."""
        if doc.business_id != self.business_id:
            raise ValueError(f"entry {doc.entry_id} belongs to {doc.business_id!r}")
        matrix = self._embedding_rows(doc)
        with self._lock:
            if doc.entry_id in self._slot_of:
                self._remove_locked(doc.entry_id)
            slot = self._free.pop() if self._free else self._take_slot()
            self._slot_of[doc.entry_id] = slot
            self._docs[slot] = doc
            self._alive[slot] = True
            qtext = " ".join([*doc.question_texts, *doc.tags])
            self.fields["bm25"].add(slot, T.stem_terms(f"{qtext} {doc.answer}"))
            self.fields["bm25_question"].add(slot, T.stem_terms(qtext))
            self.fields["ngram"].add(slot, T.gram_terms(f"{qtext} {doc.answer}"))
            self.fields["ngram_question"].add(slot, T.gram_terms(qtext))
            self._fuzzy_keys[slot] = T.fuzzy_key(" ".join(doc.question_texts))
            doc_words = set(T.words(f"{qtext} {doc.answer}"))
            self._doc_words[slot] = doc_words
            for word in doc_words:
                if self._word_count[word] == 0:
                    bisect.insort(self._vocab, word)
                self._word_count[word] += 1
            if matrix is not None:
                self._store_embedding(slot, matrix)

    update = add

    def remove(self, entry_id: str) -> bool:
        with self._lock:
            return self._remove_locked(entry_id)

    def _remove_locked(self, entry_id: str) -> bool:
        slot = self._slot_of.pop(entry_id, None)
        if slot is None:
            return False
        del self._docs[slot]
        self._alive[slot] = False
        for fld in self.fields.values():
            fld.remove(slot)
        self._fuzzy_keys.pop(slot, None)
        for word in self._doc_words.pop(slot, set()):
            self._word_count[word] -= 1
            if self._word_count[word] == 0:
                del self._word_count[word]
                pos = bisect.bisect_left(self._vocab, word)
                del self._vocab[pos]
        self._has_emb[slot] = False
        for row in self._qrows_of.pop(slot, []):
            self._qrow_slot[row] = -1
            self._free_qrows.append(row)
        self._free.append(slot)
        return True

    def _take_slot(self) -> int:
        slot = self._next
        self._next += 1
        if slot >= len(self._alive):
            grow = len(self._alive)
            self._alive = np.concatenate([self._alive, np.zeros(grow, bool)])
            self._has_emb = np.concatenate([self._has_emb, np.zeros(grow, bool)])
        return slot

    def _embedding_rows(self, doc: FaqDoc) -> np.ndarray | None:
        if self.embedder is None:
            return None
        matrix = decode_matrix(doc.embedding, self.embedder.dim) if doc.embedding else None
        if matrix is None or len(matrix) != len(doc.question_texts):
            # Missing or stale (other model, changed alternatives): compute it now.
            doc.embedding = embed_doc(doc, self.embedder)
            matrix = decode_matrix(doc.embedding, self.embedder.dim)
        return matrix

    def _store_embedding(self, slot: int, matrix: np.ndarray) -> None:
        self._has_emb[slot] = True
        rows = []
        for vec in matrix:
            if self._free_qrows:
                row = self._free_qrows.pop()
            else:
                row = self._next_qrow
                self._next_qrow += 1
                if row >= len(self._qrows):
                    self._qrows = np.vstack([self._qrows, np.zeros_like(self._qrows)])
                    self._qrow_slot = np.concatenate(
                        [self._qrow_slot, np.full(len(self._qrow_slot), -1, np.int64)]
                    )
            self._qrows[row] = vec
            self._qrow_slot[row] = slot
            rows.append(row)
        self._qrows_of[slot] = rows

    # ---- scoring -----------------------------------------------------------------------

    def signal_matrix(
        self, query: str, query_vec: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Per-slot raw signals for one query (all slots; dead slots are masked later)."""
        size = self._next
        stems = T.stems(T.content_words(query))
        grams = T.char_ngrams(T.content_words(query))
        signals = {
            name: fld.score(grams if name.startswith("ngram") else stems, size)
            for name, fld in self.fields.items()
        }
        if query_vec is not None and self.embedder is not None:
            best = np.full(size, -1.0, dtype=np.float32)
            nrows = self._next_qrow
            valid = self._qrow_slot[:nrows] >= 0
            sims = self._qrows[:nrows][valid] @ query_vec
            np.maximum.at(best, self._qrow_slot[:nrows][valid], sims)
            best[~self._has_emb[:size]] = EMB_FLOOR  # entry without a vector: neutral
            signals["embedding"] = best
        return self._alive[:size].copy(), signals

    def unexplained(self, text: str) -> float:
        """Share of the query's content words (of >= `UNEXPLAINED_MIN_LETTERS` letters) that
        nothing in this business's FAQ (questions, alternatives, answers, tags) explains: no
        FAQ word within rapidfuzz ratio `UNEXPLAINED_RATIO` of it and none sharing its first
        `UNEXPLAINED_PREFIX` letters. A query about something the FAQ never mentions scores
        high; one in the FAQ's own words, typos aside, scores 0. 0 without such words."""
        words = [
            w for w in T.content_words(text) if len(w) >= UNEXPLAINED_MIN_LETTERS and w.isalpha()
        ]
        if not words:
            return 0.0
        with self._lock:
            # Exact and prefix hits first (a dict and a bisect); only the rest is compared
            # with the whole vocabulary, all at once (rapidfuzz's batched cdist).
            rest = [w for w in words if not self._known_or_prefix(w)]
            if rest and self._vocab:
                best = process.cdist(
                    rest,
                    self._vocab,
                    scorer=fuzz.ratio,
                    score_cutoff=UNEXPLAINED_RATIO,
                    dtype=np.uint8,
                    workers=1,
                ).max(axis=1)
                missing = int((best < UNEXPLAINED_RATIO).sum())
            else:
                missing = len(rest)
        return missing / len(words)

    def _known_or_prefix(self, word: str) -> bool:
        if word in self._word_count:
            return True
        prefix = word[:UNEXPLAINED_PREFIX]
        pos = bisect.bisect_left(self._vocab, prefix)
        return pos < len(self._vocab) and self._vocab[pos].startswith(prefix)

    def embed_query(self, text: str) -> np.ndarray | None:
        if self.embedder is None:
            return None
        return cast(np.ndarray, self.embedder.embed_queries([query_text(text)])[0])

    def rank(
        self,
        query: str,
        limit: int = 10,
        query_vec: np.ndarray | None = None,
        weights: dict[str, float] | None = None,
    ) -> list[tuple[int, float, dict[str, float]]]:
        """(slot, fused score, signals) of the best `limit` entries, best first."""
        with self._lock:
            use_emb = query_vec is not None and self.embedder is not None
            if weights is None:
                weights = EMBEDDING_WEIGHTS if use_emb else LEXICAL_WEIGHTS
            alive, signals = self.signal_matrix(query, query_vec if use_emb else None)
            if not alive.any():
                return []
            fused = fuse(signals, weights)
            fused[~alive] = -np.inf
            n_alive = int(alive.sum())
            top = min(max(CANDIDATES, limit), n_alive)
            cand = np.argpartition(-fused, top - 1)[:top]
            choices = [self._fuzzy_keys[int(s)] for s in cand]
            fz = fuzzy_scores(query, choices)
            final = fused[cand] + np.float32(weights.get("fuzzy", 0.0)) * fz
            order = np.argsort(-final, kind="stable")[:limit]
            out = []
            for i in order:
                slot = int(cand[i])
                sig = {name: float(values[slot]) for name, values in signals.items()}
                sig["fuzzy"] = float(fz[i])
                out.append((slot, float(final[i]), sig))
            return out

    def suggest(
        self,
        text: str,
        k: int = 3,
        model: ConfidenceModel | None = None,
        query_vec: np.ndarray | None = None,
        weights: dict[str, float] | None = None,
        offer: ConfidenceModel | None = None,
    ) -> SuggestResult:
        """Top-k entries for a visitor message, with calibrated confidences; a near-repeat of
        a learned phrasing puts its entry first (learned.py)."""
        if query_vec is None and self.embedder is not None:
            query_vec = self.embed_query(text)
        method = "embedding" if query_vec is not None and self.embedder else "lexical"
        model = model or default_model(method)
        ranked = self.rank(
            text, limit=max(k, OFFER_CHOICES + 1), query_vec=query_vec, weights=weights
        )
        scores = [score for _, score, _ in ranked]
        unexplained = self.unexplained(text) if ranked else 0.0
        suggestions = []
        for pos, (slot, score, sig) in enumerate(ranked[:k]):
            # Margin to the best *other* entry: a clear winner is more trustworthy.
            other = scores[1] if pos == 0 and len(scores) > 1 else scores[0]
            if pos == 0 and len(scores) == 1:
                other = 0.0
            conf = model.confidence(score, score - other, unexplained)
            sig["fused"] = score
            doc = self._docs[slot]
            suggestions.append(Suggestion(doc.entry_id, doc.question, conf, score, sig))
        offer_conf = 0.0
        if scores:
            past = scores[OFFER_CHOICES] if len(scores) > OFFER_CHOICES else 0.0
            offer_conf = (offer or offer_model(method)).confidence(
                scores[0], scores[0] - past, unexplained
            )
        repeat = self.learned.match(text) if len(self.learned) else None
        if repeat is not None:
            suggestions = self._promote(suggestions, repeat)[:k]
            offer_conf = max(offer_conf, repeat.confidence)
        return SuggestResult(suggestions, method, model.threshold, offer_conf, unexplained)

    def _promote(self, suggestions: list[Suggestion], repeat: NearRepeat) -> list[Suggestion]:
        """The repeated entry first, with the larger of its ranking's and its record's
        confidence; the others keep theirs."""
        doc = self.get(repeat.entry_id)
        if doc is None:  # removed since it was learned
            return suggestions
        own = next((s for s in suggestions if s.entry_id == repeat.entry_id), None)
        rest = [s for s in suggestions if s.entry_id != repeat.entry_id]
        if own is None:
            own = Suggestion(doc.entry_id, doc.question, 0.0, 0.0, {})
        elif own is not suggestions[0]:
            own.confidence = 0.0  # its ranking confidence assumed it was not first
        own.confidence = max(own.confidence, repeat.confidence)
        own.signals["repeat"] = repeat.similarity
        return [own, *rest]

    def search(self, text: str, limit: int = 10) -> list[tuple[FaqDoc, float]]:
        """Free search for operators: typo-tolerant, and the last word may be a prefix."""
        words = T.content_words(text)
        if not words:
            return []
        with self._lock:
            last = words[-1]
            pos = bisect.bisect_left(self._vocab, last)
            completions: list[str] = []
            while (
                pos < len(self._vocab)
                and self._vocab[pos].startswith(last)
                and len(completions) < 20
            ):
                completions.append(self._vocab[pos])
                pos += 1
            size = self._next
            stems = T.stems(words[:-1] + (completions or [last]))
            grams = T.char_ngrams(words)
            # Operators look for an entry by its question: weigh question matches up.
            score = self.fields["bm25_question"].score(stems, size)
            score += 0.5 * self.fields["bm25"].score(stems, size)
            score += self.fields["ngram_question"].score(grams, size)
            score += 0.5 * self.fields["ngram"].score(grams, size)
            score[~self._alive[:size]] = -np.inf
            n_alive = len(self._slot_of)
            if n_alive == 0:
                return []
            top = min(limit, n_alive)
            best = np.argpartition(-score, top - 1)[:top]
            best = best[np.argsort(-score[best], kind="stable")]
            return [(self._docs[int(s)], float(score[s])) for s in best if score[s] > 0]


__all__ = [
    "CANDIDATES",
    "EMBEDDING_WEIGHTS",
    "LEXICAL_WEIGHTS",
    "BusinessIndex",
    "FaqDoc",
    "SuggestResult",
    "Suggestion",
    "embed_doc",
]
