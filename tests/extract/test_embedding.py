"""The encoder's part in extraction: sample vectors, the memo the evaluation shares, the encoder a caller passes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.memo import MemoEncoder
from matcher.kb import KnowledgeBase, load_kb
from matcher.kb.extract import ExtractOptions, Extractor, read_bytes
from matcher.kb.extract.embedding import sample_vectors
from matcher.kb.extract.segment import Sample
from tests.fakes import HashEncoder

from .docs import POLICY


class Recording:
    """Vectors [len(text), index of first sight]; remembers every batch it was asked to encode."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.order: dict[str, int] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        for t in texts:
            self.order.setdefault(t, len(self.order))
        return np.array([[float(len(t)), float(self.order[t])] for t in texts]).reshape(len(texts), 2)


def test_sample_vectors_put_the_text_beside_its_titles_and_encode_each_text_once() -> None:
    enc = Recording()
    x = sample_vectors(enc, [Sample("甲乙", "一、总则"), Sample("丙", "一、总则"), Sample("一、总则", "")])
    assert enc.batches == [["甲乙", "丙", "一、总则", ""]]
    assert x.tolist() == [[2, 0, 4, 2], [1, 1, 4, 2], [4, 2, 0, 3]]


def test_the_memo_encodes_a_text_once_and_keeps_the_order_asked() -> None:
    enc = Recording()
    memo = MemoEncoder(enc)
    assert memo.encode(["b", "a", "b"]).tolist() == [[1, 0], [1, 1], [1, 0]]
    assert memo.encode(["a", "cc"]).tolist() == [[1, 1], [2, 2]]
    assert enc.batches == [["b", "a"], ["cc"]]
    assert memo.encode([]).shape[0] == 0


@pytest.fixture(scope="module")
def kb2(two_doc_kb: Path) -> KnowledgeBase:
    return load_kb(two_doc_kb)


def test_extraction_reads_the_encoder_it_is_given(kb2: KnowledgeBase) -> None:
    enc = HashEncoder()
    extractor = Extractor(kb2, encoder=enc)
    trained = enc.calls
    assert trained == 1  # the training sentences and their section titles, in one call
    ex = extractor.run(read_bytes(POLICY.encode(), "hp.txt"), "hp.txt", ExtractOptions(doc_id="hp"))
    assert ex.proposals and enc.calls > trained
    assert all(0.0 < p.confidence["sectors"] <= 1.0 for p in ex.proposals)
