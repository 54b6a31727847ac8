"""Stage 4, explain: the shortlist, each entry with the cited clauses, usable incentives and a reason.

Everything here comes from the index and the scored query; reasons are assembled only from cited evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..kb import KnowledgeBase
from ..kb.models import Location, Source
from ..params import ScoringParams
from ..query import Query
from ..ranking import (
    Components,
    ConditionCheck,
    EndedIncentive,
    Evidence,
    Fit,
    IncentiveMatch,
    LocationMatch,
    NeedSignal,
    PlaceSignal,
    PolicyStatus,
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
    status: PolicyStatus = "current",
    city: bool = False,
) -> str:
    """`cites`: the strongest evidence, best first; `usable`: titles of the incentives in force, best first;
    `hosts`: the name of the place inside this district (or `city`) whose fit ranks it; `status`: whether the
    documents behind the fit are in force."""
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
    usable = list(usable[:REASON_INCENTIVES])
    if zh:
        inside = "市内的" if city else "区内的"
        text = (
            f"{name}{FIT_ZH[fit]}：" + (f"{inside}{hosts}与该企业业务契合；" if hosts else "") + "；".join(parts) + "。"
        )
        if usable:
            text += "现行可用政策：" + "、".join(usable) + "。"
        if named:
            text += "企业描述中提到了该地。"
        if status == "ended":
            text += "注意：该判断所依据的文件均已到期，请核实是否有后续政策。"
        elif status == "partly_ended":
            text += "注意：部分依据文件已到期。"
    else:
        text = f"{name} — {FIT_EN[fit]}: " + (f"it hosts {hosts}, which fits this business; " if hosts else "")
        text += "; ".join(parts) + "."
        if usable:
            text += " Usable incentives in force: " + "; ".join(usable) + "."
        if named:
            text += " Your description names this place."
        if status == "ended":
            text += " Note: every document behind this fit has ended; check for a successor policy."
        elif status == "partly_ended":
            text += " Note: some cited documents have ended."
    return text


def evidence_rows(sc: Scored, r: int) -> list[int]:
    """The measures behind candidate `r`'s sector fit: the strongest few with a positive share, best first."""
    contrib = sc.contrib(r)
    top = np.argpartition(-contrib, N_EVIDENCE)[:N_EVIDENCE]
    return [int(i) for i in top[np.lexsort((top, -contrib[top]))] if contrib[i] > 0]


def incentive_rows(query: Query, sc: Scored, r: int, ended: bool = False) -> list[tuple[int, list[str], float]]:
    """(measure, the needs it answers, its worth) for candidate `r`: for the weightiest needs, the best measure
    answering each (in force, or with `ended` those that have lapsed); a measure answering several is listed once.
    Best first."""
    per_need = sc.per_need_ended if ended else sc.per_need
    picked: dict[int, list[str]] = {}
    worth: dict[int, float] = {}
    for nid, nw in sorted(query.needs.items(), key=lambda kv: (-kv[1].weight, kv[0])):
        if nid not in per_need:
            continue
        which, usable = per_need[nid]
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


def source_label(owner: Location, src: Source, zh: bool) -> str:
    """Where an inherited clause comes from: 来自深圳市（深圳2020实施方案） / from Shenzhen (Shenzhen plan 2020)."""
    if zh:
        return f"来自{owner.name_zh}（{src.short_zh or src.title}）"
    return f"from {owner.name_en} ({src.short_en or src.title_en})"


def policy_status(statuses: Sequence[str]) -> PolicyStatus:
    """current when every document behind the fit is in force, ended when none is, else partly_ended."""
    now = [s == "in_force" for s in statuses]
    if all(now):
        return "current"
    return "ended" if not any(now) else "partly_ended"


def ended_note(src: Source, status: str, zh: bool) -> str:
    title = src.title if zh else src.title_en
    end = src.period.end
    if status == "not_started":
        return f"{title}尚未施行。" if zh else f"{title} has not started yet."
    if zh:
        return f"{title}已于{end.isoformat() if end else '此前'}到期，请核实是否有后续政策。"
    return f"{title} ended {'on ' + end.isoformat() if end else 'earlier'}; check for a successor policy."


def location_match(query: Query, sc: Scored, r: int, rank: int, fit: Fit, also: list[str]) -> LocationMatch:
    """One shortlist entry: the location, its components, the clauses behind it, the incentives it offers now
    and those that have lapsed."""
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
        inherited = owner.id != loc_id
        evidence.append(
            Evidence(
                measure_id=m.id,
                kind=m.kind,
                modality=m.modality,
                title=m.title_zh if zh else m.title_en,
                quote=m.source.quote,
                doc_id=src.id,
                doc_title=src.title if zh else src.title_en,
                section=m.source.section,
                validity=sc.status[i],
                discounted=sc.status[i] != "in_force",
                location_id=owner.id,
                inherited=inherited,
                source_label=source_label(owner, src, zh) if inherited else None,
                score=round(float(contrib[i]), 4),
            )
        )
    incentives = []
    for i, answered, worth in incentive_rows(query, sc, r):
        owner, m = index.measures[i]
        src = kb.sources[m.source.doc].source
        status, checks = sc.eligibility.get(i, ("no_conditions", []))
        inherited = owner.id != loc_id
        incentives.append(
            IncentiveMatch(
                measure_id=m.id,
                kind=m.kind,
                modality=m.modality,
                title=m.title_zh if zh else m.title_en,
                offer=m.offer_zh if zh else m.offer_en,
                needs=answered,
                eligibility=status,
                conditions=[
                    ConditionCheck(text=c.text, status=c.status, question=c.question_zh if zh else c.question_en)
                    for c in checks
                ],
                amounts=[a.text for a in m.amounts if a.role == "benefit"],
                quote=m.source.quote,
                doc_id=m.source.doc,
                section=m.source.section,
                validity=sc.status[i],
                valid_until=kb.period_of(m).end,
                location_id=owner.id,
                inherited=inherited,
                source_label=source_label(owner, src, zh) if inherited else None,
                score=round(worth, 4),
            )
        )
    ended = []
    for i, _answered, _worth in incentive_rows(query, sc, r, ended=True):
        owner, m = index.measures[i]
        src = kb.sources[m.source.doc].source
        ended.append(
            EndedIncentive(
                measure_id=m.id,
                kind=m.kind,
                modality=m.modality,
                title=m.title_zh if zh else m.title_en,
                quote=m.source.quote,
                doc_id=src.id,
                doc_title=src.title if zh else src.title_en,
                section=m.source.section,
                validity=sc.status[i],
                ended_on=kb.period_of(m).end if sc.status[i] == "ended" else None,
                location_id=owner.id,
                inherited=owner.id != loc_id,
                note=ended_note(src, sc.status[i], zh),
            )
        )
    city, district = kb.city_of(loc_id), kb.district_of(loc_id)
    name = loc.name_zh if zh else loc.name_en
    status_ = policy_status([e.validity for e in evidence])
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
            status=status_,
            city=loc.level == "city",
        ),
        policy_status=status_,
        evidence=evidence,
        incentives=incentives,
        ended_incentives=ended,
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
        level=opts.level,
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
