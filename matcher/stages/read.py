"""Stage 1, read: the prospect's language, sectors (with confidence), needs (with weights) and the places it names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..index import ProfileIndex
from ..options import MatchOptions
from ..params import ScoringParams
from ..prospect import Prospect
from ..query import Query
from ..scoring import similarities
from ..text import detect_lang


def read(
    index: ProfileIndex,
    prospects: Sequence[Prospect],
    vectors: np.ndarray,
    options: MatchOptions,
    params: ScoringParams,
) -> list[Query]:
    """`vectors`: the descriptions' embeddings, one row per prospect."""
    q = np.asarray(vectors, dtype=np.float32).reshape(len(prospects), -1)
    sectors = index.sectors.read_many(
        [p.text for p in prospects], similarities(q, index.protos), params.sector_emb_range
    )
    return [
        Query(
            prospect=p,
            options=options,
            vector=q[k],
            lang=p.lang or detect_lang(p.text),
            sectors=sectors[k],
            needs=index.needs.read(p),
            places=index.places.read(p.text),
        )
        for k, p in enumerate(prospects)
    ]
