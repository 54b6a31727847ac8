"""The learned sector fit: training, prediction, and its JSON artefact."""

from pathlib import Path

import numpy as np
import pytest

from matcher.sector_model import FEATURES, SectorModel, fit_sector_model


def toy(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(FEATURES))).astype(np.float32)
    y = np.where(x[:, 0] > 0.8, 2, np.where(x[:, 0] > 0.6, 1, 0))  # relevance rises with the first feature
    return x, y


def test_predicts_probabilities_ordered_by_the_informative_feature() -> None:
    x, y = toy()
    model = fit_sector_model(x, y, c=1.0)
    probe = np.tile(x.mean(axis=0), (3, 1))
    probe[:, 0] = [0.1, 0.5, 0.95]
    p = model.predict(probe)
    assert np.all((0 < p) & (p < 1))
    assert p[0] < p[1] < p[2]
    assert model.coef[0] == max(model.coef)


def test_json_round_trip(tmp_path: Path) -> None:
    x, y = toy()
    model = fit_sector_model(x, y)
    path = tmp_path / "m.json"
    path.write_text(model.to_json({"what": "test"}), encoding="utf-8")
    again = SectorModel.load(path)
    assert again is not None
    np.testing.assert_allclose(again.predict(x[:20]), model.predict(x[:20]), rtol=1e-4)


def test_missing_file_means_no_model_and_stale_features_are_refused(tmp_path: Path) -> None:
    assert SectorModel.load(tmp_path / "absent.json") is None
    x, y = toy()
    text = fit_sector_model(x, y).to_json({}).replace('"own_specific"', '"renamed_feature"')
    (tmp_path / "old.json").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="rebuild it with `matcher eval --tune`"):
        SectorModel.load(tmp_path / "old.json")
