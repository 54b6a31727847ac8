"""A deterministic stand-in encoder for unit tests: bag of character bigrams hashed into 64 dimensions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from matcher.encoders import l2_normalize
from matcher.engine import Matcher


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


class SlowHashEncoder(HashEncoder):
    """The same model (and vectors), `pause` seconds per call: gives a test time to kill a process mid-chunk."""

    def __init__(self, pause: float):
        super().__init__()
        self.pause = pause

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import time

        time.sleep(self.pause)
        return super().encode(texts)


def fake_matcher(pause: float = 0.0, cache_dir: str | None = None) -> Matcher:
    """The real knowledge base with the fake encoder (slowed by `pause`): what a Dask worker loads in the tests."""
    from pathlib import Path

    from matcher.kb import default_data_dir, load_kb

    encoder = SlowHashEncoder(pause) if pause else HashEncoder()
    return Matcher(load_kb(default_data_dir()), encoder, cache_dir=Path(cache_dir) if cache_dir else None)
