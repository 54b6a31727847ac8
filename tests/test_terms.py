"""One Aho-Corasick pass finds exactly what testing every term on its own finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.sectors import Term, TermSet
from matcher.text import normalize

TERMS = ["CDMO", "AAV", "人工晶体", "晶体", "BE", "PET-MRI", "MRI", "clinical trial", "疫苗", "ＧＭＰ", "gmp", "", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*TERMS, "x", " ", "-", "研发", "be", "Be", "trials", "ＡＡＶ"]), max_size=12))
def test_termset_finds_what_each_term_finds(parts: list[str]) -> None:
    text = "".join(parts)
    t = normalize(text)
    terms = [Term(x) for x in TERMS]  # the plain way: each term on its own, substring test then regex
    want = [i for i, term in enumerate(terms) if term.key and term.key in t.lower() and term.pattern.search(t)]
    assert TermSet(TERMS).found(text) == want


def test_short_capitals_are_case_sensitive_and_words_need_boundaries() -> None:
    ts = TermSet(["BE", "AAV"])
    assert ts.found("提供BE试验") == [0]
    assert ts.found("to be or not") == []
    assert ts.found("AAVS1 locus") == []
    assert ts.found("an AAV vector") == [1]
