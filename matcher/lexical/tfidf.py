"""TF-IDF over Chinese character 1–3-grams and Latin words (scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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

    def scores(self, query: str) -> np.ndarray:
        """Same as `vectorizer.transform` then a dot product, without scikit-learn's per-call overhead."""
        counts: dict[int, int] = {}
        for g in char_ngrams(query):
            j = self._vocab.get(g)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(self._matrix.shape[0], dtype=np.float32)
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self._idf[cols]
        w /= np.linalg.norm(w)
        return np.asarray(self._csc[:, cols] @ w, dtype=np.float32).ravel()

    def scores_many(self, queries: Sequence[str]) -> np.ndarray:
        """(len(queries), n_docs) similarities, one sparse product for the whole batch."""
        q = self._vec.transform(list(queries))
        return np.asarray((q @ self._matrix.T).toarray(), dtype=np.float32)
