"""A server process runs its sync endpoints on at most `threads` threads at once (`MATCHER_THREADS`), so at most
that many engine runs share its interpreter lock; the other requests wait their turn and all of them are answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from matcher import Matcher
from matcher.engine import Matcher as MatcherClass

from .conftest import fresh_sqlite

V1 = "/api/v1"


def most_at_once(original: Callable[..., Any]) -> tuple[Callable[..., Any], list[int]]:
    running, peak, lock = [0], [0], threading.Lock()

    def slow(self: Matcher, *args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.15)
            return original(self, *args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    return slow, peak


@pytest.mark.parametrize("slots", [1, 2])
def test_engine_runs_take_turns_on_the_process_threads(
    slots: int, tmp_path: Path, migrated_sqlite: Path, fake_matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, peak = most_at_once(MatcherClass.match_many)
    monkeypatch.setattr(MatcherClass, "match_many", slow)
    settings = Settings(database_url=fresh_sqlite(migrated_sqlite, tmp_path), var_dir=tmp_path, threads=slots)
    with TestClient(create_app(settings, matcher=fake_matcher)) as c:

        def call(i: int) -> int:
            path = ("/match", "/shortlist", "/map")[i % 3]
            return c.post(V1 + path, json={"description": f"抗体药物研发企业 {i}"}).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(call, range(6)))
    assert statuses == [200] * 6
    assert peak[0] == slots
