"""Helpers for the ingestion API tests: apps over a scratch copy of data/ (a change writes there, never into the
repository), keys, uploads and waiting for an extraction."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.config import Settings
from api.db.repository import create_key
from api.main import create_app
from matcher import Matcher
from matcher.encoders import Encoder
from matcher.kb import default_data_dir, load_kb
from matcher.kb.documents import withdraw_document

V1 = "/api/v1"


def scratch_data(dst: Path, without: tuple[str, ...] = ()) -> Path:
    """A copy of data/ (no labelled prospects), with the `without` documents withdrawn."""
    shutil.copytree(default_data_dir(), dst, ignore=shutil.ignore_patterns("companies"))
    for doc in without:
        change = withdraw_document(dst, doc, by="test", reason="removed for the test")
        assert change.ok, change.issues
    return dst


def matcher_over(
    data: Path, like: Matcher | None, encoder: Encoder | None = None, cache: Path | None = None
) -> Matcher:
    """A Matcher over `data` with `like`'s encoder, parameters and sector model (or a given encoder)."""
    enc = encoder or (like.encoder if like else None)
    assert enc is not None
    params = like.params if like else None
    return Matcher(load_kb(data), enc, params=params, cache_dir=cache, sector_model=like.sector_model if like else None)


@contextmanager
def app_client(db_url: str, var: Path, matcher: Matcher) -> Iterator[TestClient]:
    """An app on `db_url` that looks for other instances' changes on every request (`kb_check_seconds=0`)."""
    settings = Settings(database_url=db_url, var_dir=var, data_dir=matcher.kb.root, kb_check_seconds=0)
    app = create_app(settings, matcher=matcher)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def make_keys(client: TestClient) -> dict[str, str]:
    out = {}
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        for role in ("viewer", "editor", "admin"):
            _, out[role] = create_key(session=s, name=f"kb {role}", role=role)  # type: ignore[arg-type]
    return out


def upload(client: TestClient, key: str, content: bytes, name: str, doc_id: str, **form: str) -> Any:
    return client.post(
        f"{V1}/kb/documents",
        files={"file": (name, content)},
        data={"doc_id": doc_id, **form},
        headers={"X-API-Key": key},
    )


def wait_review(client: TestClient, ingest_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        job = client.get(f"{V1}/kb/documents/{ingest_id}").json()
        seen.append((job["stage"], job["progress"]))
        if job["status"] in ("review", "failed"):
            job["seen"] = seen
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"extraction {ingest_id} not done in {timeout} s")
