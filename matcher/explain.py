"""Short reasons in the prospect's language, assembled only from the cited evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def reason(
    lang: str,
    name: str,
    fit: str,
    evidence: list[Evidence],
    incentives: list[IncentiveMatch],
    kb: KnowledgeBase,
    named: bool = False,
) -> str:
    zh = lang == "zh"
    if fit == "none" or not evidence:
        return (
            f"{name}：未见与该企业业务直接相关的政策条款。"
            if zh
            else f"{name}: no policy clause here speaks to this business."
        )
    cites = []
    for e in evidence[:2]:
        where = f"{_doc(kb, e.doc_id, zh)} {e.section}"
        cites.append(f"{e.title}（{where}）" if zh else f"{e.title} ({where})")
    ended = any(e.validity != "in_force" for e in evidence[:2])
    usable = [i.title for i in incentives[:3]]
    if zh:
        text = f"{name}{FIT_ZH[fit]}：" + "；".join(cites) + "。"
        if usable:
            text += "可用政策：" + "、".join(usable) + "。"
        if named:
            text += "企业描述中提到了该地。"
        if ended:
            text += "注意：部分依据文件已到期。"
    else:
        text = f"{name} — {FIT_EN[fit]}: " + "; ".join(cites) + "."
        if usable:
            text += " Usable incentives: " + "; ".join(usable) + "."
        if named:
            text += " Your description names this place."
        if ended:
            text += " Note: some cited documents have ended."
    return text


def build_match(
    mt: Matcher, sc: Scored, r: int, rank: int, lang: Lang, fit: Fit, needs: dict[str, NeedWeight], also: list[str]
) -> LocationMatch:
    """One shortlist entry: the location, its components, the clauses behind it and the incentives it offers."""
    kb = mt.kb
    loc_id = mt.candidates[r]
    loc = kb.locations[loc_id]
    zh = lang == "zh"
    contrib = sc.contrib[r]
    evidence = []
    top = np.argpartition(-contrib, N_EVIDENCE)[:N_EVIDENCE]
    for i in top[np.lexsort((top, -contrib[top]))]:
        if contrib[i] <= 0:
            break
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
    # For the weightiest needs, the best measure answering each; a measure answering several is listed once.
    picked: dict[int, list[str]] = {}
    worth: dict[int, float] = {}
    for nid, nw in sorted(needs.items(), key=lambda kv: (-kv[1].weight, kv[0])):
        if nid not in sc.per_need:
            continue
        cols, usable = sc.per_need[nid]
        j = int(np.argmax(usable[r]))
        i, q = int(cols[j]), usable[r]
        if q[j] > 0:
            picked.setdefault(i, []).append(nid)
            worth[i] = max(worth.get(i, 0.0), float(q[j]) * nw.weight)
    incentives = []
    for i in sorted(worth, key=lambda j: (-worth[j], mt.measures[j][1].id))[:N_INCENTIVES]:
        owner, m = mt.measures[i]
        status, checks = sc.eligibility.get(i, ("met", []))
        incentives.append(
            IncentiveMatch(
                measure_id=m.id,
                kind=m.kind,
                title=m.title_zh if zh else m.title_en,
                offer=m.offer_zh if zh else m.offer_en,
                needs=picked[i],
                eligibility=status,
                conditions=checks,
                amounts=[a.text for a in m.amounts],
                quote=m.source.quote,
                doc_id=m.source.doc,
                section=m.source.section,
                validity=sc.status[m.source.doc],
                location_id=owner.id,
                inherited=owner.id != loc_id,
                score=round(worth[i], 4),
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
        reason=reason(lang, name, fit, evidence, incentives, kb, named=bool(sc.place[r] >= 1.0)),
        evidence=evidence,
        incentives=incentives,
        also_in=also,
    )
