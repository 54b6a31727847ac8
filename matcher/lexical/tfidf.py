"""TF-IDF over Chinese character 1–3-grams and Latin words (scikit-learn)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import ahocorasick
import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from ..text import char_ngrams, is_cjk, latin_grams, normalize


class TfidfIndex:
    """Cosine similarity of a query to each document, in [0, 1]."""

    def __init__(self, docs: Sequence[str]):
        self._vec = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=1, norm="l2")
        self._matrix = self._vec.fit_transform(docs)
        self._csc = self._matrix.tocsc()
        self._terms_by_doc = self._matrix.T.tocsr()
        self._vocab: dict[str, int] = self._vec.vocabulary_
        self._idf = self._vec.idf_
        # Chinese n-grams of the vocabulary, found in a query in one pass (each occurrence counts, as when the
        # analyzer lists every n-gram of every Chinese run).
        self._cjk = ahocorasick.Automaton()
        for g, j in self._vocab.items():
            if is_cjk(g):
                self._cjk.add_word(g, j)
        self._cjk.make_automaton()

    def _counts(self, query: str) -> Counter[int]:
        """Vocabulary column -> how often the query has that n-gram or word."""
        t = normalize(query)
        counts: Counter[int] = Counter(j for _, j in self._cjk.iter(t)) if len(self._cjk) else Counter()
        for g, c in Counter(latin_grams(t)).items():
            j = self._vocab.get(g)
            if j is not None:
                counts[j] = c
        return counts

    def _queries(self, queries: Sequence[str]) -> csr_matrix:
        """The queries' TF-IDF vectors, one row each: what `vectorizer.transform` computes (sublinear tf × idf,
        each row l2-normalised), without scikit-learn's per-call overhead."""
        cols: list[int] = []
        tf: list[int] = []
        indptr = [0]
        for q in queries:
            counts = self._counts(q)
            cols += counts.keys()
            tf += counts.values()
            indptr.append(len(cols))
        col = np.array(cols, dtype=np.int64)
        w = (1.0 + np.log(np.array(tf, dtype=np.float64))) * self._idf[col]
        row = np.repeat(np.arange(len(queries)), np.diff(indptr))
        norm = np.sqrt(np.bincount(row, weights=w * w, minlength=len(queries)))
        w /= np.where(norm > 0, norm, 1.0)[row]
        return csr_matrix((w, col, np.array(indptr)), shape=(len(queries), self._matrix.shape[1]))

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of one query to each document."""
        q = self._queries([query])
        if q.nnz == 0:
            return np.zeros(self._matrix.shape[0], dtype=np.float32)
        return np.asarray(self._csc[:, q.indices] @ q.data, dtype=np.float32).ravel()

    def scores_many(self, queries: Sequence[str]) -> np.ndarray:
        """(len(queries), n_docs) similarities, one sparse product for the whole batch."""
        return np.asarray((self._queries(queries) @ self._terms_by_doc).toarray(), dtype=np.float32)
