"""Logistic regression over the sentence encoder's vectors of a text and of its section titles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from ...encoders import Encoder
from .segment import Sample


def sample_vectors(encoder: Encoder, samples: Sequence[Sample]) -> np.ndarray:
    """Each sample's text vector beside its section titles' vector; each distinct text is encoded once (a
    document's units share a few dozen section paths)."""
    texts = list(dict.fromkeys([*(s.text for s in samples), *(s.context for s in samples)]))
    vec = dict(zip(texts, encoder.encode(texts), strict=True))
    return np.hstack([np.array([vec[s.text] for s in samples]), np.array([vec[s.context] for s in samples])])


class EmbeddingClassifier:
    """Multinomial logistic regression (scikit-learn's defaults, classes balanced) on `sample_vectors`."""

    def __init__(self, x: np.ndarray, labels: Sequence[str], encoder: Encoder):
        self.encoder = encoder
        self.model = LogisticRegression(max_iter=2000, class_weight="balanced")
        self.model.fit(x, list(labels))
        self.classes = [str(c) for c in self.model.classes_]

    def probabilities(self, samples: Sequence[Sample]) -> np.ndarray:
        out: np.ndarray = self.model.predict_proba(sample_vectors(self.encoder, samples))
        return out
