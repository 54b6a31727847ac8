"""Several server processes: `matcher serve --workers`, one batch runner among them, and the load generator's
HTTP reading."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import default_workers
from api.leader import Leader
from api.loadtest import read_response, request_bytes
from matcher.cli import main

ROOT = Path(__file__).resolve().parents[2]
HOLDS = "import sys; from pathlib import Path; from api.leader import Leader; print(Leader(Path(sys.argv[1])).held)"


def holds_in_another_process(path: Path) -> bool:
    out = subprocess.run([sys.executable, "-c", HOLDS, str(path)], cwd=ROOT, capture_output=True, text=True)
    return {"True": True, "False": False}[out.stdout.strip()]


def test_one_process_runs_the_batch_jobs(tmp_path: Path) -> None:
    lock = tmp_path / "var" / "batch-worker.lock"
    first = Leader(lock)
    second = Leader(lock)  # another app in the same process (tests start several) shares it
    assert first.held and second.held
    assert not holds_in_another_process(lock)
    first.release()
    assert not holds_in_another_process(lock)  # still held by the second app
    second.release()
    assert holds_in_another_process(lock)


def test_serve_starts_workers_from_the_app_factory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("MATCHER_VAR_DIR", str(tmp_path))
    assert CliRunner().invoke(main, ["serve", "--workers", "3", "--port", "8123"]).exit_code == 0
    assert CliRunner().invoke(main, ["serve"]).exit_code == 0
    (app, kw), (_, default) = calls
    assert app == "api.main:create_app" and kw["factory"] is True and kw["workers"] == 3 and kw["port"] == 8123
    assert default["workers"] == default_workers() >= 1


def test_the_load_generator_reads_responses() -> None:
    req = request_bytes("抗体 CDMO")
    head, body = req.split(b"\r\n\r\n")
    assert f"Content-Length: {len(body)}".encode() in head and json.loads(body)["description"] == "抗体 CDMO"

    async def read(raw: bytes) -> tuple[int, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await read_response(reader)

    ok = b'HTTP/1.1 200 OK\r\ndate: x\r\ncontent-length: 7\r\ncontent-type: application/json\r\n\r\n{"a":1}HTTP/1.1'
    assert asyncio.run(read(ok)) == (200, b'{"a":1}')
    assert asyncio.run(read(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")) == (503, b"")
    with pytest.raises(asyncio.IncompleteReadError):
        asyncio.run(read(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"))


MIGRATE = """
import sys
from pathlib import Path
from api.config import Settings
from api.db.session import migrate
from api.leader import one_at_a_time
settings = Settings(var_dir=Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
with one_at_a_time(settings.var_dir / "migrate.lock"):
    migrate(settings.db_url)
print("migrated")
"""


def test_workers_starting_together_migrate_a_fresh_database_in_turn(tmp_path: Path) -> None:
    """What each server process does on start: four at once on a new SQLite file all come up."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(4)
    ]
    for p in procs:  # all loaded, then all at once
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    assert [p.communicate(timeout=120)[0].strip() for p in procs] == ["migrated"] * 4
    assert all(p.returncode == 0 for p in procs)
