"""Profile cache files on disk: the newest few per kind are kept, the least recently used go."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from matcher.cachefiles import keep_recent
from matcher.encoders import encode_cached
from matcher.lexical.tfidf import TfidfIndex
from tests.fakes import HashEncoder


def _age(path: Path, seconds_ago: float) -> None:
    t = path.stat().st_mtime - seconds_ago
    os.utime(path, (t, t))


def test_keep_recent_removes_the_least_recently_used_of_one_kind_only(tmp_path: Path) -> None:
    for i in range(5):
        f = tmp_path / f"m-{i}.npy"
        f.write_bytes(b"x")
        _age(f, 100 - i)  # m-4 newest
    (tmp_path / "m-9.tmp.npy").write_bytes(b"half")  # being written by another process
    (tmp_path / "other-0.npy").write_bytes(b"x")
    (tmp_path / "m.embeddings.sqlite").write_bytes(b"x")
    gone = keep_recent(tmp_path, "m-", ".npy", keep=2)
    assert sorted(p.name for p in gone) == ["m-0.npy", "m-1.npy", "m-2.npy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "m-3.npy", "m-4.npy", "m-9.tmp.npy", "m.embeddings.sqlite", "other-0.npy",
    ]  # fmt: skip


def _age_all(folder: Path) -> None:
    for p in folder.iterdir():
        _age(p, 10)


def test_embedding_and_tfidf_files_of_old_versions_are_pruned_least_recently_used_first(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("matcher.cachefiles.KEEP", 2)
    enc = HashEncoder()
    versions = [["版本一"], ["版本二"], ["版本三"]]
    first = encode_cached(enc, "fake", versions[0], tmp_path)
    _age_all(tmp_path)
    encode_cached(enc, "fake", versions[1], tmp_path)
    _age_all(tmp_path)
    np.testing.assert_array_equal(encode_cached(enc, "fake", versions[0], tmp_path), first)  # a hit: now newest
    calls = enc.calls
    _age_all(tmp_path)
    encode_cached(enc, "fake", versions[2], tmp_path)  # third file: the least recently used (version two) goes
    assert enc.calls == calls + 1
    encode_cached(enc, "fake", versions[0], tmp_path)
    assert enc.calls == calls + 1  # version one survived
    encode_cached(enc, "fake", versions[1], tmp_path)
    assert enc.calls == calls + 2  # version two was re-encoded
    assert len(list(tmp_path.glob("fake-*.npy"))) == 2

    docs = [["疫苗", "抗体"], ["人工晶体", "眼科"], ["配方颗粒", "中药"]]
    for d in docs:
        TfidfIndex(d, tmp_path)
        _age_all(tmp_path)
    assert len(list(tmp_path.glob("tfidf-*.npz"))) == 2
    assert not TfidfIndex(docs[0], tmp_path).from_cache  # the oldest index was removed
    assert TfidfIndex(docs[2], tmp_path).from_cache


FILL = """
import sys
from pathlib import Path
from matcher.encoders.cache import encode_cached
from matcher.index import measure_doc
from matcher.kb import default_data_dir, load_kb
from matcher.lexical.tfidf import TfidfIndex
from tests.fakes import HashEncoder
kb = load_kb(default_data_dir())
docs = [measure_doc(kb, m) for _, m in sorted(kb.measures.values(), key=lambda lm: lm[1].id)]
print("ready", flush=True)
sys.stdin.readline()
TfidfIndex(docs, Path(sys.argv[1]))
encode_cached(HashEncoder(), "hash-64", docs, Path(sys.argv[1]))
print("filled")
"""


def test_processes_starting_together_fill_an_empty_cache(tmp_path: Path) -> None:
    """Server workers or Dask workers start at once on an empty cache: each writes the same files, none fails."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FILL, str(tmp_path)],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(4)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    assert [p.communicate(timeout=120)[0].strip() for p in procs] == ["filled"] * 4
    assert sorted(f.suffix for f in tmp_path.iterdir()) == [".npy", ".npz"]  # no temporary file left behind
