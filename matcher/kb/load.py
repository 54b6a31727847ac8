"""Load the knowledge base from `data/` through the typed models and check it whole."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .base import Issue, KBError, KnowledgeBase, SourceText, read_source
from .models import (
    ALL_SECTORS,
    COMPANY_TYPES,
    LEVEL_RANK,
    STAGES,
    Citation,
    Location,
    Measure,
    Period,
    Source,
    Taxonomy,
)
from .sections import squash

# Guangdong's extent (mainland and near islands), generous by a few km.
GUANGDONG_BBOX = {"lat": (20.1, 25.6), "lon": (109.6, 117.4)}

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)  # noqa: S506 - CSafeLoader is the safe loader


def pydantic_issues(file: str, err: ValidationError, prefix: str = "") -> list[Issue]:
    out = []
    for e in err.errors():
        loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in e["loc"]).replace(".[", "[")
        out.append(Issue(file, f"{prefix}{loc}" or "-", e["msg"]))
    return out


def _parse(model: type[BaseModel], data: Any, file: str, issues: list[Issue]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        issues.extend(pydantic_issues(file, err))
        return None


def data_hash(root: Path) -> str:
    """Content hash of every file the knowledge base is built from."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in {".yaml", ".yml", ".txt"} and "companies" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_kb(root: Path | str, *, check: bool = True) -> KnowledgeBase:
    """Load `root` (the `data/` folder); raise KBError listing every problem found."""
    kb, issues = read_kb(Path(root))
    if check and kb is not None:
        issues.extend(check_kb(kb))
    if issues or kb is None:
        raise KBError(issues)
    return kb


def read_kb(root: Path) -> tuple[KnowledgeBase | None, list[Issue]]:
    issues: list[Issue] = []
    man_file = root / "sources" / "manifest.yaml"
    tax_file = root / "taxonomy.yaml"
    for f in (man_file, tax_file, root / "parks"):
        if not f.exists():
            issues.append(Issue(str(f), "-", "missing"))
    if issues:
        return None, issues

    try:
        raw_sources = read_yaml(man_file) or []
        sources_list = TypeAdapter(list[Source]).validate_python(raw_sources)
    except ValidationError as err:
        return None, pydantic_issues(str(man_file), err, "sources")
    except yaml.YAMLError as err:
        return None, [Issue(str(man_file), "-", f"invalid YAML: {err}")]
    sources: dict[str, SourceText] = {}
    for i, s in enumerate(sources_list):
        if s.id in sources:
            issues.append(Issue(str(man_file), f"sources[{i}].id", f"duplicate source id {s.id!r}"))
            continue
        if not (root / "sources" / s.file).is_file():
            issues.append(Issue(str(man_file), f"sources[{i}].file", f"source file {s.file!r} not found"))
            continue
        sources[s.id] = read_source(s, root / "sources")

    try:
        taxonomy = _parse(Taxonomy, read_yaml(tax_file), str(tax_file), issues)
    except yaml.YAMLError as err:
        issues.append(Issue(str(tax_file), "-", f"invalid YAML: {err}"))
        taxonomy = None

    locations: dict[str, Location] = {}
    files: dict[str, str] = {}
    for path in sorted((root / "parks").glob("*.yaml")):
        try:
            raw = read_yaml(path)
        except yaml.YAMLError as err:
            issues.append(Issue(str(path), "-", f"invalid YAML: {err}"))
            continue
        loc = _parse(Location, raw, str(path), issues)
        if loc is None:
            continue
        if loc.id != path.stem:
            issues.append(Issue(str(path), "id", f"id {loc.id!r} does not match the file name {path.stem!r}"))
        if loc.id in locations:
            issues.append(Issue(str(path), "id", f"duplicate location id {loc.id!r} (also in {files[loc.id]})"))
            continue
        locations[loc.id] = loc
        files[loc.id] = str(path)
    if taxonomy is None:
        return None, issues
    kb = KnowledgeBase(root, taxonomy, sources, locations, files, data_hash(root))
    return kb, issues


def check_kb(kb: KnowledgeBase) -> list[Issue]:
    """Every semantic check: references, hierarchy, coordinates, ids and verbatim quotes."""
    issues: list[Issue] = []
    issues += _check_taxonomy(kb)
    for i, src in enumerate(kb.sources.values()):
        if src.source.location not in kb.locations:
            issues.append(
                Issue("sources/manifest.yaml", f"sources[{i}].location", f"unknown location {src.source.location!r}")
            )
        for path in src.source.no_measures:
            if path not in src.by_path:
                issues.append(Issue("sources/manifest.yaml", f"sources[{i}].no_measures", f"unknown section {path!r}"))
    seen: dict[str, str] = {}
    for loc in kb.locations.values():
        file = kb.files.get(loc.id, loc.id)
        issues += _check_location(kb, loc, file)
        for j, m in enumerate(loc.measures):
            where = f"measures[{j}] ({m.id})"
            if m.id in seen:
                issues.append(Issue(file, f"{where}.id", f"duplicate measure id (also in {seen[m.id]})"))
            seen[m.id] = file
            issues += [Issue(file, f"{where}.{f}", msg) for f, msg in check_measure(kb, loc, m)]
    return issues


def _check_taxonomy(kb: KnowledgeBase) -> list[Issue]:
    issues = []
    groups = {
        "sector": [d.id for d in kb.taxonomy.domains] + [s.id for d in kb.taxonomy.domains for s in d.sectors],
        "incentive kind": [k.id for k in kb.taxonomy.incentive_kinds],
        "need": [n.id for n in kb.taxonomy.needs],
    }
    for what, ids in groups.items():
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        for d in dupes:
            issues.append(Issue("taxonomy.yaml", what, f"duplicate {what} id {d!r}"))
    needs = set(groups["need"])
    for k in kb.taxonomy.incentive_kinds:
        for n in k.needs:
            if n not in needs:
                issues.append(Issue("taxonomy.yaml", f"incentive_kinds.{k.id}.needs", f"unknown need {n!r}"))
    return issues


def _check_location(kb: KnowledgeBase, loc: Location, file: str) -> list[Issue]:
    issues = []
    if loc.level == "province":
        if loc.parent is not None:
            issues.append(Issue(file, "parent", "a province has no parent"))
    elif loc.parent is None:
        issues.append(Issue(file, "parent", f"a {loc.level} needs a parent"))
    elif loc.parent not in kb.locations:
        issues.append(Issue(file, "parent", f"unknown parent {loc.parent!r}"))
    else:
        parent = kb.locations[loc.parent]
        if LEVEL_RANK[parent.level] >= LEVEL_RANK[loc.level]:
            issues.append(Issue(file, "parent", f"parent {parent.id!r} is a {parent.level}, not above a {loc.level}"))
        chain = kb.ancestors(loc.id)
        if loc.id in {a.id for a in chain}:
            issues.append(Issue(file, "parent", "the parent chain loops back to this location"))
    c = loc.coordinates
    lat_lo, lat_hi = GUANGDONG_BBOX["lat"]
    lon_lo, lon_hi = GUANGDONG_BBOX["lon"]
    if not (lat_lo <= c.lat <= lat_hi and lon_lo <= c.lon <= lon_hi):
        issues.append(Issue(file, "coordinates", f"({c.lat}, {c.lon}) is outside Guangdong"))
    known = kb.taxonomy.known_sector_ids() - {ALL_SECTORS}
    # A sector-neutral measure ("all") backs no particular focus; a domain id backs its sectors.
    named = {x for m in loc.measures for x in m.sectors if x != ALL_SECTORS}
    backed = named | kb.taxonomy.expand(list(named))
    for s in loc.focus_sectors:
        if s not in known:
            issues.append(Issue(file, "focus_sectors", f"unknown sector {s!r}"))
        elif s not in backed:
            issues.append(Issue(file, "focus_sectors", f"{s!r} is not backed by any of this location's measures"))
    return issues


def check_measure(kb: KnowledgeBase, loc: Location, m: Measure) -> list[tuple[str, str]]:
    """(field, message) for each problem with one measure."""
    out: list[tuple[str, str]] = []
    if m.id.split(".", 1)[0] != loc.id:
        out.append(("id", f"measure id must start with its location id {loc.id!r}"))
    kinds = {k.id for k in kb.taxonomy.incentive_kinds}
    if m.kind not in kinds:
        out.append(("kind", f"unknown incentive kind {m.kind!r}"))
    known = kb.taxonomy.known_sector_ids()
    out += [("sectors", f"unknown sector {s!r}") for s in m.sectors if s not in known]
    needs = {n.id for n in kb.taxonomy.needs}
    out += [("needs", f"unknown need {n!r}") for n in m.needs if n not in needs]
    for i, c in enumerate(m.citations):
        f = "source" if i == 0 else f"also_cited[{i - 1}]"
        out += [(f"{f}.{sub}", msg) for sub, msg in check_citation(kb, c)]
    quote = squash(m.source.quote)
    for i, cond in enumerate(m.conditions):
        if squash(cond.text) not in quote:
            out.append((f"conditions[{i}].text", "not a fragment of the measure's quote"))
        if cond.field == "stage" and not set(map(str, cond.values)) <= set(STAGES):
            out.append((f"conditions[{i}].values", f"stage values must be among {STAGES}"))
        if cond.field == "company_type" and not set(map(str, cond.values)) <= set(COMPANY_TYPES):
            out.append((f"conditions[{i}].values", f"company_type values must be among {COMPANY_TYPES}"))
        if cond.min is not None and cond.max is not None and cond.min > cond.max:
            out.append((f"conditions[{i}]", "min is above max"))
    for i, a in enumerate(m.amounts):
        if squash(a.text) not in quote:
            out.append((f"amounts[{i}].text", "not a fragment of the measure's quote"))
        if a.min is not None and a.max is not None and a.min > a.max:
            out.append((f"amounts[{i}]", "min is above max"))
        if a.role == "benefit" and m.modality != "offer":
            out.append((f"amounts[{i}].role", f"a benefit belongs to an offer, not to {_a(m.modality)}"))
    if not m.usable and m.needs:
        out.append(("needs", f"{_a(m.modality)} answers no need: only offers and resources list needs"))
    src = kb.sources.get(m.source.doc)
    if m.valid is not None and src is not None:
        out += check_valid(m, src.source.period)
    return out


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def check_valid(m: Measure, doc: Period) -> list[tuple[str, str]]:
    """A measure's own dates: worded in its citations, and inside its document's period unless the text says so."""
    assert m.valid is not None
    v, out = m.valid, []
    quotes = [squash(c.quote) for c in m.citations]
    if not any(squash(v.text) in q for q in quotes):
        out.append(("valid.text", "not a fragment of the measure's citations"))
    if v.start is not None and v.end is not None and v.start > v.end:
        out.append(("valid", "start is after end"))
    outside = [
        d
        for d in (v.start, v.end)
        if d is not None and ((doc.start is not None and d < doc.start) or (doc.end is not None and d > doc.end))
    ]
    if v.beyond_document is None:
        if outside:
            out.append(
                (
                    "valid",
                    f"{outside[0]} lies outside the document's period ({doc.text}); "
                    "quote the words that say so in valid.beyond_document",
                )
            )
    elif not any(squash(v.beyond_document) in q for q in quotes):
        out.append(("valid.beyond_document", "not a fragment of the measure's citations"))
    elif not outside:
        out.append(("valid.beyond_document", "the dates lie inside the document's period: drop beyond_document"))
    return out


def check_citation(kb: KnowledgeBase, c: Citation) -> list[tuple[str, str]]:
    src = kb.sources.get(c.doc)
    if src is None:
        return [("doc", f"unknown source document {c.doc!r}")]
    section = src.section_text(c.section)
    if section is None:
        return [("section", f"document {c.doc!r} has no section {c.section!r}")]
    q = squash(c.quote)
    if q in squash(section):
        return []
    if q in src.squashed:
        return [("quote", f"quote is in {c.doc!r} but not in section {c.section!r}")]
    return [("quote", f"quote not found verbatim in {c.doc!r}")]
