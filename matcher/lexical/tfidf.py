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

    def scores(self, query: str) -> np.ndarray:
        q = self._vec.transform([query])
        return np.asarray((self._matrix @ q.T).toarray()).ravel().astype(np.float32)

    def scores_many(self, queries: Sequence[str]) -> np.ndarray:
        """(len(queries), n_docs) similarities, one sparse product for the whole batch."""
        q = self._vec.transform(list(queries))
        return np.asarray((q @ self._matrix.T).toarray(), dtype=np.float32)
