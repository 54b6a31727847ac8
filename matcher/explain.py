"""Short reasons in the prospect's language, assembled only from the cited evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .kb import KnowledgeBase
from .needs import NeedWeight
from .ranking import Components, Evidence, Fit, IncentiveMatch, LocationMatch
from .text import Lang

if TYPE_CHECKING:
    from .engine import Matcher, Scored

N_EVIDENCE = 3
N_INCENTIVES = 5

FIT_ZH = {"strong": "高度契合", "good": "较为契合", "weak": "有一定关联", "none": "关联不明显"}
FIT_EN = {"strong": "Strong fit", "good": "Good fit", "weak": "Weak fit", "none": "No clear fit"}


def _doc(kb: KnowledgeBase, doc_id: str, zh: bool) -> str:
    s = kb.sources[doc_id].source
    return (s.short_zh or s.title) if zh else (s.short_en or s.title_en)


class Cite(NamedTuple):
    """What a reason says about one piece of evidence."""

    title: str
    doc_id: str
    section: str
    validity: str


def reason(
    lang: str,
    name: str,
    fit: str,
    cites: Sequence[Cite],
    usable: Sequence[str],
    kb: KnowledgeBase,
    named: bool = False,
    hosts: str | None = None,
) -> str:
    """`cites`: the strongest evidence, best first; `usable`: titles of the incentives on offer, best first;
    `hosts`: the name of the park inside this district whose fit ranks it."""
    zh = lang == "zh"
    if fit == "none" or not cites:
        return (
            f"{name}：未见与该企业业务直接相关的政策条款。"
            if zh
            else f"{name}: no policy clause here speaks to this business."
        )
    parts = []
    for e in cites[:2]:
        where = f"{_doc(kb, e.doc_id, zh)} {e.section}"
        parts.append(f"{e.title}（{where}）" if zh else f"{e.title} ({where})")
    ended = any(e.validity != "in_force" for e in cites[:2])
    usable = list(usable[:3])
    if zh:
        text = (
            f"{name}{FIT_ZH[fit]}：" + (f"区内的{hosts}与该企业业务契合；" if hosts else "") + "；".join(parts) + "。"
        )
        if usable:
            text += "可用政策：" + "、".join(usable) + "。"
        if named:
            text += "企业描述中提到了该地。"
        if ended:
            text += "注意：部分依据文件已到期。"
    else:
        text = f"{name} — {FIT_EN[fit]}: " + (f"it hosts {hosts}, which fits this business; " if hosts else "")
        text += "; ".join(parts) + "."
        if usable:
            text += " Usable incentives: " + "; ".join(usable) + "."
        if named:
            text += " Your description names this place."
        if ended:
            text += " Note: some cited documents have ended."
    return text


def evidence_rows(sc: Scored, r: int) -> list[int]:
    """The measures behind candidate `r`'s sector fit: the strongest few with a positive share, best first."""
    contrib = sc.contrib(r)
    top = np.argpartition(-contrib, N_EVIDENCE)[:N_EVIDENCE]
    return [int(i) for i in top[np.lexsort((top, -contrib[top]))] if contrib[i] > 0]


def incentive_rows(mt: Matcher, sc: Scored, r: int, needs: dict[str, NeedWeight]) -> list[tuple[int, list[str], float]]:
    """(measure, the needs it answers, its worth) for candidate `r`: for the weightiest needs, the best measure
    answering each; a measure answering several is listed once. Best first."""
    picked: dict[int, list[str]] = {}
    worth: dict[int, float] = {}
    for nid, nw in sorted(needs.items(), key=lambda kv: (-kv[1].weight, kv[0])):
        if nid not in sc.per_need:
            continue
        which, usable = sc.per_need[nid]
        i, q = int(which[r]), float(usable[r])
        if q > 0:
            picked.setdefault(i, []).append(nid)
            worth[i] = max(worth.get(i, 0.0), q * nw.weight)
    best = sorted(worth, key=lambda j: (-worth[j], mt.measures[j][1].id))[:N_INCENTIVES]
    return [(i, picked[i], worth[i]) for i in best]


def brief_reason(mt: Matcher, sc: Scored, r: int, lang: Lang, fit: Fit, needs: dict[str, NeedWeight]) -> str:
    """The reason `build_match` gives for candidate `r`, without building the full entry (for batch lists)."""
    zh = lang == "zh"
    loc = mt.kb.locations[mt.candidates[r]]
    cites = []
    for i in evidence_rows(sc, r)[:2]:
        m = mt.measures[i][1]
        cites.append(Cite(m.title_zh if zh else m.title_en, m.source.doc, m.source.section, sc.status[m.source.doc]))
    usable = [
        mt.measures[i][1].title_zh if zh else mt.measures[i][1].title_en for i, _, _ in incentive_rows(mt, sc, r, needs)
    ]
    name = loc.name_zh if zh else loc.name_en
    return reason(lang, name, fit, cites, usable, mt.kb, named=bool(sc.place[r] >= 1.0), hosts=host_name(mt, sc, r, zh))


def host_name(mt: Matcher, sc: Scored, r: int, zh: bool) -> str | None:
    """The park whose fit lifted district `r`, by name, if one did."""
    if sc.host[r] < 0:
        return None
    park = mt.kb.locations[mt.candidates[int(sc.host[r])]]
    return park.name_zh if zh else park.name_en


def build_match(
    mt: Matcher, sc: Scored, r: int, rank: int, lang: Lang, fit: Fit, needs: dict[str, NeedWeight], also: list[str]
) -> LocationMatch:
    """One shortlist entry: the location, its components, the clauses behind it and the incentives it offers."""
    kb = mt.kb
    loc_id = mt.candidates[r]
    loc = kb.locations[loc_id]
    zh = lang == "zh"
    evidence = []
    contrib = sc.contrib(r)
    for i in evidence_rows(sc, r):
        owner, m = mt.measures[i]
        src = kb.sources[m.source.doc].source
        evidence.append(
            Evidence(
                measure_id=m.id,
                kind=m.kind,
                title=m.title_zh if zh else m.title_en,
                quote=m.source.quote,
                doc_id=src.id,
                doc_title=src.title if zh else src.title_en,
                section=m.source.section,
                validity=sc.status[src.id],
                location_id=owner.id,
                inherited=owner.id != loc_id,
                score=round(float(contrib[i]), 4),
            )
        )
    incentives = []
    for i, answered, worth in incentive_rows(mt, sc, r, needs):
        owner, m = mt.measures[i]
        status, checks = sc.eligibility.get(i, ("met", []))
        incentives.append(
            IncentiveMatch(
                measure_id=m.id,
                kind=m.kind,
                title=m.title_zh if zh else m.title_en,
                offer=m.offer_zh if zh else m.offer_en,
                needs=answered,
                eligibility=status,
                conditions=checks,
                amounts=[a.text for a in m.amounts],
                quote=m.source.quote,
                doc_id=m.source.doc,
                section=m.source.section,
                validity=sc.status[m.source.doc],
                location_id=owner.id,
                inherited=owner.id != loc_id,
                score=round(worth, 4),
            )
        )
    city, district = kb.city_of(loc_id), kb.district_of(loc_id)
    name = loc.name_zh if zh else loc.name_en
    return LocationMatch(
        rank=rank,
        location_id=loc_id,
        name=name,
        name_zh=loc.name_zh,
        name_en=loc.name_en,
        level=loc.level,
        city=city.id if city else None,
        district=district.id if district else None,
        lat=loc.coordinates.lat,
        lon=loc.coordinates.lon,
        coordinate_precision=loc.coordinates.precision,
        score=round(float(sc.score[r]), 4),
        fit=fit,
        components=Components(
            sector=round(float(sc.sector[r]), 4),
            incentive=round(float(sc.incentive[r]), 4),
            validity=round(float(sc.validity[r]), 4),
            place=round(float(sc.place[r]), 4),
        ),
        reason=reason(
            lang,
            name,
            fit,
            [Cite(e.title, e.doc_id, e.section, e.validity) for e in evidence],
            [i.title for i in incentives],
            kb,
            named=bool(sc.place[r] >= 1.0),
            hosts=host_name(mt, sc, r, zh),
        ),
        evidence=evidence,
        incentives=incentives,
        also_in=also,
        hosts=mt.candidates[int(sc.host[r])] if sc.host[r] >= 0 else None,
    )
