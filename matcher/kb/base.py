"""The loaded knowledge base: locations, their hierarchy, measures and cited sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .models import Location, Measure, Period, Source, Taxonomy, ValidityStatus
from .sections import Part, Section, parse_sections, squash


@dataclass(frozen=True)
class Issue:
    """One problem in the data: where it is (file and field) and what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class KBError(Exception):
    """The knowledge base failed to load or validate; `issues` says where and why."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        head = "\n".join(str(i) for i in issues[:20])
        more = f"\n… and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"{len(issues)} problem(s) in the knowledge base:\n{head}{more}")


@dataclass
class SourceText:
    """A source document's text with its parsed sections."""

    source: Source
    text: str
    sections: list[Section]

    @cached_property
    def by_path(self) -> dict[str, Section]:
        return {s.path: s for s in self.sections}

    @cached_property
    def squashed(self) -> str:
        return squash(self.text)

    def section_text(self, path: str) -> str | None:
        sec = self.by_path.get(path)
        return None if sec is None else sec.text(self.text)


def read_source(source: Source, folder: Path) -> SourceText:
    text = (folder / source.file).read_text(encoding="utf-8")
    parts = None
    if source.parts:
        parts = [Part("", "")] + [Part(p.label, p.starts, p.ledger) for p in source.parts]
    return SourceText(source=source, text=text, sections=parse_sections(text, parts))


@dataclass
class KnowledgeBase:
    """Everything the engine knows: immutable after load."""

    root: Path
    taxonomy: Taxonomy
    sources: dict[str, SourceText]
    locations: dict[str, Location]
    files: dict[str, str] = field(default_factory=dict)  # location id -> file it came from
    content_hash: str = ""

    @cached_property
    def measures(self) -> dict[str, tuple[Location, Measure]]:
        return {m.id: (loc, m) for loc in self.locations.values() for m in loc.measures}

    def ancestors(self, location_id: str) -> list[Location]:
        """Parent, grandparent, … up to the province (nearest first)."""
        out: list[Location] = []
        parent = self.locations[location_id].parent
        while parent is not None and parent in self.locations and len(out) < 10:
            out.append(self.locations[parent])
            parent = self.locations[parent].parent
        return out

    def children(self, location_id: str) -> list[Location]:
        return [loc for loc in self.locations.values() if loc.parent == location_id]

    def city_of(self, location_id: str) -> Location | None:
        for loc in [self.locations[location_id], *self.ancestors(location_id)]:
            if loc.level == "city":
                return loc
        return None

    def district_of(self, location_id: str) -> Location | None:
        for loc in [self.locations[location_id], *self.ancestors(location_id)]:
            if loc.level == "district":
                return loc
        return None

    def period_of(self, m: Measure) -> Period:
        """The period a measure holds for: its own dates where its text gives them, else its document's."""
        return m.period(self.sources[m.source.doc].source)

    def status_of(self, m: Measure, as_of: dt.date) -> ValidityStatus:
        """Whether a measure is in force on `as_of` (its own dates first, then its document's)."""
        return self.period_of(m).status(as_of)

    def measures_for(self, location_id: str) -> list[tuple[Location, Measure]]:
        """The location's own measures, then those it inherits (nearest level first)."""
        chain = [self.locations[location_id], *self.ancestors(location_id)]
        return [(loc, m) for loc in chain for m in loc.measures]
