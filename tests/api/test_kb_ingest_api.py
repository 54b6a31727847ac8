"""Policy ingestion over the API: bad uploads refused with the reason, an upload's extraction with progress, the
review (edit, split, merge, accept, reject, the low-confidence filter, the manifest), import all or nothing into a
scratch data/ folder, withdrawal with its record, and the history of changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from matcher import Matcher
from matcher.kb.extract import NotPolicyDocument
from tests.extract.docs import POLICY, write_docx, write_pdf
from tests.fakes import HashEncoder

from .kb_helpers import V1, app_client, make_keys, matcher_over, scratch_data, upload, wait_review


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return scratch_data(tmp_path / "data")


@pytest.fixture
def kb_client(db_url: str, tmp_path: Path, scratch: Path) -> Any:
    with app_client(db_url, tmp_path / "var", matcher_over(scratch, None, HashEncoder())) as c:
        yield c


def by_quote(proposals: list[dict[str, Any]], words: str) -> dict[str, Any]:
    (p,) = [p for p in proposals if words in p["item"]["source"]["quote"]]
    return p


BAD = [
    ("p.doc", b"\xd0\xcf\x11\xe0 old word", "unsupported_format", "save it as .docx"),
    ("empty.txt", b"  \n\n ", "empty_document", "holds no text"),
    ("p.docx", b"PK\x03\x04 not really a zip", "unreadable_file", "not a readable .docx"),
    ("report.txt", b"Quarterly sales report. Revenue grew 4% in Q3. " * 20, "not_policy_document", "Chinese"),
    (
        "flat.txt",
        "关于支持生物医药企业发展的通知\n为推动产业发展，支持企业建设研发平台，鼓励引进人才，加快落实各项政策措施。\n".encode(),
        "no_section_numbering",
        "no recognisable section numbering",
    ),
]


@pytest.mark.parametrize(("name", "content", "code", "words"), BAD)
def test_a_bad_upload_is_refused_with_its_reason(
    client: TestClient, keys: dict[str, str], name: str, content: bytes, code: str, words: str
) -> None:
    r = upload(client, keys["admin"], content, name, "new-doc")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == code and words in body["message"]
    assert body["errors"][0]["field"] == "file"
    assert client.get(f"{V1}/kb/documents").json() == []  # nothing queued, nothing reaches the knowledge base


def test_scanned_and_oversized_pdfs_and_other_refusals(
    client: TestClient, keys: dict[str, str], tmp_path: Path, engine_matcher: Matcher
) -> None:
    before = client.get(f"{V1}/version").json()["kb_hash"]
    scanned = write_pdf(tmp_path / "scan.pdf", scanned_pages=2).read_bytes()
    r = upload(client, keys["admin"], scanned, "scan.pdf", "new-doc")
    assert (r.status_code, r.json()["code"]) == (422, "no_text_layer")
    assert "run OCR first" in r.json()["message"]
    big = b"%PDF-1.4\n" + b"0" * (50 * 2**20)
    r = upload(client, keys["admin"], big, "big.pdf", "new-doc")
    assert (r.status_code, r.json()["code"]) == (422, "file_too_large")
    assert "big.pdf is 50.0 MB; the limit is 20 MB" in r.json()["message"]
    r = upload(client, keys["admin"], POLICY.encode(), "p.txt", "nansha-opinions")
    assert r.status_code == 409 and "already in the knowledge base" in r.json()["message"]
    r = upload(client, keys["admin"], POLICY.encode(), "p.txt", "Not An Id")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "doc_id"
    assert upload(client, keys["editor"], POLICY.encode(), "p.txt", "x-doc").status_code == 403
    assert upload(client, "", POLICY.encode(), "p.txt", "x-doc").status_code == 401
    assert client.get(f"{V1}/kb/documents").json() == []
    assert client.get(f"{V1}/version").json()["kb_hash"] == before == engine_matcher.kb.content_hash


def test_upload_review_import_and_withdraw(kb_client: TestClient, scratch: Path) -> None:
    c, keys = kb_client, make_keys(kb_client)
    admin, editor, viewer = ({"X-API-Key": keys[r]} for r in ("admin", "editor", "viewer"))
    hash0 = c.get(f"{V1}/version").json()["kb_hash"]
    r = upload(c, keys["admin"], POLICY.encode(), "hp.txt", "hp-2026", title_en="Huangpu measures (2026–2028)")
    assert r.status_code == 202, r.text
    job = wait_review(c, r.json()["id"])
    assert job["status"] == "review", job
    stages = [p for _, p in job["seen"]]
    assert stages == sorted(stages)  # progress only moves forward
    doc = f"{V1}/kb/documents/{job['id']}"
    assert job["manifest"]["title"] == "广州市黄埔区促进生物医药产业发展若干措施（2026—2028年）"
    assert job["manifest"]["title_en"] == "Huangpu measures (2026–2028)"  # stated at upload, over the machine's TODO
    assert job["text"] == POLICY
    assert upload(c, keys["admin"], POLICY.encode(), "hp.txt", "hp-2026").status_code == 409  # one review at a time

    props = c.get(f"{doc}/proposals").json()
    assert job["counts"]["pending"] == len(props) >= 3
    low = c.get(f"{doc}/proposals", params={"low": "true"}).json()
    assert {p["id"] for p in low} == {p["id"] for p in props if p["low"]} and job["counts"]["low"] == len(low)
    for p in props:  # every quote is where its offsets say
        assert POLICY[p["start"] : p["end"]] == p["item"]["source"]["quote"]

    sub = by_quote(props, "最高500万元")
    url = f"{doc}/proposals/{sub['id']}"
    r = c.patch(url, json={"changes": {"kind": "no-such-kind"}}, headers=editor)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = c.patch(url, json={"changes": {"sectors": 5, "colour": "red"}}, headers=editor)
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"changes.sectors", "changes.colour"}
    r = c.patch(url, json={"changes": {"quote": "给予补贴最高600万元"}}, headers=editor)
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "quote", "message": "not verbatim in the document's text"}
    ]
    assert c.patch(url, json={"changes": {"kind": "subsidy"}}, headers=viewer).status_code == 403
    short = "按研发投入的20%给予补贴，最高500万元"
    r = c.patch(url, json={"changes": {"quote": short, "kind": "subsidy", "title_en": "R&D subsidy"}}, headers=editor)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["item"]["source"]["quote"] == short and POLICY[edited["start"] : edited["end"]] == short
    assert edited["item"]["source"]["section"] == "一、（一）" and edited["edited"] is True
    assert [a["text"] for a in edited["item"]["amounts"]] == ["20%", "最高500万元"]

    # Split the platform sentence at its comma, then merge the two pieces back.
    plat = by_quote(props, "CDMO平台")
    comma = POLICY.index("，为企业提供中试生产服务")
    r = c.post(f"{doc}/proposals/{plat['id']}/split", json={"at": [comma]}, headers=editor)
    assert r.status_code == 200, r.text
    a, b = r.json()
    assert (
        a["item"]["source"]["quote"].endswith("CDMO平台") and b["item"]["source"]["quote"] == "为企业提供中试生产服务。"
    )
    assert a["item"]["id"] != b["item"]["id"]
    r = c.post(f"{doc}/proposals/{plat['id']}/split", json={"at": [0]}, headers=editor)
    assert r.status_code == 422 and "inside the quote" in r.json()["message"]
    r = c.post(f"{doc}/proposals/merge", json={"ids": [b["id"], a["id"]]}, headers=editor)
    assert r.status_code == 200, r.text
    assert r.json()["item"]["source"]["quote"] == plat["item"]["source"]["quote"]
    r = c.post(f"{doc}/proposals/merge", json={"ids": [sub["id"], a["id"]]}, headers=editor)
    assert r.status_code == 422 and "different sections" in r.json()["message"]

    assert c.post(f"{url}/accept", headers=editor).json()["status"] == "accepted"
    r = c.post(f"{doc}/import", headers=admin)
    assert r.status_code == 409 and "still pending" in r.json()["message"]
    r = c.post(f"{doc}/proposals/bulk", json={"action": "reject"}, headers=editor)
    assert {p["status"] for p in r.json()} == {"rejected"} and len(r.json()) == len(props) - 1

    r = c.patch(f"{doc}/manifest", json={"level": "town"}, headers=editor)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "level"
    r = c.post(f"{doc}/import", headers=editor)
    assert r.status_code == 403
    r = c.post(f"{doc}/import", params={"dry_run": "true"}, headers=admin)
    assert r.status_code == 200 and r.json()["dry_run"] is True and r.json()["measures"] == 1
    assert c.get(f"{V1}/version").json()["kb_hash"] == hash0  # a dry run writes nothing
    r = c.post(f"{doc}/import", headers=admin)
    assert r.status_code == 200, r.text
    change = r.json()
    assert (change["kind"], change["doc_id"], change["measures"]) == ("import", "hp-2026", 1)
    assert change["kb_hash_before"] == hash0 != change["kb_hash_after"]
    # Served at once: the version, the library, the place's measures.
    assert c.get(f"{V1}/version").json()["kb_hash"] == change["kb_hash_after"]
    assert c.get(f"{V1}/documents/hp-2026").status_code == 200
    mid = sub["item"]["id"]
    assert (scratch / "sources" / "hp-2026.txt").read_text(encoding="utf-8") == POLICY
    park = yaml.safe_load((scratch / "parks" / f"{sub['item']['location']}.yaml").read_text(encoding="utf-8"))
    (measure,) = [x for x in park["measures"] if x["id"] == mid]
    assert measure["source"] == {"doc": "hp-2026", "section": "一、（一）", "quote": short}
    assert c.get(doc).json()["status"] == "imported"
    assert c.patch(url, json={"changes": {"kind": "fund"}}, headers=editor).status_code == 409

    r = c.post(f"{V1}/kb/withdrawals", json={"doc_id": "hp-2026", "reason": "superseded"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["measures"] == 1 and r.json()["kind"] == "withdraw"
    assert c.get(f"{V1}/documents/hp-2026").status_code == 404
    record = yaml.safe_load((scratch / "sources" / "withdrawn.yaml").read_text(encoding="utf-8"))
    assert [(x["id"], x["reason"], x["measures"]) for x in record] == [("hp-2026", "superseded", 1)]
    assert record[0]["by"].startswith("key ")
    history = c.get(f"{V1}/kb/changes").json()
    assert [(h["kind"], h["doc_id"]) for h in history] == [("withdraw", "hp-2026"), ("import", "hp-2026")]
    assert history[0]["kb_hash_after"] == c.get(f"{V1}/version").json()["kb_hash"]
    r = c.post(f"{V1}/kb/withdrawals", json={"doc_id": "hp-2026", "reason": "again"}, headers=admin)
    assert r.status_code == 422  # a field naming nothing in the knowledge base, not a missing URL
    assert [e["field"] for e in r.json()["errors"]] == ["doc_id"]


def test_tables_and_mixed_encodings_are_read_and_said(kb_client: TestClient, tmp_path: Path) -> None:
    c, keys = kb_client, make_keys(kb_client)
    docx = write_docx(tmp_path / "hp.docx").read_bytes()
    job = wait_review(c, upload(c, keys["admin"], docx, "hp.docx", "hp-docx").json()["id"])
    assert job["status"] == "review"
    assert "1 table(s) read row by row, cells separated by tabs" in job["extraction"]["notes"]
    assert "区科技局\t1\t支持建设生物医药公共技术服务平台。" in job["text"]  # a table row, cells by tabs
    lines = POLICY.splitlines()
    mixed = "\n".join(lines[:4]).encode("utf-8") + b"\n" + "\n".join(lines[4:]).encode("gbk")
    job = wait_review(c, upload(c, keys["admin"], mixed, "mixed.txt", "hp-mixed").json()["id"])
    assert job["status"] == "review" and job["text"] == "\n".join(lines)
    assert any(n.startswith("mixed encodings:") for n in job["extraction"]["notes"])
    r = c.delete(f"{V1}/kb/documents/{job['id']}", headers={"X-API-Key": keys["admin"]})
    assert r.status_code == 204 and c.get(f"{V1}/kb/documents/{job['id']}").json()["status"] == "discarded"


def test_a_failed_extraction_says_why(kb_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    c, keys = kb_client, make_keys(kb_client)
    worker = c.app.state.ingest_worker  # type: ignore[attr-defined]
    hash0 = c.get(f"{V1}/version").json()["kb_hash"]

    class Refuses:
        def run(self, *args: Any, **kwargs: Any) -> None:
            raise NotPolicyDocument("hp.txt does not read as a policy document")

    class Breaks:
        def run(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(worker, "extractor", lambda matcher: Refuses())
    job = wait_review(c, upload(c, keys["admin"], POLICY.encode(), "hp.txt", "hp-2026").json()["id"])
    assert (job["status"], job["code"], job["message"]) == (
        "failed",
        "not_policy_document",
        "hp.txt does not read as a policy document",
    )
    monkeypatch.setattr(worker, "extractor", lambda matcher: Breaks())
    job = wait_review(c, upload(c, keys["admin"], POLICY.encode(), "hp.txt", "hp-2026").json()["id"])
    assert (job["status"], job["code"]) == ("failed", "extraction_failed")
    assert "disk on fire" not in job["message"] and "RuntimeError" in job["message"]
    assert c.get(f"{V1}/kb/documents/{job['id']}/proposals").json() == []
    assert c.get(f"{V1}/version").json()["kb_hash"] == hash0
