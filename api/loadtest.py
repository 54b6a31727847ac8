"""Load benchmark on loopback, in one run: the engine in process on every core, then the service under N clients."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .local import ROOT, local_server

TEXTS = [
    "我们是一家专注于AAV基因治疗载体工艺开发和GMP生产的CDMO公司",
    "We design and manufacture intraocular lenses for cataract surgery.",
    "中药配方颗粒生产企业，希望与澳门合作",
    "PET-MRI and high-field MRI scanner developer",
    "POCT 即时检验试剂盒研发，需要GMP厂房",
    "mRNA vaccine start-up looking for seed funding and pilot capacity",
    "第三方医学检验实验室，基因测序和质谱检测",
    "Hong Kong antibody biotech seeking a mainland clinical research base",
]
TOP_K = 10
# One engine process: load, warm up, say "ready"; then for each line "SECONDS" on stdin, match the texts in turn
# for that long and print how many it matched.
ENGINE = """
import sys, time
from pathlib import Path
from matcher import Matcher, MatcherConfig
from api.loadtest import TEXTS, TOP_K
m = Matcher.load(MatcherConfig(cache_dir=Path(sys.argv[1])))
for t in TEXTS * 2:
    m.match(t, top_k=TOP_K)
print("ready", flush=True)
n = 0
for line in sys.stdin:
    done, end = 0, time.perf_counter() + float(line)
    while time.perf_counter() < end:
        m.match(TEXTS[n % len(TEXTS)], top_k=TOP_K)
        n, done = n + 1, done + 1
    print(done, flush=True)
"""


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class LoadResult:
    clients: int
    seconds: float  # per round, for the engine and then for the service
    workers: int
    engine_qps: list[float] = field(default_factory=list)  # per round: the engine processes' queries/s, summed
    service_rps: list[float] = field(default_factory=list)  # per round, right after the engine's
    requests: int = 0
    errors: int = 0
    server_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of CPU the load generator used while measuring
    worker_peak_mb: list[float] = field(default_factory=list)
    keep_alive: bool = False  # one connection per client for the whole run, or a new one per request
    load: str = ""
    engine_cpu: float = 0.0  # CPU seconds the engine processes used, all rounds
    engine_queries: int = 0
    server_cpu: float = 0.0  # CPU seconds the server's processes used while loaded, all rounds

    @property
    def cpu_ratio(self) -> float:
        """Engine CPU per query over service CPU per request: what the ratio of rates is when both have the cores
        to themselves (on a shared machine the rates follow the share of CPU each side wins)."""
        if not (self.requests and self.engine_queries and self.server_cpu):
            return 0.0
        return (self.engine_cpu / self.engine_queries) / (self.server_cpu / self.requests)

    def percentile(self, q: float) -> float:
        lat = sorted(self.latencies) or [0.0]
        return lat[min(len(lat) - 1, int(q * len(lat)))]

    def service_line(self, seconds: float) -> str:
        """The service side alone, for a run without the engine's rounds (scripts/hardening.py load)."""
        p50, p95 = self.percentile(0.5) * 1000, self.percentile(0.95) * 1000
        return (
            f"{self.requests} requests ({self.requests / seconds:.1f} req/s), p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
            f"errors {self.errors} (5xx: {self.server_errors})"
        )

    def lines(self) -> list[str]:
        lat = sorted(self.latencies) or [0.0]
        p95 = self.percentile(0.95)
        ratios = sorted(s / e for s, e in zip(self.service_rps, self.engine_qps, strict=True) if e) or [0.0]
        rounds = len(self.service_rps)
        peak = max(self.worker_peak_mb, default=0.0)
        each = ", ".join(f"{m:.0f}" for m in self.worker_peak_mb)
        how = "one connection per client" if self.keep_alive else "a new connection per request"
        return [
            f"machine:             {cores()} cores, load average {self.load} at the start",
            f"rounds:              {rounds}, each {self.seconds:.0f} s of the engine, then {self.seconds:.0f} s of "
            "the service; medians below",
            f"engine in process:   {statistics.median(self.engine_qps or [0]):.1f} queries/s ({self.workers} "
            f"processes, one per worker, top {TOP_K})",
            f"service:             {statistics.median(self.service_rps or [0]):.1f} req/s ({self.requests} requests, "
            f"{self.clients} clients, {self.workers} workers, POST /api/v1/match, {how})",
            f"service / engine:    {statistics.median(ratios):.2f}  (per round {ratios[0]:.2f}–{ratios[-1]:.2f}; "
            "target ≥ 0.6; the load generator shares the machine)",
            f"latency:             p50 {statistics.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms  "
            "(target p95 ≤ 250 ms)",
            f"CPU per query:       engine {self.engine_cpu / max(self.engine_queries, 1) * 1000:.1f} ms, service "
            f"{self.server_cpu / max(self.requests, 1) * 1000:.1f} ms: engine / service {self.cpu_ratio:.2f} (the "
            "ratio of rates on an otherwise idle machine)",
            f"errors:              {self.errors} (of which 5xx: {self.server_errors})",
            f"load generator CPU:  {self.client_cpu / (self.seconds * max(rounds, 1)) * 100:.0f}% of one core",
            f"server peak memory:  {peak:.0f} MB per worker at most ({each}; target ≤ 1024)",
        ]


class Engines:
    """`n` engine processes, loaded and waiting; `rate(seconds)` has them all match at once."""

    def __init__(self, cache_dir: Path, n: int):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-c", ENGINE, str(cache_dir)]
        self.procs = [
            subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(n)
        ]
        for p in self.procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                self.close()
                raise RuntimeError("an engine process did not start")

    def rate(self, seconds: float) -> tuple[float, int, float]:
        """Queries per second of all the processes matching at once for `seconds`, the queries, and the CPU seconds
        they used."""
        cpu0 = cpu_seconds([p.pid for p in self.procs])
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.write(f"{seconds}\n")
            p.stdin.flush()
        counts = []
        for p in self.procs:
            assert p.stdout is not None
            counts.append(int(p.stdout.readline().strip()))
        return sum(counts) / seconds, sum(counts), cpu_seconds([p.pid for p in self.procs]) - cpu0

    def close(self) -> None:
        for p in self.procs:
            if p.stdin is not None:
                p.stdin.close()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


# --- the load generator: plain HTTP/1.1 over asyncio streams, so that it costs the shared cores little ------------


def request_bytes(text: str, close: bool = False) -> bytes:
    body = json.dumps({"description": text, "top_k": TOP_K}, ensure_ascii=False).encode()
    head = "POST /api/v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Connection: close\r\n" if close else ""
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """(status, body) of one HTTP/1.1 response with a Content-Length."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def _client(host: str, port: int, until: float, out: LoadResult, offset: int) -> None:
    requests = [request_bytes(t, close=not out.keep_alive) for t in TEXTS]
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    i = offset
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(host, port)
            conn[1].write(requests[i % len(requests)])
            status, body = await asyncio.wait_for(read_response(conn[0]), timeout=30)
            ok = status == 200 and body.startswith(b"{")
            out.server_errors += status >= 500
            if not out.keep_alive:
                conn[1].close()
                conn = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            ok, conn = False, None
        out.latencies.append(time.perf_counter() - t0)
        out.requests += 1
        out.errors += not ok
        i += 1
    if conn is not None:
        conn[1].close()


async def _load(host: str, port: int, clients: int, seconds: float, out: LoadResult) -> None:
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(host, port, until, out, k) for k in range(clients)))


async def run_against(base: str, clients: int, seconds: float) -> LoadResult:
    """`clients` concurrent clients on POST /match of the service at `base` (http://host:port) for `seconds`."""
    host, port = base.removeprefix("http://").split(":")
    out = LoadResult(clients, seconds, 0)
    await _load(host, int(port), clients, seconds, out)
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time used so far by these processes."""
    import psutil

    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


def server_pids(pid: int) -> list[int]:
    """The server's processes: its workers, or itself when it runs alone."""
    import psutil

    kids = [p.pid for p in psutil.Process(pid).children(recursive=True) if "_tracker" not in " ".join(p.cmdline())]
    return kids or [pid]


def peak_rss_mb(pids: list[int]) -> list[float]:
    """Peak resident memory of these processes (Linux), or their current memory elsewhere."""
    import psutil

    out = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        hwm = [ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:")] if status.exists() else []
        out.append(int(hwm[0].split()[1]) / 1024 if hwm else psutil.Process(pid).memory_info().rss / 2**20)
    return out


def run_load(clients: int = 32, seconds: float = 30.0, workers: int | None = None, rounds: int = 3) -> LoadResult:
    """As many engine processes as server workers, and the service on a free loopback port with a scratch
    database; then rounds of (the engines for `seconds / rounds`, the service under `clients` clients as long), so
    that the machine's drifting speed hits both alike and the ratio is taken round by round."""
    n = workers or cores()
    per_round = seconds / rounds
    out = LoadResult(clients, per_round, n, load=" ".join(f"{x:.1f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        engines = Engines(var / "cache", n)
        try:
            pid: list[int] = []
            with local_server(var, workers=n, started=pid.append) as base:
                host, port = base.removeprefix("http://").split(":")
                asyncio.run(_load(host, int(port), clients, min(5.0, per_round), LoadResult(clients, per_round, n)))
                server = server_pids(pid[0])
                for _ in range(rounds):
                    qps, queries, cpu = engines.rate(per_round)
                    out.engine_qps.append(qps)
                    out.engine_queries += queries
                    out.engine_cpu += cpu
                    before, cpu0, server0 = out.requests, time.process_time(), cpu_seconds(server)
                    asyncio.run(_load(host, int(port), clients, per_round, out))
                    out.client_cpu += time.process_time() - cpu0
                    out.server_cpu += cpu_seconds(server) - server0
                    out.service_rps.append((out.requests - before) / per_round)
                out.worker_peak_mb = peak_rss_mb(server)
        finally:
            engines.close()
    return out
