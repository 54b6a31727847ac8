"""The served knowledge base changes without a restart, in every process: two app instances share one database
and one data folder, as the workers of `matcher serve --workers N` do. A change made through one is served by the
other from its next request; a request already running finishes on the knowledge base it started with."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from api.db.kb import KbIngest, KbState
from api.db.session import session_factory
from api.kb_jobs import IngestWorker
from matcher import Matcher
from tests.fakes import HashEncoder

from .kb_helpers import V1, app_client, make_keys, matcher_over, scratch_data

GZ_PROSPECT = {"description": "岭南中药资源库与中药化合物筛选平台，广州", "top_k": 10}


def test_two_instances_follow_each_others_changes(db_url: str, tmp_path: Path) -> None:
    data = scratch_data(tmp_path / "data")
    ma, mb = matcher_over(data, None, HashEncoder()), matcher_over(data, None, HashEncoder())
    with app_client(db_url, tmp_path / "va", ma) as a, app_client(db_url, tmp_path / "vb", mb) as b:
        admin = {"X-API-Key": make_keys(a)["admin"]}  # one database: a key made through a works on b
        h0 = a.get(f"{V1}/version").json()["kb_hash"]
        assert b.get(f"{V1}/version").json()["kb_hash"] == h0

        # A request on b is running (slowed here) when a withdraws a document.
        held = b.app.state.kb_live.matcher  # type: ignore[attr-defined]
        real = held.match_many
        started = threading.Event()

        def slow(*args: Any, **kwargs: Any) -> Any:
            started.set()
            time.sleep(1.5)
            return real(*args, **kwargs)

        held.match_many = slow  # type: ignore[method-assign]
        answer: dict[str, Any] = {}
        running = threading.Thread(target=lambda: answer.update(r=b.post(f"{V1}/match", json=GZ_PROSPECT)))
        running.start()
        assert started.wait(30)
        r = a.post(f"{V1}/kb/withdrawals", json={"doc_id": "gz-action-2018", "reason": "superseded"}, headers=admin)
        assert r.status_code == 200, r.text
        h1 = r.json()["kb_hash_after"]
        running.join(30)
        old = answer["r"].json()
        assert old["kb_hash"] == h0  # it finished on the knowledge base it started with
        assert "gz-action-2018" in {e["doc_id"] for m in old["matches"] for e in m["evidence"]}

        # b's next request is served by the new knowledge base, rebuilt once.
        assert b.get(f"{V1}/version").json()["kb_hash"] == h1 == a.get(f"{V1}/version").json()["kb_hash"]
        fresh = b.post(f"{V1}/match", json=GZ_PROSPECT).json()
        assert fresh["kb_hash"] == h1
        assert "gz-action-2018" not in {e["doc_id"] for m in fresh["matches"] for e in m["evidence"]}
        assert b.get(f"{V1}/documents/gz-action-2018").status_code == 404
        assert b.app.state.kb_live.matcher is not held  # type: ignore[attr-defined]

        # And the other way round.
        r = b.post(f"{V1}/kb/withdrawals", json={"doc_id": "zhuhai-action-2020", "reason": "test"}, headers=admin)
        assert r.status_code == 200, r.text
        assert "zhuhai-action-2020" not in {d["id"] for d in a.get(f"{V1}/documents").json()}
        assert [c["doc_id"] for c in a.get(f"{V1}/kb/changes").json()] == ["zhuhai-action-2020", "gz-action-2018"]

        # While one process writes, another's change is refused, and nothing is written.
        with a.app.state.kb_live.writing():  # type: ignore[attr-defined]
            r = b.post(
                f"{V1}/kb/withdrawals", json={"doc_id": "nansha-opinions", "reason": "superseded"}, headers=admin
            )
        assert r.status_code == 409 and "another import or withdrawal" in r.json()["message"]
        assert b.get(f"{V1}/documents/nansha-opinions").status_code == 200
        assert (data / "sources" / "001_3e2db77a30fbd5b7.txt").exists()


def test_one_process_claims_an_extraction(db_url: str, tmp_path: Path) -> None:
    from api.db.session import migrate

    migrate(db_url)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    job_id = uuid.uuid4().hex
    with sessions() as s:
        s.add(KbIngest(id=job_id, doc_id="d", filename="d.txt", status="queued", stage="", progress=0.0, message=""))
        s.commit()
    workers = [IngestWorker(sessions, None, tmp_path) for _ in range(4)]  # type: ignore[arg-type]
    got: list[str | None] = []
    threads = [threading.Thread(target=lambda w=w: got.append(w.claim())) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got.count(None) == 3 and job_id in got
    with sessions() as s:
        row = s.get(KbIngest, job_id)
        assert row is not None and row.status == "running"
    engine.dispose()


def test_the_version_row_is_made_once_and_a_lost_database_keeps_the_knowledge_base(
    db_url: str, tmp_path: Path, fake_matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.db.session import migrate
    from api.kb_live import LiveKB, ensure_state

    migrate(db_url)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    versions: list[int] = []
    threads = [threading.Thread(target=lambda: versions.append(ensure_state(sessions, "h"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert versions == [0, 0, 0, 0]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(KbState)) == 1

    live = LiveKB(sessions, fake_matcher, lambda old: old)

    def away() -> tuple[int, str | None]:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(live, "version_now", away)
    assert live.current() is fake_matcher
    engine.dispose()
