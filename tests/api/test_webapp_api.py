"""The endpoints behind the web app: one engine run per map search, the policy library with quote spans, place
profiles, the key's role, the pages' security headers and Leaflet served from its package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.db.repository import create_key
from api.main import create_app
from matcher import Matcher
from matcher.kb.sections import squash

V1 = "/api/v1"
AAV = {"description": "我们是一家专注于AAV基因治疗载体工艺开发和GMP生产的CDMO公司", "as_of": "2026-11-23", "top_k": 10}


@pytest.fixture(scope="module")
def web(engine_matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Storage hardly matters here, so one SQLite database serves the whole module."""
    tmp: Path = tmp_path_factory.mktemp("web")
    settings = Settings(database_url=f"sqlite:///{tmp / 'web.db'}", var_dir=tmp / "var")
    with TestClient(create_app(settings, matcher=engine_matcher), raise_server_exceptions=False) as c:
        yield c


def test_one_map_search_runs_the_engine_once(
    web: TestClient, engine_matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[Any] = []
    real = engine_matcher.match_many
    monkeypatch.setattr(engine_matcher, "match_many", lambda *a, **k: runs.append(k) or real(*a, **k))
    r = web.post(f"{V1}/shortlist", json=AAV)
    assert r.status_code == 200, r.text
    assert len(runs) == 1
    body = r.json()
    ranking, feats = body["ranking"], body["features"]["features"]
    assert body["top_k"] == 10 and ranking["matches"][0]["location_id"] == "nansha"
    assert len(feats) == len(engine_matcher.candidates)
    props = {f["id"]: f["properties"] for f in feats}
    shortlisted = [p for p in props.values() if p["shortlisted"]]
    assert sorted(p["rank"] for p in shortlisted) == list(range(1, 11))
    # Every landing place either ranks or is folded into one that does, and then carries that place's fit; a city
    # with places below it is not a landing place and does not rank here.
    ranked = {m["location_id"]: m for m in ranking["matches"]}
    for loc_id, p in props.items():
        if not p["landing"]:
            assert p["rank"] is None and p["folded_into"] is None and p["level"] == "city", loc_id
            continue
        assert (p["rank"] is None) == (p["folded_into"] is not None), loc_id
        if p["folded_into"]:
            assert loc_id in ranked[p["folded_into"]]["also_in"] and p["fit"] == ranked[p["folded_into"]]["fit"]
    # The same ranking /match gives, from the same one run.
    m = web.post(f"{V1}/match", json=AAV).json()
    assert [x["location_id"] for x in m["matches"]] == [x["location_id"] for x in ranking["matches"][:10]]


def test_every_quote_is_highlighted_where_it_sits_in_its_document(web: TestClient, engine_matcher: Matcher) -> None:
    docs = web.get(f"{V1}/documents", params={"as_of": "2026-11-23"}).json()
    assert {d["id"]: d["status"] for d in docs}["nansha-opinions"] == "in_force"
    assert {d["id"]: d["status"] for d in docs}["gz-action-2018"] == "ended"
    kb = engine_matcher.kb
    for d in docs:
        doc = web.get(f"{V1}/documents/{d['id']}").json()
        text = doc["text"]
        primary = {s["measure_id"] for s in doc["spans"] if s["primary"]}
        assert primary == {m.id for _, m in kb.measures.values() if m.source.doc == d["id"]}, d["id"]
        for s in doc["spans"]:
            _, m = kb.measures[s["measure_id"]]
            quote = m.citations[s["citation"]].quote
            assert squash(text[s["start"] : s["end"]]) == squash(quote)
            sec = next(x for x in doc["sections"] if x["path"] == s["section"])
            assert sec["start"] <= s["start"] and s["end"] <= sec["end"]
        reasons = {x["path"]: x["no_measures"] for x in doc["sections"] if x["no_measures"]}
        assert reasons == {p: r for p, r in kb.sources[d["id"]].source.no_measures.items() if p in reasons}
        assert len(reasons) == len(kb.sources[d["id"]].source.no_measures)
    assert web.get(f"{V1}/documents/no-such-doc").status_code == 404


def test_a_place_profile_says_what_it_offers_inherits_and_has_lost(web: TestClient) -> None:
    p = web.get(f"{V1}/places/ns-bio-valley", params={"as_of": "2026-11-23"}).json()
    assert [a["id"] for a in p["ancestors"]] == ["nansha", "guangzhou", "gba-mainland", "guangdong"]
    own = [m for m in p["measures"] if not m["inherited"]]
    assert own and all(m["location_id"] == "ns-bio-valley" and m["source_label_zh"] is None for m in own)
    inherited = [m for m in p["measures"] if m["inherited"]]
    gz = next(m for m in inherited if m["location_id"] == "guangzhou")
    assert gz["source_label_zh"] == "来自广州市（广州2018行动方案）" and gz["validity"]["status"] == "ended"
    assert gz["group"] in ("ended", "focus", "context")
    in_force = {m["group"] for m in inherited if m["validity"]["status"] == "in_force"}
    assert in_force <= {"offers", "resources", "focus", "context"} and "ended" not in in_force
    assert all(m["section_index"] is not None for m in p["measures"])
    assert web.get(f"{V1}/places/nowhere").status_code == 404


def test_whoami_names_the_role_and_refuses_a_bad_key(web: TestClient) -> None:
    with web.app.state.sessions() as s:  # type: ignore[attr-defined]
        _, token = create_key(session=s, name="officer", role="viewer")
    assert web.get(f"{V1}/whoami", headers={"X-API-Key": token}).json()["role"] == "viewer"
    assert web.get(f"{V1}/whoami").status_code == 401
    assert web.get(f"{V1}/whoami", headers={"X-API-Key": "pm_nope"}).json()["message"] == "unknown or revoked API key"


@pytest.mark.parametrize("path", ["/", "/places/nansha", "/documents", "/documents/nansha-opinions", "/pipeline",
                                  "/pipeline/1", "/batches"])  # fmt: skip
def test_every_view_is_served_with_a_policy_that_forbids_inline_script(web: TestClient, path: str) -> None:
    r = web.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    html = r.text
    assert "<script>" not in html and " style=" not in html and "http" not in html.replace("http-equiv", "")
    assert '<script type="module" src="/static/js/' in html


def test_leaflet_comes_from_its_package_and_nothing_else_is_reachable(web: TestClient) -> None:
    r = web.get("/vendor/leaflet/leaflet-src.esm.js")
    assert r.status_code == 200 and "export" in r.text
    assert web.get("/vendor/leaflet/leaflet.css").status_code == 200
    for bad in ("../__init__.py", "..%2F__init__.py", "leaflet-src.js.map", "nope.js"):
        assert web.get(f"/vendor/leaflet/{bad}").status_code == 404, bad
    for js in Path("api/static/js").glob("*.js"):
        body = js.read_text(encoding="utf-8")
        assert "innerHTML" not in body and "insertAdjacentHTML" not in body, js.name
        assert "https://" not in body and "http://" not in body, js.name


def test_the_briefing_never_says_met_for_a_measure_with_no_condition(web: TestClient) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    ranking = web.post(f"{V1}/match", json={**AAV, "top_k": 3}).json()
    wb = load_workbook(BytesIO(web.post(f"{V1}/briefing.xlsx", json=ranking).content))
    assert wb.sheetnames == ["shortlist", "evidence", "incentives", "ended"]
    rows = list(wb["incentives"].iter_rows(min_row=2, values_only=True))
    no_condition = {i["title"] for m in ranking["matches"] for i in m["incentives"] if not i["conditions"]}
    assert no_condition
    assert {r[4] for r in rows if r[1] in no_condition} == {"未列条件"}
