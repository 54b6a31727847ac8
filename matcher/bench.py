"""`matcher bench`: encoder-only versus whole-engine time per query, cold start and peak memory, in one run."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .engine import Matcher

# The child's own peak is VmHWM: getrusage's maxrss would include this process's memory at fork, which Linux
# keeps across exec.
COLD_START = """
import json, re, resource, sys, time
t0 = time.perf_counter()
from matcher import Matcher, MatcherConfig
from pathlib import Path
m = Matcher.load(MatcherConfig(data_dir=Path(sys.argv[1]), cache_dir=Path(sys.argv[2]) if sys.argv[2] else None))
r = m.match(sys.argv[3], top_k=10)
t1 = time.perf_counter()
try:
    peak = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
except (OSError, AttributeError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": t1 - t0, "maxrss_mb": peak, "top": r.matches[0].location_id}))
"""


@dataclass
class BenchResult:
    queries: int
    encoder_ms: float
    engine_ms: float
    ratio: float
    cold_start_s: float
    cold_start_nocache_s: float
    peak_rss_mb: float

    def lines(self) -> list[str]:
        return [
            f"queries:                         {self.queries}",
            f"encoder only, per query:         {self.encoder_ms:.2f} ms (median)",
            f"engine in process, per query:    {self.engine_ms:.2f} ms (median, encoding included)",
            f"engine / encoder:                {self.ratio:.2f}  (target ≤ 3)",
            f"cold start to first result:      {self.cold_start_s:.2f} s (new process, embedding cache warm)",
            f"cold start, empty cache:         {self.cold_start_nocache_s:.2f} s (knowledge base encoded from scratch)",
            f"peak memory (cold-start process): {self.peak_rss_mb:.0f} MB",
        ]


def _cold(data_dir: Path, cache_dir: Path | None, text: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", COLD_START, str(data_dir), str(cache_dir or ""), text],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_bench(
    matcher: Matcher, texts: list[str], data_dir: Path, cache_dir: Path, scratch: Path, rounds: int = 3
) -> BenchResult:
    enc = matcher.encoder
    for t in texts[:5]:  # warm both paths
        enc.encode([t])
        matcher.match(t)
    enc_times, eng_times = [], []
    for _ in range(rounds):
        for t in texts:  # interleaved, so that machine noise hits both alike
            t0 = time.perf_counter()
            enc.encode([t])
            t1 = time.perf_counter()
            matcher.match(t)
            t2 = time.perf_counter()
            enc_times.append(t1 - t0)
            eng_times.append(t2 - t1)
    e, g = statistics.median(enc_times) * 1000, statistics.median(eng_times) * 1000
    warm = _cold(data_dir, cache_dir, texts[0])
    fresh = _cold(data_dir, scratch, texts[0])
    return BenchResult(
        len(texts), e, g, g / e, warm["seconds"], fresh["seconds"], max(warm["maxrss_mb"], fresh["maxrss_mb"])
    )
