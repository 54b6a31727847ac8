"""The staging YAML a reviewer edits and `matcher kb import` reads: measures plus `location` and `review`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..models import Amount, Measure
from .proposal import Extraction, Proposal, _plain

# Fields the measure model of this checkout can hold; planned ones (modality, valid, amount role) go under
# `review.proposed` until the model has them, so the staging file imports either way.
_MEASURE_FIELDS = set(Measure.model_fields)
_AMOUNT_FIELDS = set(Amount.model_fields)


def _amount(a: dict[str, Any]) -> dict[str, Any]:
    out = {k: a[k] for k in ("label_zh", "label_en", "text", "min", "max", "unit") if a.get(k) is not None}
    if "role" in _AMOUNT_FIELDS:
        out["role"] = a["role"]
    return out


def _condition(c: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in c.items() if v not in (None, [])}


def staging_item(p: Proposal) -> dict[str, Any]:
    """One staged measure in the format of data/parks/*.yaml, plus `location` and `review`."""
    d = p.to_dict()
    item: dict[str, Any] = {"location": p.location, "id": p.id, "kind": p.kind}
    proposed: dict[str, Any] = {}
    if "modality" in _MEASURE_FIELDS:
        item["modality"] = p.modality
    else:
        proposed["modality"] = p.modality
    item.update(
        sectors=p.sectors,
        needs=p.needs,
        title_zh=p.title_zh,
        title_en=p.title_en,
        offer_zh=p.offer_zh,
        offer_en=p.offer_en,
    )
    if p.conditions:
        item["conditions"] = [_condition(c) for c in d["conditions"]]
    if p.amounts:
        item["amounts"] = [_amount(a) for a in d["amounts"]]
        if "role" not in _AMOUNT_FIELDS:
            proposed["amount_roles"] = [a["role"] for a in d["amounts"]]
    if d["valid"]:
        if "valid" in _MEASURE_FIELDS:
            item["valid"] = d["valid"]
        else:
            proposed["valid"] = d["valid"]
    if p.lead:
        item["lead"] = p.lead
    item["source"] = {"doc": p.doc, "section": p.section, "quote": p.quote}
    review: dict[str, Any] = {"status": "pending", "span": [p.start, p.end], "confidence": p.confidence}
    if proposed:
        review["proposed"] = proposed
    review["location"] = {"evidence": p.location_evidence}
    if p.location_parent:
        review["location"].update(parent=p.location_parent, sentence=p.location_sentence)
    review["notes"] = p.notes
    item["review"] = review
    return item


def dump_staging(ex: Extraction) -> str:
    """The staging file: a header of comments (what was read, what was skipped), then the YAML list."""
    head = [
        f"# Proposed measures for {ex.doc_id} from {ex.filename} ({ex.format}); {len(ex.proposals)} proposals.",
        "# Review each item: fix the fields, rewrite the English drafts, set review.status to accepted or rejected",
        "# (rejected items are not imported), then `matcher kb import THIS_FILE --dry-run` and without --dry-run.",
        f"# Classifiers trained on: {', '.join(ex.trained_on)}.",
    ]
    for note in ex.notes:
        head.append(f"# Reading: {note}")
    for g in ex.gaps:
        head.append(f"# NOT READ: {g.where}: {g.reason}")
    if ex.skipped:
        head.append("# Sections with no proposal (add one by hand if the section does carry a measure):")
        head += [f"#   {s.section}: {s.reason}" for s in ex.skipped]
    body = yaml.safe_dump([staging_item(p) for p in ex.proposals], allow_unicode=True, sort_keys=False, width=120)
    return "\n".join(head) + "\n" + body


def dump_manifest(ex: Extraction) -> str:
    entry = _plain(ex.manifest.entry())
    entry["no_measures"] = {s.section: s.reason for s in ex.skipped}
    conf = ex.manifest.confidences()
    lines = ["# Proposed manifest entry: append to data/sources/manifest.yaml after review. Confidence per field:"]
    lines += [f"#   {k}: {v['confidence']:.2f} ({v['evidence']})" for k, v in conf.items()]
    return "\n".join(lines) + "\n" + yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=120)


def write_outputs(ex: Extraction, staging: Path) -> list[Path]:
    """STAGING.yaml, STAGING.manifest.yaml and, beside them, the text to copy to data/sources/ under the file
    name the manifest entry gives."""
    stem = staging.with_suffix("")
    paths = [staging, Path(f"{stem}.manifest.yaml"), staging.parent / ex.manifest.file]
    paths[0].write_text(dump_staging(ex), encoding="utf-8")
    paths[1].write_text(dump_manifest(ex), encoding="utf-8")
    paths[2].write_text(ex.text, encoding="utf-8")
    return paths
