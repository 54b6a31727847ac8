"""Add measures extracted from a (new) policy document to the location files."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .base import Issue, KnowledgeBase
from .load import check_kb, pydantic_issues, read_kb, read_yaml
from .models import ALL_SECTORS, Location, Measure


@dataclass
class ImportResult:
    added: Counter[str] = field(default_factory=Counter)  # location id -> measures added
    issues: list[Issue] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


def dump_location(loc: Location) -> str:
    """YAML for one location file, fields in model order, empty optional lists left out."""
    data = loc.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("parent", None)
    data.setdefault("focus_sectors", [])
    data.setdefault("measures", [])
    order = list(Location.model_fields)
    data = {k: data[k] for k in order if k in data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def focus_of(loc: Location) -> list[str]:
    """Sectors the location's own sector-focus measures name explicitly."""
    seen: dict[str, None] = dict.fromkeys(loc.focus_sectors)
    for m in loc.measures:
        if m.kind == "sector_focus":
            seen.update(dict.fromkeys(s for s in m.sectors if s != ALL_SECTORS))
    return list(seen)


def import_measures(root: Path, staging: Path, *, dry_run: bool = False) -> ImportResult:
    """Validate staged measures (a YAML list, each with a `location` key) and append them.

    Nothing is written unless the whole knowledge base, with the new measures, passes every check.
    """
    res = ImportResult()
    kb, issues = read_kb(root)
    if kb is None or issues:
        res.issues = issues
        return res
    raw: Any = read_yaml(staging) or []
    if not isinstance(raw, list):
        res.issues.append(Issue(str(staging), "-", "expected a YAML list of measures"))
        return res
    new: dict[str, list[Measure]] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            res.issues.append(Issue(str(staging), f"[{i}]", "expected a mapping"))
            continue
        item = dict(item)
        review = item.pop("review", None)  # extraction's review metadata (matcher kb extract)
        if isinstance(review, dict) and review.get("status") == "rejected":
            continue
        loc_id = item.pop("location", None)
        if loc_id not in kb.locations:
            res.issues.append(Issue(str(staging), f"[{i}].location", f"unknown location {loc_id!r}"))
            continue
        try:
            m = Measure.model_validate(item)
        except ValidationError as err:
            res.issues.extend(pydantic_issues(str(staging), err, f"[{i}]."))
            continue
        new.setdefault(loc_id, []).append(m)
        res.added[loc_id] += 1
    if res.issues:
        return res
    locations = dict(kb.locations)
    for loc_id, ms in new.items():
        loc = locations[loc_id].model_copy(update={"measures": [*locations[loc_id].measures, *ms]})
        locations[loc_id] = loc.model_copy(update={"focus_sectors": focus_of(loc)})
    merged = replace(kb, locations=locations)
    res.issues = check_kb(merged)
    if res.issues or dry_run:
        return res
    for loc_id in new:
        path = Path(kb.files[loc_id])
        path.write_text(dump_location(locations[loc_id]), encoding="utf-8")
        res.written.append(str(path))
    return res


__all__ = ["ImportResult", "KnowledgeBase", "dump_location", "import_measures"]
