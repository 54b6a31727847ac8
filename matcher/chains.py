"""Best measures along each candidate's chain (its own clauses, its parent's, …, the province's).

A candidate inherits every measure of its ancestors, discounted by where each sits (`discount`: candidates ×
chain depth, so that a city's clause can count the same for a park and a district of that city). Ranking asks, per
prospect and candidate, for the few best of `discount × value` over that chain, for all measures (sector fit) and
for the measures answering each need (incentive fit). Rather than materialise prospects × candidates × measures,
take each location's best few of its own measures once, then merge those short lists along each chain: the same
answer for a fraction of the work, and one sort for all the sets at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _take(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.take_along_axis(x, order, axis=-1)
    return out


def _best_first(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest along the last axis, best first; ties keep their order (stable)."""
    order: np.ndarray = np.argsort(-values, axis=-1, kind="stable")[..., :k]
    return order


class Groups:
    """Sets of measures (all of them, or those answering each need), each split by the location that states
    them, laid out so that every (set, location) group is contiguous."""

    def __init__(self, owner: np.ndarray, sets: Sequence[np.ndarray], n_locations: int):
        self.n_sets, self.width = len(sets), n_locations + 1  # + a sentinel location that owns nothing
        cols = np.concatenate([np.asarray(c, dtype=np.int64) for c in sets])
        group = np.concatenate([k * self.width + owner[np.asarray(c, dtype=np.int64)] for k, c in enumerate(sets)])
        order = np.argsort(group, kind="stable")
        self.cols, self.group = cols[order], group[order].astype(np.float64)
        self.count = np.bincount(group, minlength=self.n_sets * self.width)
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def positions(self, k: int) -> np.ndarray:
        """groups × k: where each group's j-th best sits once sorted; len(cols) (a zero) past its end."""
        j = np.arange(k)[None, :]
        pos: np.ndarray = np.where(j < self.count[:, None], self.start[:, None] + j, len(self.cols))
        return pos


class Chains:
    def __init__(self, owner: Sequence[int], chains: Sequence[Sequence[int]], n_locations: int):
        """`owner`: per measure, the index of the location that states it; `chains`: per candidate, the location
        indices from itself up to the province (nearest first)."""
        self.n_measures = len(owner)
        self.n_locations = n_locations
        depth = max(len(c) for c in chains)
        # Padding points at the sentinel location (index n_locations).
        self.chain = np.array([list(c) + [n_locations] * (depth - len(c)) for c in chains], dtype=np.int64)
        self.owner = np.asarray(owner, dtype=np.int64)
        self.all = self.groups([np.arange(self.n_measures)])

    def groups(self, sets: Sequence[np.ndarray]) -> Groups:
        return Groups(self.owner, sets, self.n_locations)

    def discounts(self, factors: Sequence[float], category: np.ndarray) -> np.ndarray:
        """candidates × depth: `factors[category[c, depth]]`, the discount of a measure stated at that depth of
        candidate c's chain."""
        out: np.ndarray = np.asarray(factors, dtype=np.float32)[category]
        return out

    def per_location(
        self, values: np.ndarray, k: int, g: Groups, pairs: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each group's k best values (non-negative, prospects × measures), best first, and their measures:
        prospects × sets × (locations + 1) × k, padded with 0 and the index n_measures. With `pairs` (prospect and
        set index arrays), only those: pairs × (locations + 1) × k."""
        v = values[:, g.cols]
        # One sort per prospect: by group, then by value, best first.
        offset = float(v.max(initial=0.0)) + 1.0
        order = np.argsort(g.group[None, :] * offset - v, axis=-1, kind="stable")
        order = np.concatenate([order, np.full((len(v), 1), len(g.cols))], axis=1)
        v = np.concatenate([v, np.zeros((len(v), 1), dtype=v.dtype)], axis=1)
        cols = np.append(g.cols, self.n_measures)
        at = g.positions(k).reshape(g.n_sets, g.width, k)
        rows = np.arange(len(v))[:, None, None, None] if pairs is None else pairs[0][:, None, None]
        picked = order[:, at] if pairs is None else order[rows, at[pairs[1]]]
        return v[rows, picked], cols[picked]

    def _merged(self, lv: np.ndarray, discount: np.ndarray) -> np.ndarray:
        """Each candidate's chain's per-location best lists, discounted and laid end to end:
        (rows …) × candidates × (depth · k)."""
        cv = np.take(lv, self.chain, axis=-2)  # (rows …) × candidates × depth × k, contiguous
        cv *= discount[:, :, None]
        return cv.reshape(*cv.shape[:-2], -1)

    def top(
        self, values: np.ndarray, k: int, discount: np.ndarray, g: Groups, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For each wanted (prospect, set) pair (`wanted`: prospects × sets, bool), per candidate the k largest
        `discount[candidate, depth] × values[measure]` over the set's measures in the candidate's chain, in no
        particular order (pairs × candidates × k, padded with 0); the best of them and the measure giving it (pairs
        × candidates; n_measures when the set has none there); and the pairs, as (prospect, set) index arrays."""
        rows, sets = np.nonzero(wanted)
        lv, li = self.per_location(values, k, g, (rows, sets))
        cv = self._merged(lv, discount)  # pairs × candidates × (depth · k)
        at = cv.argmax(axis=-1)  # where the best sits: chain depth at // k, rank at % k in that location's list
        p, c = np.ogrid[: cv.shape[0], : cv.shape[1]]
        best_measure = li[p, self.chain[c, at // k], at % k]
        top_k = np.partition(cv, cv.shape[-1] - k, axis=-1)[..., -k:]
        return top_k, cv[p, c, at], best_measure, np.stack([rows, sets])

    def top_measures(
        self, values: np.ndarray, k: int, discount: np.ndarray, g: Groups
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like `top`, with the measure behind each of the k values."""
        lv, li = self.per_location(values, k, g)
        cv, ci = (
            self._merged(lv, discount),
            np.take(li, self.chain, axis=-2).reshape(*lv.shape[:2], len(self.chain), -1),
        )
        order = _best_first(cv, k)
        return _take(cv, order), _take(ci, order)

    def best_by_depth(self, values: np.ndarray, discount: np.ndarray) -> np.ndarray:
        """prospects × candidates × depth: the best discounted value among all measures at each chain depth."""
        g = self.all
        # Each location's best is the maximum of its contiguous group: no sort needed (an empty group gives 0).
        held = np.flatnonzero(g.count)
        best = np.zeros((len(values), g.width), dtype=values.dtype)
        if len(held):
            best[:, held] = np.maximum.reduceat(values[:, g.cols], g.start[held], axis=1)
        out: np.ndarray = best[:, self.chain] * discount[None]
        return out
