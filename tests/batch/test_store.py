"""The embedding and result cache: bounded, least recently used out first, and readable when written before."""

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from matcher.batch.store import EmbeddingStore
from tests.fakes import HashEncoder


def texts(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        n: int = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return n


def test_the_least_recently_used_embeddings_go_first(tmp_path: Path) -> None:
    store = EmbeddingStore(HashEncoder(), "hash-64", tmp_path, max_entries=10)
    store.encode(texts("a", 10))  # full
    store.encode(["a0", "a1"])  # used again: now the most recent
    store.encode(texts("b", 5))  # over the limit: trimmed to 9, oldest first
    assert store.evicted == 6
    store.close()
    again = EmbeddingStore(HashEncoder(), "hash-64", tmp_path, max_entries=10)
    again.encode(["a0", "a1", *texts("b", 5)])
    assert again.hits == 7 and again.misses == 0
    again.encode(["a2"])  # evicted
    assert again.misses == 1
    again.close()
    assert rows(tmp_path / "hash-64.embeddings.sqlite", "emb") <= 10


def test_results_are_bounded_too_and_a_lower_limit_trims_on_opening(tmp_path: Path) -> None:
    store = EmbeddingStore(HashEncoder(), "hash-64", tmp_path, max_entries=100)
    store.put_results({k: {"score": i} for i, k in enumerate(texts("k", 50))})
    assert store.results(["k7", "nope"]) == {"k7": {"score": 7}} and store.result_hits == 1
    store.close()
    smaller = EmbeddingStore(HashEncoder(), "hash-64", tmp_path, max_entries=20)
    assert smaller.results(["k7"]) == {"k7": {"score": 7}}  # the most recently used survives the trim
    smaller.close()
    assert rows(tmp_path / "hash-64.embeddings.sqlite", "res") == 18


def test_vectors_read_back_equal_the_encoded_ones(tmp_path: Path) -> None:
    enc = HashEncoder()
    store = EmbeddingStore(enc, "hash-64", tmp_path)
    first = store.encode(["人工晶体", "CDMO"])
    second = store.encode(["CDMO", "人工晶体"])
    assert enc.calls == 1
    for t in first:
        np.testing.assert_array_equal(first[t], second[t])
    store.close()


def test_a_cache_written_before_the_limit_existed_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "hash-64.embeddings.sqlite"
    old = HashEncoder().encode(["旧"])[0]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        db.execute("CREATE TABLE res (key TEXT PRIMARY KEY, result TEXT NOT NULL)")
        store = EmbeddingStore(HashEncoder(), "hash-64", None)
        db.execute("INSERT INTO emb VALUES (?, ?)", (store.key("旧"), old.tobytes()))
    store = EmbeddingStore(HashEncoder(), "hash-64", tmp_path)
    got = store.encode(["旧", "新"])
    assert store.hits == 1 and store.misses == 1
    np.testing.assert_array_equal(got["旧"], old)
    store.close()


def test_a_limit_below_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        EmbeddingStore(HashEncoder(), "hash-64", tmp_path, max_entries=0)


def test_a_lookup_leaves_the_file_free_for_other_processes(tmp_path: Path) -> None:
    """Workers of one machine share the cache file: after a lookup that finds everything (a warm re-run, where
    nothing is written after it), no write lock stays held, so another connection can write at once."""
    a = EmbeddingStore(HashEncoder(), "hash-64", tmp_path)
    a.put_results({"k1": {"top": []}, "k2": {"top": []}})
    a.encode(["x", "y"])
    a.encode(["x", "y"])
    assert a.results(["k1", "k2"]) == {"k1": {"top": []}, "k2": {"top": []}}  # all found: the chunk needs no write
    with sqlite3.connect(tmp_path / "hash-64.embeddings.sqlite", timeout=0.1) as b:
        b.execute("UPDATE res SET used = used + 1")  # "database is locked" if `a` still held the write lock
    a.close()


def test_encoding_holds_no_write_lock_on_the_shared_file(tmp_path: Path) -> None:
    """A LocalCluster's workers share the cache file: while one encodes, the other must be able to write."""
    path = tmp_path / "hash-64.embeddings.sqlite"
    writable: list[bool] = []

    class Probe(HashEncoder):
        def encode(self, batch: list[str]) -> np.ndarray:
            other = sqlite3.connect(path, timeout=0)  # another process's connection: no waiting
            try:
                other.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails at once if someone holds it
                other.rollback()
                writable.append(True)
            except sqlite3.OperationalError:
                writable.append(False)
            finally:
                other.close()
            return super().encode(batch)

    store = EmbeddingStore(Probe(), "hash-64", tmp_path)
    store.encode(texts("c", 200))  # four batches of 64
    store.close()
    assert writable == [True] * 4
    assert rows(path, "emb") == 200
