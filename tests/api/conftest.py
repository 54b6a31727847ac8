"""API fixtures: one real engine for the session; each test gets a fresh database, SQLite and (when
TEST_DATABASE_URL is set, as in CI) PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.config import Settings
from api.db.repository import create_key
from api.main import create_app
from matcher import Matcher

PG = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG, reason="TEST_DATABASE_URL unset"))]


@pytest.fixture(scope="session")
def engine_matcher(real_matcher: Matcher) -> Matcher:
    return real_matcher


def reset_postgres(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    assert PG
    reset_postgres(PG)
    return PG


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, var_dir=tmp_path / "var")


@pytest.fixture
def client(settings: Settings, engine_matcher: Matcher) -> Iterator[TestClient]:
    with TestClient(create_app(settings, matcher=engine_matcher), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keys(client: TestClient) -> dict[str, str]:
    """A key of each role, created through the repository the CLI uses."""
    out = {}
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        for role in ("viewer", "editor", "admin"):
            _, token = create_key(session=s, name=f"test {role}", role=role)  # type: ignore[arg-type]
            out[role] = token
    return out
