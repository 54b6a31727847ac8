"""Embeddings cached by model and content hash across runs (one SQLite file per model); each text encoded once."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..encoders import Encoder

BATCH = 64


class EmbeddingStore:
    def __init__(self, encoder: Encoder, model_id: str, folder: Path | None):
        self.encoder, self.model_id = encoder, model_id
        self.hits = self.misses = 0
        self._db: sqlite3.Connection | None = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(folder / f"{model_id}.embeddings.sqlite")
            # A cache: write-ahead logging survives a killed process; a power cut may lose the last chunk's entries.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS res (key TEXT PRIMARY KEY, result TEXT NOT NULL)")
        self.result_hits = 0

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors for the distinct texts: from the store when known, else encoded in batches and stored."""
        uniq = list(dict.fromkeys(texts))
        keys = {t: self.key(t) for t in uniq}
        out: dict[str, np.ndarray] = {}
        if self._db is not None:
            for i in range(0, len(uniq), 500):
                part = [keys[t] for t in uniq[i : i + 500]]
                marks = ",".join("?" * len(part))
                found = dict(self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", part).fetchall())
                for t in uniq[i : i + 500]:
                    if keys[t] in found:
                        out[t] = np.frombuffer(found[keys[t]], dtype=np.float32)
        todo = [t for t in uniq if t not in out]
        self.hits += len(uniq) - len(todo)
        self.misses += len(todo)
        for i in range(0, len(todo), BATCH):
            chunk = todo[i : i + BATCH]
            vecs = self.encoder.encode(chunk).astype(np.float32)
            for t, v in zip(chunk, vecs, strict=True):
                out[t] = v
            if self._db is not None:
                self._db.executemany(
                    "INSERT OR REPLACE INTO emb VALUES (?, ?)",
                    [(keys[t], v.tobytes()) for t, v in zip(chunk, vecs, strict=True)],
                )
        if self._db is not None and todo:
            self._db.commit()
        return out

    def results(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Results scored before under exactly these keys (see `run.result_key`)."""
        if self._db is None or not keys:
            return {}
        out: dict[str, dict[str, Any]] = {}
        uniq = list(dict.fromkeys(keys))
        for i in range(0, len(uniq), 500):
            part = uniq[i : i + 500]
            marks = ",".join("?" * len(part))
            for k, v in self._db.execute(f"SELECT key, result FROM res WHERE key IN ({marks})", part):
                out[k] = json.loads(v)
        self.result_hits += sum(1 for k in keys if k in out)
        return out

    def put_results(self, items: dict[str, dict[str, Any]]) -> None:
        if self._db is not None and items:
            rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()]
            self._db.executemany("INSERT OR REPLACE INTO res VALUES (?, ?)", rows)
            self._db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
