"""POST /batches with a file, progress, downloads; refusals; a job interrupted by a restart is taken up again."""

from __future__ import annotations

import csv
import io
import shutil
import time

from fastapi.testclient import TestClient

from api.config import Settings
from api.db.models import BatchJob
from api.main import create_app
from matcher import Matcher

V1 = "/api/v1"
LIST = "企业名称,主营业务\n甲公司,人工晶体和角膜接触镜研发生产\n乙公司,\n丙公司,AAV基因治疗载体CDMO服务\n"


def wait_done(client: TestClient, job_id: str, timeout: float = 120) -> dict:  # type: ignore[type-arg]
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"{V1}/batches/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not done in {timeout} s")


def upload(client: TestClient, key: str, content: bytes, name: str = "list.csv", **form: str):  # type: ignore[no-untyped-def]
    return client.post(f"{V1}/batches", files={"file": (name, content)}, data=form, headers={"X-API-Key": key})


def test_upload_progress_and_downloads(client: TestClient, keys: dict[str, str]) -> None:
    r = upload(client, keys["editor"], LIST.encode("gbk"), format="csv", top="2")
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    assert job["status"] == "done" and job["progress"] == 1.0
    assert (job["total_rows"], job["scored_rows"], job["error_rows"]) == (3, 2, 1)
    res = client.get(f"{V1}/batches/{job['id']}/result")
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert [r["企业名称"] for r in rows] == ["甲公司", "丙公司"] and rows[0]["location_1"] == "nansha"
    assert list(rows[0])[:3] == ["企业名称", "主营业务", "row"]  # the list's own columns first, then the ranking
    err = client.get(f"{V1}/batches/{job['id']}/errors").content.decode("utf-8-sig")
    assert "乙公司" in err and "empty description" in err
    assert job["id"] in [j["id"] for j in client.get(f"{V1}/batches").json()]


def test_for_one_location_as_xlsx(client: TestClient, keys: dict[str, str]) -> None:
    r = upload(client, keys["editor"], LIST.encode(), **{"for": "nansha", "format": "xlsx"})
    job = wait_done(client, r.json()["id"])
    assert job["status"] == "done"
    res = client.get(f"{V1}/batches/{job['id']}/result")
    assert res.content[:2] == b"PK"


def test_refusals(client: TestClient, keys: dict[str, str]) -> None:
    assert upload(client, "", LIST.encode()).status_code == 401
    assert upload(client, keys["viewer"], LIST.encode()).status_code == 403
    r = upload(client, keys["editor"], b"x", name="list.pdf")
    assert r.status_code == 422 and "unsupported file" in r.json()["message"]
    r = upload(client, keys["editor"], "公司,地址\n甲,广州\n".encode())
    assert r.status_code == 422 and "the file has: 公司, 地址" in r.json()["message"]
    r = upload(client, keys["editor"], LIST.encode(), **{"for": "atlantis"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "for"
    assert client.get(f"{V1}/batches/{'0' * 32}").status_code == 404
    assert client.get(f"{V1}/batches/not-an-id").status_code == 422


def test_an_interrupted_job_resumes_after_a_restart(
    client: TestClient, keys: dict[str, str], settings: Settings, engine_matcher: Matcher
) -> None:
    r = upload(client, keys["editor"], LIST.encode())
    first = wait_done(client, r.json()["id"])
    # Make a copy of the job that looks cut short: status running, no results yet.
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        old = s.get(BatchJob, first["id"])
        assert old is not None
        clone = BatchJob(
            id="f" * 32,
            status="running",
            filename=old.filename,
            options=old.options,
            total_rows=3,
            done_rows=1,
            message="",
        )
        s.add(clone)
        s.commit()
    src = settings.var_dir / "batches" / first["id"]
    dst = settings.var_dir / "batches" / ("f" * 32)
    dst.mkdir(parents=True)
    shutil.copy(src / "input.csv", dst / "input.csv")
    with TestClient(create_app(settings, matcher=engine_matcher)) as again:  # a restart
        job = wait_done(again, "f" * 32)
        assert job["status"] == "done" and job["message"] == "resumed after a restart"
        assert job["scored_rows"] == 2 and job["error_rows"] == 1
        assert again.get(f"{V1}/batches/{'0' * 32}/result").status_code == 404


def test_results_wait_until_done(client: TestClient) -> None:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        s.add(
            BatchJob(
                id="a" * 32, status="failed", filename="x.csv", options={"format": "csv", "top": 3}, message="boom"
            )
        )
        s.commit()
    r = client.get(f"{V1}/batches/{'a' * 32}/result")
    assert r.status_code == 409 and "failed" in r.json()["message"]
