"""Cutting a document into candidate units with sections, roles and offsets."""

from __future__ import annotations

from matcher.kb.extract.segment import detect_parts, segment
from matcher.kb.sections import Part

from .docs import POLICY

LEDGER = """通知正文，请认真组织实施。

附件 2

工作台账

单位\t序号\t重点工作内容
省科技厅\t1\t组织实施重点领域研发计划专项。
\t2\t推进横琴中药新药技术创新中心筹建工作。
省药监局\t3\t支持建设药品审评检查分中心。
"""


def test_units_carry_section_role_and_exact_offsets() -> None:
    seg = segment(POLICY)
    assert seg.numbered
    for u in seg.units:
        assert POLICY[u.start : u.end] == u.text
    by_text = {u.text: u for u in seg.units}
    u = by_text["（一）对在本区开展临床试验的创新药企业，按研发投入的20%给予补贴，最高500万元。"]
    assert (u.section, u.role) == ("一、（一）", "heading")
    assert by_text["一、支持创新药研发"].role == "heading"
    assert by_text["成立区生物医药产业发展领导小组，统筹推进各项工作。"].section == "二、（一）"
    assert by_text["成立区生物医药产业发展领导小组，统筹推进各项工作。"].context == "二、保障措施 / （一）加强组织领导"


def test_lead_lines_and_short_labels() -> None:
    seg = segment(
        "一、任务\n1.建设平台。支持企业建设公共技术服务平台。（牵头单位：科技局，配合单位：卫健局）\n创新药。\n"
    )
    roles = {u.text: u.role for u in seg.units}
    assert roles["支持企业建设公共技术服务平台。"] == "text"
    assert roles["（牵头单位：科技局，配合单位：卫健局）"] == "lead"
    assert roles["创新药。"] == "short"


def test_a_wrapped_line_is_one_unit() -> None:
    text = "一、任务\n支持区内高水平研究机构与科技领军企业共建国际化孵化器和\n加速器，支持建设成果转化基地。\n"
    units = [u.text for u in segment(text).units]
    assert "支持区内高水平研究机构与科技领军企业共建国际化孵化器和\n加速器，支持建设成果转化基地。" in units


def test_attachment_ledger_is_detected_and_rows_become_sections() -> None:
    assert detect_parts(LEDGER) == [Part(label="附件2", starts="附件 2", ledger=True)]
    seg = segment(LEDGER)
    cells = {u.text: u.section for u in seg.units if u.role == "text"}
    assert cells["组织实施重点领域研发计划专项。"] == "附件2 第1项"
    assert cells["推进横琴中药新药技术创新中心筹建工作。"] == "附件2 第2项"


def test_no_numbering() -> None:
    assert not segment("这是一段没有编号的文字。支持企业发展。").numbered
