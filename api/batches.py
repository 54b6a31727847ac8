"""The batch worker: one thread per process claims queued jobs atomically and runs them in order."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from matcher.batch.apart import Apart, Stopped
from matcher.batch.checkpoint import Records
from matcher.batch.job import Prepared, prepare_file, score_file, write_results
from matcher.batch.read import InputError, Limits, Table
from matcher.batch.run import BatchOptions
from matcher.engine import Matcher

from .db.models import BatchJob, now
from .health import Health

log = logging.getLogger("api.batches")
FORMATS = ("csv", "xlsx", "jsonl")
LEASE = dt.timedelta(minutes=10)  # a running job on another host with no progress for this long is taken over
RECLAIM_EVERY = 60.0  # seconds between looks for jobs whose process died
CANDIDATES = 8  # queued jobs read per claim; a claim lost to another worker tries the next
STOP_WAIT = 30.0  # seconds a shutdown waits for the running job to reach the end of a chunk
BOOT = uuid.uuid4().hex[:12]  # tells this process from an earlier one that had the same pid
WORKERS = itertools.count(1)


def job_dir(var_dir: Path, job_id: str) -> Path:
    return var_dir / "batches" / job_id


def input_file(var_dir: Path, job: BatchJob) -> Path:
    return job_dir(var_dir, job.id) / ("input" + Path(job.filename).suffix.lower())


def output_file(var_dir: Path, job: BatchJob) -> Path:
    return job_dir(var_dir, job.id) / f"result.{job.options['format']}"


def errors_file(var_dir: Path, job: BatchJob) -> Path:
    return job_dir(var_dir, job.id) / "errors.csv"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


class Interrupted(Exception):
    """The server is stopping: the job goes back to the queue."""


class BatchWorker:
    """A job is claimed with one conditional UPDATE, so two processes never run the same one; a job left running by
    a process that died is queued again and resumes from its checkpoint."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        matcher: Matcher,
        var_dir: Path,
        cache_dir: Path,
        cache_max: int,
        limits: Limits | None = None,
        health: Health | None = None,
    ):
        self.sessions, self.matcher, self.var_dir, self.cache_dir = sessions, matcher, var_dir, cache_dir
        self.cache_max, self.limits, self.health = cache_max, limits or Limits(), health or Health()
        self.me = f"{socket.gethostname()}:{os.getpid()}:{BOOT}.{next(WORKERS)}"[-120:]
        self.current: Callable[[], Matcher] | None = None  # the newest knowledge base's engine, checked per job
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="batch-worker", daemon=True)
        self._apart = Apart()  # reading and writing a list run in a child process (matcher/batch/apart.py)

    def read(self, src: Path, columns: dict[str, str | None], name: str) -> Prepared:
        """The list read in a child process, which sends back the kept rows' file and the rest of the table, or
        the reason it could not read it."""
        try:
            return self._apart(prepare_file, src, columns, name, self.limits)
        except Stopped:  # by `stop`: the job goes back to the queue
            raise Interrupted from None

    def write(self, output: Path, errors: Path, records: Records, opts: BatchOptions, table: Table) -> tuple[int, int]:
        """The result and errors files written in a child process: rows scored and rows refused."""
        try:
            return self._apart(write_results, output, errors, records, opts, table)
        except Stopped:
            raise Interrupted from None

    def start(self) -> None:
        self.reclaim()
        self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """A running job stops after its current chunk and is queued again for any worker (it resumes from its
        checkpoint); so does a job whose list is still being read or its result written (that process is stopped
        at once)."""
        self._stop.set()
        self._wake.set()
        self._apart.stop()  # a list being read or written: the job is run again by whichever worker takes it
        if self._thread.is_alive():
            self._thread.join(timeout=STOP_WAIT)

    def alive(self) -> bool:
        return self._thread.is_alive() or self._stop.is_set()

    def notify(self) -> None:
        self._wake.set()

    @staticmethod
    def abandoned(job: BatchJob) -> bool:
        """Left running by a process that is gone: on this host, its pid is dead or belongs to a later process;
        anywhere, it has reported no progress for LEASE. A job from before workers were named counts as left."""
        if job.worker is None or now() - job.updated_at > LEASE:
            return True
        host, pid, boot = (job.worker.rsplit(":", 2) + ["", ""])[:3]
        if host != socket.gethostname() or not pid.isdigit():
            return False
        if int(pid) == os.getpid():
            return boot.split(".")[0] != BOOT
        return not process_alive(int(pid))

    def reclaim(self) -> int:
        """Queue again the jobs whose process died; each with a conditional UPDATE, so only one worker does it."""
        n = 0
        with self.sessions() as s:
            for job in s.scalars(select(BatchJob).where(BatchJob.status == "running")).all():
                if not self.abandoned(job):
                    continue
                owner = BatchJob.worker.is_(None) if job.worker is None else BatchJob.worker == job.worker
                res = s.execute(
                    update(BatchJob)
                    .where(BatchJob.id == job.id, BatchJob.status == "running", owner)
                    .values(status="queued", worker=None, message="resumed after a restart", updated_at=now())
                    .execution_options(synchronize_session=False)
                )
                s.commit()
                n += res.rowcount  # type: ignore[attr-defined]
        return n

    def claim(self) -> str | None:
        """The oldest queued job, now running here. The UPDATE only succeeds while the job is still queued, so of two
        workers that read the same queue, one gets the job and the other moves on to the next."""
        with self.sessions() as s:
            q = select(BatchJob.id).where(BatchJob.status == "queued").order_by(BatchJob.created_at, BatchJob.id)
            candidates = s.scalars(q.limit(CANDIDATES)).all()
            s.rollback()  # end the read, so that each claim below sees the latest state
            for job_id in candidates:
                res = s.execute(
                    update(BatchJob)
                    .where(BatchJob.id == job_id, BatchJob.status == "queued")
                    .values(status="running", worker=self.me, updated_at=now())
                    .execution_options(synchronize_session=False)
                )
                s.commit()
                if res.rowcount == 1:  # type: ignore[attr-defined]
                    return job_id
        return None

    def _loop(self) -> None:
        next_reclaim = time.monotonic() + RECLAIM_EVERY
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_reclaim:
                    self.reclaim()
                    next_reclaim = time.monotonic() + RECLAIM_EVERY
                job_id = self.claim()
            except Exception as exc:  # the database is away: say so, wait, try again
                log.error("batch worker cannot reach the database: %s", type(exc).__name__)
                self._wake.wait(timeout=5)
                continue
            if job_id is None:
                self._wake.wait(timeout=5)
                self._wake.clear()
                continue
            self.run(job_id)

    def _mine(self, s: Session, job_id: str) -> BatchJob | None:
        """The job while this worker holds it (not if another took it over meanwhile)."""
        return s.scalar(select(BatchJob).where(BatchJob.id == job_id, BatchJob.worker == self.me))

    def run(self, job_id: str) -> None:
        with self.sessions() as s:
            job = s.get(BatchJob, job_id)
            assert job is not None
            opts: dict[str, Any] = dict(job.options)
            name = job.filename
            src, out, err = (
                input_file(self.var_dir, job),
                output_file(self.var_dir, job),
                errors_file(self.var_dir, job),
            )
        prepared: Prepared | None = None
        try:
            prepared = self.read(src, opts.get("columns", {}), name)
            done = {"n": 0}

            def progress(n: int) -> None:
                if self._stop.is_set():
                    raise Interrupted
                done["n"] += n
                with self.sessions() as s2:
                    j = self._mine(s2, job_id)
                    if j is not None:
                        j.done_rows, j.total_rows = done["n"], prepared.total
                        s2.commit()

            bo = BatchOptions(top=opts["top"], location=opts.get("location"), preset=opts.get("preset"))
            matcher = self.current() if self.current is not None else self.matcher
            res = score_file(
                matcher,
                src,
                prepared,
                out,
                err,
                bo,
                self.cache_dir,
                progress,
                cache_max=self.cache_max,
                write=self.write,
            )
            with self.sessions() as s:
                job = self._mine(s, job_id)
                if job is not None:
                    job.status, job.total_rows, job.done_rows = "done", res.total, res.total
                    job.scored_rows, job.error_rows = res.scored, res.errors
                    s.commit()
        except Interrupted:
            with self.sessions() as s:
                s.execute(
                    update(BatchJob)
                    .where(BatchJob.id == job_id, BatchJob.worker == self.me, BatchJob.status == "running")
                    .values(status="queued", worker=None, message="resumed after a restart")
                )
                s.commit()
        except Exception as exc:  # a job fails alone; the worker goes on with the next
            if isinstance(exc, MemoryError):
                self.health.failed("engine", exc)
            message = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
            log.error("batch job %s failed: %s", job_id, type(exc).__name__)
            with self.sessions() as s:
                job = self._mine(s, job_id)
                if job is not None:
                    job.status, job.message = "failed", message[:2000]
                    s.commit()
        finally:
            if prepared is not None:
                prepared.close()  # its kept rows' temporary file
