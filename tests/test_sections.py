"""Section parsing: paths as the documents number them, spans, leaves."""

from hypothesis import given
from hypothesis import strategies as st

from matcher.kb.sections import Part, leaf_paths, parse_sections, squash

DOC = """标题

前言文字。
一、总体要求
目标。
二、重点任务
(一) 第一项。
1. 细项甲。
2．细项乙。
（二）第二项。
10.细项丙。
"""


def test_paths_follow_document_numbering() -> None:
    paths = [s.path for s in parse_sections(DOC)]
    assert paths == ["", "一、", "二、", "二、（一）", "二、（一）1.", "二、（一）2.", "二、（二）", "二、（二）10."]


def test_spans_nest_and_end_at_next_heading() -> None:
    secs = {s.path: s for s in parse_sections(DOC)}
    assert secs[""].text(DOC).strip() == "标题\n\n前言文字。"
    assert secs["二、（一）1."].text(DOC).strip() == "1. 细项甲。"
    assert "细项乙" in secs["二、（一）"].text(DOC) and "第二项" not in secs["二、（一）"].text(DOC)
    assert "细项丙" in secs["二、"].text(DOC)


def test_leaves_exclude_parents_and_preamble() -> None:
    assert leaf_paths(parse_sections(DOC)) == ["一、", "二、（一）1.", "二、（一）2.", "二、（二）10."]


def test_parts_restart_numbering_and_ledger_rows() -> None:
    doc = "通知\n附件1\n一、甲\n附件 2\n单位\t序号\t内容\n省厅\t1\t任务一\n\t2\t任务二\n"
    parts = [Part("", ""), Part("附件1", "附件1"), Part("附件2", "附件 2", ledger=True)]
    paths = [s.path for s in parse_sections(doc, parts)]
    assert paths == ["", "附件1", "附件1 一、", "附件2", "附件2 第1项", "附件2 第2项"]


def test_squash_drops_all_whitespace() -> None:
    assert squash(" 5 个\n重点\t子行业 ") == "5个重点子行业"


@given(st.data())
def test_any_span_of_a_section_is_found_in_it(data: st.DataObject) -> None:
    secs = [s for s in parse_sections(DOC) if s.path]
    sec = data.draw(st.sampled_from(secs))
    body = sec.text(DOC)
    i = data.draw(st.integers(0, len(body) - 1))
    j = data.draw(st.integers(i + 1, len(body)))
    assert squash(body[i:j]) in squash(body)
