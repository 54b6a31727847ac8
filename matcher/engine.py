"""The orchestrator: prospects in, ranked and explained shortlists out, through read → signals → score → explain.

`Matcher.match_many` is the one path the CLI, the service, batch scoring and the evaluation take; a list asks it for
the brief form of each ranking (`form="brief"`), the others for the full `Ranking`. A Matcher is immutable: other
parameters make another Matcher over the same profile index (`with_params`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, overload

import numpy as np

from .codehash import code_hash
from .config import MatcherConfig
from .encoders import Encoder, create_encoder
from .index import ProfileIndex
from .kb import KnowledgeBase, load_kb
from .options import MatchOptions, OptionError
from .params import ScoringParams, load_params
from .prospect import Prospect
from .query import Query
from .ranking import Brief, Ranking, RankLevel
from .sector_model import SectorModel
from .stages.explain import FORMS, Form
from .stages.read import read
from .stages.score import Scored, score
from .stages.signals import signals

__all__ = ["MatchOptions", "Matcher", "MatcherConfig"]


def freeze_loaded() -> None:
    """Move everything loaded so far (the engine, its index; in the service also the extraction classifiers) out of
    the garbage collector's sight, after collecting what is already garbage: it lives as long as the process, and a
    full collection walked all of it between requests or chunks. In the service this took p95 at 32 clients from
    230–244 to 169–172 ms (`matcher load-test`); in a list, collections from 0.033 to 0.012 ms a row."""
    gc.collect()
    gc.freeze()


class Matcher:
    """Ranks every location (but the province, which all inherit) for prospects."""

    def __init__(
        self,
        kb: KnowledgeBase | ProfileIndex,
        encoder: Encoder,
        *,
        params: ScoringParams | None = None,
        cache_dir: Path | None = None,
        sector_model: SectorModel | None = None,
    ):
        """`kb`: a knowledge base (the profile index is built from it) or an index already built for `encoder`."""
        self.index = kb if isinstance(kb, ProfileIndex) else ProfileIndex.build(kb, encoder, cache_dir)
        self.encoder = encoder
        self.params = params or ScoringParams()
        self.sector_model = sector_model

    @classmethod
    def load(cls, config: MatcherConfig | None = None, *, encoder: Encoder | None = None) -> Matcher:
        cfg = config or MatcherConfig()
        return cls(
            load_kb(cfg.data_dir),
            encoder or create_encoder(cfg.encoder, cfg.cache_dir),
            params=load_params(cfg.models / "engine.yaml"),
            cache_dir=cfg.cache_dir,
            sector_model=SectorModel.load(cfg.models / "sector_model.json"),
        )

    def with_params(self, params: ScoringParams, sector_model: SectorModel | None) -> Matcher:
        """The same index and encoder, scored with other parameters (evaluation, tuning)."""
        return Matcher(self.index, self.encoder, params=params, sector_model=sector_model)

    @property
    def kb(self) -> KnowledgeBase:
        return self.index.kb

    @property
    def candidates(self) -> tuple[str, ...]:
        return self.index.candidates

    @property
    def model_id(self) -> str:
        return self.index.model_id

    @property
    def fingerprint(self) -> str:
        """What every result depends on: model, knowledge base, parameters and learned sector model, and the code."""
        model = self.sector_model.coef.tolist() if self.sector_model is not None else None
        return f"{self.model_id}/{self.kb.content_hash}/{self.params.fingerprint(model)}/{code_hash()}"

    # --- the one path -------------------------------------------------------------------------------

    @overload
    def match_many(
        self,
        prospects: Sequence[Prospect],
        options: MatchOptions | None = None,
        *,
        vectors: np.ndarray | None = None,
        form: Literal["ranking"] = "ranking",
    ) -> list[Ranking]: ...
    @overload
    def match_many(
        self,
        prospects: Sequence[Prospect],
        options: MatchOptions | None = None,
        *,
        vectors: np.ndarray | None = None,
        form: Literal["brief"],
    ) -> list[Brief]: ...
    def match_many(
        self,
        prospects: Sequence[Prospect],
        options: MatchOptions | None = None,
        *,
        vectors: np.ndarray | None = None,
        form: Form = "ranking",
    ) -> list[Ranking] | list[Brief]:
        """A ranking per prospect, or with `form="brief"` its brief (what a list keeps). `vectors`: their
        embeddings when the caller has them (a list's cache)."""
        return self.rank(self.prepare(prospects, options, vectors=vectors), form)

    def prepare(
        self, prospects: Sequence[Prospect], options: MatchOptions | None = None, *, vectors: np.ndarray | None = None
    ) -> list[Query]:
        """Stages read and signals: what does not depend on the scoring parameters (computed once when tuning)."""
        opts = self.check(options or MatchOptions())
        for p in prospects:
            self.index.needs.check_known(p.needs)
        if not prospects:
            return []
        vecs = self.encoder.encode([p.text for p in prospects]) if vectors is None else vectors
        return signals(self.index, read(self.index, prospects, vecs, opts, self.params))

    @overload
    def rank(self, queries: Sequence[Query], form: Literal["ranking"] = "ranking") -> list[Ranking]: ...
    @overload
    def rank(self, queries: Sequence[Query], form: Literal["brief"]) -> list[Brief]: ...
    def rank(self, queries: Sequence[Query], form: Form = "ranking") -> list[Ranking] | list[Brief]:
        """Stages score and explain, in the form asked for."""
        return FORMS[form](queries, self.score(queries), self.params)

    def score(self, queries: Sequence[Query]) -> list[Scored]:
        return score(self.index, queries, self.params, self.sector_model)

    def check(self, options: MatchOptions) -> MatchOptions:
        """The options with the date fixed (so one call sees one date), or ValueError naming what is wrong."""
        n = len(self.candidates)
        if options.top_k is not None and not 1 <= options.top_k <= n:
            raise OptionError("top_k", f"top_k must be between 1 and {n}")
        unknown = [c for c in options.focus if c not in self.index.row]
        if unknown:
            raise OptionError("focus", f"unknown location id(s): {', '.join(unknown)}")
        return options if options.as_of else dataclasses.replace(options, as_of=options.date())

    # --- one prospect ---------------------------------------------------------------------------------

    def match(
        self,
        prospect: Prospect | str,
        top_k: int = 10,
        *,
        preset: str | None = None,
        weights: Mapping[str, float] | None = None,
        as_of: dt.date | None = None,
        expand: bool = False,
        level: RankLevel = "landing",
    ) -> Ranking:
        """Rank locations for one prospect (`match_many` with one item); `expand` keeps parks that only inherit
        their parent's fit; `level="city"` ranks cities."""
        p = prospect if isinstance(prospect, Prospect) else Prospect(text=prospect)
        opts = MatchOptions(top_k=top_k, preset=preset, weights=weights, as_of=as_of, expand=expand, level=level)
        return self.match_many([p], opts)[0]
