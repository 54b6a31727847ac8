"""Schema-driven fuzzing (schemathesis) of every operation: no input may produce a server error."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api.config import Settings
from api.db.repository import create_key
from api.main import create_app
from matcher import Matcher
from matcher.kb import default_data_dir, load_kb

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def app_and_key(tmp_path_factory: pytest.TempPathFactory, real_matcher: Matcher) -> Iterator[tuple[object, str]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    # An admin key may import and withdraw documents: the fuzzed app serves a scratch copy of data/.
    data = shutil.copytree(default_data_dir(), tmp / "data", ignore=shutil.ignore_patterns("companies"))
    matcher = Matcher(
        load_kb(data), real_matcher.encoder, params=real_matcher.params, sector_model=real_matcher.sector_model
    )
    app = create_app(Settings(database_url=f"sqlite:///{tmp / 'fuzz.db'}", var_dir=tmp, data_dir=data), matcher=matcher)
    with TestClient(app):  # runs the start-up: migrations, sessions
        with app.state.sessions() as s:
            _, token = create_key(session=s, name="fuzz", role="admin")
        yield app, token


def test_no_server_errors(app_and_key: tuple[object, str]) -> None:
    app, token = app_and_key
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for op in operations:

        @given(case=op.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers={"X-API-Key": token})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")
            ctype = response.headers.get("content-type", "")
            ctype = ctype[0] if isinstance(ctype, list) and ctype else str(ctype or "")
            assert response.status_code == 204 or ctype.startswith(("application/json", "text/csv", "application/vnd"))

        run()
    assert not failures, "\n".join(failures[:10])
