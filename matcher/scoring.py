"""Score arithmetic: calibration, soft-or, breadth of support, fit levels. Pure functions on numbers and arrays."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .ranking import Fit


def calibrate(x: np.ndarray | float, lo: float, hi: float) -> np.ndarray:
    """Map [lo, hi] linearly onto [0, 1], clipped."""
    out: np.ndarray = np.clip((np.asarray(x, dtype=np.float32) - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return out


def soft_or(values: Iterable[float] | np.ndarray) -> Any:
    """1 − Π(1 − v) along the first axis: several partial signals add up without exceeding 1 (a float for a
    list of numbers, an array for a stack of arrays)."""
    v = np.clip(np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64), 0, 1)
    out = 1.0 - np.prod(1.0 - v, axis=0)
    return float(out) if out.ndim == 0 else out


SMALL_CALL = 32  # calls of up to this many queries compute each query's products on its own (see `similarities`)


def similarities(q: np.ndarray, m: np.ndarray) -> np.ndarray:
    """`q @ m.T` (queries × rows of `m`). In a call of up to SMALL_CALL queries each query is multiplied alone, so that
    its result does not depend on which other queries share the call: BLAS sums a lone row and the rows of a block
    in different orders, a few last bits apart, which can move a rounded score. The service ranks requests that
    arrive together in one call (api/batching.py) and answers each exactly as alone. Larger calls (a list's chunks
    of 256) take one product."""
    if 1 < len(q) <= SMALL_CALL:
        mt = m.T
        return np.concatenate([q[i : i + 1] @ mt for i in range(len(q))])
    out: np.ndarray = q @ m.T
    return out


def max_last(x: np.ndarray) -> np.ndarray:
    """`x.max(axis=-1)` over a short last axis (a few views, depths or picks), as elementwise maxima: numpy reduces
    a short innermost axis element by element, many times slower."""
    out: np.ndarray = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        np.maximum(out, x[..., j], out=out)
    return out


def prod_last(x: np.ndarray) -> np.ndarray:
    """`np.prod(x, axis=-1)` over a short last axis, multiplied in the same order (first to last) as elementwise
    products (see `max_last`)."""
    out: np.ndarray = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        out *= x[..., j]
    return out


def breadth_fit(top3: np.ndarray, breadth: tuple[float, float]) -> np.ndarray:
    """Sector fit from the three best clause scores along the last axis (best first): the best, plus a little for the
    runners-up (breadth of support), capped at 1."""
    out: np.ndarray = np.minimum(1.0, top3[..., 0] + breadth[0] * top3[..., 1] + breadth[1] * top3[..., 2])
    return out


def fit_level(sector: float, in_domain: float, thresholds: tuple[float, float, float], floor: float) -> Fit:
    """`thresholds`: sector fit for weak, good, strong; `floor`: the in-domain score below which nothing fits."""
    weak, good, strong = thresholds
    if in_domain < floor or sector < weak:
        return "none"
    if sector >= strong:
        return "strong"
    return "good" if sector >= good else "weak"
