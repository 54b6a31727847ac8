"""Load benchmark on loopback: N concurrent clients against POST /match for a fixed time; prints the figures."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .local import local_server

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


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int
    errors: int
    server_errors: int
    latencies: list[float]

    def lines(self) -> list[str]:
        lat = sorted(self.latencies) or [0.0]
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        return [
            f"clients:        {self.clients} concurrent, {self.seconds:.0f} s, POST /api/v1/match",
            f"requests:       {self.requests} ({self.requests / self.seconds:.1f} req/s)",
            f"latency:        p50 {statistics.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
            f"errors:         {self.errors} (of which 5xx: {self.server_errors})",
        ]


async def _client(base: str, until: float, out: LoadResult, offset: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = offset
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            try:
                r = await http.post("/api/v1/match", json={"description": TEXTS[i % len(TEXTS)], "top_k": 10})
                ok = r.status_code == 200
                out.server_errors += r.status_code >= 500
            except httpx.HTTPError:
                ok = False
            out.latencies.append(time.perf_counter() - t0)
            out.requests += 1
            out.errors += not ok
            i += 1


async def run_against(base: str, clients: int, seconds: float) -> LoadResult:
    """`clients` concurrent clients on POST /match of the service at `base` for `seconds`."""
    out = LoadResult(clients, seconds, 0, 0, 0, [])
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(base, until, out, k) for k in range(clients)))
    return out


def run_load(clients: int = 32, seconds: float = 30.0, workers: int = 2) -> LoadResult:
    """Start the service on a free loopback port with a scratch database, load POST /match, stop it."""
    with tempfile.TemporaryDirectory() as tmp, local_server(Path(tmp), workers=workers) as base:
        return asyncio.run(run_against(base, clients, seconds))
