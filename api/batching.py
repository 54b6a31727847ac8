"""POST /match requests that wait at the same time are ranked in one engine call.

The engine scores many queries at once for much less than one call each (one matrix per channel instead of one per
query; `matcher bench` and `matcher load-test` show the difference). Each process keeps one `MatchBatcher`:
requests queue by engine and options, one batch runs at a time on a worker thread, and the requests that arrive
meanwhile form the next batch. A lone request runs at once; nothing waits to fill a batch.

Every answer is the one the request would get alone: each description is encoded on its own (the encoder's batched
arithmetic differs in the last bits), and the engine multiplies each query on its own in calls this small
(`matcher.scoring.similarities`). `tests/api/test_batching.py` compares them byte for byte.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from anyio import to_thread

from matcher.engine import Matcher
from matcher.options import MatchOptions
from matcher.prospect import Prospect
from matcher.ranking import Ranking
from matcher.scoring import SMALL_CALL

Render = Callable[[Ranking], bytes]


@dataclass
class _Group:
    matcher: Matcher
    options: MatchOptions
    waiting: list[tuple[Prospect, asyncio.Future[bytes]]] = field(default_factory=list)


def rank_together(m: Matcher, options: MatchOptions, prospects: Sequence[Prospect], render: Render) -> list[object]:
    """Each prospect's rendered ranking, or the exception it raised (one bad prospect does not fail the others)."""
    try:
        vectors = np.stack([m.encoder.encode([p.text])[0] for p in prospects])
        return [render(r) for r in m.match_many(prospects, options, vectors=vectors)]
    except Exception as err:
        if len(prospects) == 1:
            return [err]
        return [rank_together(m, options, [p], render)[0] for p in prospects]


class MatchBatcher:
    """Per process, on its event loop: `rank` queues a request and awaits its rendered ranking."""

    def __init__(self, render: Render, max_batch: int = SMALL_CALL):
        # Past SMALL_CALL queries the engine takes one product for the call, and answers would depend on the batch.
        self.render, self.max_batch = render, min(max_batch, SMALL_CALL)
        self._groups: dict[tuple[int, str], _Group] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = self.requests = 0  # counters, for the tests and the curious

    async def rank(self, m: Matcher, prospect: Prospect, options: MatchOptions) -> bytes:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test client's): what the old one queued is gone with it
            self._loop, self._groups, self._task = loop, {}, None
        future: asyncio.Future[bytes] = loop.create_future()
        key = (id(m), repr(options))  # a queued group holds its engine, so the id stays its own
        self._groups.setdefault(key, _Group(m, options)).waiting.append((prospect, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        """Run the queued groups, oldest first, a batch at a time, until none is left."""
        while self._groups:
            key, group = next(iter(self._groups.items()))
            batch, group.waiting = group.waiting[: self.max_batch], group.waiting[self.max_batch :]
            del self._groups[key]
            if group.waiting:  # the rest goes after the other groups: no options wait behind a busy one
                self._groups[key] = group
            live = [(p, f) for p, f in batch if not f.done()]  # a request whose client left is cancelled
            if not live:
                continue
            try:
                outcomes = await to_thread.run_sync(
                    rank_together, group.matcher, group.options, [p for p, _ in live], self.render
                )
            except BaseException as err:  # the thread could not run (shutdown): nobody is left waiting
                for _, f in live:
                    if not f.done():
                        f.set_exception(err if isinstance(err, Exception) else RuntimeError("shutting down"))
                raise
            self.batches += 1
            self.requests += len(live)
            for (_, f), out in zip(live, outcomes, strict=True):
                if f.done():
                    continue
                if isinstance(out, Exception):
                    f.set_exception(out)
                else:
                    f.set_result(out)  # type: ignore[arg-type]
