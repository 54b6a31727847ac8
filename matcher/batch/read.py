"""Reading company lists (CSV in UTF-8 or GBK, XLSX, JSONL), streamed, keeping only the columns in use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .csvread import csv_header, read_csv
from .jsonlread import read_jsonl
from .table import MAX_CELL, NO_LIMITS, InputError, Limits, Pick, Table
from .xlsxread import read_xlsx, xlsx_header

Reader = Callable[[Path, Pick | None, str | None, Limits], Table]
READERS: dict[str, Reader] = {
    ".csv": read_csv,
    ".tsv": read_csv,
    ".txt": read_csv,
    ".xlsx": read_xlsx,
    ".jsonl": read_jsonl,
}
HEADERS: dict[str, Callable[[Path, str | None, Limits], list[str]]] = {
    ".csv": csv_header,
    ".tsv": csv_header,
    ".txt": csv_header,
    ".xlsx": xlsx_header,
}


def reader_for(path: Path, name: str | None) -> str:
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    suffix = Path(name or path.name).suffix.lower()
    if suffix not in READERS:
        raise InputError(f"unsupported input {suffix!r}; use .csv, .xlsx or .jsonl")
    return suffix


def read_table(path: Path, pick: Pick | None = None, name: str | None = None, limits: Limits = NO_LIMITS) -> Table:
    """The list at `path`; `name` is the file name to report (an upload is stored under another); `pick` chooses
    the columns to keep once the header is known."""
    return READERS[reader_for(path, name)](path, pick, name, limits)


def read_header(path: Path, name: str | None = None, limits: Limits = NO_LIMITS) -> list[str] | None:
    """The columns, read cheaply; None for JSON lines, whose columns are known only once the whole file is read."""
    header = HEADERS.get(reader_for(path, name))
    return None if header is None else header(path, name, limits)


__all__ = ["MAX_CELL", "NO_LIMITS", "READERS", "InputError", "Limits", "Table", "read_header", "read_table"]
