"""A deterministic stand-in encoder for unit tests: bag of character bigrams hashed into 64 dimensions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from matcher.encoders import l2_normalize


class HashEncoder:
    model_id = "hash-64"

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, t in enumerate(texts):
            t = t.lower()
            for i in range(max(1, len(t) - 1)):
                h = int(hashlib.md5(t[i : i + 2].encode()).hexdigest()[:8], 16)
                out[r, h % self.dim] += 1.0
        return l2_normalize(out + 1e-6)
