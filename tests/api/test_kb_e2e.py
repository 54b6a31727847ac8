"""Done when, service path, with the real encoder: a document missing from the knowledge base is uploaded, extracted
in the background, accepted, imported and served at once; /match cites it, and a saved prospect whose shortlist
it moved gets a change entry."""

from __future__ import annotations

from pathlib import Path

from matcher import Matcher
from matcher.kb import default_data_dir

from .kb_helpers import V1, app_client, make_keys, matcher_over, scratch_data, upload, wait_review

DOC = "shenzhen-cluster-2020"
PROSPECT = {
    "name": "坪山生物药企业",
    "description": "深圳坪山的抗体药物和基因治疗企业，需要生物医药产业园和中试平台",
    "top_k": 5,
}


def test_upload_accept_import_and_match(db_url: str, tmp_path: Path, real_matcher: Matcher) -> None:
    data = scratch_data(tmp_path / "data", without=(DOC,))
    matcher = matcher_over(data, real_matcher, cache=tmp_path / "cache")
    with app_client(db_url, tmp_path / "var", matcher) as c:
        keys = make_keys(c)
        admin, editor = {"X-API-Key": keys["admin"]}, {"X-API-Key": keys["editor"]}
        saved = c.post(f"{V1}/prospects", json=PROSPECT, headers=editor).json()
        assert c.get(f"{V1}/documents/{DOC}").status_code == 404

        source = default_data_dir() / "sources" / "003_df843d5208d3dd49.txt"
        r = upload(c, keys["admin"], source.read_bytes(), "shenzhen.txt", DOC)
        assert r.status_code == 202, r.text
        job = wait_review(c, r.json()["id"])
        assert job["status"] == "review", job
        doc = f"{V1}/kb/documents/{job['id']}"
        accepted = c.post(f"{doc}/proposals/bulk", json={"action": "accept"}, headers=editor).json()
        assert len(accepted) == job["counts"]["pending"] > 20

        r = c.post(f"{doc}/import", headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "manifest.title_en"
        c.patch(f"{doc}/manifest", json={"title_en": "Shenzhen biomedicine cluster plan (2020–2025)"}, headers=editor)
        r = c.post(f"{doc}/import", headers=admin)
        if r.status_code == 422:  # the reviewer rejects what validation names (a new place, a date to check …)
            named = {int(e["proposal"]) for e in r.json()["errors"] if "proposal" in e}
            assert named, r.text
            for pid in named:
                c.post(f"{doc}/proposals/{pid}/reject", headers=editor)
            r = c.post(f"{doc}/import", headers=admin)
        assert r.status_code == 200, r.text
        change = r.json()
        assert change["measures"] >= 20 and change["version"] == 1

        assert c.get(f"{V1}/version").json()["kb_hash"] == change["kb_hash_after"]
        assert c.get(f"{V1}/documents/{DOC}").json()["measures"] == change["measures"]
        ranking = c.post(f"{V1}/match", json={"description": PROSPECT["description"], "top_k": 5}).json()
        assert ranking["kb_hash"] == change["kb_hash_after"]
        assert DOC in {e["doc_id"] for m in ranking["matches"] for e in m["evidence"]}

        # The saved prospect's shortlist moved: a change entry, and its history shows it.
        assert change["affected_prospects"] == len(change["prospects"]) >= 1
        (moved,) = [p for p in change["prospects"] if p["prospect_id"] == saved["id"]]
        assert moved["before"] != moved["after"] and moved["name"] == PROSPECT["name"]
        diff = c.get(f"{V1}/prospects/{saved['id']}/changes", headers=editor).json()
        assert diff["kb_changed"] is True and diff["after"]["id"] == moved["snapshot_id"]
        assert c.get(f"{V1}/kb/changes/{change['id']}").json()["affected_prospects"] == change["affected_prospects"]
