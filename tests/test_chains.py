"""The chain merge gives what the full candidates × measures product gives, for any chain layout and values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.chains import Chains


@st.composite
def layouts(draw: st.DrawFn) -> tuple[Chains, np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
    n_loc = draw(st.integers(1, 6))
    parent = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n_loc)]  # location 0 is the root
    chains = []
    for loc in range(n_loc):
        chain, at = [], loc
        while at is not None:
            chain.append(at)
            at = parent[at]
        chains.append(chain)
    n_m = draw(st.integers(1, 25))
    owner = np.array([draw(st.integers(0, n_loc - 1)) for _ in range(n_m)])
    b = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    values = rng.random((b, n_m)).astype(np.float32)
    values[rng.random((b, n_m)) < 0.2] = 0.0
    sets = [np.flatnonzero(rng.random(n_m) < 0.5) for _ in range(draw(st.integers(1, 3)))]
    sets = [s if len(s) else np.array([0]) for s in sets]
    depth = max(len(c) for c in chains)
    disc = np.sort(rng.random((n_loc, depth)), axis=1)[:, ::-1].astype(np.float32)  # candidates × depth
    return Chains(owner, chains, n_loc), values, disc, sets, np.array([len(c) for c in chains])


def brute(ch: Chains, values: np.ndarray, disc: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """prospects × candidates × measures of discount × value, 0 outside the chain or the set."""
    b, m = values.shape
    out = np.zeros((b, len(ch.chain), m), dtype=np.float32)
    for c, chain in enumerate(ch.chain):
        for depth, loc in enumerate(chain):
            for i in cols:
                if ch.owner[i] == loc:
                    out[:, c, i] = disc[c, depth] * values[:, i]
    return out


@settings(max_examples=150, deadline=None)
@given(layouts(), st.integers(1, 5))
def test_top_matches_the_full_product(layout, k: int) -> None:  # type: ignore[no-untyped-def]
    ch, values, disc, sets, _ = layout
    g = ch.groups(sets)
    wanted = np.ones((len(values), len(sets)), dtype=bool)
    top_k, best, best_measure, (rows, cols) = ch.top(values, k, disc, g, wanted)
    for j, (r, s) in enumerate(zip(rows, cols, strict=True)):
        full = brute(ch, values, disc, sets[s])[r]  # candidates × measures
        want = -np.sort(-full, axis=1)[:, :k]
        got = np.sort(top_k[j], axis=1)[:, ::-1][:, : min(k, full.shape[1])]
        np.testing.assert_allclose(got, want[:, : got.shape[1]], rtol=1e-6)
        np.testing.assert_allclose(best[j], full.max(axis=1), rtol=1e-6)
        for c in range(len(ch.chain)):
            if best[j, c] > 0:
                assert full[c, best_measure[j, c]] == best[j, c]


@settings(max_examples=100, deadline=None)
@given(layouts())
def test_top_measures_and_depths_match_the_full_product(layout) -> None:  # type: ignore[no-untyped-def]
    ch, values, disc, _, lengths = layout
    full = brute(ch, values, disc, np.arange(values.shape[1]))
    vals, idx = (x[:, 0] for x in ch.top_measures(values, 3, disc, ch.all))
    k = min(3, full.shape[2])
    np.testing.assert_allclose(vals[..., :k], -np.sort(-full, axis=2)[..., :k], rtol=1e-6)
    real = idx < values.shape[1]
    picked = np.take_along_axis(full, np.where(real, idx, 0), axis=2)
    np.testing.assert_allclose(np.where(real, picked, 0.0), vals, rtol=1e-6)
    by_depth = ch.best_by_depth(values, disc)
    for c, chain in enumerate(ch.chain[:, : lengths.max()]):
        for depth, loc in enumerate(chain[: lengths[c]]):
            mine = ch.owner == loc
            want = (disc[c, depth] * values[:, mine]).max(axis=1) if mine.any() else 0.0
            np.testing.assert_allclose(by_depth[:, c, depth], want, rtol=1e-6)


@settings(max_examples=50, deadline=None)
@given(layouts())
def test_best_by_depth_is_each_locations_best_without_a_sort(layout) -> None:  # type: ignore[no-untyped-def]
    ch, values, disc, _, _ = layout
    best, _ = ch.per_location(values, 1, ch.all)
    np.testing.assert_array_equal(ch.best_by_depth(values, disc), best[:, 0, ch.chain, 0] * disc[None])
