"""The package's own source, hashed: a result cached by one version of the code is not reused by another."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def code_hash() -> str:
    """A hash of every Python file of the package, by path and content. A change anywhere (the stages, the
    explanations, what a list keeps of a ranking) makes results cached before it stale; so does a Dask worker
    running other code than its client, which then refuses to score. Read once per process (about 100 files)."""
    h = hashlib.sha256()
    for path in sorted(ROOT.rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:12]
