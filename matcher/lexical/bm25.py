"""BM25 over jieba word tokens (bm25s)."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np

from ..text import tokens


class BM25Index:
    """Okapi BM25 scores of a query against each document (unbounded, 0 when no term matches)."""

    def __init__(self, docs: Sequence[str]):
        self._n = len(docs)
        corpus = [tokens(d) or ["∅"] for d in docs]
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
        self._vocab = vocab
        self._bm25 = bm25s.BM25()
        self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        q = [t for t in tokens(query) if t in self._vocab]
        if not q:
            return np.zeros(self._n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)
