"""The extraction pipeline: read → segment → manifest → classify → fields and places → proposals."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from ...encoders import Encoder
from ...sectors import grouped
from ..base import KnowledgeBase
from ..models import ALL_SECTORS, USABLE_MODALITIES
from ..sections import Part, leaf_paths, squash
from . import fields, wording
from .check import check_policy
from .classify import Models, Prediction, candidate, train
from .errors import NoSectionNumbering
from .manifest import propose_manifest
from .places import NEW, PlaceFinder
from .proposal import Extraction, Proposal, Skipped
from .read import DocumentText, read_bytes, read_file
from .segment import Sample, Segmented, Unit, segment

Progress = Callable[[str, float], None]  # (stage name, fraction of the whole job done)
THRESHOLD = 0.5  # the logistic regression's own decision point, not tuned on any document
# A sentence that grants a firm a stated sum or rate is an offer by the measure model's definition, however
# rare such sentences are in the curated action plans the filter learnt from; its quote confidence is this.
STATED_BENEFIT = 0.6
_GRANT = re.compile(r"给予|奖励|补助|补贴|资助|奖补|贴息")
_LEAD_NAME = re.compile(r"(?:牵头单位|责任单位|牵头部门|责任部门)\s*[:：]\s*([^，,、；;）)]+)")
_SKIP_REASONS = [
    (
        re.compile(r"总体要求|指导思想|基本原则|发展目标|工作目标|主要目标|总体目标|背景|意义"),
        "general requirements, principles or targets",
    ),
    (
        re.compile(r"组织领导|组织保障|组织实施|协调机制|领导小组|联席会议|工作专班"),
        "internal organisation and coordination",
    ),
    (re.compile(r"监测|评估|考核|督查|统计|报送"), "monitoring, evaluation or statistics"),
]


@dataclass
class ExtractOptions:
    doc_id: str
    exclude_docs: Collection[str] = ()
    threshold: float = THRESHOLD
    allow_unnumbered: bool = False
    parts: list[Part] | None = None  # where numbering restarts; None: detect "附件 N" lines


def _noop(stage: str, done: float) -> None:
    return None


class Extractor:
    """Trained once for a set of excluded documents; extracts any number of documents."""

    def __init__(
        self,
        kb: KnowledgeBase,
        exclude: Collection[str] = (),
        models: Models | None = None,
        encoder: Encoder | None = None,
    ):
        """`encoder`: the sentence encoder the classifiers read (the service passes the one it matches with;
        default: the bundled one)."""
        self.kb = kb
        self.models = models or train(kb, exclude, encoder)
        self.places = PlaceFinder(kb)
        tax = kb.taxonomy
        self._needs, self._need_owner = grouped([(n.id, [*n.synonyms_zh]) for n in tax.needs])
        self.kind_needs = {k.id: list(k.needs) for k in tax.incentive_kinds}

    def sectors(self, text: str, neutral: Prediction) -> tuple[list[str], float]:
        """Sectors whose names or synonyms the text uses (lifted to their domain where the curators read the term
        so), unless the classifier reads the text as sector-neutral (`neutral`: its reading)."""
        hits = self.models.sector_terms.sectors(text)
        if not hits or neutral.label == "all":
            return [ALL_SECTORS], neutral.confidence if neutral.label == "all" else 0.4
        return hits, 0.7 * neutral.confidence

    def needs(self, text: str, kind: str) -> list[str]:
        found = [self._need_owner[i] for i in self._needs.found(text)]
        return list(dict.fromkeys([*self.kind_needs.get(kind, []), *found]))

    def run(self, doc: DocumentText, filename: str, options: ExtractOptions, progress: Progress = _noop) -> Extraction:
        check_policy(doc, filename)
        progress("segment", 0.1)
        seg = segment(doc.text, options.parts)
        if not seg.numbered and not options.allow_unnumbered:
            raise NoSectionNumbering(
                f"{filename} has no recognisable section numbering (一、 / （一） / 1.): quotes could not cite a "
                "section. Check the text, or extract with allow_unnumbered to cite the whole document"
            )
        manifest = propose_manifest(doc.text, options.doc_id, f"{options.doc_id}.txt", self.places, seg.parts)
        issuer = manifest.location.value
        progress("classify", 0.3)
        units = [u for u in seg.units if candidate(u)]
        probs = [
            max(p, STATED_BENEFIT) if _grants(u.text) else p
            for u, p in zip(units, self.models.filter.probability(units), strict=True)
        ]
        chosen = [(u, p) for u, p in zip(units, probs, strict=True) if p >= options.threshold]
        samples = [Sample(u.text, u.context) for u, _ in chosen]
        kinds = self.models.kind.predict(samples) if samples else []
        modalities = self.models.modality.predict(samples) if samples else []
        neutrals = self.models.all_sectors.predict(samples) if samples else []
        progress("fields", 0.6)
        leads = _leads(seg)
        taken = set(self.kb.measures)
        proposals = []
        for (unit, p), kind, modality, neutral in zip(chosen, kinds, modalities, neutrals, strict=True):
            sectors = self.sectors(unit.text, neutral)
            proposals.append(self._proposal(options.doc_id, unit, p, kind, modality, sectors, issuer, leads, taken))
        progress("skipped", 0.9)
        skipped = _skipped(seg, proposals, list(zip(units, probs, strict=True)), options.threshold)
        progress("done", 1.0)
        return Extraction(
            doc_id=options.doc_id,
            filename=filename,
            format=doc.format,
            text=doc.text,
            manifest=manifest,
            proposals=proposals,
            skipped=skipped,
            gaps=doc.gaps,
            notes=doc.notes,
            trained_on=self.models.trained_on,
        )

    def _proposal(
        self,
        doc_id: str,
        unit: Unit,
        p: float,
        kind_read: Prediction,
        modality: Prediction,
        sectors_read: tuple[list[str], float],
        issuer: str | None,
        leads: dict[int, str],
        taken: set[str],
    ) -> Proposal:
        place = self.places.propose(unit.text, unit.context, issuer)
        kind = kind_read.label
        sectors, sector_conf = sectors_read
        amounts = fields.amounts(unit.text)
        if any(a.role == "benefit" for a in amounts) and modality.label != "offer":
            # The measure model's rule: a benefit (what a company gets) belongs to an offer.
            modality = Prediction("offer", min(modality.confidence, 0.5))
        conditions = fields.conditions(unit.text)
        valid = fields.validity(unit.text)
        known = place.location in self.kb.locations
        loc = self.kb.locations[place.location] if known else None
        place_zh = loc.name_zh if loc else place.location.removeprefix(NEW)
        place_en = loc.name_en if loc else "(new place)"
        loc_id = place.location if known else "new-place"
        mid = _unique(f"{loc_id}.{kind.replace('_', '-')}-{_slug(sectors)}", taken)
        notes = ["English title and offer are template drafts: rewrite them from the quote"]
        if place.others:
            notes.append(
                f"the sentence also names {', '.join(place.others)}: split the measure if each place offers it"
            )
        if not known:
            notes.append(
                "new place: add data/parks/<id>.yaml with its parent and coordinates, then set location and id"
            )
        conf = {
            "quote": round(p, 3),
            "kind": round(kind_read.confidence, 3),
            "modality": round(modality.confidence, 3),
            "sectors": round(sector_conf, 3),
            "location": place.confidence,
            "title_zh": 0.5,
            "offer_zh": 0.5,
            "title_en": 0.2,
            "offer_en": 0.2,
        }
        if amounts:
            conf["amounts"] = 0.7
        if conditions:
            conf["conditions"] = 0.6
        if valid:
            conf["valid"] = 0.6
        return Proposal(
            id=mid,
            location=place.location,
            kind=kind,
            modality=modality.label,
            sectors=sectors,
            needs=self.needs(unit.text, kind) if modality.label in USABLE_MODALITIES else [],
            title_zh=wording.title_zh(unit.text),
            title_en=wording.title_en(kind, self.kb.taxonomy, sectors),
            offer_zh=wording.offer_zh(unit.text, place_zh),
            offer_en=wording.offer_en(kind, self.kb.taxonomy, sectors, place_en, amounts, conditions),
            doc=doc_id,
            section=unit.section,
            quote=unit.text,
            start=unit.start,
            end=unit.end,
            amounts=amounts,
            conditions=conditions,
            valid=valid,
            lead=leads.get(unit.start),
            confidence=conf,
            location_evidence=place.evidence,
            location_parent=place.parent,
            location_sentence=place.sentence,
            notes=notes,
        )

    def extract_bytes(
        self, data: bytes, filename: str, options: ExtractOptions, progress: Progress = _noop
    ) -> Extraction:
        progress("read", 0.0)
        return self.run(read_bytes(data, filename), filename, options, progress)

    def extract_file(self, path: Path, options: ExtractOptions, progress: Progress = _noop) -> Extraction:
        progress("read", 0.0)
        return self.run(read_file(path), path.name, options, progress)


def _grants(text: str) -> bool:
    return any(a.role == "benefit" and a.unit in {"CNY", "percent"} for a in fields.amounts(text)) and bool(
        _GRANT.search(text)
    )


def _slug(sectors: list[str]) -> str:
    return sectors[0] if sectors else "all"


def _unique(mid: str, taken: set[str]) -> str:
    out, n = mid, 2
    while out in taken:
        out = f"{mid}-{n}"
        n += 1
    taken.add(out)
    return out


def _leads(seg: Segmented) -> dict[int, str]:
    """unit start -> lead department: the next "牵头单位：…" line in the same section, or a ledger row's unit cell."""
    out: dict[int, str] = {}
    pending: list[Unit] = []
    ledger_unit = ""
    for u in seg.units:
        if "项" in u.section.rsplit(" ", 1)[-1] and u.role == "heading" and not u.text.strip().isdigit():
            ledger_unit = squash(u.text)
        if u.role == "lead":
            m = _LEAD_NAME.search(u.text)
            if m:
                for w in pending:
                    if w.section == u.section or u.section.startswith(w.section) or w.section.startswith(u.section):
                        out[w.start] = m.group(1).strip()
            pending = []
        elif u.role == "text":
            pending.append(u)
            if ledger_unit and u.section.endswith("项"):
                out[u.start] = ledger_unit
    return out


def _skipped(
    seg: Segmented, proposals: list[Proposal], scored: list[tuple[Unit, float]], threshold: float
) -> list[Skipped]:
    cited = {p.section for p in proposals}
    titles = {s.path: s.title for s in seg.sections}
    out = []
    for path in leaf_paths(seg.sections):
        if path in cited:
            continue
        mine = [(u, p) for u, p in scored if u.section == path]
        why = next((r for pat, r in _SKIP_REASONS if pat.search(titles.get(path, "")[:40])), None)
        if not mine:
            reason = "heading only, no sentence"
        else:
            u, p = max(mine, key=lambda x: x[1])
            reason = f"no sentence scored {threshold} or more (best {p:.2f}: {u.text[:30]}…)"
        out.append(Skipped(path, f"{why}; {reason}" if why else reason))
    return out


def extract(kb: KnowledgeBase, path: Path, options: ExtractOptions, progress: Progress = _noop) -> Extraction:
    """Read and extract one file, training on every curated document except `options.exclude_docs`."""
    return Extractor(kb, options.exclude_docs).extract_file(path, options, progress)
