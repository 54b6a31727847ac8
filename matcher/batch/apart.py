"""One step of a list's job run in a child process, for a server that must keep answering meanwhile.

Reading a list and writing its result are pure Python for as long as the list is long (half a minute to read a
million-row workbook, three minutes to write one). In a serving process that step holds the interpreter lock, and
every request's thread waits for it at each turn: a `/match` took 0.3–4.5 s instead of 10–30 ms
(`scripts/hardening.py badfiles`). Scoring stays where it is: it spends its time in the encoder's matrix
products, which let the requests in. The arguments and the result travel pickled; a list's kept rows (`Rows`) go
by a named file the receiving side takes over.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from .table import InputError

T = TypeVar("T")


class Stopped(Exception):
    """`Apart.stop` ended the step before it finished."""


def _run(to: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """In the child: (True, the result) or (False, the error) to the parent. An InputError (the file's fault)
    travels as it is; anything else as a RuntimeError that names it."""
    try:
        out = fn(*args)
    except Exception as err:
        to.send((False, err if isinstance(err, InputError) else RuntimeError(f"{type(err).__name__}: {err}")))
        return
    to.send((True, out))
    close = getattr(out, "close", None)
    if callable(close):
        close()  # the parent holds its own copy now (a `Rows` file it took over)


class Apart:
    """Runs `fn(*args)` in a spawned child process, one step at a time, and returns what it returns."""

    def __init__(self) -> None:
        self._child: BaseProcess | None = None
        self._stopped = False

    def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        if self._stopped:
            raise Stopped
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_run, args=(theirs, fn, args), name="batch-step", daemon=True)
        child.start()
        theirs.close()
        self._child = child
        try:
            ok, got = mine.recv()
        except EOFError:
            if self._stopped:
                raise Stopped from None
            raise RuntimeError(f"the process running {fn.__name__} stopped before it finished") from None
        finally:
            mine.close()
            child.join()
            self._child = None
        if not ok:
            raise got
        out: T = got
        return out

    @property
    def running(self) -> BaseProcess | None:
        return self._child

    def stop(self) -> None:
        """End the running step now (its caller gets `Stopped`), and refuse any later one."""
        self._stopped = True
        child = self._child
        if child is not None:
            child.terminate()
