"""Reviewing proposals: edit one (every field checked against the measure model and the knowledge base, a new
quote kept verbatim), split one at offsets of its quote, merge neighbours. Plain functions over plain data."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from matcher.kb import KnowledgeBase
from matcher.kb.extract.training import SpanFinder
from matcher.kb.models import Measure
from matcher.kb.sections import Part, parse_sections, squash

LOW = 0.5  # a field proposed with less confidence than this is flagged for the reviewer
# The machine's decisions a reviewer checks first (as `matcher kb extract` counts them); the titles and offers
# are drafts to rewrite in any case, so their low confidence flags nothing.
CHECKED = ("quote", "kind", "modality", "sectors", "location", "amounts", "conditions", "valid")
EDITABLE = (
    "location",
    "id",
    "kind",
    "modality",
    "sectors",
    "needs",
    "title_zh",
    "title_en",
    "offer_zh",
    "offer_en",
    "conditions",
    "amounts",
    "valid",
    "lead",
    "quote",
)
_EDGE = "，。；、：,.;: \n\t"


class ReviewError(ValueError):
    """An edit the measure model or the knowledge base refuses; `errors` name the fields."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


@dataclass
class Span:
    start: int
    end: int
    section: str


def low_fields(confidence: dict[str, float]) -> list[str]:
    return [k for k in CHECKED if isinstance(confidence.get(k), int | float) and confidence[k] < LOW]


def section_at(text: str, parts: Sequence[dict[str, Any]], start: int) -> str:
    """The path of the deepest section holding offset `start`, numbered as the manifest's parts say."""
    spec = [Part(str(p.get("label", "")), str(p.get("starts", "")), bool(p.get("ledger"))) for p in parts]
    sections = parse_sections(text, [Part("", ""), *spec] if spec else None)
    holding = [s for s in sections if s.start <= start < s.end]
    if not holding:
        return ""
    return max(holding, key=lambda s: (s.start, len(s.path))).path


def locate(text: str, quote: str, near: int, parts: Sequence[dict[str, Any]]) -> Span:
    """Where a (shortened or moved) quote sits: its first verbatim occurrence from just before `near`, else
    anywhere; ReviewError if it is not in the text."""
    finder = SpanFinder(text)
    span = finder.find(quote, max(0, near - 2000)) or finder.find(quote)
    if span is None:
        raise ReviewError([{"field": "quote", "message": "not verbatim in the document's text"}])
    return Span(span[0], span[1], section_at(text, parts, span[0]))


def _known(kb: KnowledgeBase, item: dict[str, Any], places: set[str]) -> list[dict[str, str]]:
    errors = []
    if item.get("location") not in kb.locations and item.get("location") not in places:
        errors.append({"field": "location", "message": f"unknown location {item.get('location')!r}"})
    if item.get("kind") not in {k.id for k in kb.taxonomy.incentive_kinds}:
        errors.append({"field": "kind", "message": f"unknown incentive kind {item.get('kind')!r}"})
    known = kb.taxonomy.known_sector_ids()
    errors += [
        {"field": "sectors", "message": f"unknown sector {s!r}"} for s in item.get("sectors", []) if s not in known
    ]
    needs = {n.id for n in kb.taxonomy.needs}
    errors += [{"field": "needs", "message": f"unknown need {n!r}"} for n in item.get("needs", []) if n not in needs]
    return errors


def check(kb: KnowledgeBase, item: dict[str, Any], places: set[str]) -> None:
    """The item as the measure model and the knowledge base's vocabularies see it; ReviewError naming fields."""
    errors = _known(kb, item, places)
    try:
        Measure.model_validate({k: v for k, v in item.items() if k != "location"})
    except ValidationError as err:
        for e in err.errors():
            field = ".".join(str(p) for p in e["loc"]) or "item"
            errors.append({"field": field, "message": str(e["msg"]).removeprefix("Value error, ")})
    if errors:
        raise ReviewError(errors)


def edit(
    kb: KnowledgeBase,
    item: dict[str, Any],
    span: Span,
    changes: dict[str, Any],
    text: str,
    parts: Sequence[dict[str, Any]],
    places: set[str],
) -> tuple[dict[str, Any], Span]:
    """The item with `changes` applied and checked; a new quote must be verbatim and moves the span."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ReviewError([{"field": k, "message": "not an editable field"} for k in unknown])
    out = {**item, **{k: v for k, v in changes.items() if k != "quote"}}
    for k in ("lead", "valid", "conditions", "amounts"):
        if k in changes and changes[k] in (None, [], ""):
            out.pop(k, None)
    if "quote" in changes:
        quote = str(changes["quote"] or "")
        span = locate(text, quote, span.start, parts)
        out["source"] = {**out["source"], "quote": text[span.start : span.end], "section": span.section}
    check(kb, out, places)
    return out, span


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _EDGE:
        a += 1
    while b > a and text[b - 1] in " \n\t":
        b -= 1
    return a, b


def _fits(item: dict[str, Any], quote: str) -> dict[str, Any]:
    """The item cut to a shorter quote: amounts, conditions and dates whose words are not in it are dropped."""
    q = squash(quote)
    out = dict(item)
    for k in ("amounts", "conditions"):
        kept = [x for x in item.get(k, []) if squash(str(x.get("text", ""))) in q]
        if kept:
            out[k] = kept
        else:
            out.pop(k, None)
    if item.get("valid") and squash(str(item["valid"].get("text", ""))) not in q:
        out.pop("valid", None)
    return out


def _unique(mid: str, taken: set[str]) -> str:
    base = re.sub(r"-\d+$", "", mid)
    n = 2
    out = mid
    while out in taken:
        out = f"{base}-{n}"
        n += 1
    taken.add(out)
    return out


def split(
    item: dict[str, Any], span: Span, at: Sequence[int], text: str, taken: set[str]
) -> list[tuple[dict[str, Any], Span]]:
    """The proposal cut at document offsets strictly inside its quote: one proposal per piece, each quote a
    verbatim span, punctuation at the cut trimmed; ids made unique."""
    cuts = sorted(set(at))
    if not cuts or any(not span.start < c < span.end for c in cuts):
        raise ReviewError(
            [{"field": "at", "message": f"cut points must lie inside the quote ({span.start}–{span.end})"}]
        )
    bounds = [span.start, *cuts, span.end]
    out: list[tuple[dict[str, Any], Span]] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        a, b = _trim(text, a, b)
        if not squash(text[a:b]):
            raise ReviewError([{"field": "at", "message": "a piece would be empty"}])
        piece = _fits(item, text[a:b])
        piece["source"] = {**item["source"], "quote": text[a:b]}
        piece["id"] = item["id"] if not out else _unique(f"{item['id']}-{len(out) + 1}", taken)
        out.append((piece, Span(a, b, span.section)))
    return out


def merge(items: Sequence[tuple[dict[str, Any], Span]], text: str) -> tuple[dict[str, Any], Span]:
    """Neighbouring proposals of one section as one: the quote runs from the first start to the last end; the
    first proposal's fields, with sectors, needs, amounts and conditions of all."""
    if len(items) < 2:
        raise ReviewError([{"field": "ids", "message": "merge needs two proposals or more"}])
    ordered = sorted(items, key=lambda x: x[1].start)
    sections = {s.section for _, s in ordered}
    if len(sections) > 1:
        raise ReviewError([{"field": "ids", "message": f"the proposals sit in different sections: {sorted(sections)}"}])
    first, span = ordered[0]
    end = max(s.end for _, s in ordered)
    out = dict(first)
    for k in ("sectors", "needs"):
        out[k] = list(dict.fromkeys(x for it, _ in ordered for x in it.get(k, [])))
    if len(out["sectors"]) > 1 and "all" in out["sectors"]:
        out["sectors"] = [s for s in out["sectors"] if s != "all"]
    for k in ("amounts", "conditions"):
        seen: dict[str, Any] = {}
        for it, _ in ordered:
            for x in it.get(k, []):
                seen.setdefault(str(x.get("text")), x)
        if seen:
            out[k] = list(seen.values())
    out["source"] = {**first["source"], "quote": text[span.start : end]}
    return out, Span(span.start, end, span.section)
