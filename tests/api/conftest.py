"""API fixtures: one real engine for the session. `api` is a client on a fresh SQLite database, for tests that never
touch storage; `client` runs a test on SQLite and (when TEST_DATABASE_URL is set, as in CI) PostgreSQL too."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.config import Settings
from api.db.repository import create_key
from api.db.session import migrate
from api.main import create_app
from matcher import Matcher

PG = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG, reason="TEST_DATABASE_URL unset"))]


@pytest.fixture(scope="session")
def engine_matcher(real_matcher: Matcher) -> Matcher:
    return real_matcher


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test starts from a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


def reset_postgres(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def fresh_sqlite(template: Path, folder: Path) -> str:
    path = folder / "test.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path) -> str:
    if request.param == "sqlite":
        return fresh_sqlite(migrated_sqlite, tmp_path)
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
def api_settings(tmp_path: Path, migrated_sqlite: Path) -> Settings:
    return Settings(database_url=fresh_sqlite(migrated_sqlite, tmp_path), var_dir=tmp_path / "var")


@pytest.fixture
def api(api_settings: Settings, engine_matcher: Matcher) -> Iterator[TestClient]:
    """For tests of validation and ranking that never touch storage: SQLite only."""
    with TestClient(create_app(api_settings, matcher=engine_matcher), raise_server_exceptions=False) as c:
        yield c


def make_keys(client: TestClient, team: str = "default") -> dict[str, str]:
    out = {}
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        for role in ("viewer", "editor", "admin"):
            extra = {} if team == "default" else {"team": team}
            _, token = create_key(session=s, name=f"{team} {role}", role=role, **extra)  # type: ignore[arg-type]
            out[role] = token
    return out


@pytest.fixture
def keys(client: TestClient) -> dict[str, str]:
    """A key of each role, created through the repository the CLI uses."""
    return make_keys(client)


@pytest.fixture
def api_keys(api: TestClient) -> dict[str, str]:
    return make_keys(api)
