"""The real encoder is called from many threads at once (the service's thread pool) without a lock: no deadlock,
and every thread gets what one thread alone gets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from matcher import Matcher
from tests.test_threads import PROSPECTS


def test_threads_encode_at_once_and_agree(real_matcher: Matcher) -> None:
    enc = real_matcher.encoder
    texts = [p.text for p in PROSPECTS]
    alone = [enc.encode([t])[0] for t in texts]
    work = [k % len(texts) for k in range(64)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda k: enc.encode([texts[k]])[0], work))
    for k, v in zip(work, got, strict=True):
        assert float(v @ alone[k]) > 1 - 1e-5
    batch = enc.encode(texts)  # batched with others, a text's vector is still its own
    assert np.allclose(batch, np.stack(alone), atol=1e-5)
