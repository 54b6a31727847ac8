"""Disk cache of embeddings keyed by model and text content, so start-up does not re-encode."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..cachefiles import keep_recent, mark_used, temp_for
from .base import Encoder


def content_key(model_id: str, texts: Sequence[str]) -> str:
    h = hashlib.sha256(model_id.encode())
    for t in texts:
        h.update(b"\x00")
        h.update(t.encode("utf-8"))
    return h.hexdigest()[:24]


def encode_cached(encoder: Encoder, model_id: str, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """Encode `texts` as one block, reading and writing `cache_dir/<model>-<hash>.npy` when a folder is given (the
    most recently used files of the model are kept, older ones deleted)."""
    if cache_dir is None:
        return encoder.encode(texts)
    path = cache_dir / f"{model_id}-{content_key(model_id, texts)}.npy"
    if path.exists():
        cached: np.ndarray = np.load(path)
        if cached.shape[0] == len(texts):
            mark_used(path)
            return cached
    arr = encoder.encode(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = temp_for(path)
    np.save(tmp, arr)
    tmp.replace(path)  # atomic: a reader never sees half a file
    keep_recent(cache_dir, f"{model_id}-", ".npy")
    return arr
