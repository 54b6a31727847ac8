"""Lists scored on Dask workers come out as the single process writes them, row for row, with the fake encoder:
when all goes well, when a worker is killed mid-chunk, and when the client is killed and the run started again."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.batch.distributed import CLIENT_CONFIG, DaskRunner, Engine, parse_local
from matcher.batch.job import prepare_file, score_file
from matcher.batch.run import CHUNK, BatchOptions
from matcher.batch.synth import descriptions, write_csv
from matcher.engine import Matcher
from matcher.kb import KnowledgeBase
from tests.fakes import fake_matcher

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
OPTS = BatchOptions(top=2)
PAUSE = 0.25  # seconds per encoder call in the kill tests: a chunk of 256 rows takes at least a second


@pytest.fixture(scope="module")
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the fake engine's profile index is cached, so that each worker builds it from the cache."""
    return str(tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="module")
def rows(real_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A list of five chunks and a bit, with a few rows that cannot be scored."""
    src = tmp_path_factory.mktemp("list") / "list.csv"
    data = descriptions(real_kb.taxonomy, 5 * CHUNK + 40, seed=3)
    data[7] = ("空描述", "")
    data[900] = ("空白", "   ")
    write_csv(src, data, encoding="gbk")
    return src


def score(m: Matcher, src: Path, out: Path, runner: DaskRunner | None = None, **kw: object) -> tuple[bytes, bytes]:
    errors = out.with_name(out.stem + ".errors.csv")
    score_file(m, src, prepare_file(src, {}), out, errors, OPTS, out.parent / "cache", runner=runner, **kw)  # type: ignore[arg-type]
    return out.read_bytes(), errors.read_bytes()


@pytest.fixture(scope="module")
def single(rows: Path, index_cache: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """The single process's output and errors files."""
    return score(fake_matcher(cache_dir=index_cache), rows, tmp_path_factory.mktemp("single") / "out.csv")


@pytest.fixture(scope="module")
def slow_runner(index_cache: str, single: tuple[bytes, bytes]) -> Iterator[tuple[DaskRunner, Matcher]]:
    """Two single-threaded workers that load the (slowed) fake engine once each; no row cache, so that every
    run scores every row."""
    m = fake_matcher(cache_dir=index_cache)
    engine = Engine(functools.partial(fake_matcher, PAUSE, index_cache), m.fingerprint)
    with DaskRunner("local:2", engine) as runner:
        runner.start()
        yield runner, m


def test_the_workers_write_what_the_single_process_writes(
    slow_runner: tuple[DaskRunner, Matcher], rows: Path, single: tuple[bytes, bytes], tmp_path: Path
) -> None:
    runner, m = slow_runner
    out, errors = score(m, rows, tmp_path / "out.csv", runner)
    assert (out, errors) == single
    assert out.count(b"\n") == 5 * CHUNK + 40 - 2 + 1 and errors.count(b"\n") == 2 + 1
    assert runner.counts[1] > 0  # the workers encoded (the client's engine did not score)
    assert not (tmp_path / "out.csv.partial.jsonl").exists()


def test_no_connection_keeps_a_log_of_every_chunk_it_carried(
    slow_runner: tuple[DaskRunner, Matcher], rows: Path, tmp_path: Path
) -> None:
    """Dask logs the last messages of each connection for its developers (1,000 by default); every chunk's rows
    went into two such logs, which held up to half a million rows of a long list in the client's process."""
    runner, m = slow_runner
    score(m, rows, tmp_path / "out.csv", runner)
    scheduler = runner._cluster.scheduler
    comms = [runner._client.scheduler_comm, *scheduler.stream_comms.values(), *scheduler.client_comms.values()]
    assert len(comms) == 4  # client → scheduler, scheduler → each worker, scheduler → client
    assert all(c.recent_message_log.maxlen == CLIENT_CONFIG["distributed.admin.low-level-log-length"] for c in comms)


def test_a_rerun_the_cache_answers_starts_no_cluster(
    rows: Path, index_cache: str, single: tuple[bytes, bytes], tmp_path: Path
) -> None:
    m = fake_matcher(cache_dir=index_cache)
    assert score(m, rows, tmp_path / "first.csv") == single  # fills tmp_path/cache with every row's result
    engine = Engine(functools.partial(fake_matcher, PAUSE, index_cache), m.fingerprint)
    with DaskRunner("local:1", engine) as runner:
        assert score(m, rows, tmp_path / "again.csv", runner) == single
        assert not runner.started and runner.counts == [0, 0, 0]


def test_a_partly_cached_list_ships_only_the_rest(
    rows: Path, index_cache: str, single: tuple[bytes, bytes], real_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """The first 300 descriptions were scored before (another list): the workers get the other rows only, and the
    files are still the single process's."""
    m = fake_matcher(cache_dir=index_cache)
    head = tmp_path / "head.csv"
    data = descriptions(real_kb.taxonomy, 5 * CHUNK + 40, seed=3)
    write_csv(head, data[:300], encoding="gbk")
    score(m, head, tmp_path / "head-out.csv")  # fills tmp_path/cache with those rows' results
    engine = Engine(functools.partial(fake_matcher, 0.0, index_cache), m.fingerprint)
    with DaskRunner("local:1", engine) as runner:
        assert score(m, rows, tmp_path / "out.csv", runner) == single
    cached = {t for _, t in data[:300]}
    shipped = [
        {t for k, (_, t) in enumerate(data) if k // CHUNK == c and k != 900 and t not in cached}
        for c in range(len(data) // CHUNK + 1)
    ]
    # The workers (no cache of their own) encoded each chunk's descriptions that were not cached, and nothing else.
    assert runner.counts[1] == sum(map(len, shipped)) < len(data) - 300


def _malloc_setting() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_local_workers_keep_glibcs_own_malloc_settings(slow_runner: tuple[DaskRunner, Matcher]) -> None:
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which pins glibc's mmap threshold and cost the
    batch about 11 s of system time per 10,000 rows; a LocalCluster of ours leaves it unset."""
    runner, _ = slow_runner
    assert set(runner._client.run(_malloc_setting).values()) == {None}


def test_a_worker_killed_mid_chunk_loses_nothing(
    slow_runner: tuple[DaskRunner, Matcher], rows: Path, single: tuple[bytes, bytes], tmp_path: Path
) -> None:
    runner, m = slow_runner
    client = runner._client
    pids = client.run(os.getpid)
    killed: list[int] = []

    def progress(n: int) -> None:
        # After the first chunk a worker scored (the client answers the two unreadable rows itself, first): kill a
        # worker that is scoring another.
        if n > 2 and not killed:
            busy = [w for w, tasks in client.processing().items() if tasks]
            assert busy, "no worker was busy"
            killed.append(pids[busy[0]])
            os.kill(killed[0], signal.SIGKILL)

    out, errors = score(m, rows, tmp_path / "out.csv", runner, progress=progress)
    assert killed and killed[0] not in client.run(os.getpid).values()  # the nanny started a new worker
    assert (out, errors) == single


JOB = """
import functools, sys, time
from pathlib import Path
from matcher.batch.distributed import DaskRunner, Engine
from matcher.batch.job import prepare_file, score_file
from matcher.batch.run import BatchOptions
from tests.fakes import fake_matcher

src, out, index, pause = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])
m = fake_matcher(cache_dir=index)
engine = Engine(functools.partial(fake_matcher, pause, index), m.fingerprint, out.parent / "wcache")
with DaskRunner("local:1", engine) as runner:
    res = score_file(m, src, prepare_file(src, {}), out, out.with_name("out.errors.csv"), BatchOptions(top=2),
                     out.parent / "cache", runner=runner,
                     on_start=lambda r: print(f"resuming: {r}", file=sys.stderr, flush=True))
print(f"done {res.scored} {res.errors} resumed {res.resumed}", file=sys.stderr)
"""


def test_a_killed_client_resumes(rows: Path, index_cache: str, single: tuple[bytes, bytes], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    ckpt = out.with_name(out.name + ".partial.jsonl")
    cmd = [sys.executable, "-c", JOB, str(rows), str(out), index_cache]
    proc = subprocess.Popen([*cmd, str(PAUSE)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if ckpt.exists() and ckpt.read_text(encoding="utf-8").count("\n") > CHUNK:  # a chunk is in
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "finished before the kill"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = ckpt.read_text(encoding="utf-8").count("\n") - 1
    assert CHUNK <= done_before < 5 * CHUNK + 40 and not out.exists()

    res = subprocess.run([*cmd, "0"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"resuming: {done_before}" in res.stderr
    assert (out.read_bytes(), out.with_name("out.errors.csv").read_bytes()) == single


def test_scheduler_addresses_are_checked() -> None:
    assert parse_local("local:3") == 3
    for bad in ("local:0", "local:", "local:two"):
        with pytest.raises(ValueError, match="expected local:N"):
            parse_local(bad)
