"""Single-channel baselines, each ranking a location by its own best-matching measure."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..engine import Matcher, Signals
from ..lexical import BM25Index

Baseline = Callable[[str, Signals], np.ndarray]  # (text, signals) -> score per candidate


def _own_max(matcher: Matcher, per_measure: np.ndarray) -> np.ndarray:
    best: np.ndarray = np.where(matcher.own, per_measure[None, :], 0.0).max(axis=1)
    return best


def make_baselines(matcher: Matcher) -> dict[str, Baseline]:
    """BM25 only, embedding cosine only, taxonomy keywords only."""
    docs = [" ".join([m.source.quote, m.title_zh, m.offer_zh, m.title_en, m.offer_en]) for _, m in matcher.measures]
    bm25 = BM25Index(docs)
    col = {s: j for j, s in enumerate(matcher.sector_ids)}

    def bm25_only(text: str, sig: Signals) -> np.ndarray:
        return _own_max(matcher, bm25.scores(text))

    def dense_only(text: str, sig: Signals) -> np.ndarray:
        return _own_max(matcher, sig.dense)

    def keywords_only(text: str, sig: Signals) -> np.ndarray:
        conf = np.zeros(len(col), dtype=np.float32)
        for sid, terms in matcher.reader.synonym_hits(text).items():
            conf[col[sid]] = min(1.0, 0.6 + 0.15 * (len(terms) - 1))
        return _own_max(matcher, (matcher.sector_mask * conf).max(axis=1))

    return {"bm25": bm25_only, "dense": dense_only, "keywords": keywords_only}
