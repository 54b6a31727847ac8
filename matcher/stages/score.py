"""Stage 3, score: sector fit, incentive fit and validity for every candidate, and their weighted sum.

The same arithmetic runs over queries × candidates × measures arrays, so a list of thousands pays numpy's per-call
cost once per chunk, not once per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..index import EligibilityMap, ProfileIndex
from ..kb.models import ValidityStatus
from ..params import ScoringParams
from ..query import Query
from ..scoring import breadth_fit, calibrate
from ..sector_model import SectorModel, features

EVIDENCE_DEPTH = 5  # best measures kept per candidate (sector fit uses 3; validity looks at all 5)
PER_NEED = 3  # best usable measures stacked per need


@dataclass(frozen=True)
class Scored:
    """One query's scores over every candidate of `index` (arrays in its candidate and measure order)."""

    index: ProfileIndex
    score: np.ndarray
    sector: np.ndarray
    incentive: np.ndarray
    validity: np.ndarray
    place: np.ndarray
    reach: np.ndarray  # candidates × measures: the discount each measure carries for each candidate (0: none)
    shares: np.ndarray  # per measure, its share of sector fit before that discount
    # need -> per candidate, the best usable measure in force answering it (n_measures when none) and how usable
    per_need: dict[str, tuple[np.ndarray, np.ndarray]]
    # need -> per candidate, the best offer or resource answering it that is not in force on the date
    per_need_ended: dict[str, tuple[np.ndarray, np.ndarray]]
    eligibility: EligibilityMap  # measure row -> status, per condition
    status: tuple[ValidityStatus, ...]  # per measure: whether it holds on the as-of date
    shown: np.ndarray  # per candidate: ranked at the asked level (landing places, or cities)
    folded: dict[int, int]  # candidate row -> the row it is folded into (it only inherits that one's fit)
    host: np.ndarray  # per candidate, the place whose fit lifted this district or city (host_share), or -1

    def contrib(self, r: int) -> np.ndarray:
        """Each measure's contribution to candidate `r`'s sector fit."""
        out: np.ndarray = self.reach[r] * self.shares
        return out

    def order(self) -> list[int]:
        """Candidate rows shown at the asked level, best first (ties by id), without those folded into another."""
        cands = self.index.candidates
        return sorted(
            (r for r in range(len(cands)) if self.shown[r] and r not in self.folded),
            key=lambda r: (-float(self.score[r]), cands[r]),
        )


def score(
    index: ProfileIndex, queries: Sequence[Query], params: ScoringParams, model: SectorModel | None = None
) -> list[Scored]:
    """Score every candidate for each query (all of one `match_many` call share its options)."""
    if not queries:
        return []
    prm = params
    opts = queries[0].options
    w, as_of = opts.weights_resolved, opts.date()
    b = len(queries)
    sigs = [q.channels() for q in queries]
    # Scales scores down for a business outside biomedicine; the floor keeps the order meaningful.
    lo, hi = prm.in_domain_floor - prm.in_domain_ramp[0], prm.in_domain_floor + prm.in_domain_ramp[1]
    gate = np.maximum(prm.gate_min, calibrate(np.array([q.sectors.in_domain for q in queries]), lo, hi))[:, None]
    status, now = index.statuses(as_of)  # per measure: its own dates first, then its document's
    valid = np.where(now, 1.0, prm.ended_factor).astype(np.float32)  # what has lapsed informs fit, discounted
    in_force = np.append(now, False)  # + the chains' sentinel
    chains = index.chains
    disc = index.discounts(prm.level_discount)  # candidates × chain depth

    # Sector fit: each measure's relevance, discounted by how far up the chain it sits.
    dense, lexical, taxonomy = (np.stack([getattr(s, c) for s in sigs]) for c in ("dense", "lexical", "taxonomy"))
    rel = prm.fusion.fuse(dense, lexical, taxonomy)  # queries × measures
    # A sector-neutral measure (an HQ-attraction clause, a fund for all biomedicine) still matches by its text,
    # but counts less toward sector fit than one that names the prospect's niche.
    rel = np.where(index.generic, prm.generic_sector * rel, rel) * gate
    shares = rel * valid  # a measure's share of sector fit before its discount up the chain
    strongest, which = (x[:, 0] for x in chains.top_measures(shares, EVIDENCE_DEPTH, disc, chains.all))
    if model is not None:  # learned: P(relevant | interpretable features), see sector_model.py
        sector = np.stack([model.predict(features(index, q, prm)) for q in queries]) * gate
    else:
        sector = breadth_fit(strongest[..., :3], prm.breadth)

    # Incentive fit: per need, the best PER_NEED offers or resources in force in the chain, each counted once.
    elig = [index.eligibility(q.prospect) for q in queries]
    sector_match = np.where(index.generic, 1.0, np.maximum(prm.incentive_sector_floor, np.maximum(taxonomy, rel)))
    worth = (sector_match * gate * np.stack([factor for _, factor in elig])).astype(np.float32)
    base_q = worth * (index.usable & now)
    # Only the (query, need) pairs the prospect has: most lists leave most needs unsaid.
    weight = np.array(
        [[q.needs[n].weight if n in q.needs else 0.0 for n in index.need_ids] for q in queries], np.float32
    )
    top3, best, best_measure, (rows, cols) = chains.top(base_q, PER_NEED, disc, index.need_groups, weight > 0)
    inc_num = np.zeros((b, len(index.candidates)), dtype=np.float32)
    np.add.at(inc_num, rows, weight[rows, cols][:, None] * (1 - np.prod(1 - prm.incentive_strength * top3, axis=-1)))
    per_need: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(b)]
    for j, (k, n) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        per_need[k][index.need_ids[n]] = (best_measure[j], best[j])
    total = np.array([sum(nw.weight for nw in q.needs.values()) or 1.0 for q in queries], dtype=np.float32)
    incentive = inc_num / total[:, None]
    # The offers and resources that would answer each need but have lapsed (or not started): shown, never counted.
    _, e_best, e_measure, (e_rows, e_cols) = chains.top(
        worth * (index.usable & ~now), 1, disc, index.need_groups, weight > 0
    )
    per_need_ended: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(b)]
    for j, (k, n) in enumerate(zip(e_rows.tolist(), e_cols.tolist(), strict=True)):
        per_need_ended[k][index.need_ids[n]] = (e_measure[j], e_best[j])

    # Validity: the share of the location's strongest evidence whose document is in force on `as_of`.
    validity = (strongest * in_force[which]).sum(axis=-1) / np.maximum(strongest.sum(axis=-1), 1e-9)

    # Incentives and validity separate places that fit; they cannot lift a place that does not: both are
    # scaled by the location's sector fit relative to the best fit for this prospect.
    rel_fit = (sector / np.maximum(sector.max(axis=1, keepdims=True), 1e-9)) ** prm.modulation
    total_score = w["sector"] * sector + (w["incentive"] * incentive + w["validity"] * validity) * rel_fit

    # Folding ignores measures that only offer space: a park whose sole own clause is "a carrier for
    # biomedicine" is a landing option inside its district, not a different answer.
    by_depth = chains.best_by_depth(np.where(index.space_only, 0.0, shares), disc)
    own_best, inherited_best = by_depth[..., 0], by_depth[..., 1:].max(axis=-1)
    place = np.stack([index.place_vector(q.places, prm.place_park_share, prm.place_parent_share) for q in queries])
    total_score = (total_score + prm.place_weight * place) / (1.0 + prm.place_weight)
    if opts.level == "city":  # a city is pitched by what it hosts: at least a share of its best place
        host = lift_hosts(index.city_hosted, total_score, sector, prm.host_share)
        shown = index.is_city
    else:
        host = lift_hosts(index.hosted, total_score, sector, prm.host_share)
        shown = index.landing
    reach = index.reach(disc)
    return [
        Scored(
            index=index,
            score=total_score[k],
            sector=sector[k],
            incentive=incentive[k],
            validity=validity[k],
            place=place[k],
            reach=reach,
            shares=shares[k],
            per_need=per_need[k],
            per_need_ended=per_need_ended[k],
            eligibility=elig[k][0],
            status=status,
            shown=shown,
            folded={}
            if opts.expand or opts.level == "city"
            else fold(
                index,
                own_best[k],
                inherited_best[k],
                total_score[k],
                prm.fold_ratio,
                keep=(place[k] >= 1.0) | (host[k] >= 0),
            ),
            host=host[k],
        )
        for k in range(b)
    ]


def lift_hosts(hosted: dict[int, np.ndarray], score: np.ndarray, sector: np.ndarray, share: float) -> np.ndarray:
    """A district (or, ranking cities, a city) is where its parks are: it scores at least `share` of its
    best-scoring place inside (`hosted`: row -> rows inside), and its sector fit likewise (both arrays changed in
    place). Returns, per query and candidate, the row that lifted it, or -1."""
    host = np.full(score.shape, -1, dtype=np.int64)
    if share <= 0:
        return host
    every = np.arange(len(score))
    for r, parks in hosted.items():
        best = parks[score[:, parks].argmax(axis=1)]
        via = share * score[every, best]
        lifted = via > score[:, r]
        score[:, r] = np.where(lifted, via, score[:, r])
        sector[:, r] = np.where(lifted, np.maximum(sector[:, r], share * sector[every, best]), sector[:, r])
        host[:, r] = np.where(lifted, best, -1)
    return host


def fold(
    index: ProfileIndex,
    own_best: np.ndarray,
    inherited_best: np.ndarray,
    score: np.ndarray,
    ratio: float,
    keep: np.ndarray,
) -> dict[int, int]:
    """Parks and districts whose best evidence is inherited fold into their nearest landing ancestor that stands.
    Where none does (the fit comes from a city's text that names no district), the places that only inherit that
    city's fit fold together: into the best place of the city that stands on its own evidence, when it scores at
    least as well; else into the best of them (a district before a park, then the one with more clauses of its
    own, then by id), which stands for them all. A place the description names (`keep`) always stands."""
    rows = np.flatnonzero(index.foldable & ~keep & (own_best < ratio * inherited_best))
    folded = set(rows.tolist())
    out: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    for r in sorted(folded):
        into = next((a for a in index.chain_rows[r] if a not in folded and index.landing[a]), None)
        if into is not None:
            out[r] = into
            continue
        city = next((a for a in index.chain_rows[r] if not index.landing[a]), None)
        if city is not None:
            groups.setdefault(city, []).append(r)
    cands = index.candidates
    for city, members in groups.items():
        best = float(score[members].max())
        own = [r for r in index.city_hosted.get(city, ()) if index.landing[r] and r not in folded]
        leader = max(own, key=lambda r: (float(score[r]), -r), default=None)
        if leader is not None and float(score[leader]) >= best:
            stands = int(leader)
        else:
            stands = min(
                members, key=lambda r: (-float(score[r]), index.levels[r] != "district", -index.n_own[r], cands[r])
            )
        out.update({r: stands for r in members if r != stands})
    return out
