"""Reading lists: encodings, columns by alias, broken files, unreadable cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.batch.columns import Columns, parse_amount, parse_count
from matcher.batch.read import InputError, read_table

ROWS = '企业名称,主营业务,营业收入(万元)\n甲公司,人工晶体研发,3500\n乙公司,"疫苗,mRNA",1.2亿\n'


@pytest.mark.parametrize(
    "encoding, label", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gbk/gb18030"), ("gb18030", "gbk/gb18030")]
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, label: str) -> None:
    p = tmp_path / "list.csv"
    p.write_bytes(ROWS.encode(encoding))
    t = read_table(p)
    assert t.encoding == label and t.columns == ["企业名称", "主营业务", "营业收入(万元)"]
    assert [n for n, _ in t.rows] == [2, 3] and t.rows[1][1]["主营业务"] == "疫苗,mRNA"


def test_undecodable_bytes_are_refused_with_the_offset(tmp_path: Path) -> None:
    p = tmp_path / "list.csv"
    p.write_bytes(b"name,description\nx,\xff\xfe\xfa\x80\x81\n")
    with pytest.raises(InputError, match=r"cannot decode .* \(byte \d+\)"):
        read_table(p)


def test_rows_with_too_many_cells_become_bad_rows(tmp_path: Path) -> None:
    p = tmp_path / "list.csv"
    p.write_text("name,description\na,ok\nb,too,many,cells\nc,fine\n", encoding="utf-8")
    t = read_table(p)
    assert [n for n, _ in t.rows] == [2, 4] and t.bad == [(3, "4 cells but the header has 2 columns")]


def test_broken_xlsx_and_unknown_types(tmp_path: Path) -> None:
    bad = tmp_path / "list.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        read_table(bad)
    with pytest.raises(InputError, match="unsupported input '.pdf'"):
        (tmp_path / "x.pdf").write_text("x")
        read_table(tmp_path / "x.pdf")
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "absent.csv")


def test_xlsx_and_jsonl(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Company", "Description", "Revenue"])
    ws.append(["A", "IOL maker", 1000])
    ws.append([None, None, None])
    ws.append(["B", "CAR-T", None])
    wb.save(tmp_path / "l.xlsx")
    t = read_table(tmp_path / "l.xlsx")
    assert [n for n, _ in t.rows] == [2, 4]
    lines = [json.dumps({"name": "A", "description": "x"}), "{broken", json.dumps([1, 2]), ""]
    (tmp_path / "l.jsonl").write_text("\n".join(lines), encoding="utf-8")
    t = read_table(tmp_path / "l.jsonl")
    assert [n for n, _ in t.rows] == [1] and [n for n, _ in t.bad] == [2, 3]


def test_columns_by_alias_or_flag_and_a_clear_error() -> None:
    c = Columns.find(["企业名称", "经营范围", "所属行业", "参保人数"], {})
    assert (c.name, c.text, c.industry, c.headcount) == ("企业名称", "经营范围", "所属行业", "参保人数")
    assert Columns.find(["Company Name", " Description "], {}).text == " Description "
    assert Columns.find(["a", "b"], {"text": "b"}).text == "b"
    with pytest.raises(InputError, match="no description column .* the file has: a, b"):
        Columns.find(["a", "b"], {})
    with pytest.raises(InputError, match="no column 'zzz'; the file has: a, b"):
        Columns.find(["a", "b"], {"text": "zzz"})


def test_amounts_and_counts() -> None:
    assert parse_amount("1.2亿", "营收") == 1.2e8
    assert parse_amount("3,500", "营业收入(万元)") == 3.5e7
    assert parse_amount("3500万", "营业收入(万元)") == 3.5e7  # the cell's own unit wins
    assert parse_amount(2_000_000, "revenue") == 2e6
    with pytest.raises(ValueError, match="'abc' is not a number"):
        parse_amount("abc", "营收")
    assert parse_count("1,200人", "人数") == 1200
    with pytest.raises(ValueError, match="not a whole number"):
        parse_count("many", "人数")
