"""Writing batch results (CSV, XLSX, JSONL) and the errors file, Excel-safe.

A result row is the input row, every column in its order, with the ranking columns appended; an appended
column whose name the input already uses gets a `matcher_` prefix, so nothing of the officer's list is lost."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..tabular import safe_cell, xlsx_cell
from .checkpoint import Record, Records
from .read import Table
from .table import row_numbers


def ranking_columns(top: int, location: str | None) -> list[str]:
    if location is None:
        head = ["row"]
        for k in range(1, top + 1):
            head += [f"location_{k}", f"location_{k}_name", f"score_{k}", f"fit_{k}", f"reason_{k}"]
        return head
    return ["rank", "row", "score", "fit", "sector_fit", "reason", "evidence_1", "evidence_2"]


def renamed(taken: list[str], columns: list[str], prefix: str) -> list[str]:
    """`columns`, each prefixed where its name is already taken."""
    seen = set(taken)
    return [f"{prefix}{c}" if c in seen else c for c in columns]


def plain(value: Any) -> Any:
    """A cell as a spreadsheet holds it: nested JSON values (from a JSONL list) as JSON text."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def ranking_cells(r: Record, top: int, location: str | None, rank: int) -> list[Any]:
    if location is None:
        cells: list[Any] = [r.row]
        for m in r.result["top"]:
            cells += [m["location_id"], m["name"], m["score"], m["fit"], m["reason"]]
        return cells + [""] * (1 + 5 * top - len(cells))
    ev = [
        f"「{e['quote']}」 {e['doc']} {e['section']}" + ("" if e["validity"] == "in_force" else " [ended]")
        for e in r.result["evidence"]
    ]
    res = r.result
    return [rank, r.row, res["score"], res["fit"], res["sector"], res["reason"], *(ev + ["", ""])[:2]]


def scored(records: Iterable[Record] | Records, location: str | None) -> Iterator[Record]:
    """The scored records in the order the output lists them: row order, or best first for one place."""
    if isinstance(records, Records):
        return records.ranked() if location is not None else records.scored()
    ok = (r for r in records if r.ok)
    return iter(sorted(ok, key=lambda r: (-r.result["score"], r.row))) if location is not None else ok


def failed(records: Iterable[Record] | Records) -> Iterator[Record]:
    return records.failed() if isinstance(records, Records) else (r for r in records if not r.ok)


def table_for(
    records: Iterable[Record] | Records, top: int, location: str | None, table: Table | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows, one at a time: the input columns as read (or the name alone, without the table), then the
    ranking."""
    columns = table.columns if table is not None else ["name"]
    cells_of = Cells(table)

    def rows() -> Iterator[list[Any]]:
        for rank, r in enumerate(scored(records, location), start=1):
            given = cells_of.get(r.row) or {"name": r.name}
            yield [plain(given.get(c, "")) for c in columns] + ranking_cells(r, top, location, rank)

    return columns + renamed(columns, ranking_columns(top, location), "matcher_"), rows()


class Cells:
    """A row's input cells by row number, found by binary search over the table's row numbers (a dict of a
    million rows' cells would copy what the table already holds)."""

    def __init__(self, table: Table | None):
        self.rows = table.rows if table is not None else []
        numbers = row_numbers(self.rows)
        self.order = np.argsort(numbers, kind="stable")
        self.sorted = numbers[self.order]

    def get(self, n: int) -> dict[str, Any] | None:
        i = int(np.searchsorted(self.sorted, n))
        if i < len(self.sorted) and self.sorted[i] == n:
            return self.rows[int(self.order[i])][1]
        return None


def write_output(
    path: Path, records: Iterable[Record] | Records, top: int, location: str | None, table: Table | None = None
) -> int:
    head, rows = table_for(records, top, location, table)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as f:
            for cells in rows:
                f.write(json.dumps(dict(zip(head, cells, strict=True)), ensure_ascii=False, default=str) + "\n")
                n += 1
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(head)
        for cells in rows:
            ws.append([xlsx_cell(c) for c in cells])
            n += 1
        wb.save(path)
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(head)
            for cells in rows:
                w.writerow([safe_cell(c) for c in cells])
                n += 1
    else:
        raise ValueError(f"unsupported output {suffix!r}; use .csv, .xlsx or .jsonl")
    return n


def write_errors(path: Path, records: Iterable[Record] | Records, table: Table | None = None) -> int:
    """Row number and reason, then the row's input cells, so that a fixed row can be sent again as it was."""
    columns = table.columns if table is not None else []
    cells_of = Cells(table)
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "name", "reason", *renamed(["row", "name", "reason"], columns, "input_")])
        for r in failed(records):
            given = cells_of.get(r.row) or {}
            w.writerow(
                [r.row, safe_cell(r.name), safe_cell(r.reason), *(safe_cell(plain(given.get(c, ""))) for c in columns)]
            )
            n += 1
    return n
