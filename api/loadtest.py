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
# One engine process: load, warm up, say "ready", and on "go" match the texts in turn for the given seconds.
ENGINE = """
import sys, time
from pathlib import Path
from matcher import Matcher, MatcherConfig
from api.loadtest import TEXTS, TOP_K
m = Matcher.load(MatcherConfig(cache_dir=Path(sys.argv[1])))
for t in TEXTS * 2:
    m.match(t, top_k=TOP_K)
print("ready", flush=True)
sys.stdin.readline()
n, end = 0, time.perf_counter() + float(sys.argv[2])
while time.perf_counter() < end:
    m.match(TEXTS[n % len(TEXTS)], top_k=TOP_K)
    n += 1
print(n, flush=True)
"""


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class LoadResult:
    clients: int
    seconds: float
    workers: int
    engine_qps: float = 0.0  # the engine in process, one process per worker, summed
    requests: int = 0
    errors: int = 0
    server_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of CPU the load generator used while measuring
    worker_peak_mb: list[float] = field(default_factory=list)
    keep_alive: bool = False  # one connection per client for the whole run, or a new one per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def lines(self) -> list[str]:
        lat = sorted(self.latencies) or [0.0]
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        ratio = self.rps / self.engine_qps if self.engine_qps else 0.0
        peak = max(self.worker_peak_mb, default=0.0)
        each = ", ".join(f"{m:.0f}" for m in self.worker_peak_mb)
        return [
            f"engine in process:   {self.engine_qps:.1f} queries/s ({self.workers} processes, one per worker, "
            f"top {TOP_K}, {self.seconds:.0f} s)",
            f"service:             {self.rps:.1f} req/s ({self.requests} requests, {self.clients} clients, "
            f"{self.workers} workers, POST /api/v1/match, "
            + ("one connection per client)" if self.keep_alive else "a new connection per request)"),
            f"service / engine:    {ratio:.2f}  (target ≥ 0.6; the load generator shares the machine)",
            f"latency:             p50 {statistics.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms  "
            "(target p95 ≤ 250 ms)",
            f"errors:              {self.errors} (of which 5xx: {self.server_errors})",
            f"load generator CPU:  {self.client_cpu / self.seconds * 100:.0f}% of one core "
            f"({cores()} cores on this machine)",
            f"server peak memory:  {peak:.0f} MB per worker at most ({each}; target ≤ 1024)",
        ]


def engine_rate(cache_dir: Path, processes: int, seconds: float) -> float:
    """Queries per second of `processes` engine processes matching at once, each with its own engine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", ENGINE, str(cache_dir), str(seconds)]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("an engine process did not start")
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        counts = [int(p.communicate(timeout=seconds + 120)[0].strip()) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return sum(counts) / seconds


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


def peak_rss_mb(pid: int) -> list[float]:
    """Peak resident memory of the server's worker processes (the server itself when it runs alone)."""
    import psutil

    procs = [
        p
        for p in psutil.Process(pid).children(recursive=True)
        if "resource_tracker" not in " ".join(p.cmdline()) and "semaphore_tracker" not in " ".join(p.cmdline())
    ] or [psutil.Process(pid)]
    out = []
    for p in procs:
        status = Path(f"/proc/{p.pid}/status")
        hwm = [ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:")] if status.exists() else []
        out.append(int(hwm[0].split()[1]) / 1024 if hwm else p.memory_info().rss / 2**20)
    return out


def run_load(clients: int = 32, seconds: float = 30.0, workers: int | None = None) -> LoadResult:
    """The engine on `workers` processes, then the service with as many workers on a free loopback port with a
    scratch database, loaded by `clients` clients for `seconds`."""
    n = workers or cores()
    out = LoadResult(clients, seconds, n)
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        out.engine_qps = engine_rate(var / "cache", n, seconds)
        pid: list[int] = []
        with local_server(var, workers=n, started=pid.append) as base:
            host, port = base.removeprefix("http://").split(":")
            asyncio.run(_load(host, int(port), clients, min(5.0, seconds / 4), LoadResult(clients, seconds, n)))
            cpu0 = time.process_time()
            asyncio.run(_load(host, int(port), clients, seconds, out))
            out.client_cpu = time.process_time() - cpu0
            out.worker_peak_mb = peak_rss_mb(pid[0])
    return out
