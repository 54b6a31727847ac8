"""The batch worker: one thread per process runs queued jobs in order; on start it resumes interrupted ones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matcher.batch.job import prepare_file, score_file
from matcher.batch.run import BatchOptions
from matcher.engine import Matcher

from .db.models import BatchJob

log = logging.getLogger("api.batches")
FORMATS = ("csv", "xlsx", "jsonl")


def job_dir(var_dir: Path, job_id: str) -> Path:
    return var_dir / "batches" / job_id


def input_file(var_dir: Path, job: BatchJob) -> Path:
    return job_dir(var_dir, job.id) / ("input" + Path(job.filename).suffix.lower())


def output_file(var_dir: Path, job: BatchJob) -> Path:
    return job_dir(var_dir, job.id) / f"result.{job.options['format']}"


def errors_file(var_dir: Path, job: BatchJob) -> Path:
    return job_dir(var_dir, job.id) / "errors.csv"


class BatchWorker:
    def __init__(
        self, sessions: sessionmaker[Session], matcher: Matcher, var_dir: Path, cache_dir: Path, cache_max: int
    ):
        self.sessions, self.matcher, self.var_dir, self.cache_dir = sessions, matcher, var_dir, cache_dir
        self.cache_max = cache_max
        self.current: Callable[[], Matcher] | None = None  # the newest knowledge base's engine, checked per job
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="batch-worker", daemon=True)

    def start(self) -> None:
        with self.sessions() as s:  # a job that was running when the server stopped is taken up again
            for job in s.scalars(select(BatchJob).where(BatchJob.status == "running")):
                job.status = "queued"
                job.message = "resumed after a restart"
            s.commit()
        self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def notify(self) -> None:
        self._wake.set()

    def _next(self) -> str | None:
        with self.sessions() as s:
            job = s.scalars(select(BatchJob).where(BatchJob.status == "queued").order_by(BatchJob.created_at)).first()
            if job is None:
                return None
            job.status = "running"
            s.commit()
            return job.id

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = self._next()
            if job_id is None:
                self._wake.wait(timeout=5)
                self._wake.clear()
                continue
            self.run(job_id)

    def run(self, job_id: str) -> None:
        with self.sessions() as s:
            job = s.get(BatchJob, job_id)
            assert job is not None
            opts: dict[str, Any] = dict(job.options)
            src, out, err = (
                input_file(self.var_dir, job),
                output_file(self.var_dir, job),
                errors_file(self.var_dir, job),
            )
        try:
            prepared = prepare_file(src, opts.get("columns", {}))
            done = {"n": 0}

            def progress(n: int) -> None:
                done["n"] += n
                with self.sessions() as s2:
                    j = s2.get(BatchJob, job_id)
                    if j is not None:
                        j.done_rows, j.total_rows = done["n"], prepared.total
                        s2.commit()

            bo = BatchOptions(top=opts["top"], location=opts.get("location"), preset=opts.get("preset"))
            matcher = self.current() if self.current is not None else self.matcher
            res = score_file(matcher, src, prepared, out, err, bo, self.cache_dir, progress, cache_max=self.cache_max)
            with self.sessions() as s:
                job = s.get(BatchJob, job_id)
                assert job is not None
                job.status, job.total_rows, job.done_rows = "done", res.total, res.total
                job.scored_rows, job.error_rows = res.scored, res.errors
                s.commit()
        except Exception as exc:  # a job fails alone; the worker goes on with the next
            log.error("batch job %s failed: %s", job_id, type(exc).__name__)
            with self.sessions() as s:
                job = s.get(BatchJob, job_id)
                if job is not None:
                    job.status, job.message = "failed", f"{type(exc).__name__}: {exc}"[:2000]
                    s.commit()
