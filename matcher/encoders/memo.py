"""An encoder that remembers every text's vector, for runs that encode the same texts again and again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Encoder


class MemoEncoder:
    """Encodes each distinct text once with `encoder` and keeps its vector for as long as the memo lives (the
    leave-one-document-out evaluation trains five times on overlapping documents)."""

    def __init__(self, encoder: Encoder):
        self.encoder = encoder
        self.model_id = getattr(encoder, "model_id", type(encoder).__name__)
        self._seen: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if new:
            self._seen.update(zip(new, self.encoder.encode(new), strict=True))
        if not texts:
            return self.encoder.encode([])
        return np.array([self._seen[t] for t in texts])
