"""Schema-driven fuzzing (schemathesis) of every operation: no server error, every response as its schema says
(status, body), and every 422 names its fields. `FUZZ_EXAMPLES=100` for a deeper run, `FUZZ_RANDOM=1` for new
examples; `scripts/hardening.py fuzz` runs schemathesis's whole set of checks against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.config import Settings
from api.db.repository import create_key
from api.main import create_app
from matcher import Matcher
from matcher.kb import default_data_dir, load_kb

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# The suite draws the same examples on every run, so that a clean clone passes or fails alike; `FUZZ_RANDOM=1`
# draws new ones, as `scripts/hardening.py fuzz` does against a live server.
DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def app_and_key(tmp_path_factory: pytest.TempPathFactory, engine_matcher: Matcher) -> Iterator[tuple[object, str]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    # An admin key may import and withdraw documents: the fuzzed app serves a scratch copy of data/.
    data = shutil.copytree(default_data_dir(), tmp / "data", ignore=shutil.ignore_patterns("companies"))
    matcher = Matcher(
        load_kb(data), engine_matcher.encoder, params=engine_matcher.params, sector_model=engine_matcher.sector_model
    )
    app = create_app(Settings(database_url=f"sqlite:///{tmp / 'fuzz.db'}", var_dir=tmp, data_dir=data), matcher=matcher)
    with TestClient(app):  # runs the start-up: migrations, sessions
        with app.state.sessions() as s:
            _, token = create_key(session=s, name="fuzz", role="admin")
        yield app, token


def test_every_operation_answers_as_documented(app_and_key: tuple[object, str]) -> None:
    app, token = app_and_key
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=DERANDOMIZE,
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers={"X-API-Key": token})
            try:
                case.validate_response(response, checks=CHECKS, headers={"X-API-Key": token})
            except Exception as err:  # schemathesis raises a group of the failures it found
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {str(err)[:300]}")
            if response.status_code == 422:
                fields = [e["field"] for e in response.json()["errors"]]
                if not fields or any(not f or f.split(".")[0].isdigit() for f in fields):
                    failures.append(f"{case.method} {case.formatted_path}: 422 fields {fields}")

        run()
    assert not failures, "\n".join(failures[:10])
