"""CSV lists, read line by line: a quote left open is reported on its line, and the lines it swallowed read again."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .decode import detect
from .table import NO_LIMITS, Collector, InputError, Limits, Pick, Table, keep_indices

SAMPLE = 4096  # characters the delimiter is guessed from
MAX_CELL_LINES = 50  # a quoted cell over more lines than this is taken for a quote left open


class Lines:
    """The file's physical lines, numbered, with a way to push lines back to be read again."""

    def __init__(self, f: TextIO):
        self._f, self._no = f, 0
        self._back: list[tuple[int, str]] = []  # pushed back, to be read again (last first)
        self.taken: list[tuple[int, str]] = []  # the lines of the record being read

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._back:
            no, line = self._back.pop()
        else:
            line = next(self._f)
            self._no += 1
            no = self._no
        self.taken.append((no, line))
        return line

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._back.extend(reversed(lines))


def delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def swallowed(taken: list[tuple[int, str]], cells: list[str], width: int) -> bool:
    """A record over several lines is a quote left open when its quotes do not pair up, when it leaves more
    cells than the header has, or when it runs over more lines than a cell sensibly holds."""
    raw = "".join(line for _, line in taken)
    return raw.count('"') % 2 == 1 or len(cells) > width or len(taken) > MAX_CELL_LINES


def read_csv(path: Path, pick: Pick | None = None, name: str | None = None, limits: Limits = NO_LIMITS) -> Table:
    name = name or path.name
    codec, label = detect(path, name)
    out = Collector(name, limits)
    header: list[str] | None = None
    keep: list[tuple[str, int]] = []
    with path.open(encoding=codec, newline="") as f:
        sep = delimiter(f.read(SAMPLE))
        f.seek(0)
        lines = Lines(f)
        reader = csv.reader(lines, delimiter=sep)
        while True:
            lines.taken = []
            try:
                cells = next(reader)
                err = None
            except StopIteration:
                break
            except csv.Error as e:
                cells, err = [], e
            taken = lines.taken
            start, end = (taken[0][0], taken[-1][0]) if taken else (0, 0)
            if header is None and err is None:
                if any(c.strip() for c in cells):
                    header = [c.strip() for c in cells]
                    keep = keep_indices(header, pick)
                continue
            if len(taken) > 1 and (err is not None or swallowed(taken, cells, len(header or []))):
                out.reject(
                    start,
                    f"line {start}: a quote opened here is not closed where it should be, so it would swallow lines "
                    f"{start + 1}–{end}; fix the quote (lines {start + 1}–{end} are read on their own)",
                )
                lines.push_back(taken[1:])
                reader = csv.reader(lines, delimiter=sep)
                continue
            if err is not None:
                out.reject(start, f"malformed CSV line: {err}")
                continue
            if not any(c.strip() for c in cells):
                continue  # a blank line is not a company
            assert header is not None
            if len(cells) > len(header):
                out.reject(start, f"{len(cells)} cells but the header has {len(header)} columns")
                continue
            out.add(start, {c: cells[i] for c, i in keep if i < len(cells)})
    if header is None:
        raise InputError(f"{name} is empty")
    return out.table(header, label)


def csv_header(path: Path, name: str | None = None, limits: Limits = NO_LIMITS) -> list[str]:
    """The header alone, to check the columns before the rows are read."""
    name = name or path.name
    codec, _ = detect(path, name)
    with path.open(encoding=codec, newline="") as f:
        sep = delimiter(f.read(SAMPLE))
        f.seek(0)
        for cells in csv.reader(f, delimiter=sep):
            if any(c.strip() for c in cells):
                return [c.strip() for c in cells]
    raise InputError(f"{name} is empty")
