"""Reading company lists: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX and JSONL, with clear errors."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """The file as a whole cannot be read; the message says why and where."""


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (row number as the user sees it, cells by column)
    encoding: str | None = None
    bad: list[tuple[int, str]] = field(default_factory=list)  # rows unreadable as a whole (a malformed JSON line)


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK); anything else is refused."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), "utf-8" if enc == "utf-8-sig" else "gbk/gb18030"
        except UnicodeDecodeError as err:
            last = err
    raise InputError(f"cannot decode the file as UTF-8 or GBK/GB18030 (byte {last.start}); save it as UTF-8 CSV")


def read_csv(path: Path) -> Table:
    text, enc = decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration as err:
        raise InputError(f"{path.name} is empty") from err
    columns = [h.strip() for h in header]
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str]] = []
    line = 1
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            bad.append((line, f"malformed CSV line: {err}"))
            continue
        if not any(c.strip() for c in cells):
            continue  # a blank line is not a company
        if len(cells) > len(columns):
            bad.append((line, f"{len(cells)} cells but the header has {len(columns)} columns"))
            continue
        rows.append((line, dict(zip(columns, cells, strict=False))))
    return Table(columns, rows, enc, bad)


def read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several types for a damaged file
        raise InputError(f"{path.name} is not a readable .xlsx workbook ({type(err).__name__}: {err})") from err
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = next(it)
    except StopIteration as err:
        raise InputError(f"the first sheet of {path.name} is empty") from err
    columns = [str(h).strip() if h is not None else f"column {i + 1}" for i, h in enumerate(header)]
    rows = []
    for n, cells in enumerate(it, start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        rows.append((n, {c: v for c, v in zip(columns, cells, strict=False)}))
    wb.close()
    return Table(columns, rows)


def read_jsonl(path: Path) -> Table:
    text, enc = decode(path.read_bytes())
    rows, bad, columns = [], [], {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            bad.append((n, f"malformed JSON: {err.msg} at column {err.colno}"))
            continue
        if not isinstance(obj, dict):
            bad.append((n, "a line must be a JSON object"))
            continue
        columns.update(dict.fromkeys(obj))
        rows.append((n, obj))
    return Table(list(columns), rows, enc, bad)


READERS = {".csv": read_csv, ".tsv": read_csv, ".txt": read_csv, ".xlsx": read_xlsx, ".jsonl": read_jsonl}


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"unsupported input {path.suffix!r}; use .csv, .xlsx or .jsonl")
    return reader(path)
