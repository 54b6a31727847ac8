"""A scored list keeps every input column in its order, with the ranking columns appended (CLI and service alike)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from matcher.batch.job import prepare_file, score_file
from matcher.batch.run import BatchOptions
from matcher.engine import Matcher
from matcher.kb import KnowledgeBase
from tests.fakes import HashEncoder

HEAD = ["序号", "公司名称", "主营业务", "score", "备注"]
ROWS = [
    ["1", "甲公司", "人工晶体和眼科器械研发", "A", "=HYPERLINK(1)"],
    ["2", "乙公司", "", "B", "空描述"],
    ["3", "丙公司", "AAV病毒载体CDMO", "C", ""],
]


@pytest.fixture(scope="module")
def fake(real_kb: KnowledgeBase) -> Matcher:
    return Matcher(real_kb, HashEncoder())


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "list.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([HEAD, *ROWS])
    return path


def run(fake: Matcher, src: Path, out: Path, opts: BatchOptions) -> tuple[list[list[str]], list[dict[str, str]]]:
    err = out.with_name("errors.csv")
    score_file(fake, src, prepare_file(src, {}), out, err, opts, None)
    if out.suffix == ".xlsx":
        rows = [["" if c is None else str(c) for c in r] for r in load_workbook(out).active.iter_rows(values_only=True)]
    else:
        with out.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    with err.open(encoding="utf-8-sig", newline="") as f:
        return rows, list(csv.DictReader(f))


def test_each_company_keeps_its_columns_then_gets_its_places(fake: Matcher, src: Path, tmp_path: Path) -> None:
    rows, errors = run(fake, src, tmp_path / "out.csv", BatchOptions(top=2))
    head = HEAD + ["row", "location_1", "location_1_name", "score_1", "fit_1", "reason_1"]
    assert rows[0] == head + ["location_2", "location_2_name", "score_2", "fit_2", "reason_2"]
    assert [r[:5] for r in rows[1:]] == [ROWS[0][:4] + ["'=HYPERLINK(1)"], ROWS[2]]
    assert [r[5] for r in rows[1:]] == ["2", "4"] and all(r[6] for r in rows[1:])
    assert [(e["row"], e["公司名称"], e["备注"]) for e in errors] == [("3", "乙公司", "空描述")]


def test_a_list_ranked_for_one_place_keeps_its_columns_and_renames_a_clash(
    fake: Matcher, src: Path, tmp_path: Path
) -> None:
    rows, _ = run(fake, src, tmp_path / "out.xlsx", BatchOptions(location="nansha"))
    assert rows[0] == HEAD + [
        "rank", "row", "matcher_score", "fit", "sector_fit", "reason", "evidence_1", "evidence_2"
    ]  # fmt: skip
    assert sorted(r[1] for r in rows[1:]) == ["丙公司", "甲公司"]
    assert [r[5] for r in rows[1:]] == ["1", "2"] and all(r[3] in "AC" for r in rows[1:])
