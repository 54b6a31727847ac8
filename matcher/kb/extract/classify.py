"""Classifiers trained on the curated measures: is a unit a measure, its kind, modality and sectors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from ...encoders import DEFAULT_ENCODER, Encoder, create_encoder
from ..base import KnowledgeBase
from ..models import ALL_SECTORS, Measure
from ..sections import squash
from .embedding import EmbeddingClassifier, sample_vectors
from .sector_terms import SectorTerms
from .segment import Sample, Unit
from .training import CuratedDoc, curated_docs

LONG_HEADING = 40  # squashed characters: a heading line this long carries its measure on the same line


def candidate(unit: Unit) -> bool:
    """Units that may be measures: sentences and cells, and heading lines that carry their content (a clause
    after a comma, or a long line), unlike a title such as "（一）加强组织领导。"."""
    if unit.role == "text":
        return True
    body = squash(unit.text)
    return unit.role == "heading" and (len(body) > LONG_HEADING or "，" in body or "," in body)


def _vec(ngrams: tuple[int, int], max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True, max_features=max_features, min_df=1)


@dataclass
class Prediction:
    label: str
    confidence: float


@lru_cache(maxsize=65536)
def words(text: str) -> str:
    """Space-separated jieba words of the text, whitespace removed first."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return " ".join(jieba.lcut(squash(text)))


# Words that name what an incentive kind is about: shared knowledge of the trade, not learnt from any document.
KIND_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (k, re.compile(p))
    for k, p in [
        ("fund", r"基金"),
        ("tax", r"税"),
        ("customs", r"海关|通关|进口|进出口|口岸"),
        ("land", r"用地|土地|供地"),
        ("talent", r"人才|专家|团队|职称|学科"),
        ("finance", r"融资|信贷|贷款|上市|担保|保险|金融|证券|股权投资"),
        ("clinical", r"临床|医院|医疗机构"),
        ("regulatory", r"审评|审批|注册|监管|检查|许可|标准"),
        ("market_access", r"采购|医保|推广应用|准入|挂网"),
        ("subsidy", r"补助|补贴|奖励|资助|奖补|扶持措施"),
        ("cooperation", r"港澳|国际|合作|交流|一带一路|跨境"),
        ("carrier", r"园区|产业园|载体|孵化器|加速器|基地|厂房"),
        ("platform", r"平台|中心|实验室|共享"),
        ("rd_program", r"攻关|研发|专项|科研|研究"),
        ("service", r"招商|服务|引进|培育"),
        ("sector_focus", r"重点发展|聚焦|布局"),
    ]
]


def kind_words(text: str) -> str:
    return " ".join(f"k_{k}" for k, pat in KIND_WORDS if pat.search(text)) or "k_none"


class _TextClassifier:
    """Logistic regression over character n-grams and jieba words of the text, words of its section titles
    and the kind words it contains."""

    def __init__(self, samples: Sequence[Sample], labels: Sequence[str]):
        self.vecs: list[tuple[Any, Callable[[Sample], str], float]] = [
            (_vec((1, 3), 30000), lambda s: squash(s.text), 1.0),
            (TfidfVectorizer(analyzer=str.split, sublinear_tf=True), lambda s: words(s.text), 1.0),
            (TfidfVectorizer(analyzer=str.split, sublinear_tf=True), lambda s: words(s.context) or "-", 0.5),
            (CountVectorizer(analyzer=str.split, binary=True), lambda s: kind_words(s.text), 0.5),
        ]
        self.labels = sorted(set(labels))
        self.model: OneVsRestClassifier | None = None
        if len(self.labels) > 1:
            x = sp.hstack([w * v.fit_transform([f(s) for s in samples]) for v, f, w in self.vecs]).tocsr()
            # liblinear, one label against the rest, fits these sparse, wide problems far faster than lbfgs.
            lr = LogisticRegression(solver="liblinear", C=10.0, class_weight="balanced")
            self.model = OneVsRestClassifier(lr)
            self.model.fit(x, labels)

    def probabilities(self, samples: Sequence[Sample]) -> np.ndarray:
        """One row per sample, one column per label of `self.labels`."""
        if self.model is None:
            return np.ones((len(samples), 1))
        x = sp.hstack([w * v.transform([f(s) for s in samples]) for v, f, w in self.vecs]).tocsr()
        out: np.ndarray = self.model.predict_proba(x)
        return out

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        return _best(self.labels, self.probabilities(samples))


class _Blend:
    """The text classifier and the embedding classifier, combined as their equal-weight geometric mean (a product
    of experts): a label both find likely wins over one that only one of them is sure of."""

    def __init__(self, samples: Sequence[Sample], labels: Sequence[str], vectors: np.ndarray, encoder: Encoder):
        self.text = _TextClassifier(samples, labels)
        self.labels = self.text.labels
        self.embedding = EmbeddingClassifier(vectors, labels, encoder) if len(self.labels) > 1 else None

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        if self.embedding is None:
            return self.text.predict(samples)
        assert self.embedding.classes == self.labels
        log_p = 0.5 * np.log(self.text.probabilities(samples) + 1e-9)
        log_p += 0.5 * np.log(self.embedding.probabilities(samples) + 1e-9)
        p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        return _best(self.labels, p / p.sum(axis=1, keepdims=True))


def _best(labels: Sequence[str], p: np.ndarray) -> list[Prediction]:
    return [Prediction(labels[int(i)], float(row[int(i)])) for row, i in zip(p, p.argmax(axis=1), strict=True)]


class MeasureFilter:
    """P(unit is a measure) from its own text and the titles of the sections above it."""

    def __init__(self, docs: Sequence[CuratedDoc]):
        units = [(u, d.positive(u)) for d in docs for u in d.seg.units if candidate(u)]
        self.text_vec = _vec((1, 3), 40000)
        self.ctx_vec = _vec((1, 2), 10000)
        x = self._features([u for u, _ in units], fit=True)
        y = np.array([int(p) for _, p in units])
        self.model = LogisticRegression(solver="liblinear", C=3.0, class_weight="balanced")
        self.model.fit(x, y)

    def _features(self, units: Sequence[Unit], *, fit: bool = False) -> sp.csr_matrix:
        texts = [squash(u.text) for u in units]
        ctx = [squash(u.context) for u in units]
        lens = np.array([[min(len(t), 200) / 200.0] for t in texts])
        if fit:
            a, b = self.text_vec.fit_transform(texts), self.ctx_vec.fit_transform(ctx)
        else:
            a, b = self.text_vec.transform(texts), self.ctx_vec.transform(ctx)
        return sp.hstack([a, 0.5 * b, sp.csr_matrix(lens)]).tocsr()

    def probability(self, units: Sequence[Unit]) -> list[float]:
        if not units:
            return []
        return [float(p) for p in self.model.predict_proba(self._features(units))[:, 1]]


@dataclass
class Models:
    """Everything learnt from the curated measures of the training documents."""

    trained_on: list[str]
    filter: MeasureFilter
    kind: _TextClassifier
    modality: _TextClassifier
    all_sectors: _Blend  # "all" (sector-neutral) or "specific"
    sector_terms: SectorTerms


def augmented(pairs: Sequence[tuple[Sample, Measure]]) -> list[tuple[Sample, Measure]]:
    """Each curated measure learnt from the unit that holds its quote, as extraction will see it, and also from
    the curators' own title and offer sentence under the same section titles: words that name what the measure
    is, which a long sentence holding several measures dilutes."""
    out = list(pairs)
    for s, m in pairs:
        out += [(Sample(m.title_zh, s.context), m), (Sample(m.offer_zh, s.context), m)]
    return out


def train(kb: KnowledgeBase, exclude: Collection[str] = (), encoder: Encoder | None = None) -> Models:
    """Fit every classifier on the curated documents except `exclude`. `encoder`: the sentence encoder whose
    vectors the sector-neutral classifier also reads (default: the bundled one)."""
    docs = curated_docs(kb, exclude)
    if not docs:
        raise ValueError("no curated documents left to learn from")
    pairs = [(Sample(u.text, u.context), m) for d in docs for u, m in d.measure_units(candidate)]
    more = augmented(pairs)
    samples = [s for s, _ in more]
    encoder = encoder or create_encoder(DEFAULT_ENCODER)
    # Only the sector-neutral decision reads the encoder's vectors: on the training documents alone (each left
    # out in turn), vectors helped it in every fold but did not help kind or modality (README, extraction quality).
    neutral = ["all" if m.sectors == [ALL_SECTORS] else "specific" for _, m in more]
    return Models(
        trained_on=[d.doc for d in docs],
        filter=MeasureFilter(docs),
        kind=_TextClassifier(samples, [m.kind for _, m in more]),
        modality=_TextClassifier(samples, [m.modality for _, m in more]),
        all_sectors=_Blend(samples, neutral, sample_vectors(encoder, samples), encoder),
        sector_terms=SectorTerms.fit(kb.taxonomy, [(s.text, m.sectors) for s, m in pairs]),
    )
