"""Scoring a list's chunks on Dask workers: each worker loads the engine once; the client keeps the checkpoint.

`DaskRunner` is a `run.Runner`: the chunks are the ones the single process would score, each scored by the same
`score_chunk` on a worker, and the client writes each chunk's records to the checkpoint as it arrives, so the
output is the single process's, row for row. A worker that dies takes its chunk with it; the scheduler runs that
chunk again elsewhere (tasks are pure: a chunk's records depend only on its rows), and a client that dies resumes
from the checkpoint like any run.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import MatcherConfig
from ..engine import Matcher, freeze_loaded
from .checkpoint import Record
from .columns import Columns
from .run import BatchOptions, Rows, score_chunk
from .store import MAX_ENTRIES, EmbeddingStore

LOCAL = "local:"
# Dask settings for a LocalCluster's workers. Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in each worker's
# environment (None unsets it). Any explicit value also fixes glibc's mmap threshold at 128 KB, so every array the
# encoder and the engine allocate above that was mapped, zero-filled and unmapped again: about 11 s of system time
# per 10,000 rows that one process does not spend. Dask's own statistical profiler of each worker's tasks is off:
# nobody reads it here. (A real cluster's workers want the same; see the README.)
LOCAL_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}
# Dask keeps the last `low-level-log-length` messages (1,000 by default) each batched connection sent, for
# developers to read: every chunk's rows were kept twice over (the client's message to the scheduler and the
# scheduler's to a worker), some 0.85 KB a row, up to about half a million rows of a long list. The client and a
# LocalCluster's scheduler keep a few instead.
CLIENT_CONFIG = {"distributed.admin.low-level-log-length": 16}
IN_FLIGHT = 2  # chunks queued per worker: enough to keep it busy, few enough that the input is not all shipped


@dataclass(frozen=True)
class Engine:
    """What a worker needs to score: how to load the engine, and the fingerprint the client's engine has (a worker
    whose data or model differ refuses to score rather than mix two engines in one output)."""

    load: Callable[[], Matcher]
    fingerprint: str
    cache_dir: Path | None = None  # the worker's own embedding cache (on a LocalCluster, shared by its workers)
    cache_max: int = MAX_ENTRIES


def engine_for(config: MatcherConfig, matcher: Matcher, cache_max: int = MAX_ENTRIES) -> Engine:
    """The worker-side engine of `matcher`, loaded from `config` (the same paths must hold on every worker)."""
    return Engine(functools.partial(Matcher.load, config), matcher.fingerprint, config.cache_dir, cache_max)


# --- on the worker --------------------------------------------------------------------------------------------

_loaded: dict[str, Matcher] = {}  # fingerprint -> the engine this worker process loaded
_stores: dict[tuple[str, int], EmbeddingStore] = {}  # (fingerprint, thread) -> its cache connection
_loading = threading.Lock()


def worker_matcher(engine: Engine) -> Matcher:
    """The engine this worker process loaded, loading it on first use (once per process, not per task)."""
    with _loading:
        if engine.fingerprint not in _loaded:
            for store in _stores.values():
                store.close()
            _loaded.clear()
            _stores.clear()
            m = engine.load()
            if m.fingerprint != engine.fingerprint:
                raise RuntimeError(
                    f"this worker's engine ({m.fingerprint}) is not the client's ({engine.fingerprint}): "
                    "every worker needs the same data/, models/ and encoder as the client"
                )
            _loaded[engine.fingerprint] = m
            freeze_loaded()  # the engine stays for the worker's life
        return _loaded[engine.fingerprint]


def worker_store(engine: Engine, m: Matcher) -> EmbeddingStore:
    """The calling thread's connection to the worker's embedding cache (SQLite connections stay in their thread)."""
    key = (engine.fingerprint, threading.get_ident())
    with _loading:
        if key not in _stores:
            _stores[key] = EmbeddingStore(m.encoder, m.model_id, engine.cache_dir, engine.cache_max)
        return _stores[key]


def score_part(engine: Engine, rows: Rows, cols: Columns, opts: BatchOptions) -> tuple[list[Record], list[int]]:
    """One chunk's records, and the worker cache's counters for it (embeddings found, encoded, results found)."""
    m = worker_matcher(engine)
    store = worker_store(engine, m)
    before = (store.hits, store.misses, store.result_hits)
    records = score_chunk(m, store, rows, cols, opts)
    return records, [store.hits - before[0], store.misses - before[1], store.result_hits - before[2]]


def warm(engine: Engine) -> str:
    return worker_matcher(engine).fingerprint


# --- on the client --------------------------------------------------------------------------------------------


@dataclass
class DaskRunner:
    """Scores chunks on a Dask cluster: `local:N` starts a LocalCluster of N single-threaded worker processes on
    this machine; any other address (`tcp://HOST:8786`) joins a running cluster's scheduler."""

    scheduler: str
    engine: Engine
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])  # as in `score_part`, summed over the run
    _client: Any = None
    _cluster: Any = None

    def __enter__(self) -> DaskRunner:
        # Found, not imported: importing it takes 0.2 s, which a re-run the result cache answers never needs.
        if importlib.util.find_spec("distributed") is None:
            raise RuntimeError("scoring on Dask needs the dask extra: pip install 'park-matcher[dask]'")
        return self

    def start(self) -> None:
        """Connect to the cluster (starting a local one) and have every worker load the engine, all at once, and
        prove it is the client's. Called on the first chunk, so that a run with nothing to score (every row found
        in the client's result cache) starts nothing."""
        if self._client is not None:
            return
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set(CLIENT_CONFIG):
            if self.scheduler.startswith(LOCAL):
                n = parse_local(self.scheduler)
                with dask.config.set(LOCAL_CONFIG):
                    self._cluster = LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address="127.0.0.1:0",  # a free port: other clusters on the machine keep theirs
                        silence_logs=40,
                    )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler)
        self._client.run(warm, self.engine)

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    @property
    def started(self) -> bool:
        return self._client is not None

    @property
    def workers(self) -> int:
        self.start()
        return max(1, len(self._client.scheduler_info(n_workers=-1)["workers"]))

    def __call__(self, parts: Iterable[Rows], cols: Columns, opts: BatchOptions) -> Iterator[list[Record]]:
        """Each chunk's records as it completes, keeping a few chunks per worker queued. `parts` is drawn from only
        as chunks are shipped; the cluster starts with the first."""
        pending = iter(parts)
        first = _take(pending, 1)
        if not first:
            return
        from distributed import as_completed

        self.start()
        client = self._client

        def submit(part: Rows) -> Any:
            return client.submit(score_part, self.engine, part, cols, opts, pure=False)

        queue = as_completed([submit(p) for p in first + _take(pending, IN_FLIGHT * self.workers - 1)])
        for fut in queue:
            records, counts = fut.result()
            fut.release()
            self.counts = [a + b for a, b in zip(self.counts, counts, strict=True)]
            for part in _take(pending, 1):
                queue.add(submit(part))
            yield records


def parse_local(scheduler: str) -> int:
    """N from `local:N`, or ValueError saying what is expected."""
    n = scheduler.removeprefix(LOCAL)
    if not n.isdigit() or int(n) < 1:
        raise ValueError(f"--scheduler {scheduler!r}: expected local:N with N ≥ 1 workers, or tcp://HOST:PORT")
    return int(n)


def _take(it: Iterator[Rows], n: int) -> list[Rows]:
    out = []
    for _ in range(n):
        part = next(it, None)
        if part is None:
            break
        out.append(part)
    return out
