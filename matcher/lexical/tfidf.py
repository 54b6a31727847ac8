"""TF-IDF over Chinese character 1–3-grams and Latin words (scikit-learn)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from ..text import char_ngrams


class TfidfIndex:
    """Cosine similarity of a query to each document, in [0, 1]."""

    def __init__(self, docs: Sequence[str]):
        self._vec = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=1, norm="l2")
        self._matrix = self._vec.fit_transform(docs)
        self._csc = self._matrix.tocsc()
        self._vocab: dict[str, int] = self._vec.vocabulary_
        self._idf = self._vec.idf_

    def _weights(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's TF-IDF vector as (columns, l2-normalised weights): what `vectorizer.transform` computes
        (sublinear tf × idf), without scikit-learn's per-call overhead."""
        counts: dict[int, int] = {}
        vocab = self._vocab
        for g, c in Counter(char_ngrams(query)).items():
            j = vocab.get(g)
            if j is not None:
                counts[j] = c
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self._idf[cols]
        if len(w):
            w /= np.linalg.norm(w)
        return cols, w

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of one query to each document."""
        cols, w = self._weights(query)
        if len(cols) == 0:
            return np.zeros(self._matrix.shape[0], dtype=np.float32)
        return np.asarray(self._csc[:, cols] @ w, dtype=np.float32).ravel()

    def scores_many(self, queries: Sequence[str]) -> np.ndarray:
        """(len(queries), n_docs) similarities, one sparse product for the whole batch."""
        if len(queries) < 4:
            return np.stack([self.scores(q) for q in queries]) if queries else np.zeros((0, self._matrix.shape[0]))
        parts = [self._weights(q) for q in queries]
        indptr = np.cumsum([0] + [len(c) for c, _ in parts])
        q = csr_matrix(
            (np.concatenate([w for _, w in parts]), np.concatenate([c for c, _ in parts]), indptr),
            shape=(len(queries), self._matrix.shape[1]),
        )
        return np.asarray((q @ self._matrix.T).toarray(), dtype=np.float32)
