"""`matcher bench-batch --profile`: the CPU time per row of each engine stage on a list's chunks, the encoder apart.

Each round scores fresh synthetic rows (so no cache carries over from one round to the next) chunk by chunk as
`score_chunk` does, with the vectors encoded first: read, signals, score, explain in the list's brief form, the
projection. The explain stage's full `Ranking` form (what an officer gets) is timed on the same scores for
comparison and is not part of the total.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import Matcher
from ..stages.explain import brief, explain
from ..stages.read import read
from ..stages.signals import signals
from .columns import Columns
from .run import CHUNK, BatchOptions, chunks, match_options, project, to_prospect
from .store import BATCH
from .synth import descriptions

STAGES = ("read", "signals", "score", "explain", "projection")
COLS = Columns(name="name", text="text")


@dataclass
class StageProfile:
    rows: int  # per round
    model: str
    encoder: list[float] = field(default_factory=list)  # CPU ms per row, one entry per round
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    ranking: list[float] = field(default_factory=list)  # explain in the full Ranking form

    def lines(self) -> list[str]:
        med = {s: statistics.median(v) for s, v in self.stages.items()}
        engine = sum(med.values())
        enc = statistics.median(self.encoder)
        out = [
            f"rows:           {self.rows} synthetic a round, {len(self.encoder)} rounds, chunks of {CHUNK}, top 3",
            f"encoder:        {enc:.2f} ms/row  ({self.model}, distinct texts in batches of {BATCH})",
            "engine, CPU ms/row by stage (median of rounds):",
        ]
        for s in STAGES:
            note = f"  (brief; the full Ranking: {statistics.median(self.ranking):.2f})" if s == "explain" else ""
            out.append(f"  {s:<13} {med[s]:.3f}{note}")
        out += [
            f"  {'total':<13} {engine:.3f}",
            f"bound:          encoder / (encoder + engine) = {enc / (enc + engine):.2f} of the raw encoder's rate",
        ]
        return out


def _cpu(f: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """f(*args), and the process's CPU seconds it took."""
    t0 = time.process_time()
    out = f(*args)
    return out, time.process_time() - t0


def _each(f: Callable[..., Any], items: list[Any], *args: Any) -> list[Any]:
    return [f(*x, *args) for x in items]


def run_profile(matcher: Matcher, rows: int = 3000, rounds: int = 3) -> StageProfile:
    index, params, opts = matcher.index, matcher.params, BatchOptions()
    prof = StageProfile(rows, matcher.model_id)
    for k in range(rounds):
        data = descriptions(matcher.kb.taxonomy, rows, seed=2026 + k)
        prospects = [to_prospect({"name": n, "text": t}, COLS)[1] for n, t in data]
        texts = list(dict.fromkeys(p.text for p in prospects))
        parts, enc = _cpu(_each, matcher.encoder.encode, [(c,) for c in chunks(texts, BATCH)])
        vec = dict(zip(texts, np.concatenate(parts), strict=True))
        spent = dict.fromkeys(STAGES, 0.0)
        full = 0.0
        for part in chunks(prospects, CHUNK):
            mopts = matcher.check(match_options(opts, index))
            vecs = np.stack([vec[p.text] for p in part])
            queries, t_read = _cpu(read, index, part, vecs, mopts, params)
            queries, t_signals = _cpu(signals, index, queries)
            scored, t_score = _cpu(matcher.score, queries)
            briefs, t_explain = _cpu(brief, queries, scored, params)
            _, t_project = _cpu(_each, project, [(b,) for b in briefs], opts)
            _, t_full = _cpu(explain, queries, scored, params)
            for s, t in zip(STAGES, (t_read, t_signals, t_score, t_explain, t_project), strict=True):
                spent[s] += t
            full += t_full
        per_row = 1000 / len(prospects)
        prof.encoder.append(enc * per_row)
        for s in STAGES:
            prof.stages[s].append(spent[s] * per_row)
        prof.ranking.append(full * per_row)
    return prof
