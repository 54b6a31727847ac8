"""POST /match, /compare, /map, GET /parks, /sectors, /health, /version, and 422s with field-level messages (on
SQLite only: none of this touches storage)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from matcher import Matcher
from matcher.ranking import Ranking

V1 = "/api/v1"


def test_match_returns_the_engine_ranking_unchanged_in_shape(api: TestClient) -> None:
    r = api.post(
        f"{V1}/match",
        json={
            "description": "我们是一家AAV基因治疗CDMO公司",
            "top_k": 3,
            "as_of": "2026-11-23",
            "stage": "growth",
            "needs": ["gmp_plant"],
        },
    )
    assert r.status_code == 200, r.text
    ranking = Ranking.model_validate(r.json())
    assert len(ranking.matches) == 3 and ranking.matches[0].location_id == "nansha"
    assert ranking.matches[0].evidence and ranking.matches[0].evidence[0].quote


@pytest.mark.parametrize(
    "body, field",
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 10_001}, "description"),
        ({"description": 42}, "description"),
        ({"description": "疫苗", "top_k": 0}, "top_k"),
        ({"description": "疫苗", "top_k": 1000}, "top_k"),
        ({"description": "疫苗", "top_k": "ten"}, "top_k"),
        ({"description": "疫苗", "preset": "greedy"}, "preset"),
        ({"description": "疫苗", "as_of": "2026-13-45"}, "as_of"),
        ({"description": "疫苗", "revenue_cny": -5}, "revenue_cny"),
        ({"description": "疫苗", "needs": ["free_money"]}, "needs"),
        ({"description": "疫苗", "company_type": ["alien"]}, "company_type"),
        ({"description": "疫苗", "weights": {"luck": 1}}, "weights.luck"),
        ({"description": "疫苗", "surprise": 1}, "surprise"),
        ({}, "description"),
        # issue 15: nothing read loosely
        ({"description": "疫苗", "as_of": 0}, "as_of"),
        ({"description": "疫苗", "as_of": "20261123"}, "as_of"),
        ({"description": "疫苗", "hk_macau": 0}, "hk_macau"),
        ({"description": "疫苗", "hk_macau": "yes"}, "hk_macau"),
        ({"description": "\u200b\u200c\u200d\ufeff\u2060"}, "description"),
        ({"description": "疫苗", "weights": {"sector": 0, "incentive": 0}}, "weights"),
        ({"description": "疫苗", "weights": {"sector": -1}}, "weights.sector"),
    ],
)
def test_bad_input_gets_422_naming_the_field(api: TestClient, body: dict, field: str) -> None:  # type: ignore[type-arg]
    r = api.post(f"{V1}/match", json=body)
    assert r.status_code == 422, r.text
    data = r.json()
    assert data["code"] == "validation_error" and data["message"]
    assert field in [e["field"] for e in data["errors"]], data
    assert "Traceback" not in r.text


def test_malformed_json_is_a_clear_422(api: TestClient) -> None:
    r = api.post(f"{V1}/match", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert r.json()["errors"][0]["field"] == "body" and "character 2" in r.json()["message"]


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity"])
def test_revenue_must_be_a_finite_number(api: TestClient, value: bytes) -> None:
    body = b'{"description": "\xe7\x96\xab\xe8\x8b\x97", "revenue_cny": ' + value + b"}"
    r = api.post(f"{V1}/match", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "revenue_cny"
    assert "finite" in r.json()["message"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/match", {"description": "疫苗", "weights": {"sector": 0}}),
        ("/match", {"description": "疫苗", "needs": ["free_money"]}),
        ("/compare", {"description": "疫苗", "location_ids": ["nansha", "atlantis"]}),
        ("/match", [1, 2]),
        ("/match", "疫苗"),
    ],
)
def test_every_422_names_a_field(api: TestClient, path: str, body: object) -> None:
    r = api.post(f"{V1}{path}", json=body)
    assert r.status_code == 422
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields and all(f and not f.split(".")[0].isdigit() for f in fields), r.json()


def test_compare_side_by_side_in_the_order_asked(api: TestClient) -> None:
    r = api.post(
        f"{V1}/compare",
        json={"description": "人工晶体生产企业", "location_ids": ["shenzhen", "nansha", "ns-bio-valley"]},
    )
    assert r.status_code == 200, r.text
    locs = r.json()["locations"]
    assert [x["location_id"] for x in locs] == ["shenzhen", "nansha", "ns-bio-valley"]
    assert all({"sector", "incentive", "validity"} <= set(x["components"]) for x in locs)


@pytest.mark.parametrize(
    "ids, message",
    [
        (["nansha"], "location_ids"),
        (["nansha", "atlantis"], "unknown location id 'atlantis'"),
        (["a", "b", "c", "d", "e", "f"], "location_ids"),
        (["nansha", "nansha"], "repeated"),
    ],
)
def test_compare_refuses_bad_ids(api: TestClient, ids: list[str], message: str) -> None:
    r = api.post(f"{V1}/compare", json={"description": "疫苗", "location_ids": ids})
    assert r.status_code == 422
    assert message in r.text


def test_map_is_geojson_ready_for_a_layer(api: TestClient, engine_matcher: Matcher) -> None:
    base = api.get(f"{V1}/map").json()
    assert base["type"] == "FeatureCollection" and len(base["features"]) == len(engine_matcher.candidates)
    f = base["features"][0]
    assert f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2
    assert f["properties"]["rank"] is None
    ranked = api.post(f"{V1}/map", json={"description": "PET-MRI 医学影像设备研发"}).json()
    props = [x["properties"] for x in ranked["features"]]
    ranks = sorted(p["rank"] for p in props if p["rank"] is not None)
    assert ranks == list(range(1, len(ranks) + 1))
    top = next(p for p in props if p["rank"] == 1)
    assert top["score"] > 0 and top["fit"] and top["reasons"]
    for p in props:  # a folded park points at a location that is ranked
        if p["folded_into"]:
            assert next(q for q in props if q["id"] == p["folded_into"])["rank"] is not None
    again = api.get(f"{V1}/map", params={"description": "PET-MRI 医学影像设备研发"}).json()
    assert again == ranked
    for lon, lat in (x["geometry"]["coordinates"] for x in ranked["features"]):
        assert 109 < lon < 118 and 20 < lat < 26


def test_parks_filters_and_profile(api: TestClient) -> None:
    sz = api.get(f"{V1}/parks", params={"city": "shenzhen", "level": "park"}).json()
    assert {p["id"] for p in sz} == {
        "sz-pingshan-bio-base",
        "sz-hk-policy-zone",
        "sz-guangming-bme-zone",
        "sz-baolong-biologics-zone",
        "sz-bagang-precision-zone",
        "sz-china-israel-park",
    }
    eye = {p["id"] for p in api.get(f"{V1}/parks", params={"sector": "ophthalmology"}).json()}
    assert "nansha" in eye
    assert api.get(f"{V1}/parks", params={"sector": "warp-drives"}).status_code == 422
    prof = api.get(f"{V1}/parks/hengqin-tcm-park").json()
    assert prof["own_measures"] and prof["inherited_measures"]
    assert {m["location_id"] for m in prof["inherited_measures"]} >= {"hengqin", "zhuhai", "guangdong"}
    assert all(m["quote"] and m["section"] and m["validity"] for m in prof["own_measures"])
    r = api.get(f"{V1}/parks/atlantis")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_sectors_health_version_openapi(api: TestClient) -> None:
    tax = api.get(f"{V1}/sectors").json()
    assert len(tax["domains"]) == 8 and tax["needs"]
    assert api.get(f"{V1}/health").json() == {
        "status": "ok",
        "database": "ok",
        "engine": "ok",
        "batch_worker": "ok",
    }
    v = api.get(f"{V1}/version").json()
    assert v["kb_hash"] and v["model"].startswith("usem3") and v["code_version"]
    spec = api.get(f"{V1}/openapi.json").json()
    assert "/api/v1/match" in spec["paths"] and "/api/v1/prospects" in spec["paths"]


def test_map_query_validation_is_a_422(api: TestClient) -> None:
    r = api.get(f"{V1}/map", params={"description": "\r"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "description"
    # In a URL a description stays short enough for the HTTP server's request line (9 bytes a character encoded).
    r = api.get(f"{V1}/map", params={"description": "抗" * 2_001})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "description"
    assert api.get(f"{V1}/map", params={"description": "抗体" * 1_000}).status_code == 200


def test_health_reports_a_degraded_engine_and_its_recovery(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*a: object, **k: object) -> None:
        raise MemoryError

    m = api.app.state.matcher  # type: ignore[attr-defined]
    with monkeypatch.context() as patch:
        patch.setattr(m, "match_many", exhausted)
        assert api.post(f"{V1}/match", json={"description": "疫苗"}).status_code == 503
        r = api.get(f"{V1}/health")
        assert r.status_code == 503 and r.json()["status"] == "degraded" and "MemoryError" in r.json()["engine"]
    assert api.get(f"{V1}/health").json()["status"] == "ok"  # the probe answers again
    assert api.post(f"{V1}/match", json={"description": "疫苗"}).status_code == 200


def test_a_value_the_engine_refuses_is_a_422_naming_the_field(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.options import OptionError

    def refuse(*a: object, **k: object) -> None:
        raise OptionError("weights", "weights must be finite, non-negative, and not all zero")

    monkeypatch.setattr(api.app.state.matcher, "match_many", refuse)  # type: ignore[attr-defined]
    r = api.post(f"{V1}/match", json={"description": "疫苗"})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "weights", "message": "weights must be finite, non-negative, and not all zero"}
    ]


def test_the_openapi_document_says_what_is_accepted(api: TestClient) -> None:
    spec = api.get(f"{V1}/openapi.json").json()
    match = spec["components"]["schemas"]["MatchRequest"]["properties"]
    assert match["revenue_cny"]["anyOf"][0] == {"maximum": 1e13, "minimum": 0, "type": "number"}
    assert "gmp_plant" in match["needs"]["items"]["enum"]
    ops = spec["paths"]
    assert ops[f"{V1}/match"]["post"]["security"] == [{}, {"ApiKey": []}]  # a key is optional, and checked if sent
    assert ops[f"{V1}/prospects"]["get"]["security"] == [{"ApiKey": []}]
    assert {"401", "403", "422", "503"} <= set(ops[f"{V1}/prospects"]["get"]["responses"])
    assert set(ops[f"{V1}/prospects/{{prospect_id}}"]["patch"]["responses"]) >= {"404", "409", "412", "413"}
    assert ops[f"{V1}/match"]["post"]["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    r = api.put(f"{V1}/map")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"


ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from pathlib import Path
from api.leader import Leader
leader = Leader(Path(sys.argv[1]))
print("held" if leader.held else "not held", flush=True)
time.sleep(120)
"""


def test_a_server_process_that_does_not_run_the_batch_jobs_is_healthy(
    api_settings: Settings, engine_matcher: Matcher
) -> None:
    """With `serve --workers N` one process runs the batch jobs; the others answer health ok while it lives, and
    say so when no process runs them."""
    lock = api_settings.var_dir / "batch-worker.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    other = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        with TestClient(create_app(api_settings, matcher=engine_matcher), raise_server_exceptions=False) as c:
            assert not c.app.state.leader.held  # type: ignore[attr-defined]
            ok = c.get("/api/v1/health")
            assert ok.status_code == 200 and ok.json()["batch_worker"] == "ok", ok.json()
            other.kill()
            other.wait()
            gone = c.get("/api/v1/health")
            assert gone.status_code == 503
            assert gone.json()["batch_worker"] == "stopped: no server process runs the batch jobs"
    finally:
        other.kill()
