"""Single-channel baselines, each ranking a location by its own best-matching measure."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..index import ProfileIndex
from ..lexical import BM25Index
from ..query import Query

Baseline = Callable[[Query], np.ndarray]  # query (with signals) -> score per candidate

KEYWORD_FIRST, KEYWORD_STEP = 0.6, 0.15  # as the sector reader scores synonym hits (matcher/sectors.py)


def _own_max(index: ProfileIndex, per_measure: np.ndarray) -> np.ndarray:
    best: np.ndarray = np.where(index.own, per_measure[None, :], 0.0).max(axis=1)
    return best


def make_baselines(index: ProfileIndex) -> dict[str, Baseline]:
    """BM25 only, embedding cosine only, taxonomy keywords only."""
    docs = [" ".join([m.source.quote, m.title_zh, m.offer_zh, m.title_en, m.offer_en]) for _, m in index.measures]
    bm25 = BM25Index(docs)
    col = {s: j for j, s in enumerate(index.sector_ids)}

    def bm25_only(q: Query) -> np.ndarray:
        return _own_max(index, bm25.scores(q.text))

    def dense_only(q: Query) -> np.ndarray:
        return _own_max(index, q.channels().dense)

    def keywords_only(q: Query) -> np.ndarray:
        conf = np.zeros(len(col), dtype=np.float32)
        for sid, terms in index.sectors.synonym_hits(q.text).items():
            conf[col[sid]] = min(1.0, KEYWORD_FIRST + KEYWORD_STEP * (len(terms) - 1))
        return _own_max(index, (index.sector_mask * conf).max(axis=1))

    return {"bm25": bm25_only, "dense": dense_only, "keywords": keywords_only}
