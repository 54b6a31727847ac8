"""Stage 2, signals: three channels score every measure for each query (dense cosine, TF-IDF, taxonomy)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..index import VIEWS, ProfileIndex
from ..query import Query, Signals
from ..scoring import max_last, similarities
from ..sectors import SectorReading
from ..text import detect_lang

EXPANSION_SECTORS = 3  # an English query is expanded with the Chinese names of its best sectors …
EXPANSION_FLOOR = 0.5  # … read with at least this confidence …
EXPANSION_SYNONYMS = 6  # … and this many of each one's Chinese synonyms


def expand_query(index: ProfileIndex, text: str, reading: SectorReading) -> str:
    """For an English description, add the Chinese names of the sectors it reads as, so that exact Chinese
    terms in the policy clauses (人工晶体, 配方颗粒) can match it lexically."""
    if detect_lang(text) == "zh":
        return text
    extra = []
    for sid, _c in reading.top(EXPANSION_SECTORS, floor=EXPANSION_FLOOR):
        s = index.kb.taxonomy.sectors[sid]
        extra += [s.zh, *s.synonyms_zh[:EXPANSION_SYNONYMS]]
    return " ".join([text, *extra])


def signals(index: ProfileIndex, queries: Sequence[Query]) -> list[Query]:
    """The queries with their per-measure channel scores, computed for all of them at once."""
    n = len(queries)
    if n == 0:
        return []
    q = np.stack([x.vector for x in queries]).astype(np.float32, copy=False)
    dense = max_last(similarities(q, index.views).reshape(n, len(index.measures), VIEWS))
    conf = np.array([list(map(x.sectors.scores.__getitem__, index.sector_ids)) for x in queries], dtype=np.float32)
    # Per measure, the best confidence among its sectors (× DOMAIN_TAG for a whole-domain tag): over the few
    # (measure, sector) pairs there are rather than all measures × sectors.
    taxonomy = np.zeros((n, len(index.measures)), dtype=np.float32)
    if len(index.tag_weight):
        best = np.maximum.reduceat(conf[:, index.tag_sector] * index.tag_weight, index.tag_start, axis=1)
        taxonomy[:, index.tag_measures] = best
    lexical = index.tfidf.scores_many([expand_query(index, x.text, x.sectors) for x in queries])
    return [dataclasses.replace(x, signals=Signals(dense[k], lexical[k], taxonomy[k])) for k, x in enumerate(queries)]
