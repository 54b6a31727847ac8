"""The profile index: built once from the knowledge base and the encoder, read by every stage, never changed.

Measures and candidates get fixed orders (sorted by id, so nothing depends on load order); every per-measure or
per-candidate array below follows them. Arrays are made read-only: the index is shared by all threads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .chains import Chains, Groups
from .eligibility import ELIGIBILITY_FACTOR, Check, eligibility
from .encoders import Encoder, encode_cached, model_id_of
from .kb import KnowledgeBase
from .kb.models import ALL_SECTORS, NOT_CANDIDATES, Location, Measure, Stage, ValidityStatus
from .lexical.tfidf import TfidfIndex
from .needs import NeedsReader
from .places import PlaceReader
from .prospect import Prospect
from .ranking import Eligibility
from .sectors import SectorReader
from .text import add_words

VIEWS = 3  # dense views per measure: quote, Chinese offer, English offer
SPACE_KINDS = frozenset({"carrier", "land"})  # measures that offer room to land, nothing else
# Internal work and a higher level urging a lower one say nothing about where a company fits: no sector fit.
NO_FIT_MODALITIES = frozenset({"task", "encouragement"})
# A measure tagged with a whole domain (e.g. all of medical devices) is a less specific mention than one naming a
# sub-sector: it matches each of the domain's sectors this much.
DOMAIN_TAG = 0.85
ELIGIBILITY_CACHE = 4096  # distinct structured-field combinations kept (a list without fields needs one)
PLACE_CACHE = 4096  # distinct sets of named places kept (most descriptions name none or one)
# Where an inherited clause comes from decides its discount, not how many levels up it sits: a city's clause counts
# the same for every park and district of the city, and a GBA region between city and province changes nothing.
SOURCE_OF_LEVEL = {"park": 1, "district": 1, "city": 2, "region": 3, "province": 3}

EligibilityMap = dict[int, tuple[Eligibility, list[Check]]]


def measure_doc(kb: KnowledgeBase, m: Measure) -> str:
    """The text the lexical channel indexes for a measure: quote, titles, offers and its sectors' synonyms."""
    parts = [m.source.quote, m.title_zh, m.offer_zh, m.title_en, m.offer_en]
    for sid in sorted(kb.taxonomy.expand([s for s in m.sectors if s != ALL_SECTORS])):
        s = kb.taxonomy.sectors[sid]
        parts += [s.zh, s.en, *s.synonyms_zh, *s.synonyms_en]
    return " ".join(parts)


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class ProfileIndex:
    """Everything the stages read about the places and their measures."""

    kb: KnowledgeBase
    model_id: str
    measures: tuple[tuple[Location, Measure], ...]  # (owner, measure), by measure id
    position: dict[str, int]  # measure id -> row
    candidates: tuple[str, ...]  # location ids a ranking may return, sorted
    row: dict[str, int]  # candidate id -> row
    sector_ids: tuple[str, ...]
    sector_mask: np.ndarray  # measures × sectors: 1 for a named sub-sector, DOMAIN_TAG via a domain tag
    generic: np.ndarray  # per measure: names no sector (sector-neutral)
    tag_sector: np.ndarray  # the (measure, sector) pairs of sector_mask > 0, by measure: their sector column,
    tag_weight: np.ndarray  # … their mask value,
    tag_measures: np.ndarray  # … the measures that have any,
    tag_start: np.ndarray  # … and where each measure's pairs start
    depth: np.ndarray  # candidates × measures: 0 own, 1 parent, …; -1 not inherited
    # candidates × chain depth: where the clauses at that depth come from, for their discount: 0 the place's own,
    # 1 a district or park above it, 2 its city, 3 the region or the province (chain padding counts as 3).
    source: np.ndarray
    space_only: np.ndarray  # per measure: sector-neutral and only offers room (carrier, land)
    doc_of: tuple[str, ...]  # per measure, its document id
    quote_of: np.ndarray  # per measure, its quote's number: measures cut from one sentence share it
    need_ids: tuple[str, ...]  # needs that some measure answers
    answering: dict[str, np.ndarray]  # need id -> the measures answering it
    conditional: tuple[int, ...]  # measures with stated conditions
    chains: Chains
    need_groups: Groups  # the measures answering each of `need_ids`, grouped for Chains.top
    foldable: np.ndarray  # per candidate: a district or park (may fold into its parent)
    chain_rows: tuple[tuple[int, ...], ...]  # per candidate: its ancestors that are candidates, nearest first
    hosted: dict[int, np.ndarray]  # district row -> the candidate rows inside it
    city_hosted: dict[int, np.ndarray]  # city row -> the candidate rows inside it
    levels: tuple[str, ...]  # per candidate, its level
    # Per candidate: a place a company lands in (a park or zone, a district, or a city with nothing below it).
    landing: np.ndarray
    is_city: np.ndarray  # per candidate: a city (what `level=city` ranks)
    n_own: np.ndarray  # per candidate: how many clauses are its own
    usable: np.ndarray  # per measure: an offer or a resource (something a company can apply for or use)
    fits: np.ndarray  # per measure: may count toward sector fit (not internal work, not an urging of lower levels)
    views: np.ndarray  # (measures · VIEWS) × dim: quote, Chinese offer, English offer
    protos: np.ndarray  # (sectors · 2) × dim: each sector's Chinese and English prototype
    tfidf: TfidfIndex
    sectors: SectorReader
    places: PlaceReader
    needs: NeedsReader

    @classmethod
    def build(cls, kb: KnowledgeBase, encoder: Encoder, cache_dir: Path | None = None) -> ProfileIndex:
        tax = kb.taxonomy
        add_words(t for s in tax.sectors.values() for t in [s.zh, *s.synonyms_zh])
        model_id = model_id_of(encoder)
        measures = tuple(sorted(kb.measures.values(), key=lambda lm: lm[1].id))
        position = {m.id: i for i, (_, m) in enumerate(measures)}
        sector_ids = tuple(tax.sectors)
        n = len(measures)
        col = {s: j for j, s in enumerate(sector_ids)}
        mask = np.zeros((n, len(sector_ids)), dtype=np.float32)
        generic = np.zeros(n, dtype=bool)
        domains = {d.id for d in tax.domains}
        for i, (_, m) in enumerate(measures):
            named = [s for s in m.sectors if s != ALL_SECTORS]
            generic[i] = not named
            for s in named:
                if s in domains:
                    for sid in tax.expand([s]):
                        mask[i, col[sid]] = max(mask[i, col[sid]], DOMAIN_TAG)
                else:
                    mask[i, col[s]] = 1.0
        pairs = np.argwhere(mask > 0)
        tag_measures, tag_start = np.unique(pairs[:, 0], return_index=True)
        candidates = tuple(sorted(loc.id for loc in kb.locations.values() if loc.level not in NOT_CANDIDATES))
        row = {c: r for r, c in enumerate(candidates)}
        depth = np.full((len(candidates), n), -1, dtype=np.int8)
        for r, loc_id in enumerate(candidates):
            for d, lid in enumerate([loc_id] + [a.id for a in kb.ancestors(loc_id)]):
                for m in kb.locations[lid].measures:
                    depth[r, position[m.id]] = d
        needs = NeedsReader(tax)
        answering_all = {nd.id: [] for nd in tax.needs}  # type: dict[str, list[int]]
        for i, (_, m) in enumerate(measures):
            for nid in needs.needs_of(m):
                answering_all[nid].append(i)
        answering = {nid: np.array(cols, dtype=np.int64) for nid, cols in answering_all.items()}
        need_ids = tuple(nid for nid, cols in answering.items() if len(cols))
        loc_index = {loc_id: j for j, loc_id in enumerate(sorted(kb.locations))}
        chains = Chains(
            [loc_index[owner.id] for owner, _ in measures],
            [[loc_index[c]] + [loc_index[a.id] for a in kb.ancestors(c)] for c in candidates],
            len(loc_index),
        )
        chain_rows = tuple(tuple(row[a.id] for a in kb.ancestors(c) if a.id in row) for c in candidates)
        source = np.full(chains.chain.shape, SOURCE_OF_LEVEL["province"], dtype=np.int64)
        for r, c in enumerate(candidates):
            source[r, 0] = 0
            for d, a in enumerate(kb.ancestors(c), start=1):
                source[r, d] = SOURCE_OF_LEVEL[a.level]
        # Districts and the candidates inside them (a district's promotion bureau is the counterpart for its parks).
        inside = {r: [c for c, chain in enumerate(chain_rows) if r in chain] for r in range(len(candidates))}
        levels = tuple(kb.locations[c].level for c in candidates)
        hosted, city_hosted = (
            {r: _frozen(np.array(rows)) for r, rows in inside.items() if rows and levels[r] == lv}
            for lv in ("district", "city")
        )
        landing = [lv in ("park", "district") or (lv == "city" and not inside[r]) for r, lv in enumerate(levels)]
        sector_reader = SectorReader(tax)
        views = [t for _, m in measures for t in (m.source.quote, m.offer_zh, m.offer_en)]
        space_only = [bool(g) and m.kind in SPACE_KINDS for g, (_, m) in zip(generic, measures, strict=True)]
        return cls(
            kb=kb,
            model_id=model_id,
            measures=measures,
            position=position,
            candidates=candidates,
            row=row,
            sector_ids=sector_ids,
            sector_mask=_frozen(mask),
            generic=_frozen(generic),
            tag_sector=_frozen(pairs[:, 1]),
            tag_weight=_frozen(mask[pairs[:, 0], pairs[:, 1]]),
            tag_measures=_frozen(tag_measures),
            tag_start=_frozen(tag_start),
            depth=_frozen(depth),
            source=_frozen(source),
            space_only=_frozen(np.array(space_only)),
            doc_of=tuple(m.source.doc for _, m in measures),
            quote_of=_frozen(np.unique([m.source.quote for _, m in measures], return_inverse=True)[1]),
            need_ids=need_ids,
            answering={k: _frozen(v) for k, v in answering.items()},
            conditional=tuple(i for i, (_, m) in enumerate(measures) if m.conditions),
            chains=chains,
            need_groups=chains.groups([answering[nid] for nid in need_ids]),
            foldable=_frozen(np.array([kb.locations[c].level in ("district", "park") for c in candidates])),
            chain_rows=chain_rows,
            hosted=hosted,
            city_hosted=city_hosted,
            levels=levels,
            landing=_frozen(np.array(landing)),
            is_city=_frozen(np.array([lv == "city" for lv in levels])),
            n_own=_frozen((depth == 0).sum(axis=1)),
            usable=_frozen(np.array([m.usable for _, m in measures])),
            fits=_frozen(np.array([m.modality not in NO_FIT_MODALITIES for _, m in measures])),
            views=_frozen(encode_cached(encoder, model_id, views, cache_dir)),
            protos=_frozen(encode_cached(encoder, model_id, sector_reader.prototypes(tax), cache_dir)),
            tfidf=TfidfIndex([measure_doc(kb, m) for _, m in measures], cache_dir),
            sectors=sector_reader,
            places=PlaceReader(kb),
            needs=needs,
        )

    @property
    def own(self) -> np.ndarray:
        """candidates × measures: the measure is the candidate's own."""
        out: np.ndarray = self.depth == 0
        return out

    def discounts(self, level_discount: tuple[float, ...]) -> np.ndarray:
        """candidates × chain depth: the factor of a clause stated there (ScoringParams.level_discount)."""
        return self.chains.discounts(level_discount, self.source)

    def reach(self, disc: np.ndarray) -> np.ndarray:
        """candidates × measures: the discount a measure carries for a candidate (0 where not inherited);
        `disc`: candidates × chain depth."""
        at = np.take_along_axis(disc, np.clip(self.depth, 0, disc.shape[1] - 1).astype(np.int64), axis=1)
        out: np.ndarray = np.where(self.depth >= 0, at, 0.0).astype(np.float32)
        return out

    @lru_cache(maxsize=64)  # noqa: B019  # a handful of dates per process (today, an as-of asked for)
    def statuses(self, as_of: dt.date) -> tuple[tuple[ValidityStatus, ...], np.ndarray]:
        """Per measure, whether it holds on `as_of` (its own dates first, then its document's), and a boolean
        array of those in force."""
        status = tuple(self.kb.status_of(m, as_of) for _, m in self.measures)
        return status, _frozen(np.array([s == "in_force" for s in status]))

    def level_is(self, level: str) -> np.ndarray:
        return np.array([lv == level for lv in self.levels], dtype=np.float32)

    def place_vector(self, named: dict[str, tuple[float, str]], park_share: float, parent_share: float) -> np.ndarray:
        """Per candidate: the weight of a named location, `park_share` of it for the parks inside, `parent_share`
        for its parent levels (read-only: shared by every description naming the same places)."""
        return self._place_vector(
            tuple(sorted((loc_id, w) for loc_id, (w, _) in named.items())), park_share, parent_share
        )

    @lru_cache(maxsize=PLACE_CACHE)  # noqa: B019  # the index lives as long as the process (see _eligibility)
    def _place_vector(self, named: tuple[tuple[str, float], ...], park_share: float, parent_share: float) -> np.ndarray:
        out = np.zeros(len(self.candidates), dtype=np.float32)
        kb = self.kb
        # Each cell ends as the float32 of its largest value, whatever order the places come in.
        for loc_id, w in named:
            if loc_id in self.row:
                out[self.row[loc_id]] = max(out[self.row[loc_id]], w)
            for anc in kb.ancestors(loc_id):
                if anc.id in self.row:
                    out[self.row[anc.id]] = max(out[self.row[anc.id]], parent_share * w)
            for r, c in enumerate(self.candidates):
                if loc_id in {a.id for a in kb.ancestors(c)}:
                    out[r] = max(out[r], park_share * w)
        return _frozen(out)

    def eligibility(self, p: Prospect) -> tuple[EligibilityMap, np.ndarray]:
        """Per conditional measure, whether the prospect meets it, and per measure the factor that puts on its
        usability. It depends on the structured fields only, so it is cached by them."""
        return self._eligibility(
            p.revenue_cny, p.headcount, p.investment_cny, p.stage, tuple(p.company_type), p.hk_macau
        )

    # The index lives as long as the process, so caching on the method keeps nothing alive for too long;
    # lru_cache is thread-safe.
    @lru_cache(maxsize=ELIGIBILITY_CACHE)  # noqa: B019
    def _eligibility(
        self,
        revenue_cny: float | None,
        headcount: int | None,
        investment_cny: float | None,
        stage: Stage | None,
        company_type: tuple[str, ...],
        hk_macau: bool | None,
    ) -> tuple[EligibilityMap, np.ndarray]:
        # Every field given: for a missing field with a default factory (needs), pydantic's model_construct asks
        # inspect.signature about the factory, which parses text with `ast`; on Python 3.11.7 two threads parsing at
        # once fail with "SystemError: AST constructor recursion depth mismatch" (seen in CI in this test suite).
        p = Prospect.model_construct(
            text="-",
            name=None,
            needs=[],
            lang=None,
            revenue_cny=revenue_cny,
            headcount=headcount,
            investment_cny=investment_cny,
            stage=stage,
            company_type=list(company_type),
            hk_macau=hk_macau,
        )
        elig = {i: eligibility(self.measures[i][1], p) for i in self.conditional}
        factor = np.ones(len(self.measures), dtype=np.float32)
        for i, (status, _) in elig.items():
            factor[i] = ELIGIBILITY_FACTOR[status]
        return elig, _frozen(factor)

    def place_name(self, loc_id: str, lang: str) -> str:
        loc = self.kb.locations[loc_id]
        return loc.name_zh if lang == "zh" else loc.name_en

    def sector_name(self, sid: str, lang: str) -> str:
        s = self.kb.taxonomy.sectors[sid]
        return s.zh if lang == "zh" else s.en
