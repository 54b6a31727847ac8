"""Housekeeping for the profile caches on disk: one file per knowledge-base version, the newest few kept."""

from __future__ import annotations

import glob
import os
import threading
from pathlib import Path

KEEP = 16  # per kind of file: enough for a few knowledge-base versions side by side (views and prototypes are two)


def mark_used(path: Path) -> None:
    """Refresh a cache file's modification time on a hit, so that pruning removes the least recently used."""
    try:
        os.utime(path)
    except OSError:  # a read-only cache still serves
        pass


def keep_recent(folder: Path, prefix: str, suffix: str, keep: int | None = None) -> list[Path]:
    """Delete all but the `keep` (default `KEEP`) most recently used `<prefix>*<suffix>` files in `folder`
    (half-written `.tmp` files are left alone). Returns the files removed."""
    keep = KEEP if keep is None else keep
    pattern = glob.escape(prefix) + "*" + glob.escape(suffix)
    used: dict[Path, float] = {}
    for p in folder.glob(pattern):
        if not p.name.endswith(".tmp" + suffix):
            try:
                used[p] = p.stat().st_mtime
            except FileNotFoundError:  # another process pruned it first
                pass
    stale = sorted(used, key=used.__getitem__, reverse=True)[keep:]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def temp_for(path: Path) -> Path:
    """A temporary name beside `path` that no other process or thread writes (processes starting together fill the
    same cache file at once); it ends in `.tmp<suffix>`, which `keep_recent` leaves alone."""
    return path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
