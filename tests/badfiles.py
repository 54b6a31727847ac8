"""Hostile and careless company lists (issue 15), written small enough for the suite or at full size for the figures."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="list" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
Cell = tuple[str, str | int]  # (column letters, an inline string or a shared-string index)


def write_xlsx(path: Path, rows: Callable[[], Iterable[tuple[int, list[Cell]]]], shared: Iterable[str] = ()) -> Path:
    """A minimal workbook written piece by piece, so that a million rows need no memory: `rows` yields
    (row number, cells); a str cell is an inline string, an int cell a shared-string index."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
            for s in shared:
                f.write(f"<si><t>{escape(s)}</t></si>".encode())
            f.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
            buf: list[str] = []
            for n, cells in rows():
                buf.append(f'<row r="{n}">')
                for col, v in cells:
                    if isinstance(v, int):
                        buf.append(f'<c r="{col}{n}" t="s"><v>{v}</v></c>')
                    else:
                        buf.append(f'<c r="{col}{n}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
                buf.append("</row>")
                if len(buf) > 4096:
                    f.write("".join(buf).encode())
                    buf.clear()
            f.write(("".join(buf) + "</sheetData></worksheet>").encode())
    return path


def xlsx_stray_column(path: Path, rows: int = 2000) -> Path:
    """Name and description in A and B, and one stray cell at XFD (column 16,384) on every row."""

    def gen() -> Iterator[tuple[int, list[Cell]]]:
        yield 1, [("A", "企业名称"), ("B", "主营业务"), ("XFD", "x")]
        for n in range(2, rows + 2):
            yield n, [("A", f"公司{n}"), ("B", "抗体药物研发"), ("XFD", "x")]

    return write_xlsx(path, gen)


def xlsx_huge_shared_strings(path: Path, strings: int = 60, size: int = 9_000_000) -> Path:
    """`strings` shared strings of `size` characters each, in a column no one reads; they compress to almost nothing."""
    shared = ["企业名称", "主营业务", *("x" * size for _ in range(strings))]

    def gen() -> Iterator[tuple[int, list[Cell]]]:
        yield 1, [("A", 0), ("B", 1), ("C", "备注")]
        for i in range(strings):
            yield i + 2, [("A", f"公司{i}"), ("B", "疫苗研发"), ("C", i + 2)]

    return write_xlsx(path, gen, shared)


def xlsx_many_rows(path: Path, rows: int = 1_000_000) -> Path:
    def gen() -> Iterator[tuple[int, list[Cell]]]:
        yield 1, [("A", "企业名称"), ("B", "主营业务")]
        for n in range(2, rows + 2):
            yield n, [("A", f"公司{n}"), ("B", "医疗器械研发")]

    return write_xlsx(path, gen)


def xlsx_register(path: Path, rows: int, texts: Sequence[str]) -> Path:
    """A register as a spreadsheet exports it: every company name its own shared string, the descriptions shared
    strings cited in turn from `texts` (so a list of a million rows need not encode a million descriptions)."""
    first = 2 + len(texts)

    def shared() -> Iterator[str]:
        yield from ("企业名称", "主营业务", *texts)
        yield from (f"广东省某某生物医药科技有限公司{n:07d}" for n in range(rows))

    def gen() -> Iterator[tuple[int, list[Cell]]]:
        yield 1, [("A", 0), ("B", 1)]
        for n in range(rows):
            yield n + 2, [("A", first + n), ("B", 2 + n % len(texts))]

    return write_xlsx(path, gen, shared())


def csv_wide(path: Path, rows: int = 4000, columns: int = 10_000) -> Path:
    """Two real columns and thousands of empty ones, as a careless export makes."""
    empty = "," * (columns - 2)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("企业名称,主营业务" + empty + "\n")
        for n in range(rows):
            f.write(f"公司{n},医疗器械研发{empty}\n")
    return path


def csv_unclosed_quote(path: Path, rows: int = 100, at: int = 6) -> Path:
    """Row `at` (1-based, so on line at + 1) opens a quote that nothing closes."""
    lines = ["企业名称,主营业务"]
    for i in range(1, rows + 1):
        lines.append(f'公司{i},"抗体 6寸' if i == at else f"公司{i},抗体药物研发第{i}号")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def csv_mixed_encoding(path: Path) -> tuple[Path, int]:
    """UTF-8 for the first rows, GBK after: returns the path and the byte where UTF-8 reading fails."""
    head = "企业名称,主营业务\n" + "".join(f"公司{i},抗体药物研发\n" for i in range(30))
    tail = "".join(f"公司{i},疫苗研发\n" for i in range(30, 40))
    data = head.encode("utf-8") + tail.encode("gbk")
    path.write_bytes(data)
    return path, len(head.encode("utf-8"))
