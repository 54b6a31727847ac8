"""Every input row ends up exactly once in the output or the errors file; checkpoints survive a torn line."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.batch.checkpoint import Checkpoint
from matcher.batch.columns import Columns
from matcher.batch.read import Table
from matcher.batch.run import BatchOptions, run_batch
from matcher.batch.store import EmbeddingStore
from matcher.batch.write import write_errors, write_output
from matcher.engine import Matcher
from matcher.kb import KnowledgeBase
from matcher.prospect import Prospect
from tests.fakes import HashEncoder

COLS = Columns(name="name", text="description", revenue="revenue")
CELL = st.one_of(
    st.sampled_from(["人工晶体研发", "AAV CDMO", "中药配方颗粒", "", "   ", "锂电池", "x" * 10_001, "=SUM(A1)"]),
    st.text(max_size=30),
)
REVENUE = st.one_of(st.none(), st.sampled_from(["", "3500万", "abc", "-5", "1.2亿"]), st.integers(-10, 10**9))


@pytest.fixture(scope="module")
def fake(real_kb: KnowledgeBase) -> Matcher:
    return Matcher(real_kb, HashEncoder())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(st.tuples(st.text(max_size=8), CELL, REVENUE), max_size=25),
    bad=st.lists(st.integers(1000, 1100), unique=True, max_size=3),
    mode=st.sampled_from([None, "nansha"]),
)
def test_every_row_lands_exactly_once(
    fake: Matcher,
    tmp_path_factory: pytest.TempPathFactory,
    cells: list[tuple[str, str, object]],
    bad: list[int],
    mode: str | None,
) -> None:
    tmp = tmp_path_factory.mktemp("b")
    rows = [(i + 2, {"name": n, "description": d, "revenue": r}) for i, (n, d, r) in enumerate(cells)]
    table = Table(["name", "description", "revenue"], rows, "utf-8", [(b, "malformed") for b in bad])
    opts = BatchOptions(top=2, location=mode)
    ckpt = Checkpoint(tmp / "ck.jsonl", "sig")
    records = run_batch(fake, table, COLS, opts, ckpt, EmbeddingStore(fake.encoder, "hash-64", None))
    assert sorted(r.row for r in records) == sorted([n for n, _ in rows] + bad)
    n_out = write_output(tmp / "out.csv", records, 2, mode)
    n_err = write_errors(tmp / "err.csv", records)
    assert n_out + n_err == len(rows) + len(bad)
    with (tmp / "out.csv").open(encoding="utf-8-sig") as f:
        out_rows = [int(r["row"]) for r in csv.DictReader(f)]
    with (tmp / "err.csv").open(encoding="utf-8-sig") as f:
        err_rows = [int(r["row"]) for r in csv.DictReader(f)]
    assert sorted(out_rows + err_rows) == sorted([n for n, _ in rows] + bad)
    assert not set(out_rows) & set(err_rows)
    for n, c in rows:
        if not str(c["description"]).strip():
            assert n in err_rows


def test_checkpoint_ignores_a_torn_line_and_a_different_run(tmp_path: Path) -> None:
    from matcher.batch.checkpoint import Record

    ck = Checkpoint(tmp_path / "c.jsonl", "s1")
    ck.add([Record(2, "a", True, {"top": []}), Record(3, "b", False, reason="empty")])
    ck.close(remove=False)
    with (tmp_path / "c.jsonl").open("a") as f:
        f.write('{"row": 4, "name": "c", "ok": tr')  # killed mid-write
    again = Checkpoint(tmp_path / "c.jsonl", "s1")
    assert sorted(again.done) == [2, 3]
    again.close(remove=False)
    other = Checkpoint(tmp_path / "c.jsonl", "s2")  # other input or options: start over
    assert not other.done
    other.close(remove=True)
    assert not (tmp_path / "c.jsonl").exists()


def test_embeddings_are_cached_across_runs_and_repeats_encoded_once(tmp_path: Path) -> None:
    enc = HashEncoder()
    store = EmbeddingStore(enc, "hash-64", tmp_path)
    v = store.encode(["甲", "乙", "甲", "丙"])
    assert set(v) == {"甲", "乙", "丙"} and store.misses == 3 and store.hits == 0
    store.close()
    again = EmbeddingStore(enc, "hash-64", tmp_path)
    w = again.encode(["丙", "甲", "丁"])
    assert again.hits == 2 and again.misses == 1
    assert (w["甲"] == v["甲"]).all()
    json.dumps({k: x.tolist() for k, x in w.items()})


def test_a_rerun_takes_unchanged_rows_from_the_result_cache(fake: Matcher, tmp_path: Path) -> None:
    rows = [
        (2, {"name": "a", "description": "人工晶体", "revenue": ""}),
        (3, {"name": "b", "description": "AAV CDMO", "revenue": "1.2亿"}),
        (4, {"name": "c", "description": "", "revenue": ""}),
    ]
    table = Table(["name", "description", "revenue"], rows, "utf-8")
    outs = []
    for run in range(2):
        store = EmbeddingStore(fake.encoder, "hash-64", tmp_path / "cache")
        ck = Checkpoint(tmp_path / f"ck{run}.jsonl", "sig")
        recs = run_batch(fake, table, COLS, BatchOptions(top=2), ck, store)
        outs.append([(r.row, r.ok, r.result) for r in recs])
        assert store.result_hits == (0 if run == 0 else 2)
        store.close()
    assert outs[0] == outs[1]
    other = EmbeddingStore(fake.encoder, "hash-64", tmp_path / "cache")
    run_batch(fake, table, COLS, BatchOptions(top=3), Checkpoint(tmp_path / "ck3.jsonl", "sig"), other)
    assert other.result_hits == 0  # other options: scored afresh


def test_results_cached_by_other_code_are_not_reused(
    fake: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that changes how places are scored or explained must not answer a re-run with the old results;
    nor may a resumed run mix records of the two versions."""
    import matcher.engine as engine_module
    from matcher.batch.run import signature

    table = Table(["name", "description"], [(2, {"name": "a", "description": "人工晶体"})], "utf-8")
    src = tmp_path / "list.csv"
    src.write_text("name,description\na,人工晶体\n", encoding="utf-8")
    hits, sigs = [], []
    for k, version in enumerate(("before", "before", "after")):
        monkeypatch.setattr(engine_module, "code_hash", lambda v=version: v)
        store = EmbeddingStore(fake.encoder, "hash-64", tmp_path / "cache")
        run_batch(fake, table, COLS, BatchOptions(top=2), Checkpoint(tmp_path / f"ck{k}.jsonl", "s"), store)
        hits.append(store.result_hits)
        sigs.append(signature(src, COLS, BatchOptions(top=2), fake))
        store.close()
    assert hits == [0, 1, 0]
    assert sigs[0] == sigs[1] != sigs[2]


def test_the_code_hash_follows_every_source_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher import codehash

    (tmp_path / "stages").mkdir()
    (tmp_path / "stages" / "explain.py").write_text("N_EVIDENCE = 3\n")
    (tmp_path / "engine.py").write_text("pass\n")
    monkeypatch.setattr(codehash, "ROOT", tmp_path)
    seen = []
    for edit in ("", "N_EVIDENCE = 4\n", "N_EVIDENCE = 4\n"):
        if edit:
            (tmp_path / "stages" / "explain.py").write_text(edit)
        codehash.code_hash.cache_clear()
        seen.append(codehash.code_hash())
    codehash.code_hash.cache_clear()
    assert seen[0] != seen[1] == seen[2]


def test_a_list_gets_the_shortlist_an_officer_gets_for_each_company(fake: Matcher, tmp_path: Path) -> None:
    texts = ["人工晶体和眼科器械研发", "AAV viral-vector CDMO in Guangzhou", "中药配方颗粒，希望去横琴", "锂电池"]
    rows = [(n, {"name": f"c{n}", "description": t, "revenue": "3亿"}) for n, t in enumerate(texts, start=2)]
    table = Table(["name", "description", "revenue"], rows, "utf-8")
    store = EmbeddingStore(fake.encoder, "hash-64", None)
    opts = BatchOptions(top=3, as_of=dt.date(2026, 11, 23))
    recs = run_batch(fake, table, COLS, opts, Checkpoint(tmp_path / "ck.jsonl", "sig"), store)
    for rec, text in zip(recs, texts, strict=True):
        r = fake.match(Prospect(text=text, revenue_cny=3e8), top_k=3, as_of=opts.as_of)
        want = [
            {"location_id": m.location_id, "name": m.name, "score": m.score, "fit": m.fit, "reason": m.reason}
            for m in r.matches
        ]
        for got, exp in zip(rec.result["top"], want, strict=True):
            assert got.pop("score") == pytest.approx(exp.pop("score"), abs=2e-4)
            assert got == exp


def test_a_list_larger_than_the_cache_limit_is_scored_whole(fake: Matcher, tmp_path: Path) -> None:
    from matcher.batch.job import prepare_file, score_file

    src = tmp_path / "list.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "description"])
        w.writerows([f"企业{i}", f"第{i}家企业，从事人工晶体研发与生产"] for i in range(30))
    prepared = prepare_file(src, {})
    out, err = tmp_path / "out.jsonl", tmp_path / "err.csv"
    res = score_file(fake, src, prepared, out, err, BatchOptions(top=2), tmp_path / "cache", cache_max=10)
    assert (res.scored, res.errors) == (30, 0)
    assert res.evicted >= 20  # 30 embeddings and 30 results, each table kept to 10
    assert len(out.read_text(encoding="utf-8").splitlines()) == 30


def test_a_runner_gets_each_chunks_uncached_rows_as_it_asks(fake: Matcher, tmp_path: Path) -> None:
    """With a runner (Dask), the rows the client's cache answers are answered chunk by chunk as the runner draws
    the next chunk, not in a pass over the whole list before the first chunk leaves; each chunk shipped holds
    that chunk's rows the cache does not."""
    from matcher.batch.run import CHUNK, score_chunk

    texts = [f"人工晶体研发企业{i}号" for i in range(3 * CHUNK)]
    rows = [(i + 2, {"name": f"c{i}", "description": t}) for i, t in enumerate(texts)]
    store = EmbeddingStore(fake.encoder, "hash-64", tmp_path / "cache")
    opts = BatchOptions(top=2, as_of=dt.date(2026, 11, 29))
    # The second chunk's rows were scored before (any list with the same descriptions).
    score_chunk(fake, store, rows[CHUNK : 2 * CHUNK], COLS, opts)
    events: list[str] = []

    def runner(parts, cols, o):  # type: ignore[no-untyped-def]
        for part in parts:
            events.append(f"ship {part[0][0]}..{part[-1][0]}")
            yield score_chunk(fake, store, part, cols, o)

    ckpt = Checkpoint(tmp_path / "ck.jsonl", "sig")
    table = Table(["name", "description"], rows, "utf-8", [])
    records = run_batch(
        fake, table, COLS, opts, ckpt, store, progress=lambda n: events.append(f"done {n}"), runner=runner
    )
    assert [r.row for r in records] == [n for n, _ in rows]
    first, last = rows[0][0], rows[-1][0]
    assert events == [
        "done 0",
        f"ship {first}..{first + CHUNK - 1}",
        f"done {CHUNK}",
        f"done {CHUNK}",  # the second chunk, from the cache, when the runner asked for the next chunk
        f"ship {first + 2 * CHUNK}..{last}",
        f"done {CHUNK}",
    ]
