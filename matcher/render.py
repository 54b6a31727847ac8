"""Plain-text rendering of a ranking, for the terminal."""

from __future__ import annotations

from .ranking import Ranking


def format_ranking(r: Ranking) -> str:
    zh = r.lang == "zh"
    sectors = ", ".join(f"{s.name} {s.confidence:.2f}" for s in r.sectors[:3]) or ("未识别" if zh else "none found")
    lines = [
        ("识别的细分领域: " if zh else "Sectors read: ") + sectors,
        f"preset {r.preset} {r.weights} · as of {r.as_of} · model {r.model} · kb {r.kb_hash}",
        "",
    ]
    for m in r.matches:
        c = m.components
        lines.append(
            f"{m.rank:2}. {m.name}  [{m.fit}]  score {m.score:.3f}  "
            f"(sector {c.sector:.2f} · incentive {c.incentive:.2f} · validity {c.validity:.2f})"
        )
        lines.append(f"    {m.reason}")
        for e in m.evidence:
            flag = "" if e.validity == "in_force" else ("  [已到期]" if zh else "  [ended]")
            lines.append(f"    · 「{e.quote}」 — {e.doc_title} {e.section}{flag}")
        for i in m.incentives:
            lines.append(f"    $ {i.title} — {i.eligibility}" + (f" ({', '.join(i.amounts)})" if i.amounts else ""))
        if m.also_in:
            lines.append("    " + ("同区园区: " if zh else "Parks within: ") + ", ".join(m.also_in))
        lines.append("")
    return "\n".join(lines)
