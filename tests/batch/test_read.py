"""Reading lists: encodings, columns by alias, broken files, unreadable cells."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from matcher.batch.columns import Columns, parse_amount, parse_count
from matcher.batch.decode import first_error
from matcher.batch.job import prepare_file
from matcher.batch.read import MAX_CELL, InputError, Limits, Table, read_table
from tests import badfiles

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
    with pytest.raises(InputError, match=r"cannot decode list.csv: .* up to byte 19 \(line 2\)"):
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


# --- issue 15: bounded memory, no row lost, errors that point the right way ---------------------------------


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_a_stray_cell_at_column_xfd_costs_no_memory(tmp_path: Path) -> None:
    path = badfiles.xlsx_stray_column(tmp_path / "stray.xlsx", rows=300)
    prepared = prepare_file(path, {})
    assert len(prepared.table.rows) == 300 and prepared.columns.text == "主营业务"
    assert all(set(cells) <= {"企业名称", "主营业务"} for _, cells in prepared.table.rows)
    assert peak_mib(lambda: prepare_file(path, {})) < 8


def test_huge_shared_strings_in_a_column_no_one_reads_cost_no_memory(tmp_path: Path) -> None:
    path = badfiles.xlsx_huge_shared_strings(tmp_path / "sst.xlsx", strings=4, size=2_000_000)
    prepared = prepare_file(path, {})
    assert [c["企业名称"] for _, c in prepared.table.rows] == ["公司0", "公司1", "公司2", "公司3"]
    assert peak_mib(lambda: prepare_file(path, {})) < 4


def test_thousands_of_empty_csv_columns_cost_no_memory(tmp_path: Path) -> None:
    path = badfiles.csv_wide(tmp_path / "wide.csv", rows=300, columns=10_000)
    prepared = prepare_file(path, {})
    assert len(prepared.table.rows) == 300 and not prepared.table.bad
    assert peak_mib(lambda: prepare_file(path, {})) < 8


def accounted(t: Table) -> list[int]:
    return sorted([n for n, _ in t.rows] + [n for n, _ in t.bad])


def test_an_unclosed_quote_loses_no_row(tmp_path: Path) -> None:
    t = prepare_file(badfiles.csv_unclosed_quote(tmp_path / "q.csv", rows=100, at=6), {}).table
    assert accounted(t) == list(range(2, 102))  # every company line, once
    assert [n for n, _ in t.bad] == [7]
    assert "quote" in t.bad[0][1] and "line 7" in t.bad[0][1]
    assert t.rows[5] == (8, {"企业名称": "公司7", "主营业务": "抗体药物研发第7号"})


@pytest.mark.parametrize(
    "lines, rows, bad",
    [
        # unclosed near the end: the last two lines would vanish into row 4's description
        (['甲,"抗体', "乙,疫苗", "丙,器械"], [3, 4], [2]),
        # closed later by another quoted field: lines 3-4 would become one garbled row
        (['甲,"抗体', "乙,疫苗", '丙,"器械,诊断"', "丁,中药"], [3, 4, 5], [2]),
        # a real multi-line cell stays one row
        (['甲,"抗体\n药物"', "乙,疫苗"], [2, 4], []),
    ],
)
def test_quotes_that_swallow_lines_are_reported_and_the_rest_is_read(
    tmp_path: Path, lines: list[str], rows: list[int], bad: list[int]
) -> None:
    p = tmp_path / "q.csv"
    p.write_text("企业名称,主营业务\n" + "\n".join(lines) + "\n", encoding="utf-8")
    t = prepare_file(p, {}).table
    assert [n for n, _ in t.rows] == rows and [n for n, _ in t.bad] == bad


def test_a_quoted_field_over_many_lines_is_taken_for_an_unclosed_quote(tmp_path: Path) -> None:
    body = "\n".join(f"第{i}行" for i in range(60))
    p = tmp_path / "q.csv"
    p.write_text(f'企业名称,主营业务\n甲,"{body}"\n乙,疫苗\n', encoding="utf-8")
    t = prepare_file(p, {}).table
    assert t.bad and t.bad[0][0] == 2
    assert accounted(t) == list(range(2, 63)) and t.rows[-1] == (62, {"企业名称": "乙", "主营业务": "疫苗"})


def test_mixed_utf8_and_gbk_is_refused_where_utf8_failed(tmp_path: Path) -> None:
    path, at = badfiles.csv_mixed_encoding(tmp_path / "mixed.csv")
    with pytest.raises(InputError, match=rf"UTF-8 up to byte {at} \(line 32\)"):
        prepare_file(path, {})


def test_a_gbk_file_that_breaks_late_is_refused_where_gbk_failed(tmp_path: Path) -> None:
    p = tmp_path / "gbk.csv"
    good = ("企业名称,主营业务\n" + "甲,疫苗研发\n" * 50).encode("gbk")
    p.write_bytes(good + b"\x81\x20\n")
    with pytest.raises(InputError, match=rf"GBK/GB18030 up to byte {len(good)} \(line 52\)"):
        prepare_file(p, {})


@pytest.mark.parametrize("codec, data", [("utf-8", "抗体药物研发，" * 9), ("gb18030", "疫苗研发，" * 9)])
def test_the_failing_byte_is_found_across_chunk_boundaries(tmp_path: Path, codec: str, data: str) -> None:
    good = data.encode(codec)
    p = tmp_path / "x.csv"
    p.write_bytes(good + b"\xff\xff")
    for chunk in (1, 2, 5, 7, 1 << 20):
        assert first_error(p, codec, chunk=chunk) == (len(good), len(data))


def xlsx_parts(path: Path, rows: str = "", shared: list[str] | None = None, **parts: str) -> Path:
    """A minimal workbook with the given sheet rows and shared strings; `parts` replace whole parts by name
    (`sheet`, `strings`)."""
    badfiles.write_xlsx(path, lambda: [], shared or [])
    names = {"sheet": "xl/worksheets/sheet1.xml", "strings": "xl/sharedStrings.xml"}
    with zipfile.ZipFile(path) as z:
        content = {n: z.read(n) for n in z.namelist()}
    content[names["sheet"]] = f'<worksheet xmlns="{badfiles.MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    content.update({names[k]: v.encode() for k, v in parts.items()})
    with zipfile.ZipFile(path, "w") as z:
        for n, b in content.items():
            z.writestr(n, b)
    return path


def test_xlsx_cells_of_every_kind(tmp_path: Path) -> None:
    rows = (
        '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="inlineStr"><is><t>营收</t>'
        "</is></c></row>"
        '<row r="3"><c r="B3" t="inlineStr"><is><r><t>甲</t></r><r><t>公司</t></r></is></c>'
        '<c r="C3" t="s"><v>2</v></c><c r="D3"><v>3500.5</v></c><c r="E3" t="b"><v>1</v></c></row>'
        '<row r="5"><c r="B5" t="str"><f>A1</f><v>乙公司</v></c><c r="C5" t="s"><v>3</v></c><c r="D5"><v>12</v></c>'
        "</row>"
        '<row r="6"><c r="Z6" t="inlineStr"><is><t>only an unread column</t></is></c></row>'
    )
    shared = ["企业名称", "主营业务", "抗体药物", "疫苗"]
    path = xlsx_parts(tmp_path / "kinds.xlsx", rows, shared)
    t = read_table(path)
    assert t.columns == ["column 1", "企业名称", "主营业务", "营收"]
    assert t.rows[:2] == [
        (3, {"企业名称": "甲公司", "主营业务": "抗体药物", "营收": 3500.5}),
        (5, {"企业名称": "乙公司", "主营业务": "疫苗", "营收": 12}),
    ]
    kept = prepare_file(path, {}).table
    assert kept.rows[2] == (6, {})  # a row with something in it is kept, to be reported as lacking a description
    phonetic = xlsx_parts(
        tmp_path / "p.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        strings=f'<sst xmlns="{badfiles.MAIN}"><si><t>简介</t><rPh><t>x</t></rPh></si></sst>',
    )
    assert read_table(phonetic).columns == ["简介"]


def test_xlsx_with_a_dtd_is_refused(tmp_path: Path) -> None:
    path = xlsx_parts(
        tmp_path / "dtd.xlsx",
        sheet='<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><worksheet>&b;</worksheet>',
    )
    with pytest.raises(InputError, match="dtd.xlsx.*DTD"):
        read_table(path, name="dtd.xlsx")


def test_limits_on_rows_characters_and_unpacked_size(tmp_path: Path) -> None:
    csv_path = tmp_path / "l.csv"
    csv_path.write_text("企业名称,主营业务\n" + "甲,疫苗研发\n" * 20, encoding="utf-8")
    assert len(read_table(csv_path, limits=Limits(rows=20)).rows) == 20
    with pytest.raises(InputError, match="客户.csv has more than 19 rows"):
        read_table(csv_path, name="客户.csv", limits=Limits(rows=19))
    with pytest.raises(InputError, match="more than 50 characters"):
        read_table(csv_path, limits=Limits(chars=50))
    big = badfiles.xlsx_many_rows(tmp_path / "big.xlsx", rows=2000)
    with pytest.raises(InputError, match=r"big.xlsx: xl/worksheets/sheet1.xml unpacks to [\d,]+ bytes"):
        read_table(big, limits=Limits(unpacked=10_000))
    sst = badfiles.xlsx_huge_shared_strings(tmp_path / "sst.xlsx", strings=3, size=1000)
    with pytest.raises(InputError, match="shared strings it cites hold more than 2,000 characters"):
        read_table(sst, limits=Limits(chars=2000))


def test_a_cell_longer_than_a_spreadsheet_holds_refuses_its_row(tmp_path: Path) -> None:
    p = tmp_path / "long.csv"
    p.write_text(f"企业名称,主营业务\n甲,{'药' * (MAX_CELL + 1)}\n乙,疫苗\n", encoding="utf-8")
    t = prepare_file(p, {}).table
    assert [n for n, _ in t.rows] == [3] and t.bad[0][0] == 2 and "longer than 32,767" in t.bad[0][1]
    # In a column kept only for the output (备注), an over-long cell is cut at the limit and its row is scored.
    x = badfiles.xlsx_huge_shared_strings(tmp_path / "long.xlsx", strings=2, size=MAX_CELL + 5)
    t = prepare_file(x, {}).table
    assert [n for n, _ in t.rows] == [2, 3] and not t.bad
    assert all(len(c["备注"]) == MAX_CELL + 1 for _, c in t.rows)


def test_kept_rows_read_back_as_given_from_a_file_the_memory_does_not_hold() -> None:
    import datetime as dt

    from matcher.batch.table import Rows, row_numbers

    def row(k: int) -> tuple[int, dict[str, object]]:
        if k % 7 == 0:
            return k + 2, {}
        return k + 2, {
            "企业名称": f"公司{k}",
            "主营业务": f"抗体药物研发第{k}号" * 5,
            "成立": dt.date(2020, 1, 1 + k % 28),
        }

    # Cells made as a reader makes them, and dropped once appended (pickling a string caches its UTF-8 bytes in it).
    tracemalloc.start()
    rows = Rows(spool=64 * 1024)
    for k in range(20_000):
        rows.append(row(k))
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    given = [row(k) for k in range(20_000)]
    plain = sum(len(c) for _, cells in given for c in map(str, cells.values()))  # the cells' characters alone
    assert held < 40 * len(given) < plain, (held, plain)  # index arrays: 24 bytes a row
    assert list(rows) == given and rows[5] == given[5] and rows[-1] == given[-1] and rows[:3] == given[:3]
    assert (
        rows[2:9:3] == given[2:9:3] and row_numbers(rows).tolist() == [n for n, _ in given] and len(rows) == len(given)
    )
    with pytest.raises(IndexError):
        rows[len(given)]
    # Read and appended in turns (an XLSX re-adds its rows), reordered by number, some dropped: still as given.
    more = Rows(spool=1024)
    for r in reversed(given[:50]):
        more.append(r)
        assert more[0] == given[49]
    more.sort()
    more.drop([0, 10])
    assert list(more) == given[1:10] + given[11:50]
    rows.close()
    more.close()


def test_the_shared_strings_a_sheet_cites_are_not_held_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A register's names are each a distinct shared string: all of them were held in a dict while the rows were
    # resolved (a reader's peak of 678 MB for a million rows, 137 MB now). They wait in a file as the rows do.
    monkeypatch.setattr("matcher.batch.table.SPOOL", 64 * 1024)
    texts = [f"抗体药物研发第{k}号" for k in range(50)]
    path = badfiles.xlsx_register(tmp_path / "register.xlsx", 20_000, texts)
    tracemalloc.start()
    table = read_table(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows = list(table.rows)
    # 94 bytes a row at the peak (the index arrays and the cited indices, sorted); 525 with the strings in a dict
    assert peak < 150 * len(rows), peak
    assert [n for n, _ in rows] == list(range(2, 20_002))
    assert rows[0][1] == {"企业名称": "广东省某某生物医药科技有限公司0000000", "主营业务": texts[0]}
    assert rows[-1][1] == {"企业名称": "广东省某某生物医药科技有限公司0019999", "主营业务": texts[19_999 % 50]}
    table.close()


def test_over_long_cells_are_looked_for_only_where_the_reader_cut_one(tmp_path: Path) -> None:
    from matcher.batch.table import Rows, over_long

    rows = Rows()
    for n in range(2, 6):
        rows.append((n, {"主营业务": "抗体" * (MAX_CELL if n == 4 else 3)}))
    t = over_long(Table(["主营业务"], rows, long={4}), ["主营业务"])
    assert row_numbers_of(t) == [2, 3, 5] and [n for n, _ in t.bad] == [4]
    # Told no row was cut, nothing is read; not told (a table built by hand), every row is.
    assert row_numbers_of(over_long(Table(["主营业务"], rows, long=set()), ["主营业务"])) == [2, 3, 5]
    t = over_long(Table(["主营业务"], [(7, {"主营业务": "x" * (MAX_CELL + 1)}), (8, {"主营业务": "y"})]), ["主营业务"])
    assert row_numbers_of(t) == [8] and [n for n, _ in t.bad] == [7]


def row_numbers_of(t: Table) -> list[int]:
    return [n for n, _ in t.rows]
