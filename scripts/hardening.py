"""Figures for issue 15 (hardening), each measured against a live server on loopback with a scratch database.

    .venv/bin/python scripts/hardening.py fuzz [--examples 100]      schemathesis, every operation, all checks
    .venv/bin/python scripts/hardening.py badfiles [--quick]         the bad-file set, peak resident memory per file
    .venv/bin/python scripts/hardening.py load [--rows 20000]        32 clients x 30 s on /match while a batch runs
    .venv/bin/python scripts/hardening.py races [--rounds 20]        status, ETag and job-claim races
    .venv/bin/python scripts/hardening.py all

`races` runs on SQLite under a temporary folder, or on the PostgreSQL at --database-url, whose public schema it
DROPS first: give it a throwaway database (the suite's: `scripts/test-postgres.sh` prints its URL)."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.db.repository import create_key  # noqa: E402
from api.db.session import make_engine, session_factory  # noqa: E402
from api.loadtest import TEXTS, run_against  # noqa: E402
from api.local import server_process  # noqa: E402
from tests import badfiles  # noqa: E402

V1 = "/api/v1"
CACHE = ROOT / "var" / "hardening-cache"


@contextmanager
def server(workers: int = 1, database_url: str | None = None) -> Iterator[tuple[str, int, str]]:
    """(base URL, server pid, database URL) of a fresh service, on SQLite in a scratch folder unless a database is
    given; with one worker the pid is the serving process."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/matcher.db"
        env = {"DATABASE_URL": database_url} if database_url else None
        CACHE.mkdir(parents=True, exist_ok=True)
        (Path(tmp) / "cache").symlink_to(CACHE)  # profile embeddings kept between runs: a quicker start
        with server_process(Path(tmp), workers=workers, timeout=600, env=env) as (base, proc):
            yield base, proc.pid, url


def new_key(db_url: str, role: str, team: str = "default") -> str:
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        _, token = create_key(session=s, name=f"figures {role}", role=role, team=team)  # type: ignore[arg-type]
    engine.dispose()
    return token


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak since start) of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def wait_job(
    http: httpx.Client,
    job_id: str,
    key: str,
    timeout: float = 3600,
    latencies: list[float] | None = None,
    children: tuple[int, list[float]] | None = None,
) -> dict[str, Any]:
    """The job once done or failed; meanwhile a `/match` every 2 s, its time added to `latencies` when given, and
    the resident memory of the server's child processes (`children`: its pid, and where to add the samples: the
    process reading the list), every half second."""
    deadline = time.time() + timeout
    last = 0.0
    while time.time() < deadline:
        if children is not None:
            import psutil

            for child in psutil.Process(children[0]).children():
                with contextlib.suppress(psutil.Error):
                    children[1].append(child.memory_info().rss / 2**20)
        job: dict[str, Any] = http.get(f"{V1}/batches/{job_id}", headers={"X-API-Key": key}).json()
        if job["status"] in ("done", "failed"):
            return job
        if latencies is not None and time.time() - last >= 2:
            last = time.time()
            latencies.append(match_ms(http))
        time.sleep(0.5)
    raise TimeoutError(f"job {job_id} not finished in {timeout:.0f} s")


def match_ms(http: httpx.Client) -> float:
    """One `POST /match`'s time, in ms (it must succeed)."""
    t0 = time.time()
    r = http.post(f"{V1}/match", json={"description": TEXTS[2]})
    r.raise_for_status()
    return (time.time() - t0) * 1000


# --- fuzz ---------------------------------------------------------------------------------------------------


def fuzz(examples: int) -> None:
    with server() as (base, _, db_url), tempfile.TemporaryDirectory() as reports:
        token = new_key(db_url, "admin")
        cmd = [
            str(ROOT / ".venv/bin/schemathesis"),
            "run",
            f"{base}{V1}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(examples),
            "--workers",
            "1",
            "--suppress-health-check",
            "all",
            "--report",
            "ndjson",
            "--report-dir",
            reports,
            "-H",
            f"X-API-Key: {token}",
        ]
        t0 = time.time()
        subprocess.run(cmd, cwd=reports, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # its cache too
        seconds = time.time() - t0
        ran, failed, requests = collections.Counter[str](), collections.Counter[str](), 0
        where: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        per_operation: collections.Counter[str] = collections.Counter()
        for line in next(Path(reports).glob("*.ndjson")).read_text().splitlines():
            event = json.loads(line)
            recorder = next(iter(event.values())).get("recorder") if "ScenarioFinished" in event else None
            if not recorder:
                continue
            requests += len(recorder.get("interactions", {}))
            per_operation[recorder["label"]] += len(recorder.get("interactions", {}))
            for results in recorder.get("checks", {}).values():
                for r in results:
                    ran[r["name"]] += 1
                    if r["status"] != "success":
                        failed[r["name"]] += 1
                        where[r["name"]][recorder["label"]] += 1
    print(f"schemathesis, {examples} examples per operation, all checks, {seconds:.0f} s: {requests} requests")
    ops = {k: v for k, v in per_operation.items() if k != "Stateful tests"}
    least = min(ops, key=lambda k: ops[k])
    print(f"requests per operation: {ops[least]} ({least}) to {max(ops.values())}, {len(ops)} operations")
    print(f"server errors (not_a_server_error):                       {failed['not_a_server_error']}")
    print(f"response-schema violations (response_schema_conformance): {failed['response_schema_conformance']}")
    for name in sorted(ran):
        print(f"  {name:28} {ran[name]:6} checks, {failed[name]} failed")
        for label, n in sorted(where[name].items()):
            print(f"      {n} on {label}")


# --- bad files ----------------------------------------------------------------------------------------------


def bad_files(folder: Path, quick: bool) -> list[tuple[str, Callable[[], Path]]]:
    files: list[tuple[str, Callable[[], Path]]] = [
        ("XLSX, 2,000 rows with a cell at XFD", lambda: badfiles.xlsx_stray_column(folder / "stray.xlsx", 2000)),
        ("XLSX, 20,000 rows with a cell at XFD", lambda: badfiles.xlsx_stray_column(folder / "stray2.xlsx", 20000)),
        ("XLSX, 60 shared strings of 9 MB", lambda: badfiles.xlsx_huge_shared_strings(folder / "sst.xlsx")),
        ("CSV, 4,000 rows x 10,000 empty columns", lambda: badfiles.csv_wide(folder / "wide.csv")),
        (
            "XLSX, 1,000,001 rows (over the row limit)",
            lambda: badfiles.xlsx_many_rows(folder / "many.xlsx", rows=1_000_001),
        ),
        ("CSV, 100 rows, row 6 opens a quote", lambda: badfiles.csv_unclosed_quote(folder / "quote.csv")),
        ("CSV, UTF-8 then GBK", lambda: badfiles.csv_mixed_encoding(folder / "mixed.csv")[0]),
    ]
    if not quick:  # the row limit, each about a quarter of an hour
        files += [
            ("CSV, 1,000,000 rows (the row limit), scored", lambda: register(folder / "limit.csv", 1_000_000)),
            ("XLSX, 1,000,000 distinct names, scored", lambda: register(folder / "limit.xlsx", 1_000_000)),
        ]
    return files


def fresh(rows: int) -> list[tuple[str, str]]:
    """Rows never seen before (a fresh seed), so that the batch encodes and scores them rather than finding them in
    the cache kept between runs."""
    from matcher.batch.synth import descriptions
    from matcher.kb import default_data_dir, load_kb

    return descriptions(load_kb(default_data_dir()).taxonomy, rows, seed=time.time_ns())


def synthetic(path: Path, rows: int) -> Path:
    from matcher.batch.synth import write_csv

    write_csv(path, fresh(rows), encoding="gbk")
    return path


def register(path: Path, rows: int, distinct: int = 100_000) -> Path:
    """`rows` companies, each with its own name, describing themselves in `distinct` ways (fresh ones), in turn: a
    list at the row limit that encodes as many descriptions as a list of `distinct` rows. XLSX as a spreadsheet
    writes it (every string shared), CSV in GBK."""
    from matcher.batch.synth import write_csv

    texts = [t for _, t in fresh(distinct)]
    if path.suffix == ".xlsx":
        return badfiles.xlsx_register(path, rows, texts)
    write_csv(path, [(f"企业{n:07d}", texts[n % distinct]) for n in range(rows)], encoding="gbk")
    return path


def badfiles_figures(quick: bool) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, make in bad_files(Path(tmp), quick):
            path = make()
            with server() as (base, pid, db_url), httpx.Client(base_url=base, timeout=600) as http:
                editor, viewer = new_key(db_url, "editor"), new_key(db_url, "viewer")
                assert http.post(f"{V1}/match", json={"description": TEXTS[0]}).status_code == 200
                idle = memory_mb(pid)["VmRSS"]
                t0 = time.time()
                r = http.post(  # a workbook's result as a workbook, as the page's default gives an officer
                    f"{V1}/batches",
                    files={"file": (path.name, path.read_bytes())},
                    data={"format": "xlsx" if path.suffix == ".xlsx" else "csv"},
                    headers={"X-API-Key": editor},
                )
                post_ms = (time.time() - t0) * 1000
                outcome = f"POST {r.status_code}: {r.json().get('message', '')[:70]}"
                during: list[float] = []  # /match latencies while the job runs, one every 2 s
                reader: list[float] = []  # the reading and writing children's resident memory, sampled
                if r.status_code == 202:
                    job = wait_job(http, r.json()["id"], viewer, latencies=during, children=(pid, reader))
                    outcome = f"{job['status']}: {job['scored_rows']} scored, {job['error_rows']} errors" + (
                        f"; {job['message'][:60]}" if job["message"] else ""
                    )
                match = http.post(f"{V1}/match", json={"description": TEXTS[1]}).status_code
                health = http.get(f"{V1}/health").json()["status"]
                peak = memory_mb(pid)["VmHWM"]
            slowest = f"{max(during):.0f}ms" if during else "-"
            peak_reader = f"{max(reader):.0f}MB" if reader else "-"
            rows.append((label, path.stat().st_size, post_ms, outcome, idle, peak, peak_reader, slowest, match, health))
            print(f"{label}: {outcome}; peak {peak:.0f} MB", file=sys.stderr)
    print(
        f"{'file':44} {'size':>11} {'POST':>8}  {'idle':>6} {'peak':>6} {'child':>7}  {'slowest /match':>14}  "
        "after: /match /health  outcome"
    )
    for label, size, ms, outcome, idle, peak, peak_reader, slowest, match, health in rows:
        print(
            f"{label:44} {size:>11,} {ms:>6.0f}ms  {idle:>4.0f}MB {peak:>4.0f}MB {peak_reader:>7}  {slowest:>14}  "
            f"{match:>13} {health:>7}  {outcome}"
        )


# --- load while a batch runs --------------------------------------------------------------------------------


def load_figures(clients: int, seconds: float, rows: int, workers: int) -> None:
    """The load alone first, then the same load while a batch runs: the ratio of the two is the figure that holds
    on a shared machine."""
    with tempfile.TemporaryDirectory() as tmp, server(workers) as (base, _, db_url):
        editor, viewer = new_key(db_url, "editor"), new_key(db_url, "viewer")
        path = synthetic(Path(tmp) / "list.csv", rows)
        alone = asyncio.run(run_against(base, clients, seconds))
        with httpx.Client(base_url=base, timeout=120, headers={"X-API-Key": viewer}) as http:
            upload = {"file": ("list.csv", path.read_bytes())}
            job_id = http.post(f"{V1}/batches", files=upload, headers={"X-API-Key": editor}).json()["id"]
            while http.get(f"{V1}/batches/{job_id}").json()["done_rows"] == 0:
                time.sleep(0.2)  # scoring has begun
            before = http.get(f"{V1}/batches/{job_id}").json()["done_rows"]
            during = asyncio.run(run_against(base, clients, seconds))
            job = http.get(f"{V1}/batches/{job_id}").json()
    print(f"load alone:                    {alone.service_line(seconds)}")
    print(f"while the batch runs:          {during.service_line(seconds)}")
    print(f"batch meanwhile:               {job['status']}, rows {before:,} -> {job['done_rows']:,}")
    print(f"requests during / alone:       {during.requests / max(alone.requests, 1):.2f}")


# --- races --------------------------------------------------------------------------------------------------

CLAIMER = """
import json, sys, time
from pathlib import Path
from api.batches import BatchWorker
from api.db.session import make_engine, session_factory
url, folder, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
worker = BatchWorker(session_factory(make_engine(url)), None, Path("."), Path("."), 1)
got = []
(folder / str(time.time_ns())).touch()
while len(list(folder.iterdir())) < n:
    time.sleep(0.001)
while (job := worker.claim()) is not None:
    got.append(job)
print(json.dumps(got))
"""


def reset(db_url: str) -> None:
    if db_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        eng = create_engine(db_url)
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        eng.dispose()


async def both(http: httpx.AsyncClient, calls: list[tuple[str, dict[str, Any], dict[str, str]]]) -> list[int]:
    rs = await asyncio.gather(*(http.patch(path, json=body, headers=h) for path, body, h in calls))
    return [r.status_code for r in rs]


def races(rounds: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = database_url or f"sqlite:///{tmp}/races.db"
        reset(db_url)
        with server(2, db_url) as (base, _, _):
            status, etag, codes = asyncio.run(http_races(base, new_key(db_url, "editor"), rounds))
        # The claim race runs with the server stopped, so that only the two claiming processes take jobs.
        claims, claimed = claim_races(db_url, rounds, Path(tmp))
        history = doubled_history(db_url)
    where = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite"
    print(f"races on {where}, {rounds} rounds each")
    print(
        f"status, signed vs lost sent at once to a server of 2 processes: {status} double successes "
        f"({history} prospects with two transitions out of negotiating); responses {codes['status']}"
    )
    print(f"ETag, two writes with the same If-Match at once: {etag} double successes; responses {codes['etag']}")
    print(
        f"job claim, 2 worker processes on 10 queued jobs: {claims} rounds with a job claimed twice or not at all "
        f"({claimed[0]} + {claimed[1]} claims by the two processes for {rounds * 10} jobs)"
    )


async def http_races(base: str, editor: str, rounds: int) -> tuple[int, int, dict[str, dict[int, int]]]:
    h = {"X-API-Key": editor}
    doubles = {"status": 0, "etag": 0}
    codes: dict[str, collections.Counter[int]] = {"status": collections.Counter(), "etag": collections.Counter()}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for i in range(rounds):
            body = {"name": f"race {i}", "description": TEXTS[i % len(TEXTS)], "notes": "start"}
            path = f"{V1}/prospects/" + str((await http.post(f"{V1}/prospects", json=body, headers=h)).json()["id"])
            await http.patch(path, json={"status": "negotiating"}, headers=h)
            got = await both(http, [(path, {"status": "signed"}, h), (path, {"status": "lost"}, h)])
            codes["status"].update(got)
            doubles["status"] += got.count(200) > 1
            tagged = {**h, "If-Match": (await http.get(path, headers=h)).headers["etag"]}
            got = await both(http, [(path, {"notes": "start a"}, tagged), (path, {"notes": "start b"}, tagged)])
            codes["etag"].update(got)
            doubles["etag"] += got.count(200) > 1
    return doubles["status"], doubles["etag"], {k: dict(sorted(v.items())) for k, v in codes.items()}


def claim_races(db_url: str, rounds: int, tmp: Path) -> tuple[int, list[int]]:
    """Rounds in which a job was claimed twice or not at all; the claims each process made over all rounds."""
    from api.db.models import BatchJob

    engine = make_engine(db_url)
    bad_rounds, claimed = 0, [0, 0]
    for r in range(rounds):
        with session_factory(engine)() as s:
            for j in range(10):
                s.add(BatchJob(id=f"{r:04d}{j:028d}", status="queued", filename="x.csv", options={}, message=""))
            s.commit()
        ready = tmp / f"ready{r}"
        ready.mkdir()
        cmd = [sys.executable, "-c", CLAIMER, db_url, str(ready), "2"]
        procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE) for _ in range(2)]
        each = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
        ids = each[0] + each[1]
        claimed = [claimed[0] + len(each[0]), claimed[1] + len(each[1])]
        bad_rounds += len(ids) != 10 or len(set(ids)) != 10
    engine.dispose()
    return bad_rounds, claimed


def doubled_history(db_url: str) -> int:
    from sqlalchemy import func, select

    from api.db.models import StatusEvent

    engine = make_engine(db_url)
    q = select(StatusEvent.prospect_id, func.count()).where(StatusEvent.from_status == "negotiating")
    with session_factory(engine)() as s:
        n = sum(1 for _, count in s.execute(q.group_by(StatusEvent.prospect_id)) if count > 1)
    engine.dispose()
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=["fuzz", "badfiles", "load", "races", "all"])
    ap.add_argument("--examples", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="badfiles: skip scoring a list at the row limit")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rows", type=int, default=20_000, help="load: rows of the batch running meanwhile")
    ap.add_argument("--workers", type=int, default=2, help="load: server processes")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--database-url", help="races: a THROWAWAY PostgreSQL database (its schema is dropped)")
    a = ap.parse_args()
    if a.part in ("fuzz", "all"):
        fuzz(a.examples)
    if a.part in ("badfiles", "all"):
        badfiles_figures(a.quick)
    if a.part in ("load", "all"):
        load_figures(a.clients, a.seconds, a.rows, a.workers)
    if a.part in ("races", "all"):
        races(a.rounds, a.database_url)


if __name__ == "__main__":
    main()
