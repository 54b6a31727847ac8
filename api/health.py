"""What /health knows beyond the database: failures seen in the engine or the batch worker, until a probe passes."""

from __future__ import annotations

import threading


class Health:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, str] = {}

    def failed(self, part: str, exc: BaseException) -> None:
        with self._lock:
            self._failures[part] = f"{type(exc).__name__}: {exc}"[:200].rstrip(": ")

    def passed(self, part: str) -> None:
        with self._lock:
            self._failures.pop(part, None)

    def failure(self, part: str) -> str | None:
        with self._lock:
            return self._failures.get(part)
