"""The knowledge base the service serves, swapped without a restart when an import or a withdrawal changes it.

Every server process keeps one Matcher and the knowledge-base version it was built for. The version lives in the
database (`kb_state`), so all the processes of `matcher serve --workers N`, and any other instance on the same
database and data folder, see a change: a request compares the version (one small query) when the last comparison
is older than `check_every` seconds (`MATCHER_KB_CHECK_SECONDS`, default 1), and the first request after a change
rebuilds the Matcher once, under a lock, while requests already running finish on the old one. The process that
made the change serves it at once; the others within `check_every`.
Writers take the row's `writer` mark first, so two changes never interleave and nobody reloads half a change.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from matcher.engine import Matcher
from matcher.kb import load_kb

from .db.kb import KbState
from .db.models import now

log = logging.getLogger("api.kb")
STALE_WRITER = dt.timedelta(minutes=10)  # a writer mark this old was left by a process that died mid-change
WAIT_FOR_WRITER = 60.0  # seconds a reload waits for a change in progress to finish
RETRY_AFTER = 1.0  # seconds before a failed reload is tried again


class Busy(Exception):
    """Another import or withdrawal is changing the knowledge base."""


def build(old: Matcher, cache_dir: Path | None) -> Matcher:
    """A Matcher over the knowledge base now on disk, with the old one's encoder, parameters and sector model."""
    return Matcher(
        load_kb(old.kb.root), old.encoder, params=old.params, cache_dir=cache_dir, sector_model=old.sector_model
    )


def ensure_state(sessions: sessionmaker[Session], kb_hash: str) -> int:
    """The version row, created by the first process to start (several may race to it); its version."""
    for _ in range(3):
        with sessions() as s:
            row = s.get(KbState, 1)
            if row is not None:
                if not row.kb_hash:
                    row.kb_hash = kb_hash
                    s.commit()
                return row.version
            s.add(KbState(id=1, version=0, kb_hash=kb_hash))
            try:
                s.commit()
                return 0
            except IntegrityError:  # another process created it first
                s.rollback()
    raise RuntimeError("the knowledge-base version row could not be created")


class LiveKB:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        matcher: Matcher,
        rebuild: Callable[[Matcher], Matcher],
        on_swap: Callable[[Matcher], None] | None = None,
        check_every: float = 1.0,
    ):
        self.sessions = sessions
        self._matcher = matcher
        self._rebuild = rebuild
        self._on_swap = on_swap
        self._lock = threading.Lock()
        self._failed_at = 0.0
        self.check_every = check_every
        self._checked_at = -float("inf")
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.version = ensure_state(sessions, matcher.kb.content_hash)

    @property
    def matcher(self) -> Matcher:
        """The Matcher this process serves now, without checking for a newer version."""
        return self._matcher

    def version_now(self) -> tuple[int, str | None]:
        with self.sessions() as s:
            row = s.get(KbState, 1)
            return (row.version, row.writer) if row is not None else (0, None)

    def current(self) -> Matcher:
        """The Matcher for the newest knowledge base, rebuilt here first if another process changed it."""
        now_ = time.monotonic()
        if now_ - self._checked_at < self.check_every:
            return self._matcher
        self._checked_at = now_
        try:
            version, _ = self.version_now()
        except SQLAlchemyError as exc:  # the database is away: keep answering from the knowledge base we have
            log.error("knowledge-base version unknown (%s); serving version %s", type(exc).__name__, self.version)
            return self._matcher
        if version != self.version and time.monotonic() - self._failed_at > RETRY_AFTER:
            self._reload(version)
        return self._matcher

    def _reload(self, version: int) -> None:
        with self._lock:
            if self.version == version:  # another thread of this process did it while we waited
                return
            deadline = time.monotonic() + WAIT_FOR_WRITER
            while True:
                version, writer = self.version_now()
                if writer is None or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            try:
                fresh = self._rebuild(self._matcher)
            except Exception as exc:  # a knowledge base that does not load: keep serving the one we have
                self._failed_at = time.monotonic()
                log.error("knowledge base version %s did not load: %s", version, exc)
                return
            self._swap(fresh, version)

    def _swap(self, fresh: Matcher, version: int) -> None:
        self._matcher, self.version = fresh, version
        if self._on_swap is not None:
            self._on_swap(fresh)
        log.info("serving knowledge base %s (version %s)", fresh.kb.content_hash, version)

    @contextmanager
    def writing(self) -> Iterator[Callable[[str], int]]:
        """Hold the writer mark while the knowledge base's files change; yields `done(kb_hash) -> version`, to call
        once the files are written: it raises the version in the same transaction that clears the mark."""
        ensure_state(self.sessions, self._matcher.kb.content_hash)
        with self.sessions() as s:
            cutoff = now() - STALE_WRITER
            took = s.execute(
                update(KbState)
                .where(KbState.id == 1)
                .where((KbState.writer.is_(None)) | (KbState.writer_since < cutoff))
                .values(writer=self.me, writer_since=now())
            )
            s.commit()
            if getattr(took, "rowcount", 0) != 1:
                raise Busy("another import or withdrawal is changing the knowledge base; try again in a minute")
        result: dict[str, int] = {}

        def done(kb_hash: str) -> int:
            with self.sessions() as s2:
                row = s2.scalars(select(KbState).where(KbState.id == 1)).one()
                row.version += 1
                row.kb_hash = kb_hash
                row.writer, row.writer_since = None, None
                s2.commit()
                result["version"] = row.version
                return row.version

        try:
            yield done
        finally:
            if "version" not in result:  # the change was refused or failed: free the mark, version unchanged
                with self.sessions() as s3:
                    s3.execute(update(KbState).where(KbState.id == 1, KbState.writer == self.me).values(writer=None))
                    s3.commit()

    def adopt(self, fresh: Matcher, version: int) -> None:
        """Serve `fresh`, built by this process for `version` right after its own change."""
        with self._lock:
            self._swap(fresh, version)
