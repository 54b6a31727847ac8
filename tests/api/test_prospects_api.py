"""Prospects: saved with their ranking snapshot, pipeline, search, snapshots over time, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from api.db.models import StatusEvent

V1 = "/api/v1"


def make(client: TestClient, key: str, **kw: object) -> dict:  # type: ignore[type-arg]
    body = {"name": "眼科企业", "description": "人工晶体和角膜接触镜生产企业", "owner": "李处长", "tags": ["眼科"]}
    body.update(kw)
    r = client.post(f"{V1}/prospects", json=body, headers={"X-API-Key": key})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_saved_with_the_ranking_it_was_shown(client: TestClient, keys: dict[str, str]) -> None:
    p = make(client, keys["editor"], stage="growth", revenue_cny=30_000_000, top_k=5)
    assert p["status"] == "lead" and p["fields"]["stage"] == "growth"
    assert len(p["snapshots"]) == 1 and p["snapshots"][0]["top"][0] == "nansha"
    snap = client.get(
        f"{V1}/prospects/{p['id']}/snapshots/{p['snapshots'][0]['id']}", headers={"X-API-Key": keys["viewer"]}
    ).json()
    assert len(snap["matches"]) == 5 and snap["matches"][0]["evidence"]


def test_pipeline_moves_forward_or_to_lost_only(client: TestClient, keys: dict[str, str]) -> None:
    h = {"X-API-Key": keys["editor"]}
    pid = make(client, keys["editor"])["id"]
    for status in ("contacted", "negotiating"):  # skipping a stage is allowed
        assert client.patch(f"{V1}/prospects/{pid}", json={"status": status}, headers=h).status_code == 200
    r = client.patch(f"{V1}/prospects/{pid}", json={"status": "lead"}, headers=h)
    assert r.status_code == 409 and "back" in r.json()["message"]
    assert client.patch(f"{V1}/prospects/{pid}", json={"status": "signed"}, headers=h).status_code == 200
    r = client.patch(f"{V1}/prospects/{pid}", json={"status": "lost"}, headers=h)
    assert r.status_code == 409
    r = client.patch(f"{V1}/prospects/{pid}", json={"status": "done"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = client.patch(f"{V1}/prospects/{pid}", json={"notes": "已签约，等待落地", "tags": ["眼科", "重点"]}, headers=h)
    assert r.json()["notes"] == "已签约，等待落地" and r.json()["status"] == "signed"


def test_list_filter_and_search(client: TestClient, keys: dict[str, str]) -> None:
    client.headers["X-API-Key"] = keys["viewer"]  # for the reads
    make(client, keys["editor"], name="甲", owner="张", tags=["眼科"])
    make(client, keys["editor"], name="乙", description="mRNA vaccine developer", owner="李", tags=["疫苗"])
    pid = make(client, keys["editor"], name="丙", notes="visited in May", owner="张", tags=[])["id"]
    client.patch(f"{V1}/prospects/{pid}", json={"status": "visiting"}, headers={"X-API-Key": keys["editor"]})
    assert client.get(f"{V1}/prospects").json()["total"] == 3
    assert [p["name"] for p in client.get(f"{V1}/prospects", params={"owner": "张"}).json()["items"]] == ["甲", "丙"]
    assert [p["name"] for p in client.get(f"{V1}/prospects", params={"tag": "疫苗"}).json()["items"]] == ["乙"]
    assert [p["name"] for p in client.get(f"{V1}/prospects", params={"status": "visiting"}).json()["items"]] == ["丙"]
    assert [p["name"] for p in client.get(f"{V1}/prospects", params={"q": "MRNA developer"}).json()["items"]] == ["乙"]
    assert [p["name"] for p in client.get(f"{V1}/prospects", params={"q": "人工晶体 may"}).json()["items"]] == ["丙"]
    page = client.get(f"{V1}/prospects", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [p["name"] for p in page["items"]] == ["乙"]
    assert client.get(f"{V1}/prospects/9999").status_code == 404


def test_snapshots_over_time_and_their_changes(client: TestClient, keys: dict[str, str]) -> None:
    h = {"X-API-Key": keys["editor"]}
    p = make(client, keys["editor"])
    assert client.get(f"{V1}/prospects/{p['id']}/changes", headers=h).status_code == 409
    r = client.post(f"{V1}/prospects/{p['id']}/snapshots", headers=h)
    assert r.status_code == 201
    diff = client.get(f"{V1}/prospects/{p['id']}/changes", headers=h).json()
    assert diff["kb_changed"] is False
    assert all(c["before"] == c["after"] for c in diff["changes"])  # same data, same model: same shortlist


def test_exports_are_excel_safe(client: TestClient, keys: dict[str, str]) -> None:
    client.headers["X-API-Key"] = keys["viewer"]
    make(client, keys["editor"], name='=HYPERLINK("http://x")', notes="+1 call", owner="@boss")
    raw = client.get(f"{V1}/prospects/export", params={"format": "csv"})
    assert raw.status_code == 200 and raw.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "name", "status"]
    assert rows[1][1].startswith("'=") and rows[1][3] == "'@boss" and rows[1][9] == "'+1 call"
    assert rows[1][5].split(", ")[0] == "nansha"
    x = client.get(f"{V1}/prospects/export", params={"format": "xlsx"})
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws.cell(1, 2).value == "name" and ws.cell(2, 2).value.startswith("'=")
    assert client.get(f"{V1}/prospects/export", params={"format": "pdf"}).status_code == 422


def test_null_leaves_fields_as_they_are_but_clears_the_owner(client: TestClient, keys: dict[str, str]) -> None:
    h = {"X-API-Key": keys["editor"]}
    pid = make(client, keys["editor"], notes="keep me")["id"]
    r = client.patch(
        f"{V1}/prospects/{pid}", json={"notes": None, "tags": None, "status": None, "owner": None}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "keep me" and r.json()["tags"] == ["眼科"] and r.json()["owner"] is None


# --- issue 15 -------------------------------------------------------------------------------------------------


def test_timestamps_are_utc_with_an_offset(client: TestClient, keys: dict[str, str]) -> None:
    p = make(client, keys["editor"])
    again = client.get(f"{V1}/prospects/{p['id']}", headers={"X-API-Key": keys["viewer"]}).json()
    for stamp in (again["created_at"], again["updated_at"], again["snapshots"][0]["created_at"]):
        parsed = dt.datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == dt.timedelta(0), stamp
    rows = list(csv.reader(io.StringIO(export(client, keys["viewer"]).content.decode("utf-8-sig"))))
    assert dt.datetime.fromisoformat(rows[1][6]).utcoffset() == dt.timedelta(0)


def export(client: TestClient, key: str, **params: str):  # type: ignore[no-untyped-def]
    return client.get(f"{V1}/prospects/export", params=params, headers={"X-API-Key": key})


def test_concurrent_status_changes_cannot_both_win(
    client: TestClient, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests read `negotiating` before either writes (a barrier holds them there); one may win."""
    import api.db.repository as repo

    h = {"X-API-Key": keys["editor"]}
    check = repo.check_transition
    for _ in range(3):
        pid = make(client, keys["editor"])["id"]
        assert client.patch(f"{V1}/prospects/{pid}", json={"status": "negotiating"}, headers=h).status_code == 200
        barrier = threading.Barrier(2, timeout=10)

        def held(old: str, new: str, barrier: threading.Barrier = barrier) -> None:
            if old == "negotiating":
                barrier.wait()
            check(old, new)

        monkeypatch.setattr(repo, "check_transition", held)
        codes = sorted(race([(f"{V1}/prospects/{pid}", {"status": s}) for s in ("signed", "lost")], client, h))
        monkeypatch.setattr(repo, "check_transition", check)
        assert codes == [200, 409]
        with client.app.state.sessions() as s:  # type: ignore[attr-defined]
            events = s.scalars(select(StatusEvent).where(StatusEvent.prospect_id == pid)).all()
            assert [e.from_status for e in events].count("negotiating") == 1


def race(patches: list[tuple[str, dict[str, Any]]], client: TestClient, headers: dict[str, str]) -> list[int]:
    """The PATCHes sent at once, each from its own thread; their status codes."""
    codes: list[int] = []

    def send(path: str, body: dict[str, Any]) -> None:
        codes.append(client.patch(path, json=body, headers=headers).status_code)

    threads = [threading.Thread(target=send, args=p) for p in patches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_a_stale_write_is_refused_with_412(client: TestClient, keys: dict[str, str]) -> None:
    h = {"X-API-Key": keys["editor"]}
    pid = make(client, keys["editor"], notes="a")["id"]
    first = client.get(f"{V1}/prospects/{pid}", headers=h)
    second = client.get(f"{V1}/prospects/{pid}", headers=h)
    tag = first.headers["etag"]
    assert tag and tag == second.headers["etag"]
    r = client.patch(f"{V1}/prospects/{pid}", json={"notes": "a b"}, headers={**h, "If-Match": tag})
    assert r.status_code == 200 and r.headers["etag"] != tag
    r = client.patch(f"{V1}/prospects/{pid}", json={"notes": "a c"}, headers={**h, "If-Match": tag})
    assert r.status_code == 412 and r.json()["code"] == "precondition_failed"
    assert client.get(f"{V1}/prospects/{pid}", headers=h).json()["notes"] == "a b"
    fresh = client.get(f"{V1}/prospects/{pid}", headers=h).headers["etag"]
    assert client.patch(f"{V1}/prospects/{pid}", json={"notes": "a b c"}, headers={**h, "If-Match": fresh}).is_success
    assert client.patch(f"{V1}/prospects/{pid}", json={"tags": []}, headers={**h, "If-Match": "*"}).is_success
    snap = client.post(f"{V1}/prospects/{pid}/snapshots", headers=h)
    assert snap.status_code == 201
    after = client.get(f"{V1}/prospects/{pid}", headers=h).headers["etag"]
    assert (
        client.delete(f"{V1}/prospects/{pid}", headers={"X-API-Key": keys["admin"], "If-Match": fresh}).status_code
        == 412
    )
    assert (
        client.delete(f"{V1}/prospects/{pid}", headers={"X-API-Key": keys["admin"], "If-Match": after}).status_code
        == 204
    )


def test_search_words_are_literal(client: TestClient, keys: dict[str, str]) -> None:
    h = {"X-API-Key": keys["viewer"]}
    make(client, keys["editor"], name="甲", notes="增长100%")
    make(client, keys["editor"], name="乙", notes="a_b")
    make(client, keys["editor"], name="丙", notes="plain")

    def names(q: str) -> list[str]:
        return [p["name"] for p in client.get(f"{V1}/prospects", params={"q": q}, headers=h).json()["items"]]

    assert names("%") == ["甲"] and names("_") == ["乙"] and names("100%") == ["甲"]
    assert names("a_b") == ["乙"] and names("\\") == [] and names("a%b") == []
    assert len(export(client, keys["viewer"], q="%").content.decode("utf-8-sig").strip().splitlines()) == 2


def test_tags_are_bounded(client: TestClient, keys: dict[str, str]) -> None:
    h = {"X-API-Key": keys["editor"]}
    body = {"name": "x", "description": "疫苗研发"}
    for tags in (["x" * 900_000], ["x" * 51], [""]):
        r = client.post(f"{V1}/prospects", json={**body, "tags": tags}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "tags.0", r.text[:200]
    pid = make(client, keys["editor"])["id"]
    r = client.patch(f"{V1}/prospects/{pid}", json={"tags": ["y" * 51]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "tags.0"


def test_only_get_on_the_export(client: TestClient, keys: dict[str, str]) -> None:
    for method in ("DELETE", "PATCH", "PUT"):
        r = client.request(method, f"{V1}/prospects/export", headers={"X-API-Key": keys["admin"]})
        assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_as_of_must_be_a_date(client: TestClient, keys: dict[str, str]) -> None:
    for value in (0, 20261123, True):
        r = client.post(
            f"{V1}/prospects",
            json={"name": "x", "description": "疫苗", "as_of": value},
            headers={"X-API-Key": keys["editor"]},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of"
