"""What reading a list produces: kept rows by column, rows refused with a reason, and the bounds a reader keeps to."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import threading
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, overload

import numpy as np

SPOOL = 32 * 2**20  # bytes of kept rows held in memory before they move to a temporary file
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
    """A reader's kept rows, held in a temporary file: the cells of a list of millions of rows would not fit in
    memory (0.4 KB a row in memory for two short columns, several KB for a wide register). Each row is one pickled
    tuple of its number and its non-empty cells as (column index, value) pairs; the process keeps 24 bytes a row to
    find it. The file stays in memory up to `spool` bytes (a list of a few thousand rows never touches the disk),
    then moves to the temporary folder (TMPDIR) and is deleted when the rows are. `rows[i]` and iteration give
    (number, cells) as a plain list would; rows are written once, by the reader, and then only read."""

    def __init__(self, spool: int | None = None) -> None:
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL if spool is None else spool)
        self._numbers = array("q")
        self._offsets = array("Q")
        self._sizes = array("L")
        self._end = 0
        self._writing = True  # the file position is at its end (a seek flushes the write buffer: one a row is slow)
        self._lock = threading.Lock()  # one file position: a read is a seek and a read

    def append(self, row: Row) -> None:
        n, cells = row
        flat: list[Any] = [n]
        for c, v in cells.items():
            i = self._index.get(c)
            if i is None:
                i = self._index[c] = len(self._names)
                self._names.append(c)
            flat += (i, v)
        blob = pickle.dumps(tuple(flat), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if not self._writing:
                self._file.seek(self._end)
                self._writing = True
            self._file.write(blob)
        self._numbers.append(n)
        self._offsets.append(self._end)
        self._sizes.append(len(blob))
        self._end += len(blob)

    def numbers(self) -> np.ndarray:
        return np.frombuffer(self._numbers, dtype=np.int64).copy()

    def sort(self) -> None:
        """In row-number order (a sheet may store its rows out of order); rows with one number keep theirs."""
        order = np.argsort(np.frombuffer(self._numbers, dtype=np.int64), kind="stable")
        if (order[1:] > order[:-1]).all():
            return
        for name in ("_numbers", "_offsets", "_sizes"):
            old = getattr(self, name)
            new = array(old.typecode)
            new.frombytes(np.frombuffer(old, dtype=old.typecode)[order].tobytes())  # numpy reads the typecode
            setattr(self, name, new)

    def drop(self, positions: Collection[int]) -> None:
        """Forget the rows at these positions (their bytes stay in the file until it is deleted)."""
        gone = set(positions)
        for name in ("_numbers", "_offsets", "_sizes"):
            old = getattr(self, name)
            setattr(self, name, array(old.typecode, (v for i, v in enumerate(old) if i not in gone)))

    def _row(self, i: int) -> Row:
        with self._lock:
            self._writing = False
            self._file.seek(self._offsets[i])
            t = pickle.loads(self._file.read(self._sizes[i]))
        names = self._names
        return t[0], {names[t[k]]: t[k + 1] for k in range(1, len(t), 2)}

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        if isinstance(i, slice):
            return [self._row(k) for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("row index out of range")
        return self._row(i)

    def __len__(self) -> int:
        return len(self._numbers)

    def __iter__(self) -> Iterator[Row]:
        return (self._row(i) for i in range(len(self)))

    def close(self) -> None:
        """Delete the file now rather than when the rows are collected."""
        self._file.close()

    # Sent to another process on the same machine (the service reads a list in a child process), the rows go by a
    # named file in TMPDIR that the receiving side opens and unlinks at once: it then owns the only handle, and the
    # file goes when it closes. (Dask workers are sent plain lists of a chunk's rows, never a `Rows`.)
    def __getstate__(self) -> dict[str, Any]:
        with self._lock, tempfile.NamedTemporaryFile(prefix="rows-", delete=False) as out:
            self._file.seek(0)
            shutil.copyfileobj(self._file, out, 1 << 20)
            self._writing = False
        state = {k: v for k, v in self.__dict__.items() if k not in ("_file", "_lock")}
        return {**state, "_path": out.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        path = state.pop("_path")
        self.__dict__.update(state)
        self._file = open(path, "r+b")  # noqa: SIM115 (held for the rows' life)
        os.unlink(path)
        self._lock = threading.Lock()
        self._writing = False


def row_numbers(rows: Sequence[Row]) -> np.ndarray:
    """Each row's number, in order, without building its cells (8 bytes a row)."""
    return rows.numbers() if isinstance(rows, Rows) else np.array([n for n, _ in rows], dtype=np.int64)


@dataclass
class Table:
    columns: list[str]
    rows: Sequence[Row]  # a reader's `Rows`, or a plain list
    encoding: str | None = None
    bad: list[tuple[int, str]] = field(default_factory=list)  # rows unreadable as a whole (a malformed line)
    # Numbers of the rows holding a cell cut at the spreadsheet limit (None: not known, any row may)
    long: set[int] | None = None

    def close(self) -> None:
        """Delete the kept rows' file now (a server scores list after list) rather than when collected."""
        if isinstance(self.rows, Rows):
            self.rows.close()


class Collector:
    """Rows as a reader finds them, kept or refused, within the limits."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.rows = Rows()
        self.bad: list[tuple[int, str]] = []
        self.long: set[int] = set()
        self.chars = 0

    def add(self, n: int, cells: dict[str, Any]) -> None:
        # Empty cells cost nothing; a cell longer than a spreadsheet holds is cut one character past that limit,
        # so that the columns in use can refuse the row (`over_long`) and the others carry a bounded cell.
        cells = {
            c: (v[: MAX_CELL + 1] if isinstance(v, str) else v) for c, v in cells.items() if v is not None and v != ""
        }
        chars = [len(v) for v in cells.values() if isinstance(v, str)]
        self.chars += sum(chars)
        if chars and max(chars) > MAX_CELL:
            self.long.add(n)
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
        return Table(columns, self.rows, encoding, self.bad, self.long)


def keep_indices(header: list[str], pick: Pick | None) -> list[tuple[str, int]]:
    """(column, position) for the columns to keep; a repeated name means its last column, as a dict would."""
    last = {h: i for i, h in enumerate(header)}
    wanted = last if pick is None else pick(header)
    return [(c, last[c]) for c in wanted if c in last]


def over_long(table: Table, columns: Collection[str]) -> Table:
    """The table with each row whose cell in one of `columns` is longer than a spreadsheet holds moved to the
    refused rows, with the reason. Only the rows the reader saw a cut cell in are looked at."""
    if table.long is None:
        maybe: Iterable[int] = range(len(table.rows))
    else:
        maybe = np.flatnonzero(np.isin(row_numbers(table.rows), list(table.long))).tolist() if table.long else []
    bad = list(table.bad)
    drop = []
    for i in maybe:
        n, cells = table.rows[i]
        long = next((c for c in columns if isinstance(cells.get(c), str) and len(cells[c]) > MAX_CELL), None)
        if long is not None:
            drop.append(i)
            bad.append(
                (n, f"the {long} cell is longer than {MAX_CELL:,} characters, the most a spreadsheet cell holds")
            )
    if not drop:
        return table
    if isinstance(table.rows, Rows):
        table.rows.drop(drop)
        rows: Sequence[Row] = table.rows
    else:
        gone = set(drop)
        rows = [r for i, r in enumerate(table.rows) if i not in gone]
    return Table(table.columns, rows, table.encoding, sorted(bad), table.long)
