"""JSON-lines lists: one object per line, read twice (the columns first, then the cells in use)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .decode import detect
from .table import NO_LIMITS, Collector, InputError, Limits, Pick, Table

MAX_KEYS = 16_384  # distinct keys over the file, as many columns as a spreadsheet has


def objects(path: Path, codec: str) -> Iterator[tuple[int, Any, str]]:
    """(line number, the parsed value or None, the reason it is unreadable) for each non-blank line."""
    with path.open(encoding=codec, newline="") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                yield n, None, f"malformed JSON: {err.msg} at column {err.colno}"
                continue
            if not isinstance(obj, dict):
                yield n, None, "a line must be a JSON object"
                continue
            yield n, obj, ""


def read_jsonl(path: Path, pick: Pick | None = None, name: str | None = None, limits: Limits = NO_LIMITS) -> Table:
    name = name or path.name
    codec, label = detect(path, name)
    columns: dict[str, None] = {}
    for _, obj, _ in objects(path, codec):
        if obj is not None:
            columns.update(dict.fromkeys(obj))
            if len(columns) > MAX_KEYS:
                raise InputError(f"{name} uses more than {MAX_KEYS:,} distinct keys")
    header = list(columns)
    keep = set(header if pick is None else pick(header))
    out = Collector(name, limits)
    for n, obj, why in objects(path, codec):
        if obj is None:
            out.reject(n, why)
        else:
            out.add(n, {k: v for k, v in obj.items() if k in keep})
    return out.table(header, label)
