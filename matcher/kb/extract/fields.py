"""Rules for the fields a quote states: amounts (万元, 亿元, %, 平方米, 最高 …), conditions and dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

from ..models import ConditionField
from .numbers import NUMBER, parse_number

AmountRole = Literal["benefit", "fund_size", "space", "count", "target"]

_SCALE = {"元": 1.0, "万元": 1e4, "亿元": 1e8, "平方米": 1.0, "万平方米": 1e4, "平方公里": 1.0}
_UPPER = "不超过|不高于|最高|最多|上限为?|不多于|以内"
_LOWER = "不低于|不少于|至少|超过|以上"
_RANGE = r"\s*[-~～—－至到]\s*"
_MONEY = re.compile(
    rf"(?P<pre>{_UPPER}|{_LOWER}|达到?|给予)?\s*(?P<a>{NUMBER})(?:{_RANGE}(?P<b>{NUMBER}))?\s*"
    rf"(?P<unit>万平方米|平方米|平方公里|万元|亿元|元)(?P<post>以上|以下|以内|左右)?"
)
_PERCENT = re.compile(
    rf"(?P<pre>{_UPPER}|{_LOWER}|按)?\s*(?:(?P<a>\d+(?:\.\d+)?)(?:{_RANGE}(?P<b>\d+(?:\.\d+)?))?\s*[%％]"
    rf"|百分之(?P<c>{NUMBER}))(?P<post>以上|以下|以内)?"
)
# A count is a number with a measure word; "一批/一个" (a batch, one) and "N大" back-references are not amounts.
_COUNT = re.compile(
    rf"(?<![第\d.年月~～-])(?P<a>{NUMBER})(?:{_RANGE}(?P<b>{NUMBER}))?\s*(?P<mw>家|个|项|支|所|名|类)(?P<post>以上|左右)?"
)
_TARGET = re.compile(r"力争|目标|达到|实现|新增|累计|到20\d\d年|20\d\d年前")
_FUND = re.compile(r"基金|资金池|母基金|子基金")
_BENEFIT = re.compile(r"给予|补助|补贴|奖励|资助|扶持|扣除|贴息|减免|奖补|支持")


@dataclass
class AmountProposal:
    text: str
    unit: str  # CNY, percent, m2, km2, count
    role: AmountRole
    min: float | None
    max: float | None
    label_zh: str
    label_en: str


@dataclass
class ConditionProposal:
    text: str
    field: ConditionField | None
    min: float | None = None
    max: float | None = None
    values: list[str | bool] = dc_field(default_factory=list)


@dataclass
class Validity:
    start: dt.date | None
    end: dt.date | None
    text: str


def _bounds(a: float, b: float | None, pre: str, post: str) -> tuple[float | None, float | None]:
    if b is not None:
        return a, b
    if re.fullmatch(_UPPER, pre or "") or post in {"以下", "以内"}:
        return None, a
    if re.fullmatch(_LOWER, pre or "") or post == "以上":
        return a, None
    return a, a


def _role(sentence: str, unit: str) -> AmountRole:
    if unit in {"m2", "km2"}:
        return "space"
    if unit == "CNY" and _FUND.search(sentence) and "规模" in sentence:
        return "fund_size"
    if unit == "count":
        return "count"
    if _BENEFIT.search(sentence) and not _TARGET.search(sentence):
        return "benefit"
    if _TARGET.search(sentence):
        return "target"
    return "benefit"


_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("benefit", "CNY"): ("支持金额", "amount of support"),
    ("benefit", "percent"): ("支持比例", "rate of support"),
    ("fund_size", "CNY"): ("基金规模", "fund size"),
    ("space", "m2"): ("面积", "floor area"),
    ("space", "km2"): ("面积", "area"),
    ("count", "count"): ("数量", "number"),
}


def _label(role: AmountRole, unit: str) -> tuple[str, str]:
    return _LABELS.get(
        (role, unit), ("目标值" if role == "target" else "数值", "target" if role == "target" else "value")
    )


def _span(sentence: str, fragment: str) -> tuple[int, int]:
    i = sentence.find(fragment)
    return (i, i + len(fragment)) if i >= 0 else (0, 0)


def amounts(sentence: str) -> list[AmountProposal]:
    """Amounts stated in a sentence, in text order. Each text is a verbatim fragment of the sentence."""
    out: list[tuple[int, AmountProposal]] = []
    # A revenue or investment band is a condition on the company, not an amount it gets.
    skip = [_span(sentence, c.text) for c in conditions(sentence) if c.field in {"revenue_cny", "investment_cny"}]
    taken: list[tuple[int, int]] = list(skip)

    def add(m: re.Match[str], unit: str, lo: float | None, hi: float | None, start: int) -> None:
        end = m.end()
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        role = _role(sentence, unit)
        zh, en = _label(role, unit)
        out.append((start, AmountProposal(sentence[start:end].strip(), unit, role, lo, hi, zh, en)))

    for m in _MONEY.finditer(sentence):
        a = parse_number(m.group("a"))
        b = parse_number(m.group("b")) if m.group("b") else None
        scale = _SCALE[m.group("unit")]
        if a is None:
            continue
        unit = {"平方米": "m2", "万平方米": "m2", "平方公里": "km2"}.get(m.group("unit"), "CNY")
        pre = m.group("pre") or ""
        lo, hi = _bounds(a * scale, None if b is None else b * scale, pre, m.group("post") or "")
        start = m.start("pre") if pre and pre not in {"达", "达到", "给予"} else m.start("a")
        add(m, unit, lo, hi, start)
    for m in _PERCENT.finditer(sentence):
        a = parse_number(m.group("a") or m.group("c") or "")
        b = parse_number(m.group("b")) if m.group("b") else None
        if a is None:
            continue
        pre = m.group("pre") or ""
        lo, hi = _bounds(a, b, pre, m.group("post") or "")
        start = m.start("pre") if pre and pre != "按" else (m.start("a") if m.group("a") else m.start("c"))
        add(m, "percent", lo, hi, start)
    for m in _COUNT.finditer(sentence):
        a = parse_number(m.group("a"))
        if a is None or (a < 2 and not m.group("b")) or any(m.start("a") < e and s < m.end() for s, e in skip):
            continue
        post = m.group("post") or ""
        b = parse_number(m.group("b")) if m.group("b") else None
        lo, hi = (a, b) if b is not None else ((a, None) if post == "以上" else (a, a))
        frag_end = m.end("post") if post else m.end("mw")
        if any(m.start("a") < e and s < frag_end for s, e in taken):
            continue
        taken.append((m.start("a"), frag_end))
        text = sentence[m.start("a") : frag_end]
        out.append((m.start("a"), AmountProposal(text.strip(), "count", "count", lo, hi, "数量", "number")))
    return [a for _, a in sorted(out, key=lambda x: x[0])]


# --- conditions ------------------------------------------------------------------------

_MONEY_FIELDS: list[tuple[ConditionField, str]] = [
    ("revenue_cny", r"主营业务收入|营业收入|营收|销售收入|年收入|产值"),
    ("investment_cny", r"总投资|投资额|固定资产投资|实际投资"),
]
_COMPANY_TYPES: list[tuple[str, str]] = [
    ("leader", r"龙头企业|龙头骨干企业|领军企业|骨干企业|百强企业|行业龙头"),
    ("high_growth", r"瞪羚|独角兽|高成长|小巨人"),
    ("tech_sme", r"科技型中小企业|专精特新|高新技术企业"),
    ("small_micro", r"小微企业|中小微企业|中小企业"),
    ("multinational", r"世界\s*500\s*强|跨国公司|跨国企业|全球领先"),
    ("hk_macau_firm", r"港澳(?:药品上市许可持有人|企业|机构|投资者)"),
    ("medical_institution", r"医疗机构|医院"),
    ("research_institute", r"科研院所|研究机构|研发机构|研究院"),
    ("university", r"高校|高等院校|大学"),
    ("investor", r"投资机构|股权投资机构|创投机构|创业投资机构"),
    ("service_provider", r"服务机构|服务型企业|专业服务"),
]
_STAGES: list[tuple[list[str], str]] = [
    (["seed"], r"种子"),
    (["seed", "startup"], r"初创|潜力型|高潜力"),
    (["startup"], r"创业风险投资|创业投资"),
    (["listed"], r"上市企业|挂牌上市|拟上市"),
]
_HK = re.compile(r"港澳[^，。；]{0,12}?(?:已上市|药品|组织|机构|医疗器械|药械)")
_BEFORE = r"[^，。；：:、（）()“”]{0,14}?"


def _phrase(sentence: str, m: re.Match[str]) -> str:
    """The noun phrase around a keyword: back to a clause mark or a leading verb (支持/鼓励/对/引进 …)."""
    start = m.start()
    head = sentence[max(0, start - 14) : start]
    cut = max(head.rfind(c) for c in "，。；：:、（）()“”")
    head = head[cut + 1 :]
    head = re.split(r"[\d%万元]", head)[-1].lstrip("的")  # after a revenue band: 1000万元的科技型中小企业
    verb = re.search(r".*(?:支持|鼓励|引进|培育|吸引|对|为|推动|面向|服务|建立|瞄准)", head)
    if verb:
        head = head[verb.end() :]
    return (head + m.group()).strip()


def conditions(sentence: str) -> list[ConditionProposal]:
    """Eligibility conditions a sentence states: revenue or investment bands, company types, stages, HK/Macau."""
    out: list[ConditionProposal] = []
    for fld, words in _MONEY_FIELDS:
        pat = rf"(?:{words}){_BEFORE}({NUMBER})(?:{_RANGE}({NUMBER}))?\s*(万元|亿元)(以上|以下)?"
        for m in re.finditer(pat, sentence):
            a, b = parse_number(m.group(1)), parse_number(m.group(2)) if m.group(2) else None
            if a is None:
                continue
            scale = 1e4 if m.group(3) == "万元" else 1e8
            lo, hi = _bounds(a * scale, None if b is None else b * scale, "", m.group(4) or "以上")
            out.append(ConditionProposal(m.group().strip(), fld, lo, hi))
    types: dict[str, list[str | bool]] = {}
    seen: list[tuple[int, int]] = []
    for ct, words in _COMPANY_TYPES:
        first = re.search(words, sentence)  # the first mention names the type; later ones are usually facilities
        if first and not any(first.start() < e and s < first.end() for s, e in seen):
            seen.append((first.start(), first.end()))
            text = _phrase(sentence, first)
            types.setdefault(text, [])
            if ct not in types[text]:
                types[text].append(ct)
    for text, values in types.items():
        out.append(ConditionProposal(text, "company_type", values=values))
    for stages, words in _STAGES:
        for m in re.finditer(words, sentence):
            phrase = re.search(rf"(?:{words})[\u4e00-\u9fff]{{0,6}}?(?:企业|基金|团队|公司)", sentence[m.start() :])
            text = phrase.group() if phrase else m.group()
            out.append(ConditionProposal(text, "stage", values=list(stages)))
            break
    if m2 := _HK.search(sentence):
        out.append(ConditionProposal(m2.group(), "hk_macau", values=[True]))
    return out


# --- dates -----------------------------------------------------------------------------

_YEAR_END = re.compile(r"(?:到|至|力争到|力争|截至)?\s*(20\d\d)\s*年(?:底|前|末)?(?:力争|前后)?")


def validity(sentence: str) -> Validity | None:
    """A period the sentence gives itself ("2024年力争…", "到2025年"), else None (it inherits the document's)."""
    m = _YEAR_END.search(sentence)
    if not m:
        return None
    year = int(m.group(1))
    text = m.group().strip()
    if re.match(r"到|至|力争|截至", text) or re.search(r"底|前|末|力争", text):
        return Validity(None, dt.date(year, 12, 31), text)
    return Validity(dt.date(year, 1, 1), dt.date(year, 12, 31), text)
