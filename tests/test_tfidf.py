"""The fast query path of the TF-IDF channel computes what scikit-learn's transform computes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.lexical import TfidfIndex

DOCS = [
    "人工晶体 眼科 屈光手术 PET-MRI 影像设备",
    "中药配方颗粒 横琴 粤澳合作中医药科技产业园 TCM",
    "AAV 病毒载体 CDMO 基因治疗 gene therapy viral vector",
    "体外诊断 POCT 即时检测 clinical trials 临床试验",
    "ＧＭＰ厂房 生物药 抗体 疫苗 biologics",
]
PIECES = [
    "人工晶体",
    "晶体",
    "眼",
    "中药",
    "配方颗粒",
    "AAV",
    "cdmo",
    "PET-MRI",
    "gene",
    "therapy",
    "ＧＭＰ",
    "，",
    " ",
    "x",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=12))
def test_query_scores_equal_the_vectorizer(parts: list[str]) -> None:
    index = TfidfIndex(DOCS)
    query = "".join(parts)
    want = np.asarray((index._vec.transform([query]) @ index._matrix.T).toarray()).ravel()
    np.testing.assert_allclose(index.scores(query), want, atol=1e-6)
    np.testing.assert_allclose(index.scores_many([query] * 5)[0], want, atol=1e-6)


def test_a_fitted_index_is_reloaded_from_the_cache(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fitted = TfidfIndex(DOCS, tmp_path)
    cached = TfidfIndex(DOCS, tmp_path)
    assert not fitted.from_cache and cached.from_cache
    for q in ["人工晶体 PET-MRI", "AAV gene therapy CDMO", "中药配方颗粒", "nothing here"]:
        np.testing.assert_array_equal(cached.scores(q), fitted.scores(q))
    assert not TfidfIndex([*DOCS, "疫苗"], tmp_path).from_cache  # other documents: fitted afresh


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["PET-MRI", "a.b", "-x", "x-", "C++", "İ", "\u212a", "é", "Ω", "中药", "1.5", " ", "/"]),
            st.text(max_size=4),
        ),
        max_size=12,
    )
)
def test_latin_grams_are_the_words_of_each_latin_run_and_their_bigrams(parts: list[str]) -> None:
    from matcher.text import _LATIN_WORD, _RUNS, latin_grams, latin_words, normalize

    for text in ("".join(parts), normalize("".join(parts))):
        words = _LATIN_WORD.findall(text.lower())
        want = [w for _cjk, latin in _RUNS.findall(text) if latin for w in latin_words(latin)]
        assert latin_grams(text) == want + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
