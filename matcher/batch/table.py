"""What reading a list produces: kept rows by column, rows refused with a reason, and the bounds a reader keeps to."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

MAX_CELL = 32_767  # characters: the most an Excel cell holds; a longer cell in a column in use refuses its row

# Given the header, the columns to keep (None keeps them all).
Pick = Callable[[list[str]], Collection[str]]


class InputError(ValueError):
    """The file as a whole cannot be read; the message says why and where."""


@dataclass(frozen=True)
class Limits:
    """Bounds for a list read by a server; None is no bound (the command line reads what it is given)."""

    rows: int | None = None  # data rows, refused or kept
    chars: int | None = None  # characters kept over every cell read
    unpacked: int | None = None  # bytes of one XLSX part once unzipped


NO_LIMITS = Limits()


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (row number as the user sees it, cells by column)
    encoding: str | None = None
    bad: list[tuple[int, str]] = field(default_factory=list)  # rows unreadable as a whole (a malformed line)


class Collector:
    """Rows as a reader finds them, kept or refused, within the limits."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.rows: list[tuple[int, dict[str, Any]]] = []
        self.bad: list[tuple[int, str]] = []
        self.chars = 0

    def add(self, n: int, cells: dict[str, Any]) -> None:
        # Empty cells cost nothing; a cell longer than a spreadsheet holds is cut one character past that limit,
        # so that the columns in use can refuse the row (`over_long`) and the others carry a bounded cell.
        cells = {
            c: (v[: MAX_CELL + 1] if isinstance(v, str) else v) for c, v in cells.items() if v is not None and v != ""
        }
        self.chars += sum(len(v) for v in cells.values() if isinstance(v, str))
        if self.limits.chars is not None and self.chars > self.limits.chars:
            raise InputError(f"{self.name} holds more than {self.limits.chars:,} characters in the columns read")
        self.rows.append((n, cells))
        self._count()

    def reject(self, n: int, why: str) -> None:
        self.bad.append((n, why))
        self._count()

    def _count(self) -> None:
        if self.limits.rows is not None and len(self.rows) + len(self.bad) > self.limits.rows:
            raise InputError(
                f"{self.name} has more than {self.limits.rows:,} rows; split it into smaller lists "
                "(the command line, `matcher batch`, takes longer ones)"
            )

    def table(self, columns: list[str], encoding: str | None) -> Table:
        return Table(columns, self.rows, encoding, self.bad)


def keep_indices(header: list[str], pick: Pick | None) -> list[tuple[str, int]]:
    """(column, position) for the columns to keep; a repeated name means its last column, as a dict would."""
    last = {h: i for i, h in enumerate(header)}
    wanted = last if pick is None else pick(header)
    return [(c, last[c]) for c in wanted if c in last]


def over_long(table: Table, columns: Collection[str]) -> Table:
    """The table with each row whose cell in one of `columns` is longer than a spreadsheet holds moved to the
    refused rows, with the reason."""
    kept: list[tuple[int, dict[str, Any]]] = []
    bad = list(table.bad)
    for n, cells in table.rows:
        long = next((c for c in columns if isinstance(cells.get(c), str) and len(cells[c]) > MAX_CELL), None)
        if long is None:
            kept.append((n, cells))
        else:
            bad.append(
                (n, f"the {long} cell is longer than {MAX_CELL:,} characters, the most a spreadsheet cell holds")
            )
    return Table(table.columns, kept, table.encoding, sorted(bad))
