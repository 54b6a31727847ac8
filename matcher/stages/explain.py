"""Stage 4, explain: the shortlist, each entry with the cited clauses, usable incentives and a reason.

Everything here comes from the index and the scored queries; reasons are assembled only from cited evidence. Like
the other stages it takes a chunk of queries at once (the evidence of every entry is found in one partial sort). Two
forms (`FORMS`): the full `Ranking` an officer reads, or its `Brief`, the plain data a list keeps (the same
values, without building some forty models a row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

import numpy as np

from ..kb import KnowledgeBase
from ..kb.models import Location, Measure, Source
from ..params import ScoringParams
from ..query import Query
from ..ranking import (
    Brief,
    BriefMatch,
    Cite,
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


def evidence_rows(scored: Sequence[Scored], wanted: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Per (query, candidate row) wanted, the measures behind the candidate's sector fit for that query: the
    strongest few with a positive share, best first (ties by row), one per quote (measures cut from one sentence
    share its quote; the officer reads the sentence once). One partial sort for all of them."""
    if not wanted:
        return []
    reach = np.stack([scored[k].reach[r] for k, r in wanted])
    contrib = reach * np.stack([scored[k].shares for k, _ in wanted])
    pool = min(N_EVIDENCE * 3, contrib.shape[1])  # enough to find N_EVIDENCE distinct quotes
    top = np.argpartition(-contrib, pool - 1, axis=1)[:, :pool] if pool < contrib.shape[1] else np.argsort(-contrib)
    e = np.arange(len(wanted))[:, None]
    share = contrib[e, top]
    best = np.lexsort((top, -share), axis=1)
    top, share = top[e, best], share[e, best]
    quote_of = scored[wanted[0][0]].index.quote_of
    out = []
    for t, c in zip(top.tolist(), share.tolist(), strict=True):
        rows: list[int] = []
        quotes: set[int] = set()
        for i, v in zip(t, c, strict=True):
            if v <= 0 or len(rows) == N_EVIDENCE:
                break
            if quote_of[i] not in quotes:
                quotes.add(int(quote_of[i]))
                rows.append(i)
        out.append(rows)
    return out


Incentives = list[tuple[int, list[str], float]]  # (measure row, the needs it answers, its worth), best first


def incentive_rows(query: Query, sc: Scored, r: int, ended: bool = False) -> Incentives:
    """For candidate `r`: for the weightiest needs, the best measure answering each (in force, or with `ended`
    those that have lapsed); a measure answering several is listed once."""
    per_need = sc.per_need_ended if ended else sc.per_need
    picked: dict[int, list[str]] = {}
    worth: dict[int, float] = {}
    for nid, nw in query.ranked_needs:
        if nid not in per_need:
            continue
        which, usable = per_need[nid]
        i, q = which.item(r), usable.item(r)
        if q > 0:
            picked.setdefault(i, []).append(nid)
            worth[i] = max(worth.get(i, 0.0), q * nw.weight)
    best = sorted(worth, key=lambda j: (-worth[j], j))[:N_INCENTIVES]  # measure rows follow their ids
    return [(i, picked[i], worth[i]) for i in best]


def host_name(sc: Scored, r: int, zh: bool) -> str | None:
    """The park whose fit lifted district `r`, by name, if one did."""
    host = sc.host.item(r)
    if host < 0:
        return None
    park = sc.index.kb.locations[sc.index.candidates[host]]
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


def measure_title(m: Measure, zh: bool) -> str:
    return m.title_zh if zh else m.title_en


def cite(sc: Scored, i: int, zh: bool) -> Cite:
    """Measure row `i` as a reason cites it."""
    _, m = sc.index.measures[i]
    src = sc.index.kb.sources[m.source.doc].source
    return Cite(measure_title(m, zh), m.source.quote, src.id, m.source.section, sc.status[i])


def entry_reason(
    query: Query, sc: Scored, r: int, fit: Fit, cites: Sequence[Cite], usable: Sequence[str]
) -> tuple[str, PolicyStatus]:
    """Candidate `r`'s reason, from its cited clauses (best first) and the titles of its usable incentives; and
    whether the documents behind its fit are in force."""
    loc = sc.index.kb.locations[sc.index.candidates[r]]
    zh = query.lang == "zh"
    status = policy_status([c.validity for c in cites])
    text = reason(
        query.lang,
        loc.name_zh if zh else loc.name_en,
        fit,
        cites,
        usable,
        sc.index.kb,
        named=sc.place.item(r) >= 1.0,
        hosts=host_name(sc, r, zh),
        status=status,
        city=loc.level == "city",
    )
    return text, status


class Entry(NamedTuple):
    """A shortlist entry before it is written out: the candidate row, its rank and fit level, and the measure rows
    behind it (its evidence and its usable incentives, best first)."""

    row: int
    rank: int
    fit: Fit
    evidence: list[int]
    incentives: Incentives


def location_match(query: Query, sc: Scored, entry: Entry, also: list[str]) -> LocationMatch:
    """One shortlist entry: the location, its components, the clauses behind it, the incentives it offers now
    and those that have lapsed."""
    r, rank, fit = entry.row, entry.rank, entry.fit
    index = sc.index
    kb = index.kb
    loc_id = index.candidates[r]
    loc = kb.locations[loc_id]
    zh = query.lang == "zh"
    evidence = []
    cites = []
    contrib = sc.contrib(r)
    for i in entry.evidence:
        owner, m = index.measures[i]
        src = kb.sources[m.source.doc].source
        c = cite(sc, i, zh)
        cites.append(c)
        inherited = owner.id != loc_id
        evidence.append(
            Evidence(
                measure_id=m.id,
                kind=m.kind,
                modality=m.modality,
                title=c.title,
                quote=c.quote,
                doc_id=c.doc_id,
                doc_title=src.title if zh else src.title_en,
                section=c.section,
                validity=sc.status[i],
                discounted=sc.status[i] != "in_force",
                location_id=owner.id,
                inherited=inherited,
                source_label=source_label(owner, src, zh) if inherited else None,
                score=round(float(contrib[i]), 4),
            )
        )
    incentives = []
    for i, answered, worth in entry.incentives:
        owner, m = index.measures[i]
        src = kb.sources[m.source.doc].source
        status, checks = sc.eligibility.get(i, ("no_conditions", []))
        inherited = owner.id != loc_id
        incentives.append(
            IncentiveMatch(
                measure_id=m.id,
                kind=m.kind,
                modality=m.modality,
                title=measure_title(m, zh),
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
                title=measure_title(m, zh),
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
    text, status_ = entry_reason(query, sc, r, fit, cites, [i.title for i in incentives])
    return LocationMatch(
        rank=rank,
        location_id=loc_id,
        name=loc.name_zh if zh else loc.name_en,
        name_zh=loc.name_zh,
        name_en=loc.name_en,
        level=loc.level,
        city=city.id if city else None,
        district=district.id if district else None,
        lat=loc.coordinates.lat,
        lon=loc.coordinates.lon,
        coordinate_precision=loc.coordinates.precision,
        score=round(sc.score.item(r), 4),
        fit=fit,
        components=Components(
            sector=round(sc.sector.item(r), 4),
            incentive=round(sc.incentive.item(r), 4),
            validity=round(sc.validity.item(r), 4),
            place=round(sc.place.item(r), 4),
        ),
        reason=text,
        policy_status=status_,
        evidence=evidence,
        incentives=incentives,
        ended_incentives=ended,
        also_in=also,
        hosts=index.candidates[int(sc.host[r])] if sc.host[r] >= 0 else None,
    )


def brief_match(query: Query, sc: Scored, entry: Entry) -> BriefMatch:
    """One shortlist entry as `location_match` gives it, reduced to what a list keeps."""
    zh = query.lang == "zh"
    r = entry.row
    loc = sc.index.kb.locations[sc.index.candidates[r]]
    cites = [cite(sc, i, zh) for i in entry.evidence]
    usable = [measure_title(sc.index.measures[i][1], zh) for i, _, _ in entry.incentives]
    text, _ = entry_reason(query, sc, r, entry.fit, cites, usable)
    return BriefMatch(
        rank=entry.rank,
        location_id=loc.id,
        name=loc.name_zh if zh else loc.name_en,
        score=round(sc.score.item(r), 4),
        fit=entry.fit,
        sector=round(sc.sector.item(r), 4),
        reason=text,
        evidence=tuple(cites),
    )


def shortlists(queries: Sequence[Query], scored: Sequence[Scored], params: ScoringParams) -> list[list[Entry]]:
    """Per query, its entries: the `options.top_k` best, or the `options.focus` locations at their ranks."""
    chosen: list[list[tuple[int, int]]] = []
    for q, sc in zip(queries, scored, strict=True):
        order = sc.order()
        if q.options.focus:
            rank_of = {r: k for k, r in enumerate(order, start=1)}
            chosen.append([(sc.index.row[c], rank_of.get(sc.index.row[c], 0)) for c in q.options.focus])
        else:
            chosen.append([(r, k) for k, r in enumerate(order[: q.options.top_k or len(order)], start=1)])
    evidence = iter(evidence_rows(scored, [(k, r) for k, picked in enumerate(chosen) for r, _ in picked]))
    thresholds, floor = params.fit_thresholds, params.in_domain_floor
    out = []
    for q, sc, picked in zip(queries, scored, chosen, strict=True):
        in_domain = q.sectors.in_domain
        out.append(
            [
                Entry(
                    r,
                    rank,
                    fit_level(sc.sector.item(r), in_domain, thresholds, floor),
                    next(evidence),
                    incentive_rows(q, sc, r),
                )
                for r, rank in picked
            ]
        )
    return out


def ranking(query: Query, sc: Scored, entries: Sequence[Entry]) -> Ranking:
    """The ranking for one query: its shortlist, with what was read from the description."""
    index = sc.index
    opts = query.options
    lang: Lang = query.lang
    also: dict[int, list[str]] = {}
    for r, into in sc.folded.items():
        also.setdefault(into, []).append(index.candidates[r])
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
            for n, nw in query.ranked_needs
        ],
        in_domain=round(query.sectors.in_domain, 3),
        places=[
            PlaceSignal(id=lid, name=index.place_name(lid, lang), matched=term, weight=w)
            for lid, (w, term) in sorted(query.places.items())
        ],
        matches=[location_match(query, sc, e, sorted(also.get(e.row, []))) for e in entries],
    )


def explain(queries: Sequence[Query], scored: Sequence[Scored], params: ScoringParams) -> list[Ranking]:
    """Each query's full ranking (`ranking`)."""
    entries = shortlists(queries, scored, params)
    return [ranking(q, sc, e) for q, sc, e in zip(queries, scored, entries, strict=True)]


def brief(queries: Sequence[Query], scored: Sequence[Scored], params: ScoringParams) -> list[Brief]:
    """Each query's shortlist as `brief_match` gives it: what a list writes, built straight from the scores."""
    entries = shortlists(queries, scored, params)
    return [Brief(tuple(brief_match(q, sc, e) for e in es)) for q, sc, es in zip(queries, scored, entries, strict=True)]


Form = Literal["ranking", "brief"]
Explain = Callable[[Sequence[Query], Sequence[Scored], ScoringParams], list[Ranking] | list[Brief]]
# The form a caller asks `Matcher.match_many` for: the full ranking (officer, API, evaluation), or a list's brief.
FORMS: dict[str, Explain] = {"ranking": explain, "brief": brief}
