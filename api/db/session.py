"""Engine and session factory; migrations applied with Alembic on start, one process at a time."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
LOCK_KEY = 0x6D61_7463_6865_72  # "matcher": the PostgreSQL advisory lock that serialises migrations


def sqlite_file(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def ensure_folder(url: str) -> None:
    """An SQLite file's folder is created on first use."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    ensure_folder(url)
    if url.startswith("sqlite:///"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _pragmas(conn, _):  # type: ignore[no-untyped-def]
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return eng
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # released when the file closes, also when the process dies
        yield


@contextmanager
def advisory_lock(conn: Connection) -> Iterator[None]:
    """A session-level lock held across the migration's own transactions."""
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
    conn.commit()
    try:
        yield
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        conn.commit()


def migrate(url: str) -> None:
    """Bring the database to the newest schema (idempotent). Processes that start together take turns: behind a
    lock file beside an SQLite database, or a PostgreSQL advisory lock; the later ones then find nothing to do."""
    ensure_folder(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    path = sqlite_file(url)
    if path is not None:
        with file_lock(path.with_name(path.name + ".migrate-lock")):
            command.upgrade(cfg, "head")
        return
    if url.startswith("postgresql"):
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn, advisory_lock(conn):
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
        finally:
            engine.dispose()
        return
    command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker:  # type: ignore[type-arg]
    return sessionmaker(engine, expire_on_commit=False)
