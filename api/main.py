"""The FastAPI application: built by `create_app(settings)`; `matcher serve` runs it with uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from matcher import __version__
from matcher.config import MatcherConfig
from matcher.engine import Matcher

from . import errors, openapi
from .batches import BatchWorker
from .config import Settings
from .db.session import make_engine, migrate, session_factory
from .health import Health
from .leader import Leader, one_at_a_time
from .middleware import AccessLog, BodyLimit
from .routes import batches, library, meta, page, parks, places, prospects, ranking, shortlist, whoami
from .routes.batches import upload_limits

PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, matcher: Matcher | None = None) -> FastAPI:
    """`matcher` may be passed in (tests share one); otherwise it is loaded once at start-up."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
        # With several server processes (`matcher serve --workers N`) one of them runs the jobs: the others only
        # queue them, and the runner picks them up within its polling interval.
        leader = Leader(settings.var_dir / "batch-worker.lock")
        if leader.held:
            app.state.batch_worker.start()
        yield
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
    errors.install(app)
    openapi.install(app)
    routers = (ranking.router, shortlist.router, parks.router, places.router, library.router, prospects.router)
    for r in (*routers, batches.router, meta.router, whoami.router, page.router):
        app.include_router(r, prefix=PREFIX)
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
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, larger={f"{PREFIX}/batches": settings.max_upload_bytes}
    )
    app.add_middleware(AccessLog)
    logging.getLogger("api.access").setLevel(logging.INFO)
    return app
