"""The extraction worker: one thread per server process takes queued uploads, each claimed atomically so that
one process runs it, and stores the proposals for review. On start it takes up jobs a stopped server left."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from matcher.engine import Matcher
from matcher.kb.extract import ExtractError, Extraction, ExtractOptions, Extractor, read_bytes, staging_item

from .db.kb import KbIngest, KbProposal
from .kb_live import LiveKB

log = logging.getLogger("api.kb_jobs")
MIN_PROGRESS_STEP = 0.05  # progress is written when it moved this much (a row update per stage, not per unit)


def ingest_dir(var_dir: Path, ingest_id: str) -> Path:
    return var_dir / "kb_ingests" / ingest_id


def input_file(var_dir: Path, ingest: KbIngest) -> Path:
    return ingest_dir(var_dir, ingest.id) / ("input" + Path(ingest.filename).suffix.lower())


METADATA = ("title", "title_en", "short_zh", "short_en", "issuer", "doc_number", "issued", "level", "location")


def manifest_of(ex: Extraction, metadata: dict[str, Any]) -> dict[str, Any]:
    """The proposed manifest entry with what the uploader stated put over what the machine read."""
    entry: dict[str, Any] = dict(ex.to_dict()["manifest"])
    entry["no_measures"] = {s.section: s.reason for s in ex.skipped}
    for k in METADATA:
        if metadata.get(k) not in (None, ""):
            entry[k] = metadata[k]
    if metadata.get("period"):
        entry["period"] = metadata["period"]
    return entry


def proposal_rows(ingest_id: str, ex: Extraction) -> list[KbProposal]:
    rows = []
    for p in sorted(ex.proposals, key=lambda p: p.start):
        item = staging_item(p)
        review = item.pop("review")
        rows.append(
            KbProposal(
                ingest_id=ingest_id,
                status="pending",
                item=item,
                start=p.start,
                end=p.end,
                confidence=review["confidence"],
                notes=review["notes"],
                place=review["location"],
                edited=False,
            )
        )
    return rows


class IngestWorker:
    def __init__(self, sessions: sessionmaker[Session], live: LiveKB, var_dir: Path):
        self.sessions, self.live, self.var_dir = sessions, live, var_dir
        self._extractors: dict[str, Extractor] = {}  # knowledge-base hash -> extractor trained on it
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kb-ingest-worker", daemon=True)

    def start(self) -> None:
        with self.sessions() as s:
            s.execute(
                update(KbIngest)
                .where(KbIngest.status == "running")
                .values(status="queued", message="taken up again after a restart")
            )
            s.commit()
        self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=60)

    def notify(self) -> None:
        self._wake.set()

    def claim(self) -> str | None:
        """The oldest queued job, marked running by this process only (the update counts the rows it took)."""
        with self.sessions() as s:
            for job_id in s.scalars(
                select(KbIngest.id).where(KbIngest.status == "queued").order_by(KbIngest.created_at).limit(5)
            ):
                took = s.execute(
                    update(KbIngest)
                    .where(KbIngest.id == job_id, KbIngest.status == "queued")
                    .values(status="running", stage="train", progress=0.0)
                )
                s.commit()
                if getattr(took, "rowcount", 0) == 1:
                    return str(job_id)
        return None

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = self.claim()
            if job_id is None:
                self._wake.wait(timeout=5)
                self._wake.clear()
                continue
            self.run(job_id)

    def extractor(self, matcher: Matcher) -> Extractor:
        """Trained once per knowledge-base version, with the encoder the service matches with."""
        kb = matcher.kb
        if kb.content_hash not in self._extractors:
            self._extractors = {kb.content_hash: Extractor(kb, encoder=matcher.encoder)}
        return self._extractors[kb.content_hash]

    def _progress(self, job_id: str) -> Any:
        last = {"at": -1.0}

        def report(stage: str, done: float) -> None:
            if done - last["at"] < MIN_PROGRESS_STEP and done < 1.0:
                return
            last["at"] = done
            with self.sessions() as s:
                s.execute(update(KbIngest).where(KbIngest.id == job_id).values(stage=stage, progress=round(done, 3)))
                s.commit()

        return report

    def run(self, job_id: str) -> None:
        with self.sessions() as s:
            job = s.get(KbIngest, job_id)
            assert job is not None
            path, doc_id, filename = input_file(self.var_dir, job), job.doc_id, job.filename
            options: dict[str, Any] = dict(job.options)
        t0 = time.perf_counter()
        report = self._progress(job_id)
        try:
            report("train", 0.02)
            extractor = self.extractor(self.live.current())  # the newest, should another process have changed it
            doc = read_bytes(path.read_bytes(), filename)
            opts = ExtractOptions(doc_id=doc_id, allow_unnumbered=bool(options.get("allow_unnumbered")))
            ex = extractor.run(doc, filename, opts, lambda stage, done: report(stage, 0.1 + 0.85 * done))
            with self.sessions() as s:
                job = s.get(KbIngest, job_id)
                assert job is not None
                job.text = ex.text
                job.manifest = manifest_of(ex, options.get("metadata") or {})
                job.manifest_confidence = ex.manifest.confidences()
                plain = ex.to_dict()
                job.extraction = {k: plain[k] for k in ("format", "skipped", "gaps", "notes", "trained_on")}
                job.extraction["seconds"] = round(time.perf_counter() - t0, 1)
                s.add_all(proposal_rows(job_id, ex))
                job.status, job.stage, job.progress = "review", "done", 1.0
                job.message = f"{len(ex.proposals)} proposals to review"
                s.commit()
        except ExtractError as err:  # the document cannot be used: say why, in the uploader's terms
            self._fail(job_id, err.code, str(err))
        except Exception as exc:  # a job fails alone; the worker goes on with the next
            log.error("extraction %s failed: %s", job_id, type(exc).__name__)
            self._fail(job_id, "extraction_failed", f"extraction failed ({type(exc).__name__}); the file is kept")

    def _fail(self, job_id: str, code: str, message: str) -> None:
        with self.sessions() as s:
            job = s.get(KbIngest, job_id)
            if job is not None:
                job.status, job.code, job.message = "failed", code, message[:2000]
                s.commit()
