"""The query: one prospect as it flows through the stages read → signals → score → explain.

`read` fills the language, sectors, needs and places; `signals` adds the per-measure channel scores. A query is
never changed once built: `score` and `explain` return new objects, so one query can be scored many ways (tuning).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .needs import NeedWeight
from .options import MatchOptions
from .prospect import Prospect
from .sectors import SectorReading
from .text import Lang


@dataclass(frozen=True)
class Signals:
    """Per-measure channel scores for one prospect, in the index's measure order."""

    dense: np.ndarray  # best encoder cosine over the measure's views
    lexical: np.ndarray  # TF-IDF cosine
    taxonomy: np.ndarray  # the prospect's confidence in the measure's sectors


@dataclass(frozen=True)
class Query:
    prospect: Prospect
    options: MatchOptions
    vector: np.ndarray  # the description's embedding
    lang: Lang
    sectors: SectorReading
    needs: dict[str, NeedWeight]
    places: dict[str, tuple[float, str]]  # location id -> (weight, the words that named it)
    signals: Signals | None = None

    @property
    def text(self) -> str:
        return self.prospect.text

    @cached_property
    def ranked_needs(self) -> list[tuple[str, NeedWeight]]:
        """The needs, weightiest first (ties by id)."""
        return sorted(self.needs.items(), key=lambda kv: (-kv[1].weight, kv[0]))

    def channels(self) -> Signals:
        if self.signals is None:
            raise ValueError("the signals stage has not run for this query")
        return self.signals
