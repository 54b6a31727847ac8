"""Embeddings and results cached by model and content hash across runs (one SQLite file per model); each text
encoded once. Each table keeps at most `max_entries` rows: past that, the least recently used go."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..encoders import Encoder

BATCH = 64
PART = 500  # keys per IN (…) query
MAX_ENTRIES = 1_000_000  # per table: about 2.2 GB of embeddings for a 512-d model
TRIM_TO = 0.9  # an overfull table is trimmed to this share of the limit, so trimming is rare


class EmbeddingStore:
    def __init__(self, encoder: Encoder, model_id: str, folder: Path | None, max_entries: int = MAX_ENTRIES):
        if max_entries < 1:
            raise ValueError(f"the cache must hold at least one entry (got max_entries={max_entries})")
        self.encoder, self.model_id, self.max_entries = encoder, model_id, max_entries
        self.hits = self.misses = self.result_hits = self.evicted = 0
        self._db: sqlite3.Connection | None = None
        self._count: dict[str, int] = {}
        self._tick = 0  # the "last used" clock: one step per call
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            # Several processes may share the file (the workers of a LocalCluster): a writer waits its turn.
            self._db = sqlite3.connect(folder / f"{model_id}.embeddings.sqlite", timeout=120)
            # A cache: write-ahead logging survives a killed process; a power cut may lose the last chunk's entries.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for table, value in (("emb", "vec BLOB"), ("res", "result TEXT")):
                self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, {value} NOT NULL)")
                columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if "used" not in columns:  # a cache written before entries were limited
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN used INTEGER NOT NULL DEFAULT 0")
                self._db.execute(f"CREATE INDEX IF NOT EXISTS {table}_used ON {table} (used)")
                self._count[table] = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                self._tick = max(self._tick, self._db.execute(f"SELECT max(used) FROM {table}").fetchone()[0] or 0)
            self._trim("emb")
            self._trim("res")
            self._db.commit()

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors for the distinct texts: from the store when known, else encoded in batches and stored."""
        uniq = list(dict.fromkeys(texts))
        keys = {t: self.key(t) for t in uniq}
        by_key = {k: t for t, k in keys.items()}
        out: dict[str, np.ndarray] = {}
        for k, blob in self._lookup("emb", "vec", list(by_key)).items():
            out[by_key[k]] = np.frombuffer(blob, dtype=np.float32)
        todo = [t for t in uniq if t not in out]
        self.hits += len(uniq) - len(todo)
        self.misses += len(todo)
        for i in range(0, len(todo), BATCH):
            chunk = todo[i : i + BATCH]
            vecs = self.encoder.encode(chunk).astype(np.float32)
            for t, v in zip(chunk, vecs, strict=True):
                out[t] = v
        # Written after encoding, in one short transaction: an insert takes the file's write lock until the commit,
        # and other processes sharing the file (a LocalCluster's workers) wait for it, so holding it while encoding
        # made two workers take turns.
        self._put("emb", [(keys[t], out[t].tobytes()) for t in todo])
        self._commit("emb")
        return out

    def results(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Results scored before under exactly these keys (see `run.result_key`)."""
        out = {k: json.loads(v) for k, v in self._lookup("res", "result", list(dict.fromkeys(keys))).items()}
        self.result_hits += sum(1 for k in keys if k in out)
        return out

    def put_results(self, items: dict[str, dict[str, Any]]) -> None:
        self._put("res", [(k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()])
        self._commit("res")

    def close(self) -> None:
        if self._db is not None:
            self._db.commit()  # the "used" marks of the last lookups
            self._db.close()

    # --- the table mechanics ---------------------------------------------------------

    def _lookup(self, table: str, column: str, keys: list[str]) -> dict[str, Any]:
        """The stored values under `keys`, marking them used now."""
        if self._db is None or not keys:
            return {}
        self._tick += 1
        found: dict[str, Any] = {}
        for part in _parts(keys):
            marks = ",".join("?" * len(part))
            found.update(self._db.execute(f"SELECT key, {column} FROM {table} WHERE key IN ({marks})", part))
        for part in _parts(list(found)):
            marks = ",".join("?" * len(part))
            self._db.execute(f"UPDATE {table} SET used = ? WHERE key IN ({marks})", [self._tick, *part])
        # Other processes may share the file (a LocalCluster's workers): hold its write lock no longer than this.
        self._db.commit()
        return found

    def _put(self, table: str, rows: list[tuple[str, Any]]) -> None:
        if self._db is None or not rows:
            return
        self._tick += 1
        before = self._db.total_changes
        self._db.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?, {self._tick})", rows)
        self._count[table] += self._db.total_changes - before

    def _commit(self, table: str) -> None:
        if self._db is not None:
            self._trim(table)
            self._db.commit()

    def _trim(self, table: str) -> None:
        """Past the limit, drop the least recently used entries down to TRIM_TO of it."""
        assert self._db is not None
        if self._count[table] <= self.max_entries:
            return
        excess = self._count[table] - int(self.max_entries * TRIM_TO)
        self._db.execute(f"DELETE FROM {table} WHERE key IN (SELECT key FROM {table} ORDER BY used LIMIT ?)", [excess])
        self._count[table] -= excess
        self.evicted += excess


def _parts(keys: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(keys), PART):
        yield keys[i : i + PART]
