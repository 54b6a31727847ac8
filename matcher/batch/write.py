"""Writing batch results (CSV, XLSX, JSONL) and the errors file, Excel-safe."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ..tabular import safe_cell, xlsx_cell
from .run import Record


def table_for(records: list[Record], top: int, location: str | None) -> tuple[list[str], list[list[Any]]]:
    ok = [r for r in records if r.ok]
    if location is None:
        head = ["row", "name"]
        for k in range(1, top + 1):
            head += [f"location_{k}", f"location_{k}_name", f"score_{k}", f"fit_{k}", f"reason_{k}"]
        rows = []
        for r in ok:
            cells: list[Any] = [r.row, r.name]
            for m in r.result["top"]:
                cells += [m["location_id"], m["name"], m["score"], m["fit"], m["reason"]]
            rows.append(cells)
        return head, rows
    head = ["rank", "row", "name", "score", "fit", "sector_fit", "reason", "evidence_1", "evidence_2"]
    ranked = sorted(ok, key=lambda r: (-r.result["score"], r.row))
    rows = []
    for i, r in enumerate(ranked, start=1):
        ev = [
            f"「{e['quote']}」 {e['doc']} {e['section']}" + ("" if e["validity"] == "in_force" else " [ended]")
            for e in r.result["evidence"]
        ]
        rows.append(
            [
                i,
                r.row,
                r.name,
                r.result["score"],
                r.result["fit"],
                r.result["sector"],
                r.result["reason"],
                *(ev + ["", ""])[:2],
            ]
        )
    return head, rows


def write_output(path: Path, records: list[Record], top: int, location: str | None) -> int:
    head, rows = table_for(records, top, location)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as f:
            for cells in rows:
                f.write(json.dumps(dict(zip(head, cells, strict=False)), ensure_ascii=False) + "\n")
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
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


def write_errors(path: Path, records: list[Record]) -> int:
    bad = [r for r in records if not r.ok]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "name", "reason"])
        w.writerows([[r.row, safe_cell(r.name), safe_cell(r.reason)] for r in bad])
    return len(bad)
