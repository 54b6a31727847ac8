"""Score arithmetic on small arrays, with exact expectations."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.options import PRESETS, resolve_weights
from matcher.params import FusionWeights
from matcher.scoring import breadth_fit, calibrate, fit_level, soft_or


def test_calibrate_maps_range_linearly_and_clips() -> None:
    np.testing.assert_allclose(calibrate(np.array([0.1, 0.2, 0.4, 0.6, 0.9]), 0.2, 0.6), [0, 0, 0.5, 1, 1])


def test_soft_or() -> None:
    assert soft_or([]) == 0.0
    assert soft_or([0.5, 0.5]) == pytest.approx(0.75)
    assert soft_or([1.0, 0.3]) == 1.0
    assert soft_or([-1, 2]) == 1.0  # clipped into [0, 1]


def test_breadth_fit_rewards_runners_up_a_little_and_caps_at_one() -> None:
    top3 = np.array([[0.8, 0.0, 0.0], [0.8, 0.5, 0.4], [0.9, 0.9, 0.9]])
    np.testing.assert_allclose(breadth_fit(top3, (0.1, 0.05)), [0.8, 0.8 + 0.05 + 0.02, 1.0])


def test_fusion_is_a_weighted_mean_of_calibrated_channels() -> None:
    f = FusionWeights(dense=0.5, lexical=0.3, taxonomy=0.2, dense_range=(0.2, 0.6), lexical_range=(0.0, 0.4))
    out = f.fuse(np.array([0.4, 0.6]), np.array([0.2, 0.0]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(out, [0.5 * 0.5 + 0.3 * 0.5 + 0.2 * 1.0, 0.5], rtol=1e-6)


def test_presets_and_custom_weights() -> None:
    assert resolve_weights() == PRESETS["balanced"]
    assert resolve_weights("sector-first")["sector"] > resolve_weights("incentive-first")["sector"]
    assert resolve_weights(weights={"sector": 2, "incentive": 2}) == {"sector": 0.5, "incentive": 0.5, "validity": 0.0}
    for p in PRESETS.values():
        assert sum(p.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"preset": "greedy"}, "unknown preset 'greedy'"),
        ({"weights": {"sector": 1, "luck": 1}}, "unknown weight"),
        ({"weights": {"sector": 0, "incentive": 0}}, "not all zero"),
        ({"weights": {"sector": -1, "incentive": 2}}, "non-negative"),
    ],
)
def test_bad_weights_are_refused_with_a_reason(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        resolve_weights(**kwargs)


def test_fit_levels() -> None:
    t = (0.3, 0.45, 0.6)
    assert [fit_level(s, 0.9, t, 0.45) for s in (0.1, 0.3, 0.5, 0.7)] == ["none", "weak", "good", "strong"]
    assert fit_level(0.9, 0.2, t, 0.45) == "none"  # not a biomedicine business at all


@given(st.lists(st.floats(0, 1), max_size=8))
def test_soft_or_stays_in_range_and_is_at_least_the_max(values: list[float]) -> None:
    v = soft_or(values)
    assert 0.0 <= v <= 1.0
    assert v >= max(values, default=0.0) - 1e-12


def test_spreadsheet_cells_are_neutralised() -> None:
    from matcher.tabular import safe_cell, xlsx_cell

    assert [safe_cell(v) for v in ["=1+1", "+86", "-x", "@a", "ok", 5]] == ["'=1+1", "'+86", "'-x", "'@a", "ok", 5]
    assert xlsx_cell("a\x01b") == "a\ufffdb" and xlsx_cell("=\x02") == "'=\ufffd"


def test_tuned_parameters_reject_unknown_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from matcher.params import ScoringParams, load_params

    good = tmp_path / "engine.yaml"
    good.write_text("params:\n  fold_ratio: 0.5\n  fusion: {dense: 0.2}\n", encoding="utf-8")
    p = load_params(good)
    assert p.fold_ratio == 0.5 and p.fusion.dense == 0.2 and p.modulation == ScoringParams().modulation
    for bad in ("params:\n  fold_ration: 0.5\n", "params:\n  fusion: {dense: 0.2, densite: 1}\n"):
        good.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError, match="engine.yaml"):
            load_params(good)


def test_the_committed_parameters_load() -> None:
    from matcher.kb import default_data_dir
    from matcher.params import ScoringParams, load_params

    p = load_params(default_data_dir().parent / "models" / "engine.yaml")
    assert p != ScoringParams()  # tuned, not the code's defaults
    assert list(p.fit_thresholds) == sorted(p.fit_thresholds) and len(p.level_discount) == 4


@pytest.mark.parametrize("width", [1, 2, 3, 5, 15])
def test_short_axis_reductions_equal_numpys_bit_for_bit(width: int) -> None:
    from matcher.scoring import max_last, prod_last

    rng = np.random.default_rng(width)
    x = (1 - 0.7 * rng.random((300, 7, width))).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = 0.0
    np.testing.assert_array_equal(max_last(x), x.max(axis=-1))
    np.testing.assert_array_equal(prod_last(x), np.prod(x, axis=-1))
    assert max_last(x).dtype == prod_last(x).dtype == np.float32
