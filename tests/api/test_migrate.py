"""Migrations from several processes at once: they take turns, and every one of them ends at the newest schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from tests.api.conftest import BACKENDS, PG, reset_postgres

ROOT = Path(__file__).resolve().parents[2]
AT_ONCE = 5
HEAD = ScriptDirectory(str(ROOT / "api" / "migrations")).get_current_head()
# Each process, once it has imported everything, says it is ready and waits for the others: then all migrate at once.
SCRIPT = """
import sys, time
from pathlib import Path
from api.db.session import migrate
url, folder, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
(folder / str(time.time_ns())).touch()
while len(list(folder.iterdir())) < n:
    time.sleep(0.001)
migrate(url)
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_started_together_take_turns(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        assert PG
        reset_postgres(PG)
        url = PG
    ready = tmp_path / "ready"
    ready.mkdir()
    cmd = [sys.executable, "-c", SCRIPT, url, str(ready), str(AT_ONCE)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(AT_ONCE)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * AT_ONCE, "\n".join(e[-400:] for e in errors if e)
    eng = create_engine(url)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
        assert {"api_keys", "prospects", "batch_jobs"} <= set(inspect(conn).get_table_names())
    eng.dispose()
