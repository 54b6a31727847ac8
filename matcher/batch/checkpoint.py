"""A run's records on disk: the checkpoint that survives a kill, and the records read back from it in order.

A list of a million rows makes a million records of a few kilobytes each once in Python; held together they took
about 3.4 KB a row (3.4 GB), on top of the output being assembled whole before it was written. Records therefore
stay in the checkpoint file: the run keeps, per record, its row, where its line starts, whether it scored and its
score (25 bytes), and the output is written by reading the lines back one at a time, in row order or, for a list
ranked for one place, in score order.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Record:
    """One input row's outcome: a result, or the reason it could not be scored."""

    row: int
    name: str
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


class Checkpoint:
    """Append-only JSON lines after a header naming the run, fsynced per chunk. A torn last line (killed mid-write)
    is cut off when the run resumes; a file of another run (other input, options, data or model) is started over."""

    def __init__(self, path: Path, sig: str):
        self.path, self.sig = path, sig
        self.done: set[int] = set()  # the rows an earlier run of the job finished (what this run skips)
        self._row, self._at, self._ok, self._score = array("q"), array("q"), array("b"), array("d")
        end = self._resume() if path.exists() else None
        if end is None:
            header = (json.dumps({"signature": sig}) + "\n").encode()
            path.write_bytes(header)
            end = len(header)
        else:
            os.truncate(path, end)
        self._end = end
        self._f = path.open("ab")

    def _resume(self) -> int | None:
        """Index the records of an earlier run of the same job; where its last whole line ends, or None when the
        file is another run's."""
        with self.path.open("rb") as f:
            head = f.readline()
            try:
                same = head.endswith(b"\n") and json.loads(head).get("signature") == self.sig
            except (json.JSONDecodeError, AttributeError):
                same = False
            if not same:
                return None
            at = len(head)
            for line in f:
                if not line.endswith(b"\n"):
                    break  # the half-written line of an interrupted run
                try:
                    r = Record(**json.loads(line))
                    self.done.add(r.row)
                    self._index(r, at)
                except (json.JSONDecodeError, TypeError):
                    pass  # unreadable: the row is scored again
                at += len(line)
            return at

    def _index(self, r: Record, at: int) -> None:
        self._row.append(r.row)
        self._at.append(at)
        self._ok.append(r.ok)
        self._score.append(float(r.result.get("score", 0.0)) if r.ok else 0.0)

    def add(self, records: list[Record]) -> None:
        for r in records:
            line = (json.dumps(r.__dict__, ensure_ascii=False) + "\n").encode()
            self._f.write(line)
            self._index(r, self._end)
            self._end += len(line)
        self._f.flush()
        os.fsync(self._f.fileno())

    def records(self) -> Records:
        """Every record so far (the last one written for a row), read back from the file as they are asked for."""
        rows = np.array(self._row, dtype=np.int64)
        # The last line written for each row wins: sort by row, keeping the order lines were written within a row.
        order = np.argsort(rows, kind="stable")
        last = np.append(rows[order][1:] != rows[order][:-1], True) if len(order) else np.zeros(0, dtype=bool)
        keep = order[last]
        return Records(
            self.path,
            np.array(self._at, dtype=np.int64)[keep],
            np.array(self._ok, dtype=bool)[keep],
            rows[keep],
            np.array(self._score, dtype=np.float64)[keep],
        )

    def close(self, remove: bool) -> None:
        self._f.close()
        if remove:
            self.path.unlink(missing_ok=True)


class Records:
    """A run's records in row order, read from the checkpoint one at a time (the file must stay until they are)."""

    def __init__(self, path: Path, at: np.ndarray, ok: np.ndarray, rows: np.ndarray, score: np.ndarray):
        self.path, self._at, self._ok, self._rows, self._score = path, at, ok, rows, score

    def __len__(self) -> int:
        return len(self._at)

    def __iter__(self) -> Iterator[Record]:
        return self._read(self._at)

    def scored(self) -> Iterator[Record]:
        """The rows that were scored, in row order."""
        return self._read(self._at[self._ok])

    def failed(self) -> Iterator[Record]:
        """The rows that could not be scored, in row order."""
        return self._read(self._at[~self._ok])

    def ranked(self) -> Iterator[Record]:
        """The rows that were scored, best score first (ties in row order): a list ranked for one place."""
        ok = np.flatnonzero(self._ok)
        order = ok[np.lexsort((self._rows[ok], -self._score[ok]))]
        return self._read(self._at[order])

    def _read(self, offsets: np.ndarray) -> Iterator[Record]:
        with self.path.open("rb") as f:
            for at in offsets.tolist():
                f.seek(at)
                yield Record(**json.loads(f.readline()))
