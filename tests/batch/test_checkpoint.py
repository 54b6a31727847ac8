"""The checkpoint keeps a run's records on disk and gives them back in order, one at a time: a list of a million
rows is written out without a million records in memory."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

from matcher.batch.checkpoint import Checkpoint, Record
from matcher.batch.read import Table
from matcher.batch.write import write_errors, write_output


def top(k: int) -> dict[str, object]:
    return {
        "top": [{"location_id": "nansha", "name": "南沙区", "score": k / 100, "fit": "good", "reason": "理由" * 200}]
    }


def test_a_resumed_run_cuts_the_torn_line_and_keeps_writing_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    ck = Checkpoint(path, "s")
    ck.add([Record(2, "a", True, top(1)), Record(3, "b", False, reason="empty")])
    ck.close(remove=False)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"row": 4, "name": "c", "ok": tr')  # killed mid-write
    again = Checkpoint(path, "s")
    again.add([Record(4, "c", True, top(4))])
    again.close(remove=False)
    third = Checkpoint(path, "s")
    assert third.done == {2, 3, 4}  # row 4's new line was not glued to the torn one
    assert [(r.row, r.ok) for r in third.records()] == [(2, True), (3, False), (4, True)]
    third.close(remove=True)


def test_records_come_back_in_row_order_once_each(tmp_path: Path) -> None:
    ck = Checkpoint(tmp_path / "c.jsonl", "s")
    ck.add([Record(9, "i", True, top(9)), Record(5, "e", True, top(5))])  # a later chunk finished first
    ck.add([Record(7, "g", False, reason="empty"), Record(5, "e2", True, top(50))])  # row 5 again: the last wins
    recs = ck.records()
    assert len(recs) == 3
    assert [(r.row, r.name) for r in recs] == [(5, "e2"), (7, "g"), (9, "i")]
    assert [r.row for r in recs.scored()] == [5, 9] and [r.row for r in recs.failed()] == [7]
    ck.close(remove=True)


def test_for_one_place_the_best_score_comes_first_ties_in_row_order(tmp_path: Path) -> None:
    ck = Checkpoint(tmp_path / "c.jsonl", "s")
    scores = {2: 0.5, 3: 0.9, 4: 0.5, 5: 0.7}
    ck.add([Record(n, str(n), True, {"score": s}) for n, s in scores.items()] + [Record(6, "x", False, reason="-")])
    assert [r.row for r in ck.records().ranked()] == [3, 5, 2, 4]
    ck.close(remove=True)


def test_writing_a_long_list_holds_one_record_at_a_time(tmp_path: Path) -> None:
    n = 20_000
    ck = Checkpoint(tmp_path / "c.jsonl", "s")
    for start in range(0, n, 1000):
        ck.add(
            [
                Record(k + 2, f"公司{k}", k % 10 != 0, top(k) if k % 10 else {}, "" if k % 10 else "empty")
                for k in range(start, start + 1000)
            ]
        )
    table = Table(["name"], [(k + 2, {"name": f"公司{k}"}) for k in range(n)], "utf-8")
    records = ck.records()
    tracemalloc.start()
    written = write_output(tmp_path / "out.csv", records, 1, None, table)
    failed = write_errors(tmp_path / "err.csv", records, table)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (written, failed) == (n - n // 10, n // 10)
    # The records alone take over 20 MB as Python objects (each reason is 400 characters); the table's cells are
    # the caller's. Writing both files stays within a few megabytes.
    assert peak < 4 * 2**20, f"{peak / 2**20:.1f} MB"
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:4]] == ["公司1", "公司2", "公司3"] and rows[1][1] == "3"
    ck.close(remove=True)
