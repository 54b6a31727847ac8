"""Prospects: saved with their ranking snapshot, pipeline, search, snapshots over time, exports."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

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
    snap = client.get(f"{V1}/prospects/{p['id']}/snapshots/{p['snapshots'][0]['id']}").json()
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
    assert client.get(f"{V1}/prospects/{p['id']}/changes").status_code == 409
    r = client.post(f"{V1}/prospects/{p['id']}/snapshots", headers=h)
    assert r.status_code == 201
    diff = client.get(f"{V1}/prospects/{p['id']}/changes").json()
    assert diff["kb_changed"] is False
    assert all(c["before"] == c["after"] for c in diff["changes"])  # same data, same model: same shortlist


def test_exports_are_excel_safe(client: TestClient, keys: dict[str, str]) -> None:
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
