"""POST /batches with a file, progress, downloads; refusals; a job interrupted by a restart is taken up again."""

from __future__ import annotations

import csv
import io
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from api.batches import BatchWorker
from api.config import Settings
from api.db.models import BatchJob
from api.main import create_app
from matcher import Matcher
from tests import badfiles

V1 = "/api/v1"
LIST = "企业名称,主营业务\n甲公司,人工晶体和角膜接触镜研发生产\n乙公司,\n丙公司,AAV基因治疗载体CDMO服务\n"


def wait_done(client: TestClient, job_id: str, timeout: float = 120, headers: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"{V1}/batches/{job_id}", headers=headers).json()
        assert "status" in job, job
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not done in {timeout} s")


def upload(client: TestClient, key: str, content: bytes, name: str = "list.csv", **form: str):  # type: ignore[no-untyped-def]
    return client.post(f"{V1}/batches", files={"file": (name, content)}, data=form, headers={"X-API-Key": key})


def test_upload_progress_and_downloads(client: TestClient, keys: dict[str, str]) -> None:
    client.headers["X-API-Key"] = keys["viewer"]
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
    client.headers["X-API-Key"] = keys["viewer"]
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
    h = {"X-API-Key": keys["viewer"]}
    assert client.get(f"{V1}/batches/{'0' * 32}", headers=h).status_code == 404
    assert client.get(f"{V1}/batches/not-an-id", headers=h).status_code == 422


def test_an_interrupted_job_resumes_after_a_restart(
    client: TestClient, keys: dict[str, str], settings: Settings, engine_matcher: Matcher
) -> None:
    client.headers["X-API-Key"] = keys["viewer"]
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
        again.headers["X-API-Key"] = keys["viewer"]
        job = wait_done(again, "f" * 32)
        assert job["status"] == "done" and job["message"] == "resumed after a restart"
        assert job["scored_rows"] == 2 and job["error_rows"] == 1
        assert again.get(f"{V1}/batches/{'0' * 32}/result").status_code == 404


def test_results_wait_until_done(client: TestClient, keys: dict[str, str]) -> None:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        s.add(
            BatchJob(
                id="a" * 32, status="failed", filename="x.csv", options={"format": "csv", "top": 3}, message="boom"
            )
        )
        s.commit()
    r = client.get(f"{V1}/batches/{'a' * 32}/result", headers={"X-API-Key": keys["viewer"]})
    assert r.status_code == 409 and "failed" in r.json()["message"]


# --- issue 15 -------------------------------------------------------------------------------------------------


def test_a_broken_workbook_is_refused_under_its_own_name(client: TestClient, keys: dict[str, str]) -> None:
    r = upload(client, keys["editor"], b"PK\x03\x04 not a workbook", name="客户名单.xlsx")
    assert r.status_code == 422 and "客户名单.xlsx" in r.json()["message"] and "input" not in r.json()["message"]


def test_the_rows_are_read_by_the_worker_not_the_request(
    client: TestClient, keys: dict[str, str], tmp_path: Path
) -> None:
    """The header is checked at once; a fault further down fails the job, under the uploaded file's name."""
    path = badfiles.xlsx_many_rows(tmp_path / "l.xlsx", rows=50)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b"<row><c><v>1</v></row></sheetData>")  # unclosed <c>
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    r = upload(client, keys["editor"], path.read_bytes(), name="名单.xlsx")
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"], headers={"X-API-Key": keys["viewer"]})
    assert job["status"] == "failed" and "名单.xlsx is not a readable .xlsx workbook" in job["message"]
    assert "input" not in job["message"] and "Error:" not in job["message"].split("(")[0]


def scored(client: TestClient, keys: dict[str, str], content: bytes, name: str) -> dict:  # type: ignore[type-arg]
    r = upload(client, keys["editor"], content, name=name)
    assert r.status_code == 202, r.text
    return wait_done(client, r.json()["id"], headers={"X-API-Key": keys["viewer"]})


def test_the_bad_file_set_leaves_the_service_working(client: TestClient, keys: dict[str, str], tmp_path: Path) -> None:
    h = {"X-API-Key": keys["viewer"]}
    job = scored(client, keys, badfiles.xlsx_stray_column(tmp_path / "a.xlsx", rows=200).read_bytes(), "a.xlsx")
    assert (job["status"], job["total_rows"], job["scored_rows"]) == ("done", 200, 200)
    shared = badfiles.xlsx_huge_shared_strings(tmp_path / "b.xlsx", strings=4, size=2_000_000)
    job = scored(client, keys, shared.read_bytes(), "b.xlsx")
    assert (job["status"], job["scored_rows"]) == ("done", 4)
    wide = badfiles.csv_wide(tmp_path / "c.csv", rows=100, columns=10_000)
    job = scored(client, keys, wide.read_bytes(), "c.csv")
    assert (job["status"], job["scored_rows"]) == ("done", 100)
    quote = badfiles.csv_unclosed_quote(tmp_path / "d.csv", rows=100, at=6)
    job = scored(client, keys, quote.read_bytes(), "d.csv")
    assert (job["status"], job["total_rows"], job["scored_rows"], job["error_rows"]) == ("done", 100, 99, 1)
    raw = client.get(f"{V1}/batches/{job['id']}/errors", headers=h).content.decode("utf-8-sig")
    errors = list(csv.DictReader(io.StringIO(raw)))
    assert [e["row"] for e in errors] == ["7"] and "quote" in errors[0]["reason"]
    mixed, at = badfiles.csv_mixed_encoding(tmp_path / "e.csv")
    r = upload(client, keys["editor"], mixed.read_bytes(), name="e.csv")
    assert r.status_code == 422 and f"UTF-8 up to byte {at}" in r.json()["message"]
    assert client.post(f"{V1}/match", json={"description": "疫苗"}).status_code == 200
    assert client.get(f"{V1}/health").json()["status"] == "ok"


def test_lists_over_the_row_limit_fail_with_the_reason(
    settings: Settings, engine_matcher: Matcher, keys: dict[str, str], tmp_path: Path
) -> None:
    small = settings.model_copy(update={"max_upload_rows": 40})
    with TestClient(create_app(small, matcher=engine_matcher)) as c:
        path = badfiles.xlsx_many_rows(tmp_path / "l.xlsx", rows=41)
        job = scored(c, keys, path.read_bytes(), "l.xlsx")
        assert job["status"] == "failed" and job["message"].startswith("l.xlsx has more than 40 rows")
    tight = settings.model_copy(update={"max_unpacked_bytes": 1000})
    with TestClient(create_app(tight, matcher=engine_matcher)) as c:
        r = upload(c, keys["editor"], path.read_bytes(), name="l.xlsx")  # refused while reading the header
        assert r.status_code == 422 and "l.xlsx: xl/worksheets/sheet1.xml unpacks to" in r.json()["message"]


def test_the_worker_reads_a_list_in_a_child_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading holds the interpreter lock for as long as the list is long: the server's requests would wait behind
    it. The rows come back from the child as the reader read them; its errors come back as they were raised."""
    import multiprocessing
    import os
    import tempfile

    from matcher.batch.job import prepare_file
    from matcher.batch.read import InputError, Limits

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the rows' file, passed from the child by name
    path = badfiles.xlsx_register(tmp_path / "名单.xlsx", 3000, [f"抗体药物研发第{k}号" for k in range(7)])
    worker = BatchWorker(None, None, tmp_path, tmp_path, 1, Limits(rows=5000))  # type: ignore[arg-type]
    here = prepare_file(path, {}, "名单.xlsx")
    got = worker.read(path, {}, "名单.xlsx")
    assert got.columns == here.columns and got.total == here.total == 3000
    assert list(got.table.rows) == list(here.table.rows) and got.table.long == here.table.long
    assert not multiprocessing.active_children() and worker._apart.running is None
    assert not isinstance(got.table.rows._file, tempfile.SpooledTemporaryFile)  # type: ignore[attr-defined]  # it came by name
    got.close()
    here.close()
    assert [f for f in os.listdir(tmp_path) if f.startswith("rows-")] == []  # the file went with its rows
    small = BatchWorker(None, None, tmp_path, tmp_path, 1, Limits(rows=10))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="名单.xlsx has more than 10 rows"):
        small.read(path, {}, "名单.xlsx")
    with pytest.raises(InputError, match="no such file"):
        small.read(tmp_path / "gone.csv", {}, "gone.csv")


def test_the_worker_writes_the_result_in_a_child_process(tmp_path: Path, engine_matcher: Matcher) -> None:
    """Writing a result is pure Python too (three minutes for a million-row workbook): the files the child writes
    are the ones written here, and a failure comes back with its name."""
    from matcher.batch.job import prepare_file, score_file, write_results
    from matcher.batch.read import Limits
    from matcher.batch.run import BatchOptions

    src = tmp_path / "名单.csv"
    src.write_text(LIST, encoding="utf-8")
    worker = BatchWorker(None, None, tmp_path, tmp_path, 1, Limits())  # type: ignore[arg-type]
    got = {}
    for how, write in (("here", write_results), ("apart", worker.write)):
        for fmt in ("xlsx", "csv"):
            out, err = tmp_path / how / f"r.{fmt}", tmp_path / how / f"e-{fmt}.csv"
            out.parent.mkdir(exist_ok=True)
            prepared = prepare_file(src, {})
            res = score_file(engine_matcher, src, prepared, out, err, BatchOptions(top=2), None, write=write)
            prepared.close()
            assert (res.scored, res.errors) == (2, 1)
            got[how, fmt] = out.read_bytes() if fmt == "csv" else read_xlsx_values(out), err.read_bytes()
    assert got["apart", "csv"] == got["here", "csv"] and got["apart", "xlsx"] == got["here", "xlsx"]
    with pytest.raises(RuntimeError, match="ValueError: unsupported output '.txt'"):
        worker.write(tmp_path / "r.txt", tmp_path / "e.csv", None, BatchOptions(), None)  # type: ignore[arg-type]


def read_xlsx_values(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_a_worker_stopped_while_a_list_is_read_gives_the_job_back(tmp_path: Path) -> None:
    from api.batches import Interrupted
    from matcher.batch.read import Limits

    path = badfiles.xlsx_many_rows(tmp_path / "l.xlsx", rows=200_000)  # a few seconds to read
    worker = BatchWorker(None, None, tmp_path, tmp_path, 1, Limits())  # type: ignore[arg-type]
    raised: list[BaseException] = []

    def read() -> None:
        try:
            worker.read(path, {}, "l.xlsx")
        except BaseException as err:
            raised.append(err)

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.time() + 30
    while (worker._apart.running is None or not worker._apart.running.is_alive()) and time.time() < deadline:
        time.sleep(0.01)
    child = worker._apart.running
    assert child is not None
    worker.stop()  # the reading process is stopped at once, and the job would go back to the queue
    reader.join(timeout=30)
    assert not reader.is_alive() and len(raised) == 1 and isinstance(raised[0], Interrupted), raised
    assert child.exitcode is not None and child.exitcode < 0  # terminated, not finished


def claim_together(workers: list[BatchWorker], engine: Engine) -> list[str | None]:
    """Each worker claims once, from its own thread; both have read the queue before either claims (a barrier
    holds each after its first SELECT on the jobs)."""
    barrier = threading.Barrier(len(workers), timeout=10)
    held = threading.local()

    def after_select(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "batch_jobs" in statement and not held.__dict__:
            held.done = True
            barrier.wait()

    claimed: list[str | None] = []
    threads = [threading.Thread(target=lambda w=w: claimed.append(w.claim())) for w in workers]
    event.listen(engine, "after_cursor_execute", after_select)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        event.remove(engine, "after_cursor_execute", after_select)
    return claimed


def test_two_workers_never_claim_one_job(client: TestClient, settings: Settings, engine_matcher: Matcher) -> None:
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    client.app.state.batch_worker.stop()  # type: ignore[attr-defined]
    workers = [BatchWorker(sessions, engine_matcher, settings.var_dir, settings.cache_dir, 10) for _ in range(2)]
    for rnd in range(20):
        with sessions() as s:
            for i in range(2):
                s.add(BatchJob(id=f"{rnd:02d}{i:030d}", status="queued", filename="x.csv", options={}, message=""))
            s.commit()
        claimed = claim_together(workers, sessions.kw["bind"])
        assert len(claimed) == 2 and None not in claimed and len(set(claimed)) == 2, claimed
        with sessions() as s:
            running = s.scalars(select(BatchJob).where(BatchJob.status == "running")).all()
            assert len(running) == 2 and len({j.worker for j in running}) == 2
            for j in running:
                j.status = "done"
            s.commit()


def test_a_running_job_is_taken_over_only_from_a_process_that_is_gone() -> None:
    import datetime as dt
    import os
    import socket
    import subprocess
    import sys

    from api.batches import BOOT, LEASE

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host, now = socket.gethostname(), dt.datetime.now(dt.UTC)

    def job(worker: str | None, quiet: dt.timedelta = dt.timedelta(0)) -> BatchJob:
        return BatchJob(id="x", status="running", worker=worker, updated_at=now - quiet)

    assert BatchWorker.abandoned(job(f"{host}:{gone.stdout.strip()}:abc.1"))  # its process has exited
    assert BatchWorker.abandoned(job(f"{host}:{os.getpid()}:{'0' * 12}.1"))  # an earlier process with our pid
    assert not BatchWorker.abandoned(job(f"{host}:{os.getpid()}:{BOOT}.7"))  # another worker of this process
    assert not BatchWorker.abandoned(job(f"{host}:1:{BOOT}.1"))  # a live process on this host
    assert not BatchWorker.abandoned(job("elsewhere:123:abc.1", LEASE / 2))  # another host, reporting progress
    assert BatchWorker.abandoned(job("elsewhere:123:abc.1", LEASE * 2))  # another host, silent too long
    assert BatchWorker.abandoned(job(None))  # from before workers were named


def test_a_stopping_server_puts_its_running_job_back_in_the_queue(
    settings: Settings, fake_matcher: Matcher, keys: dict[str, str], tmp_path: Path
) -> None:
    from matcher.batch.synth import descriptions, write_csv

    path = tmp_path / "list.csv"
    write_csv(path, descriptions(fake_matcher.kb.taxonomy, 800, seed=3))  # a few chunks of 256
    with TestClient(create_app(settings, matcher=fake_matcher)) as c:
        job_id = upload(c, keys["editor"], path.read_bytes()).json()["id"]
        h = {"X-API-Key": keys["viewer"]}
        while c.get(f"{V1}/batches/{job_id}", headers=h).json()["done_rows"] == 0:
            time.sleep(0.05)
    with TestClient(create_app(settings, matcher=fake_matcher)) as again:
        with again.app.state.sessions() as s:  # type: ignore[attr-defined]
            job = s.get(BatchJob, job_id)
            assert job is not None and job.message == "resumed after a restart", (job.status, job.done_rows)
        done = wait_done(again, job_id, headers=h)
        assert (done["status"], done["scored_rows"] + done["error_rows"]) == ("done", 800)
