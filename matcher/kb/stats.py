"""Coverage statistics of the knowledge base: what is cited, and which sections are not."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .base import KnowledgeBase
from .sections import leaf_paths


@dataclass
class DocCoverage:
    doc: str
    title: str
    measures: int
    leaf_sections: int
    cited: int
    uncited: list[str]  # leaf sections no measure cites and the manifest does not excuse
    excused: dict[str, str]  # leaf sections the manifest lists as carrying no measure


@dataclass
class Stats:
    locations: int
    measures: int
    by_level: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_modality: Counter[str] = field(default_factory=Counter)
    by_amount_role: Counter[str] = field(default_factory=Counter)
    own_dates: list[str] = field(default_factory=list)  # measures whose text gives their own period
    by_location: Counter[str] = field(default_factory=Counter)
    docs: list[DocCoverage] = field(default_factory=list)

    @property
    def gaps(self) -> int:
        return sum(len(d.uncited) for d in self.docs)

    def to_dict(self) -> dict[str, object]:
        return {
            "locations": self.locations,
            "measures": self.measures,
            "by_level": dict(self.by_level),
            "by_kind": dict(self.by_kind.most_common()),
            "by_modality": dict(self.by_modality.most_common()),
            "by_amount_role": dict(self.by_amount_role.most_common()),
            "own_dates": self.own_dates,
            "by_location": dict(self.by_location.most_common()),
            "documents": [d.__dict__ for d in self.docs],
        }


def kb_stats(kb: KnowledgeBase) -> Stats:
    st = Stats(locations=len(kb.locations), measures=len(kb.measures))
    cited: dict[str, set[str]] = {d: set() for d in kb.sources}
    per_doc: Counter[str] = Counter()
    for loc, m in kb.measures.values():
        st.by_kind[m.kind] += 1
        st.by_modality[m.modality] += 1
        st.by_amount_role.update(a.role for a in m.amounts)
        if m.valid is not None:
            st.own_dates.append(m.id)
        st.by_location[loc.id] += 1
        per_doc[m.source.doc] += 1
        for c in m.citations:
            cited.setdefault(c.doc, set()).add(c.section)
    for loc in kb.locations.values():
        st.by_level[loc.level] += 1
    for doc_id, src in kb.sources.items():
        leaves = leaf_paths(src.sections)
        excused = {p: r for p, r in src.source.no_measures.items() if p in leaves}
        uncited = [p for p in leaves if p not in cited[doc_id] and p not in excused]
        st.docs.append(
            DocCoverage(
                doc=doc_id,
                title=src.source.title,
                measures=per_doc[doc_id],
                leaf_sections=len(leaves),
                cited=len([p for p in leaves if p in cited[doc_id]]),
                uncited=uncited,
                excused=excused,
            )
        )
    return st


def format_stats(st: Stats, load_ms: float) -> str:
    lines = [f"{st.measures} measures at {st.locations} locations (loaded and checked in {load_ms:.0f} ms)", ""]
    lines.append("By document:")
    for d in st.docs:
        lines.append(f"  {d.doc:24} {d.measures:4} measures  {d.cited}/{d.leaf_sections} sections cited  {d.title}")
    lines += ["", "By kind:"]
    lines += [f"  {k:16} {n:4}" for k, n in st.by_kind.most_common()]
    lines += ["", "By modality (offer and resource are usable incentives):"]
    lines += [f"  {k:16} {n:4}" for k, n in st.by_modality.most_common()]
    lines += ["", "Amounts by role: " + ", ".join(f"{k} {n}" for k, n in st.by_amount_role.most_common())]
    lines += [f"Measures with their own dates ({len(st.own_dates)}): " + ", ".join(st.own_dates)]
    lines += ["", "By location level: " + ", ".join(f"{k} {n}" for k, n in st.by_level.items()), "By location:"]
    lines += [f"  {k:32} {n:4}" for k, n in st.by_location.most_common()]
    lines += ["", "Sections no measure cites:"]
    for d in st.docs:
        lines.append(f"  {d.doc}: " + (", ".join(d.uncited) if d.uncited else "none"))
        for p, why in d.excused.items():
            lines.append(f"      (carries no measure) {p}: {why}")
    lines.append("")
    lines.append(
        f"{st.gaps} section(s) carrying measures are uncited"
        if st.gaps
        else "Every section that carries a measure is cited."
    )
    return "\n".join(lines)
