"""What reading a list produces: kept rows by column, rows refused with a reason, and the bounds a reader keeps to."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

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


Row = tuple[int, dict[str, Any]]  # (row number as the user sees it, cells by column)


class Rows(Sequence[Row]):
    """A reader's kept rows, compactly: one tuple per row holding its number and its non-empty cells as (column
    index, value) pairs, where a tuple and a dict per row took 240 bytes more than the cells' own text (a list of a
    million rows is held while it is scored). `rows[i]` and iteration give (number, cells) as a plain list would."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._rows: list[tuple[Any, ...]] = []

    def append(self, row: Row) -> None:
        n, cells = row
        flat: list[Any] = [n]
        for c, v in cells.items():
            i = self._index.get(c)
            if i is None:
                i = self._index[c] = len(self._names)
                self._names.append(c)
            flat += (i, v)
        self._rows.append(tuple(flat))

    def numbers(self) -> list[int]:
        return [t[0] for t in self._rows]

    def sort(self) -> None:
        """In row-number order (a sheet may store its rows out of order); rows with one number keep theirs."""
        self._rows.sort(key=lambda t: t[0])

    def _row(self, t: tuple[Any, ...]) -> Row:
        names = self._names
        return t[0], {names[t[k]]: t[k + 1] for k in range(1, len(t), 2)}

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        if isinstance(i, slice):
            return [self._row(t) for t in self._rows[i]]
        return self._row(self._rows[i])

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Row]:
        return (self._row(t) for t in self._rows)


def row_numbers(rows: Sequence[Row]) -> list[int]:
    """Each row's number, in order, without building its cells."""
    return rows.numbers() if isinstance(rows, Rows) else [n for n, _ in rows]


@dataclass
class Table:
    columns: list[str]
    rows: Sequence[Row]  # a reader's `Rows`, or a plain list
    encoding: str | None = None
    bad: list[tuple[int, str]] = field(default_factory=list)  # rows unreadable as a whole (a malformed line)


class Collector:
    """Rows as a reader finds them, kept or refused, within the limits."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.rows = Rows()
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
    kept = Rows()
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
