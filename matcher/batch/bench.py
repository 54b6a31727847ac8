"""`matcher bench-batch`: 20,000 synthetic rows through the batch CLI, against the raw encoder on the same texts."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..engine import Matcher
from .store import BATCH
from .synth import descriptions, write_csv


@dataclass
class BatchBench:
    rows: int
    distinct: int
    batch_rows_s: list[float]  # one per round, each timed right after the encoder's
    encoder_rows_s: list[float]
    warm_seconds: float
    cold_seconds: float  # the last round's, which the warm re-run repeats
    peak_mb: float

    def lines(self) -> list[str]:
        ratios = sorted(b / e for b, e in zip(self.batch_rows_s, self.encoder_rows_s, strict=True))
        batch, encoder = statistics.median(self.batch_rows_s), statistics.median(self.encoder_rows_s)
        million_h = 1_000_000 / batch / 3600
        speedup = self.cold_seconds / self.warm_seconds
        n = len(ratios)
        return [
            f"rows:                        {self.rows} synthetic ({self.distinct} distinct; zh and en, 5% outside "
            "biomedicine)",
            f"rounds:                      {n}, each the raw encoder then the batch command, medians below",
            f"batch, cold cache:           {batch:.0f} rows/s (the whole command: start-up, reading, scoring, writing)",
            f"raw encoder, same texts:     {encoder:.0f} rows/s (batches of {BATCH}, in process)",
            f"batch / raw encoder:         {statistics.median(ratios):.2f}  "
            f"(per round {ratios[0]:.2f}–{ratios[-1]:.2f}; target ≥ 0.7)",
            f"re-run, warm cache:          {self.warm_seconds:.1f} s  ({speedup:.1f}× faster; target ≥ 10×)",
            f"peak memory (batch process): {self.peak_mb:.0f} MB  (target ≤ 1536)",
            f"one million rows:            about {million_h:.1f} h at the cold rate on this machine",
        ]


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def run_batch_bench(matcher: Matcher, rows: int = 20_000, rounds: int = 3) -> BatchBench:
    """Rounds of (raw encoder, cold batch run) in turn, so that the machine's drifting speed hits both alike and
    the ratio is taken pair by pair; then a warm re-run of the last round."""
    data = descriptions(matcher.kb.taxonomy, rows, seed=2026)
    texts = [t for _, t in data]

    def encoder_rate() -> float:
        t0 = time.perf_counter()
        for i in range(0, len(texts), BATCH):
            matcher.encoder.encode(texts[i : i + BATCH])
        return len(texts) / (time.perf_counter() - t0)

    encoder, batch = [], []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "list.csv"
        write_csv(src, data, encoding="gbk")
        for k in range(rounds):
            cache = Path(tmp) / f"cache{k}"
            # The policy profiles' embeddings are cached as after any earlier run (var/cache); the rows' are not.
            Matcher(matcher.kb, matcher.encoder, cache_dir=cache)
            base = [sys.executable, "-m", "matcher", "batch", str(src), "--cache", str(cache)]
            base += ["--data", str(matcher.kb.root)]
            encoder.append(encoder_rate())
            cold = _run([*base, "-o", str(Path(tmp) / f"a{k}.csv")])
            batch.append(rows / cold)
        warm = _run([*base, "-o", str(Path(tmp) / "b.csv")])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return BatchBench(rows, len(set(texts)), batch, encoder, warm, cold, peak)
