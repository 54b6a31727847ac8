"""One batch run from file to files: the function both `matcher batch` and the service's batch worker call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..engine import Matcher
from .checkpoint import Checkpoint, Records
from .columns import Columns, read_list
from .read import NO_LIMITS, Limits, Table
from .run import BatchOptions, Runner, run_batch, signature
from .store import MAX_ENTRIES, EmbeddingStore
from .write import write_errors, write_output


@dataclass
class Prepared:
    table: Table
    columns: Columns

    @property
    def total(self) -> int:
        return len(self.table.rows) + len(self.table.bad)

    def close(self) -> None:
        self.table.close()


@dataclass
class BatchResult:
    total: int
    scored: int
    errors: int
    resumed: int
    seconds: float
    encoding: str | None
    cache_hits: int
    encoded: int
    results_cached: int
    evicted: int = 0  # cache entries dropped to stay within the limit

    @property
    def rate(self) -> float:
        return (self.total - self.resumed) / self.seconds if self.seconds > 0 else 0.0


def prepare_file(
    path: Path, given: dict[str, str | None], name: str | None = None, limits: Limits = NO_LIMITS
) -> Prepared:
    """Read the list (only the columns in use) and find its columns; InputError says what is wrong with the file
    as a whole. `name` is the file name to report when `path` is a stored copy."""
    return Prepared(*read_list(path, given, name, limits))


def write_results(output: Path, errors: Path, records: Records, opts: BatchOptions, table: Table) -> tuple[int, int]:
    """The result file and the errors file: rows scored, rows refused."""
    return write_output(output, records, opts.top, opts.location, table), write_errors(errors, records, table)


def score_file(
    matcher: Matcher,
    src: Path,
    prepared: Prepared,
    output: Path,
    errors: Path,
    opts: BatchOptions,
    cache_dir: Path | None,
    progress: Callable[[int], None] = lambda n: None,
    on_start: Callable[[int], None] = lambda resumed: None,
    cache_max: int = MAX_ENTRIES,
    runner: Runner | None = None,
    write: Callable[[Path, Path, Records, BatchOptions, Table], tuple[int, int]] = write_results,
) -> BatchResult:
    """Score every row, resuming from OUTPUT.partial.jsonl when a previous run of the same job was cut short.
    `write`: how the result and errors files are written (the service writes them in a child process)."""
    ckpt = Checkpoint(output.with_name(output.name + ".partial.jsonl"), signature(src, prepared.columns, opts, matcher))
    resumed = len(ckpt.done)
    on_start(resumed)
    store = EmbeddingStore(matcher.encoder, matcher.model_id, cache_dir, cache_max)
    t0 = time.perf_counter()
    try:
        records = run_batch(
            matcher, prepared.table, prepared.columns, opts, ckpt, store, progress=progress, runner=runner
        )
    finally:
        store.close()
    seconds = time.perf_counter() - t0
    n_out, n_err = write(output, errors, records, opts, prepared.table)
    if n_out + n_err != prepared.total:
        raise RuntimeError(f"{prepared.total} rows read but {n_out} scored and {n_err} errors written")
    ckpt.close(remove=True)
    return BatchResult(
        prepared.total,
        n_out,
        n_err,
        resumed,
        seconds,
        prepared.table.encoding,
        store.hits,
        store.misses,
        store.result_hits,
        store.evicted,
    )
