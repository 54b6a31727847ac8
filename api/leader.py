"""Server processes that start together: one of them runs the batch worker (the one holding a lock file in var/),
and they migrate the database one at a time."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_held: dict[Path, list[int]] = {}  # lock file -> [fd, apps in this process that hold it]
_guard = threading.Lock()


class Leader:
    """Holds `path` locked (flock) until `release`, or until the process ends: a server process that dies frees
    it for the one started in its place. Apps within one process share the lock (tests start several)."""

    def __init__(self, path: Path):
        self.path = path.resolve()
        self.held = False
        path.parent.mkdir(parents=True, exist_ok=True)
        with _guard:
            if self.path in _held:
                _held[self.path][1] += 1
                self.held = True
                return
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
            _held[self.path] = [fd, 1]
            self.held = True

    def running(self) -> bool:
        """Whether a live server process holds the lock: this one, or the one whose process id the lock file names.
        (Read, not locked: taking the lock even for a moment could keep a starting process from it.)"""
        if self.held:
            return True
        try:
            pid = int(self.path.read_text(encoding="ascii").strip() or 0)
        except (OSError, ValueError):
            return False
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, under another user
            return True
        return True

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        with _guard:
            entry = _held[self.path]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[self.path]
                fcntl.flock(entry[0], fcntl.LOCK_UN)
                os.close(entry[0])


@contextmanager
def one_at_a_time(path: Path) -> Iterator[None]:
    """Hold `path` locked (waiting for it) for the block: e.g. the migrations of workers that start together, which
    would otherwise create the same tables at once on a fresh database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
