"""`matcher bench-batch`: 20,000 synthetic rows through the batch CLI, against the raw encoder on the same texts."""

from __future__ import annotations

import resource
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
    batch_rows_s: float
    encoder_rows_s: float
    warm_seconds: float
    cold_seconds: float
    peak_mb: float

    def lines(self) -> list[str]:
        ratio = self.batch_rows_s / self.encoder_rows_s
        million_h = 1_000_000 / self.batch_rows_s / 3600
        speedup = self.cold_seconds / self.warm_seconds
        return [
            f"rows:                        {self.rows} synthetic ({self.distinct} distinct; zh and en, 5% outside "
            "biomedicine)",
            f"batch, cold cache:           {self.batch_rows_s:.0f} rows/s ({self.cold_seconds:.1f} s, the whole "
            "command: start-up, reading, scoring, writing)",
            f"raw encoder, same texts:     {self.encoder_rows_s:.0f} rows/s (batches of {BATCH})",
            f"batch / raw encoder:         {ratio:.2f}  (target ≥ 0.7)",
            f"re-run, warm cache:          {self.warm_seconds:.1f} s  ({speedup:.1f}× faster; target ≥ 10×)",
            f"peak memory (batch process): {self.peak_mb:.0f} MB  (target ≤ 1536)",
            f"one million rows:            about {million_h:.1f} h at the cold rate on this machine",
        ]


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def run_batch_bench(matcher: Matcher, rows: int = 20_000) -> BatchBench:
    data = descriptions(matcher.kb.taxonomy, rows, seed=2026)
    texts = [t for _, t in data]
    t0 = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        matcher.encoder.encode(texts[i : i + BATCH])
    encoder_rate = len(texts) / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "list.csv"
        write_csv(src, data, encoding="gbk")
        # The policy profiles' embeddings are cached as after any earlier run (var/cache); the rows' are not.
        Matcher(matcher.kb, matcher.encoder, cache_dir=Path(tmp) / "cache")
        base = [
            sys.executable,
            "-m",
            "matcher",
            "batch",
            str(src),
            "--cache",
            str(Path(tmp) / "cache"),
            "--data",
            str(matcher.kb.root),
        ]
        cold = _run([*base, "-o", str(Path(tmp) / "a.csv")])
        warm = _run([*base, "-o", str(Path(tmp) / "b.csv")])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return BatchBench(rows, len(set(texts)), rows / cold, encoder_rate, warm, cold, peak)
