"""Writing batch results (CSV, XLSX, JSONL) and the errors file, Excel-safe.

A result row is the input row, every column in its order, with the ranking columns appended; an appended
column whose name the input already uses gets a `matcher_` prefix, so nothing of the officer's list is lost."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ..tabular import safe_cell, xlsx_cell
from .read import Table
from .run import Record


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


def table_for(
    records: list[Record], top: int, location: str | None, table: Table | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: the input columns as read (or the name alone, without the table), then the ranking."""
    columns = table.columns if table is not None else ["name"]
    cells_of = dict(table.rows) if table is not None else {}
    ok = [r for r in records if r.ok]
    if location is not None:
        ok = sorted(ok, key=lambda r: (-r.result["score"], r.row))
    rows = []
    for rank, r in enumerate(ok, start=1):
        given = cells_of.get(r.row, {"name": r.name})
        rows.append([plain(given.get(c, "")) for c in columns] + ranking_cells(r, top, location, rank))
    return columns + renamed(columns, ranking_columns(top, location), "matcher_"), rows


def write_output(path: Path, records: list[Record], top: int, location: str | None, table: Table | None = None) -> int:
    head, rows = table_for(records, top, location, table)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as f:
            for cells in rows:
                f.write(json.dumps(dict(zip(head, cells, strict=True)), ensure_ascii=False, default=str) + "\n")
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(head)
        for cells in rows:
            ws.append([xlsx_cell(c) for c in cells])
        wb.save(path)
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(head)
            w.writerows([[safe_cell(c) for c in cells] for cells in rows])
    else:
        raise ValueError(f"unsupported output {suffix!r}; use .csv, .xlsx or .jsonl")
    return len(rows)


def write_errors(path: Path, records: list[Record], table: Table | None = None) -> int:
    """Row number and reason, then the row's input cells, so that a fixed row can be sent again as it was."""
    bad = [r for r in records if not r.ok]
    columns = table.columns if table is not None else []
    cells_of = dict(table.rows) if table is not None else {}
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "name", "reason", *renamed(["row", "name", "reason"], columns, "input_")])
        for r in bad:
            given = cells_of.get(r.row, {})
            w.writerow(
                [r.row, safe_cell(r.name), safe_cell(r.reason), *(safe_cell(plain(given.get(c, ""))) for c in columns)]
            )
    return len(bad)
