"""Any sentence-transformers model from a local directory (optional extra `sbert`; needs torch)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import l2_normalize


class SentenceTransformerEncoder:
    """Loads a model folder with sentence-transformers, offline; the folder name identifies the model."""

    def __init__(self, path: str | Path, batch_size: int = 32):
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model directory not found: {path}")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model_id = f"sbert-{path.parent.name}-{path.name}"
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            dim = self._model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        out = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True)
        return l2_normalize(np.asarray(out))
