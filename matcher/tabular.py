"""Spreadsheet-safe cells: a cell that Excel would read as a formula is neutralised."""

from __future__ import annotations

import re
from typing import Any

# Control characters an .xlsx cell cannot hold (openpyxl refuses them); shown as U+FFFD instead.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Prefix text starting with = + - @ (or a tab/CR) with an apostrophe, so Excel shows it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """`safe_cell`, and characters an .xlsx file cannot store replaced by U+FFFD."""
    value = safe_cell(value)
    return XLSX_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value
