"""Stage 4, explain: the shortlist, each entry with the cited clauses, usable incentives and a reason.

Everything here comes from the index and the scored query; reasons are assembled only from cited evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..kb import KnowledgeBase
from ..params import ScoringParams
from ..query import Query
from ..ranking import (
    Components,
    Evidence,
    Fit,
    IncentiveMatch,
    LocationMatch,
    NeedSignal,
    PlaceSignal,
    Ranking,
    SectorSignal,
)
from ..scoring import fit_level
from ..text import Lang
from .score import Scored

N_EVIDENCE = 3
N_INCENTIVES = 5
N_SECTORS = 5  # sectors shown as read from the description
REASON_CITES = 2  # evidence a reason names
REASON_INCENTIVES = 3

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
    for e in cites[:REASON_CITES]:
        where = f"{_doc(kb, e.doc_id, zh)} {e.section}"
        parts.append(f"{e.title}（{where}）" if zh else f"{e.title} ({where})")
    ended = any(e.validity != "in_force" for e in cites[:REASON_CITES])
    usable = list(usable[:REASON_INCENTIVES])
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


def incentive_rows(query: Query, sc: Scored, r: int) -> list[tuple[int, list[str], float]]:
    """(measure, the needs it answers, its worth) for candidate `r`: for the weightiest needs, the best measure
    answering each; a measure answering several is listed once. Best first."""
    picked: dict[int, list[str]] = {}
    worth: dict[int, float] = {}
    for nid, nw in sorted(query.needs.items(), key=lambda kv: (-kv[1].weight, kv[0])):
        if nid not in sc.per_need:
            continue
        which, usable = sc.per_need[nid]
        i, q = int(which[r]), float(usable[r])
        if q > 0:
            picked.setdefault(i, []).append(nid)
            worth[i] = max(worth.get(i, 0.0), q * nw.weight)
    measures = sc.index.measures
    best = sorted(worth, key=lambda j: (-worth[j], measures[j][1].id))[:N_INCENTIVES]
    return [(i, picked[i], worth[i]) for i in best]


def host_name(sc: Scored, r: int, zh: bool) -> str | None:
    """The park whose fit lifted district `r`, by name, if one did."""
    if sc.host[r] < 0:
        return None
    park = sc.index.kb.locations[sc.index.candidates[int(sc.host[r])]]
    return park.name_zh if zh else park.name_en


def location_match(query: Query, sc: Scored, r: int, rank: int, fit: Fit, also: list[str]) -> LocationMatch:
    """One shortlist entry: the location, its components, the clauses behind it and the incentives it offers."""
    index = sc.index
    kb = index.kb
    loc_id = index.candidates[r]
    loc = kb.locations[loc_id]
    lang = query.lang
    zh = lang == "zh"
    evidence = []
    contrib = sc.contrib(r)
    for i in evidence_rows(sc, r):
        owner, m = index.measures[i]
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
    for i, answered, worth in incentive_rows(query, sc, r):
        owner, m = index.measures[i]
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
            hosts=host_name(sc, r, zh),
        ),
        evidence=evidence,
        incentives=incentives,
        also_in=also,
        hosts=index.candidates[int(sc.host[r])] if sc.host[r] >= 0 else None,
    )


def explain(query: Query, sc: Scored, params: ScoringParams) -> Ranking:
    """The ranking for one query: its shortlist (`options.top_k` entries, or the `options.focus` locations at
    their ranks), with what was read from the description."""
    index = sc.index
    opts = query.options
    lang: Lang = query.lang
    order = sc.order()
    also: dict[int, list[str]] = {}
    for r, into in sc.folded.items():
        also.setdefault(into, []).append(index.candidates[r])
    in_domain = query.sectors.in_domain
    if opts.focus:
        rank_of = {r: k for k, r in enumerate(order, start=1)}
        chosen = [(index.row[c], rank_of.get(index.row[c], 0)) for c in opts.focus]
    else:
        chosen = [(r, k) for k, r in enumerate(order[: opts.top_k or len(order)], start=1)]
    matches = [
        location_match(
            query,
            sc,
            r,
            rank,
            fit_level(float(sc.sector[r]), in_domain, params.fit_thresholds, params.in_domain_floor),
            sorted(also.get(r, [])),
        )
        for r, rank in chosen
    ]
    return Ranking(
        lang=lang,
        preset=opts.preset_name,
        weights=opts.weights_resolved,
        as_of=opts.date(),
        model=index.model_id,
        kb_hash=index.kb.content_hash,
        sectors=[
            SectorSignal(
                id=s, name=index.sector_name(s, lang), confidence=round(c, 3), matched=query.sectors.matched.get(s, [])
            )
            for s, c in query.sectors.top(N_SECTORS)
        ],
        needs=[
            NeedSignal(
                id=n,
                name=index.needs.names[n][0 if lang == "zh" else 1],
                weight=round(nw.weight, 3),
                source=nw.source,
            )
            for n, nw in sorted(query.needs.items(), key=lambda kv: (-kv[1].weight, kv[0]))
        ],
        in_domain=round(in_domain, 3),
        places=[
            PlaceSignal(id=lid, name=index.place_name(lid, lang), matched=term, weight=w)
            for lid, (w, term) in sorted(query.places.items())
        ],
        matches=matches,
    )
