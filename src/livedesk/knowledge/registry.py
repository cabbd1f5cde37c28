"""All businesses' FAQ indexes of one process: one `BusinessIndex` per business, created on
first use, so a search for business A can never see B's entries."""

from __future__ import annotations

import threading
from typing import Any

from livedesk.knowledge.calibration import default_model
from livedesk.knowledge.embedding import Embedder, get_embedder
from livedesk.knowledge.index import BusinessIndex, embed_doc
from livedesk.knowledge.learned import LearnedChoice, LearnedPhrasings
from livedesk.knowledge.search_types import FaqDoc, SuggestResult


class FaqRegistry:
    """Provider-wide: one index per business, created on first use."""

    def __init__(self, embedder: Embedder | None = None, *, use_embeddings: bool | None = None):
        self.embedder = embedder if embedder is not None else get_embedder(use_embeddings)
        if use_embeddings is False:
            self.embedder = None
        self._indexes: dict[str, BusinessIndex] = {}
        self._lock = threading.Lock()

    @property
    def method(self) -> str:
        return "embedding" if self.embedder is not None else "lexical"

    def index(self, business_id: str) -> BusinessIndex:
        with self._lock:
            idx = self._indexes.get(business_id)
            if idx is None:
                idx = self._indexes[business_id] = BusinessIndex(business_id, self.embedder)
            return idx

    def businesses(self) -> list[str]:
        return sorted(self._indexes)

    def load(self, docs: list[FaqDoc]) -> None:
        for doc in docs:
            self.index(doc.business_id).add(doc)

    def add(self, doc: FaqDoc) -> None:
        self.index(doc.business_id).add(doc)

    update = add

    def remove(self, business_id: str, entry_id: str) -> bool:
        idx = self._indexes.get(business_id)
        return idx.remove(entry_id) if idx else False

    def drop_business(self, business_id: str) -> None:
        with self._lock:
            self._indexes.pop(business_id, None)

    def embed(self, doc: FaqDoc) -> FaqDoc:
        """Fill doc.embedding (blocking; run in a thread from asyncio) before saving it."""
        if self.embedder is not None:
            doc.embedding = embed_doc(doc, self.embedder)
        return doc

    def has_entries(self, business_id: str) -> bool:
        idx = self._indexes.get(business_id)
        return idx is not None and len(idx) > 0

    def suggest(self, business_id: str, text: str, k: int = 3) -> SuggestResult:
        idx = self._indexes.get(business_id)
        if idx is None or len(idx) == 0:  # nothing to find: spare the query embedding
            model = default_model(self.method)
            return SuggestResult([], self.method, model.threshold)
        return idx.suggest(text, k)

    def learn(self, business_id: str, choices: list[LearnedChoice]) -> None:
        """Replace the business's learned phrasings (and so their confidences): built aside,
        then swapped in, so a suggestion running meanwhile sees the old or the new, whole."""
        learned = LearnedPhrasings()
        learned.replace(choices)
        self.index(business_id).learned = learned

    def search(self, business_id: str, text: str, limit: int = 10) -> list[tuple[FaqDoc, float]]:
        idx = self._indexes.get(business_id)
        return idx.search(text, limit) if idx else []

    def describe(self) -> dict[str, Any]:
        model = default_model(self.method)
        return {
            "method": self.method,
            "embedding_model": getattr(self.embedder, "name", None),
            "bot_threshold": model.threshold,
            "businesses": {b: len(i) for b, i in self._indexes.items()},
        }
