"""The FastAPI application: built by `create_app(settings)`; `matcher serve` runs it with uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from matcher import __version__
from matcher.config import MatcherConfig
from matcher.engine import Matcher, freeze_loaded

from . import errors, openapi
from .batches import BatchWorker
from .batching import MatchBatcher
from .config import Settings
from .db.session import make_engine, migrate, session_factory
from .health import Health
from .kb_jobs import IngestWorker
from .kb_live import LiveKB, build
from .leader import Leader, one_at_a_time
from .middleware import AccessLog, BodyLimit
from .routes import (
    batches,
    kb_changes,
    kb_documents,
    kb_pages,
    kb_proposals,
    library,
    meta,
    page,
    parks,
    places,
    prospects,
    ranking,
    shortlist,
    whoami,
)
from .routes.batches import upload_limits

PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, matcher: Matcher | None = None) -> FastAPI:
    """`matcher` may be passed in (tests share one); otherwise it is loaded once at start-up."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints and dependencies run on this many threads at once (api/deps.py says why).
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if settings.migrate_on_start:
            with one_at_a_time(settings.var_dir / "migrate.lock"):  # `serve --workers N` starts N at once
                migrate(settings.db_url)
        engine = make_engine(settings.db_url)
        app.state.sessions = session_factory(engine)
        app.state.matcher = matcher or Matcher.load(
            MatcherConfig(data_dir=settings.data_dir, cache_dir=settings.cache_dir, encoder=settings.encoder)
        )
        app.state.batch_worker = BatchWorker(
            app.state.sessions,
            app.state.matcher,
            settings.var_dir,
            settings.cache_dir,
            settings.cache_max_entries,
            upload_limits(settings),
            app.state.health,
        )
        # The served knowledge base follows imports and withdrawals made by any process (api/kb_live.py).
        app.state.rebuild = lambda old: build(old, settings.cache_dir)
        app.state.kb_live = LiveKB(
            app.state.sessions,
            app.state.matcher,
            app.state.rebuild,
            on_swap=_follow(app),
            check_every=settings.kb_check_seconds,
        )
        app.state.batch_worker.current = app.state.kb_live.current
        app.state.ingest_worker = IngestWorker(app.state.sessions, app.state.kb_live, settings.var_dir)
        # With several server processes (`matcher serve --workers N`) one of them runs the batch jobs: the others
        # only queue them, and the runner picks them up within its polling interval. Extraction jobs are claimed
        # atomically, so every process may run them.
        leader = app.state.leader = Leader(settings.var_dir / "batch-worker.lock")
        if leader.held:
            app.state.batch_worker.start()
        app.state.ingest_worker.start()
        freeze_loaded()  # what start-up loaded lives as long as the process
        yield
        app.state.ingest_worker.stop()
        if leader.held:
            app.state.batch_worker.stop()
        leader.release()
        engine.dispose()

    app = FastAPI(
        title="Guangdong biomedicine park matcher",
        version=__version__,
        description="Ranked, explained shortlists of Guangdong biomedicine locations for a prospect company, "
        "with verbatim policy evidence.",
        lifespan=lifespan,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.health = Health()
    app.state.match_batcher = MatchBatcher(ranking.render)
    errors.install(app)
    openapi.install(app)
    routers = (ranking.router, shortlist.router, parks.router, places.router, library.router, prospects.router)
    kb = (kb_documents.router, kb_proposals.router, kb_changes.router)
    for r in (*routers, batches.router, *kb, meta.router, whoami.router, page.router):
        app.include_router(r, prefix=PREFIX)
    app.include_router(kb_pages.page)
    app.include_router(page.page)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag"],
        )
    # A policy document over the extractor's limit (20 MB) still reaches it, so that its size is named in the
    # refusal; it is read into memory, so its bound does not follow the company lists' (which go to disk).
    uploads = {
        f"{PREFIX}/batches": settings.max_upload_bytes,
        f"{PREFIX}/kb/documents": 64 << 20,
    }
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, larger=uploads)
    app.add_middleware(AccessLog)
    logging.getLogger("api.access").setLevel(logging.INFO)
    return app


def _follow(app: FastAPI) -> Callable[[Matcher], None]:
    def swap(fresh: Matcher) -> None:
        app.state.matcher = fresh

    return swap
