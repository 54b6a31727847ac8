"""TF-IDF over Chinese character 1–3-grams and Latin words (scikit-learn)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from pathlib import Path

import ahocorasick
import numpy as np
from scipy.sparse import csr_matrix

from ..cachefiles import keep_recent, mark_used, temp_for
from ..text import char_ngrams, cjk_runs, is_cjk, latin_grams, normalize

_VALUE = itemgetter(1)  # of an Aho-Corasick match (end, value)


def _docs_key(docs: Sequence[str]) -> str:
    h = hashlib.sha256(b"tfidf char 1-3 + latin words, sublinear, l2\x00")
    for d in docs:
        h.update(d.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:24]


def _save(path: Path, vocab: dict[str, int], idf: np.ndarray, matrix: csr_matrix) -> None:
    terms = np.array(sorted(vocab, key=vocab.__getitem__))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_for(path)
    np.savez(
        tmp,
        terms=terms,
        idf=idf,
        data=matrix.data,
        indices=matrix.indices,
        indptr=matrix.indptr,
        shape=np.array(matrix.shape),
    )
    tmp.replace(path)  # atomic: a reader never sees half a file
    keep_recent(path.parent, "tfidf-", ".npz")


class TfidfIndex:
    """Cosine similarity of a query to each document, in [0, 1]."""

    def __init__(self, docs: Sequence[str], cache_dir: Path | None = None):
        """Fitted with scikit-learn; with `cache_dir`, the fitted vocabulary, idf and document matrix are kept
        there by content hash, so a later start neither refits nor imports scikit-learn."""
        self.from_cache = False
        path = cache_dir / f"tfidf-{_docs_key(docs)}.npz" if cache_dir is not None else None
        if path is not None and path.exists():
            with np.load(path) as z:
                terms, self._idf = z["terms"].tolist(), z["idf"]
                self._matrix = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            self._vocab: dict[str, int] = {t: j for j, t in enumerate(terms)}
            self.from_cache = True
            mark_used(path)
        else:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self._vec = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=1, norm="l2")
            self._matrix = csr_matrix(self._vec.fit_transform(docs))
            self._vocab = self._vec.vocabulary_
            self._idf = self._vec.idf_
            if path is not None:
                _save(path, self._vocab, self._idf, self._matrix)
        self._csc = self._matrix.tocsc()
        self._terms_by_doc = self._matrix.T.tocsr()
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
        # Chinese n-grams only occur inside Chinese runs: the automaton reads those alone.
        found = chain.from_iterable(map(self._cjk.iter, cjk_runs(t))) if len(self._cjk) else ()
        counts: Counter[int] = Counter(map(_VALUE, found))
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
