"""Scoring a company list in chunks, with a checkpoint that survives a kill and resumes without duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..engine import Matcher
from ..index import ProfileIndex
from ..options import MatchOptions
from ..prospect import Prospect
from ..ranking import Brief, RankLevel
from .checkpoint import Checkpoint, Record, Records
from .columns import Columns, parse_amount, parse_count
from .read import Table
from .store import EmbeddingStore
from .table import row_numbers

CHUNK = 256


@dataclass
class BatchOptions:
    top: int = 3
    location: str | None = None  # --for: rank the list for this one location
    preset: str | None = None
    as_of: dt.date | None = None
    level: RankLevel = "landing"  # the level the top places are ranked at (landing places, or cities)


Rows = list[tuple[int, dict[str, Any]]]  # (row number, cells) of one chunk
# Scores chunks and yields each one's records, in any order: in process by default, or on Dask workers
# (`distributed.DaskRunner`); every runner calls `score_chunk`.
Runner = Callable[[Iterable[Rows], Columns, BatchOptions], Iterable[list[Record]]]


def to_prospect(cells: dict[str, Any], cols: Columns) -> tuple[str, Prospect]:
    """The row as a Prospect, or ValueError saying which cell is wrong."""
    name = str(cells.get(cols.name) or "").strip() if cols.name else ""
    text = cells.get(cols.text)
    text = "" if text is None else str(text).strip()
    if not text:
        raise ValueError(f"empty description ({cols.text})")
    if cols.industry and str(cells.get(cols.industry) or "").strip():
        text = f"{text}（行业：{str(cells[cols.industry]).strip()}）"
    fields: dict[str, Any] = {}
    if cols.revenue and cells.get(cols.revenue) not in (None, ""):
        fields["revenue_cny"] = parse_amount(cells[cols.revenue], cols.revenue)
    if cols.headcount and cells.get(cols.headcount) not in (None, ""):
        fields["headcount"] = parse_count(cells[cols.headcount], cols.headcount)
    try:
        return name, Prospect(text=text, name=name[:200] or None, **fields)
    except ValidationError as err:
        raise ValueError("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in err.errors())) from None


def result_key(fingerprint: str, opts: BatchOptions, as_of: dt.date, p: Prospect) -> str:
    """What one row's result depends on: its content, the options, the date, and the engine's fingerprint."""
    blob = [
        fingerprint,
        opts.top,
        opts.location,
        opts.preset,
        as_of.isoformat(),
        p.model_dump(mode="json", exclude={"name"}),
    ]
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def signature(path: Path, cols: Columns, opts: BatchOptions, matcher: Matcher) -> str:
    """What the results depend on: the input bytes, the columns, the options, and the engine's fingerprint (data,
    model, parameters, code): a run resumed after any of them changed starts over instead of mixing the two."""
    with path.open("rb") as f:
        h = hashlib.file_digest(f, "sha256")  # in blocks: a list of gigabytes is not read into memory
    h.update(json.dumps([cols.__dict__, opts.__dict__, matcher.fingerprint], default=str, sort_keys=True).encode())
    return h.hexdigest()[:32]


def chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def project(brief: Brief, opts: BatchOptions) -> dict[str, Any]:
    """What a list keeps of a ranking (its brief): per location id, name, score, fit and reason (all places); or,
    for one place, its score, fit, reason, sector fit and first two clauses."""
    if opts.location is None:
        return {
            "top": [
                {"location_id": x.location_id, "name": x.name, "score": x.score, "fit": x.fit, "reason": x.reason}
                for x in brief.matches
            ]
        }
    m = brief.matches[0]
    ev = [{"quote": e.quote, "doc": e.doc_id, "section": e.section, "validity": e.validity} for e in m.evidence[:2]]
    return {"score": m.score, "fit": m.fit, "reason": m.reason, "sector": m.sector, "evidence": ev}


def match_options(opts: BatchOptions, index: ProfileIndex) -> MatchOptions:
    if opts.location is None:
        return MatchOptions(top_k=opts.top, preset=opts.preset, as_of=opts.as_of, level=opts.level)
    # One place: every other place stays unfolded, so the place is scored on its own; a city with places below it is
    # scored as a city.
    level: RankLevel = "landing" if index.landing[index.row[opts.location]] else "city"
    return MatchOptions(
        top_k=None, preset=opts.preset, as_of=opts.as_of, expand=True, focus=(opts.location,), level=level
    )


def read_rows(rows: Rows, cols: Columns) -> tuple[list[tuple[int, str, Prospect]], list[Record]]:
    """The chunk's rows as prospects, and a record for each row that cannot be one."""
    ready: list[tuple[int, str, Prospect]] = []
    bad: list[Record] = []
    for n, cells in rows:
        try:
            name, p = to_prospect(cells, cols)
            ready.append((n, name, p))
        except ValueError as err:
            bad.append(Record(n, str(cells.get(cols.name) or "") if cols.name else "", False, reason=str(err)))
    return ready, bad


def from_cache(
    matcher: Matcher, store: EmbeddingStore, ready: list[tuple[int, str, Prospect]], opts: BatchOptions
) -> tuple[MatchOptions, dict[int, str], list[Record], list[tuple[int, str, Prospect]]]:
    """The options as checked (the date fixed), each row's result key, the records the result cache holds, and the
    rows left to score."""
    mopts = matcher.check(match_options(opts, matcher.index))
    fp = matcher.fingerprint  # once per chunk
    keys = {n: result_key(fp, opts, mopts.date(), p) for n, _, p in ready}
    cached = store.results(list(keys.values()))
    found = [Record(n, name, True, cached[keys[n]]) for n, name, _ in ready if keys[n] in cached]
    return mopts, keys, found, [(n, name, p) for n, name, p in ready if keys[n] not in cached]


def cached_records(
    matcher: Matcher, store: EmbeddingStore, rows: Rows, cols: Columns, opts: BatchOptions
) -> tuple[list[Record], Rows]:
    """The records the result cache already holds for these rows and those of rows that cannot be scored (both
    cheap), and the rows left to score."""
    ready, bad = read_rows(rows, cols)
    found = bad + from_cache(matcher, store, ready, opts)[2]
    done = {r.row for r in found}
    return found, [(n, cells) for n, cells in rows if n not in done]


def score_chunk(matcher: Matcher, store: EmbeddingStore, rows: Rows, cols: Columns, opts: BatchOptions) -> list[Record]:
    ready, records = read_rows(rows, cols)
    mopts, keys, found, todo = from_cache(matcher, store, ready, opts)
    records += found
    if not todo:
        return records
    vecs = store.encode([p.text for _, _, p in todo])
    prospects = [p for _, _, p in todo]
    briefs = matcher.match_many(prospects, mopts, vectors=np.stack([vecs[p.text] for p in prospects]), form="brief")
    fresh: dict[str, dict[str, Any]] = {}
    for (n, name, _p), brief in zip(todo, briefs, strict=True):
        result = project(brief, opts)
        records.append(Record(n, name, True, result))
        fresh[keys[n]] = result
    store.put_results(fresh)
    return records


def run_batch(
    matcher: Matcher,
    table: Table,
    cols: Columns,
    opts: BatchOptions,
    checkpoint: Checkpoint,
    store: EmbeddingStore,
    progress: Callable[[int], None] = lambda n: None,
    runner: Runner | None = None,
) -> Records:
    """Every input row ends up exactly once in the returned records (scored or with a reason), in row order
    whatever order the chunks are scored in; they are read back from the checkpoint as they are asked for."""
    if opts.location is not None and opts.location not in matcher.index.row:
        raise ValueError(f"unknown location {opts.location!r}; see `GET /api/v1/parks` or data/parks/")
    # One run, one date: the chunks (on whatever machine) all score as of the day the run started.
    opts = dataclasses.replace(opts, as_of=opts.as_of or dt.date.today())
    bad = [Record(n, "", False, reason=why) for n, why in table.bad if n not in checkpoint.done]
    if bad:
        checkpoint.add(bad)
    rows = table.rows
    done = checkpoint.done
    # Positions: a row's cells are built when its chunk is read, not all at once.
    numbers = row_numbers(rows)
    todo = np.flatnonzero(~np.isin(numbers, np.fromiter(done, np.int64, len(done))))
    progress(len(rows) + len(table.bad) - len(todo))

    def todo_chunks() -> Iterator[Rows]:
        return ([rows[i] for i in todo[k : k + CHUNK].tolist()] for k in range(0, len(todo), CHUNK))

    def in_process(parts: Iterable[Rows], cols: Columns, opts: BatchOptions) -> Iterator[list[Record]]:
        return (score_chunk(matcher, store, part, cols, opts) for part in parts)

    def shipped() -> Iterator[Rows]:
        """Each chunk's rows that need a worker. Rows whose results this machine's cache holds, and rows that
        cannot be scored, are answered here, chunk by chunk as the runner asks for the next one: a re-run of an
        unchanged list ships nothing (and a LocalCluster is then never started), and a cold list's first chunk
        leaves at once instead of after a pass over every row."""
        for part in todo_chunks():
            found, rest = cached_records(matcher, store, part, cols, opts)
            if found:
                checkpoint.add(found)
                progress(len(found))
            if rest:
                yield rest

    parts = todo_chunks() if runner is None else shipped()
    for records in (runner or in_process)(parts, cols, opts):
        checkpoint.add(records)
        progress(len(records))
    return checkpoint.records()
