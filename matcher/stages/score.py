"""Stage 3, score: sector fit, incentive fit and validity for every candidate, and their weighted sum.

The same arithmetic runs over queries × candidates × measures arrays, so a list of thousands pays numpy's per-call
cost once per chunk, not once per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..index import EligibilityMap, ProfileIndex
from ..kb.models import ValidityStatus
from ..params import ScoringParams
from ..query import Query
from ..scoring import breadth_fit, calibrate, max_last, prod_last
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
    lapsed: Lapsed  # what answers the needs but is not in force, for the whole chunk (found on first use) …
    k: int  # … where this query is in it
    eligibility: EligibilityMap  # measure row -> status, per condition
    status: tuple[ValidityStatus, ...]  # per measure: whether it holds on the as-of date
    shown: np.ndarray  # per candidate: ranked at the asked level (landing places, or cities)
    folded: dict[int, int]  # candidate row -> the row it is folded into (it only inherits that one's fit)
    host: np.ndarray  # per candidate, the place whose fit lifted this district or city (host_share), or -1

    @property
    def per_need_ended(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """need -> per candidate, the best offer or resource answering it that is not in force on the date."""
        return self.lapsed.per_query[self.k]

    def contrib(self, r: int) -> np.ndarray:
        """Each measure's contribution to candidate `r`'s sector fit."""
        out: np.ndarray = self.reach[r] * self.shares
        return out

    def order(self) -> list[int]:
        """Candidate rows shown at the asked level, best first (ties by id), without those folded into another."""
        keep = self.shown.copy()
        keep[list(self.folded)] = False
        rows = np.flatnonzero(keep)
        # Candidates are sorted by id, so their rows break ties as their ids would.
        out: list[int] = rows[np.lexsort((rows, -self.score[rows]))].tolist()
        return out


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
    rel = np.where(index.generic, prm.generic_sector * rel, rel) * gate * index.fits
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
    by_need = np.zeros((b, len(index.need_ids), len(index.candidates)), dtype=np.float32)
    by_need[rows, cols] = weight[rows, cols][:, None] * (1 - prod_last(1 - prm.incentive_strength * top3))
    inc_num = np.zeros((b, len(index.candidates)), dtype=np.float32)
    for n in range(len(index.need_ids)):  # need by need, as each query's pairs come (a need not said adds 0)
        inc_num += by_need[:, n]
    per_need: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(b)]
    for j, (k, n) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        per_need[k][index.need_ids[n]] = (best_measure[j], best[j])
    total = np.array([sum(nw.weight for nw in q.needs.values()) or 1.0 for q in queries], dtype=np.float32)
    incentive = inc_num / np.maximum(total, prm.need_mass)[:, None]
    lapsed = Lapsed(index, worth * (index.usable & ~now), disc, weight > 0)

    # Validity: the share of the location's strongest evidence whose document is in force on `as_of`.
    validity = (strongest * in_force[which]).sum(axis=-1) / np.maximum(strongest.sum(axis=-1), 1e-9)

    # Incentives and validity separate places that fit; they cannot lift a place that does not: both are
    # scaled by the location's sector fit relative to the best fit for this prospect.
    rel_fit = (sector / np.maximum(sector.max(axis=1, keepdims=True), 1e-9)) ** prm.modulation
    total_score = w["sector"] * sector + (w["incentive"] * incentive + w["validity"] * validity) * rel_fit

    # Folding ignores measures that only offer space: a park whose sole own clause is "a carrier for
    # biomedicine" is a landing option inside its district, not a different answer.
    by_depth = chains.best_by_depth(np.where(index.space_only, 0.0, shares), disc)
    own_best, inherited_best = by_depth[..., 0], max_last(by_depth[..., 1:])
    # The best clause of the place itself or of a district or park above it: what tells places of one city apart.
    local_best = max_last(np.where(index.source <= 1, by_depth, 0.0))
    place = np.stack([index.place_vector(q.places, prm.place_park_share, prm.place_parent_share) for q in queries])
    total_score = (total_score + prm.place_weight * place) / (1.0 + prm.place_weight)
    if opts.level == "city":  # a city is pitched by what it hosts: at least a share of its best place
        host = lift_hosts(index.city_hosted, total_score, sector, prm.host_share)
        shown = index.is_city
    else:
        host = lift_hosts(index.hosted, total_score, sector, prm.host_share)
        shown = index.landing
    reach = index.reach(disc)
    if opts.expand or opts.level == "city":
        folded: list[dict[int, int]] = [{} for _ in range(b)]
    else:
        keep = (place >= 1.0) | (host >= 0)
        folded = fold(index, own_best, inherited_best, local_best, total_score, prm.fold_ratio, keep)
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
            lapsed=lapsed,
            k=k,
            eligibility=elig[k][0],
            status=status,
            shown=shown,
            folded=folded[k],
            host=host[k],
        )
        for k in range(b)
    ]


class Lapsed:
    """The offers and resources that would answer each need but have lapsed (or not started): shown in a full
    ranking, never counted. Found for a whole chunk of queries at once, when first asked for (a list's brief never
    asks)."""

    def __init__(self, index: ProfileIndex, values: np.ndarray, disc: np.ndarray, wanted: np.ndarray):
        """`values`: queries × measures, what each offer not in force is worth; `wanted`: queries × needs."""
        self._index, self._values, self._disc, self._wanted = index, values, disc, wanted

    @cached_property
    def per_query(self) -> list[dict[str, tuple[np.ndarray, np.ndarray]]]:
        """Per query, need -> per candidate, the best such measure in its chain (n_measures when none) and its worth."""
        index = self._index
        _, best, measure, (rows, cols) = index.chains.top(self._values, 1, self._disc, index.need_groups, self._wanted)
        out: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(len(self._values))]
        for j, (k, n) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
            out[k][index.need_ids[n]] = (measure[j], best[j])
        return out


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
    local_best: np.ndarray,
    score: np.ndarray,
    ratio: float,
    keep: np.ndarray,
) -> list[dict[int, int]]:
    """Parks and districts whose best evidence is inherited fold into their nearest landing ancestor that stands.
    Where none does (the fit comes from a city's text that names no district), the places that only inherit that
    city's fit fold together into one place of that city, the one whose own or district clauses fit best (its
    `local_best`; then score, a district before a park, more clauses of its own, id): the city's text lands the
    company there. A place the description names (`keep`) always stands. Arrays are queries × candidates; returns
    per query, candidate row -> the row it folds into."""
    folds = index.foldable & ~keep & (own_best < ratio * inherited_best)
    b, n = folds.shape
    depth = max(1, *(len(c) for c in index.chain_rows))
    up = np.array([[*c, *[n] * (depth - len(c))] for c in index.chain_rows], dtype=np.int64)  # padded with n …
    # … which never stands: per query and candidate, which of its ancestors are landing places that do not fold.
    stands = np.append(index.landing, False)[up] & ~np.pad(folds, ((0, 0), (0, 1)), constant_values=True)[:, up]
    into = up[np.arange(n), stands.argmax(axis=2)]
    ks, rs = np.nonzero(folds)
    has = stands.any(axis=2)[ks, rs]
    at = np.searchsorted(ks[has], np.arange(b + 1)).tolist()  # where each query's entries start
    rows, targets = rs[has].tolist(), into[ks[has], rs[has]].tolist()
    out = [dict(zip(rows[at[k] : at[k + 1]], targets[at[k] : at[k + 1]], strict=True)) for k in range(b)]
    # The rest fold together by city (their first ancestor that is not a landing place), each group into one place
    # of the city: a landing place inside it that stands or is in the group, the first in the order below.
    landing = index.landing.tolist()
    city_of = np.array([next((a for a in chain if not landing[a]), -1) for chain in index.chain_rows])
    rest = ~has & (city_of[rs] >= 0)
    gk, gr = ks[rest], rs[rest]
    if not len(gk):
        return out
    keys, of = np.unique(gk * n + city_of[gr], return_inverse=True)  # the groups, by query then city
    group_k, group_city = keys // n, keys % n
    asked, at_k = np.unique(group_k, return_inverse=True)
    # Per query asked, each candidate's place in that order (rows follow ids).
    static = np.broadcast_to
    order = np.lexsort(
        (
            static(np.arange(n), (len(asked), n)),
            static(-index.n_own, (len(asked), n)),
            static(np.array([lv != "district" for lv in index.levels]), (len(asked), n)),
            -score[asked],
            -local_best[asked],
        ),
        axis=-1,
    )
    place_of = np.empty_like(order)
    np.put_along_axis(place_of, order, np.arange(n)[None, :], axis=-1)
    member = np.zeros_like(folds)
    member[gk, gr] = True
    inside = np.zeros((n, n), dtype=bool)  # city row -> the rows inside it (only cities are not landing places)
    for city, hosted in index.city_hosted.items():
        inside[city, hosted] = True
    may = inside[group_city] & index.landing & (member | ~folds)[group_k]
    there = np.where(may, place_of[at_k], n).argmin(axis=1)[of.ravel()]
    for k, r, t in zip(gk.tolist(), gr.tolist(), there.tolist(), strict=True):
        if r != t:
            out[k][r] = t
    return out
