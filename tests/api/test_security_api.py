"""Keys and roles, read protection, CORS, body limits, error bodies and the access log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.config import Settings
from api.db.models import ApiKey
from api.main import create_app
from matcher import Matcher
from tests.api.conftest import make_keys

V1 = "/api/v1"
NEW = {"name": "测试企业", "description": "我们研发mRNA疫苗和核酸药物，需要GMP厂房", "owner": "王科长"}


def test_writes_need_a_key_of_the_right_role(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(f"{V1}/prospects", json=NEW)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert client.post(f"{V1}/prospects", json=NEW, headers={"X-API-Key": "pm_wrong"}).status_code == 401
    r = client.post(f"{V1}/prospects", json=NEW, headers={"X-API-Key": keys["viewer"]})
    assert r.status_code == 403 and "editor" in r.json()["message"]
    r = client.post(f"{V1}/prospects", json=NEW, headers={"X-API-Key": keys["editor"]})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert client.delete(f"{V1}/prospects/{pid}", headers={"X-API-Key": keys["editor"]}).status_code == 403
    assert client.delete(f"{V1}/prospects/{pid}", headers={"X-API-Key": keys["admin"]}).status_code == 204


def test_keys_are_stored_hashed_and_revocation_works(client: TestClient, keys: dict[str, str]) -> None:
    from api.db.repository import revoke_key

    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        rows = s.scalars(select(ApiKey)).all()
        assert all(k.key_hash != t and t not in k.key_hash for k in rows for t in keys.values())
        editor = next(k for k in rows if k.role == "editor")
        revoke_key(session=s, ident=editor.prefix)
    r = client.post(f"{V1}/prospects", json=NEW, headers={"X-API-Key": keys["editor"]})
    assert r.status_code == 401 and "revoked" in r.json()["message"]


def test_open_reads_can_require_a_key(settings: Settings, engine_matcher: Matcher, keys: dict[str, str]) -> None:
    locked = settings.model_copy(update={"read_requires_key": True})
    with TestClient(create_app(locked, matcher=engine_matcher)) as c:
        assert c.get(f"{V1}/parks").status_code == 401
        assert c.post(f"{V1}/match", json={"description": "疫苗"}).status_code == 401
        assert c.get(f"{V1}/parks", headers={"X-API-Key": keys["viewer"]}).status_code == 200
        assert c.get(f"{V1}/health").status_code == 200  # liveness stays open


CONFIDENTIAL = [
    "/prospects",
    "/prospects/1",
    "/prospects/export",
    "/prospects/1/snapshots/1",
    "/prospects/1/changes",
    "/batches",
    f"/batches/{'a' * 32}",
    f"/batches/{'a' * 32}/result",
    f"/batches/{'a' * 32}/errors",
]


@pytest.mark.parametrize("path", CONFIDENTIAL)
def test_pipelines_and_lists_are_confidential_by_default(api: TestClient, path: str) -> None:
    r = api.get(f"{V1}{path}")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_a_key_sees_its_own_team_and_an_admin_sees_all(client: TestClient, keys: dict[str, str]) -> None:
    other = make_keys(client, team="shenzhen")
    own = {"X-API-Key": keys["viewer"]}
    theirs = {"X-API-Key": other["viewer"]}
    pid = client.post(f"{V1}/prospects", json=NEW, headers={"X-API-Key": keys["editor"]}).json()["id"]
    job = client.post(
        f"{V1}/batches",
        files={"file": ("list.csv", "企业名称,主营业务\n甲,疫苗研发\n".encode())},
        headers={"X-API-Key": keys["editor"]},
    ).json()["id"]
    assert client.get(f"{V1}/prospects", headers=own).json()["total"] == 1
    assert client.get(f"{V1}/prospects/{pid}", headers=own).status_code == 200
    assert client.get(f"{V1}/prospects", headers=theirs).json()["total"] == 0
    assert client.get(f"{V1}/prospects/{pid}", headers=theirs).status_code == 404
    assert "测试企业" not in client.get(f"{V1}/prospects/export", headers=theirs).text
    r = client.patch(f"{V1}/prospects/{pid}", json={"notes": "x"}, headers={"X-API-Key": other["editor"]})
    assert r.status_code == 404
    assert [j["id"] for j in client.get(f"{V1}/batches", headers=own).json()] == [job]
    assert client.get(f"{V1}/batches", headers=theirs).json() == []
    for suffix in ("", "/result", "/errors"):
        assert client.get(f"{V1}/batches/{job}{suffix}", headers=theirs).status_code == 404
    admin = {"X-API-Key": other["admin"]}
    assert client.get(f"{V1}/prospects/{pid}", headers=admin).status_code == 200
    assert [j["id"] for j in client.get(f"{V1}/batches", headers=admin).json()] == [job]


def test_a_garbage_or_revoked_key_on_an_open_endpoint_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    from api.db.repository import revoke_key

    body = {"description": "疫苗"}
    assert client.post(f"{V1}/match", json=body).status_code == 200
    assert client.post(f"{V1}/match", json=body, headers={"X-API-Key": keys["viewer"]}).status_code == 200
    for path in ("/parks", "/sectors", "/map"):
        assert client.get(f"{V1}{path}", headers={"X-API-Key": "garbage"}).status_code == 401
    assert client.post(f"{V1}/match", json=body, headers={"X-API-Key": "pm_garbage"}).status_code == 401
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        viewer = next(k for k in s.scalars(select(ApiKey)) if k.role == "viewer")
        revoke_key(session=s, ident=viewer.prefix)
    r = client.post(f"{V1}/match", json=body, headers={"X-API-Key": keys["viewer"]})
    assert r.status_code == 401 and "revoked" in r.json()["message"]


def test_cors_is_off_unless_configured(api: TestClient, api_settings: Settings, engine_matcher: Matcher) -> None:
    pre = {"Origin": "https://map.example", "Access-Control-Request-Method": "POST"}
    r = api.options(f"{V1}/match", headers=pre)
    assert "access-control-allow-origin" not in r.headers
    open_ = api_settings.model_copy(update={"cors_origins": ["https://map.example"]})
    with TestClient(create_app(open_, matcher=engine_matcher)) as c:
        r = c.options(f"{V1}/match", headers=pre)
        assert r.headers.get("access-control-allow-origin") == "https://map.example"


def test_oversized_body_is_refused_with_json(api: TestClient) -> None:
    r = api.post(
        f"{V1}/match",
        content=b'{"description": "' + b"x" * 1_100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_server_errors_are_json_without_a_trace(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.app.state.matcher, "match_many", boom)  # type: ignore[attr-defined]
    r = api.post(f"{V1}/match", json={"description": "疫苗"})
    assert r.status_code == 500
    assert r.json() == {"code": "internal_error", "message": "internal error", "errors": []}
    assert "secret" not in r.text and "Traceback" not in r.text


def test_access_log_is_one_line_without_the_prospect_text(api: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "机密的企业描述ABC123"
    with caplog.at_level(logging.INFO, logger="api.access"):
        api.post(f"{V1}/match", json={"description": secret})
        api.get(f"{V1}/map", params={"description": secret})
    lines = [r.getMessage() for r in caplog.records if r.name == "api.access"]
    assert len(lines) == 2
    assert '"method": "POST", "path": "/api/v1/match", "status": 200' in lines[0]
    assert all(secret not in line and "ABC123" not in line for line in lines)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_a_chunked_body_over_the_limit_is_413_too(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"description": "'
        for _ in range(12):
            yield b"x" * 100_000
        yield b'"}'

    r = api.post(f"{V1}/match", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large" and "too large" in r.json()["message"]


def test_a_body_that_is_not_utf8_says_so(api: TestClient) -> None:
    r = api.post(f"{V1}/match", content=b'{"description": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid UTF-8" in r.json()["message"]
