"""Plain-text rendering of a ranking, for the terminal (the same content the API and the page show)."""

from __future__ import annotations

from .ranking import Ranking

ELIGIBILITY = {
    "zh": {"met": "满足", "unmet": "不满足", "unknown": "待确认", "no_conditions": "未列条件"},
    "en": {"met": "met", "unmet": "not met", "unknown": "to confirm", "no_conditions": "no condition stated"},
}
POLICY = {
    "zh": {"current": "现行", "partly_ended": "部分到期", "ended": "均已到期"},
    "en": {"current": "current", "partly_ended": "partly ended", "ended": "ended"},
}
LEVEL = {
    "zh": {"park": "园区", "district": "区", "city": "市"},
    "en": {"park": "park", "district": "district", "city": "city"},
}


def format_ranking(r: Ranking) -> str:
    zh = r.lang == "zh"
    lang = "zh" if zh else "en"
    sectors = ", ".join(f"{s.name} {s.confidence:.2f}" for s in r.sectors[:3]) or ("未识别" if zh else "none found")
    lines = [
        ("识别的细分领域: " if zh else "Sectors read: ") + sectors,
        f"level {r.level} · preset {r.preset} {r.weights} · as of {r.as_of} · model {r.model} · kb {r.kb_hash}",
        "",
    ]
    for m in r.matches:
        c = m.components
        lines.append(
            f"{m.rank:2}. {m.name} ({LEVEL[lang].get(m.level, m.level)})  [{m.fit}] "
            f"[{POLICY[lang][m.policy_status]}]  score {m.score:.3f}  "
            f"(sector {c.sector:.2f} · incentive {c.incentive:.2f} · validity {c.validity:.2f})"
        )
        lines.append(f"    {m.reason}")
        for e in m.evidence:
            flag = "" if e.validity == "in_force" else ("  [已到期]" if zh else "  [ended]")
            where = f"  ({e.source_label})" if e.source_label else ""
            lines.append(f"    · 「{e.quote}」 — {e.doc_title} {e.section}{flag}{where}")
        for i in m.incentives:
            amounts = f" ({', '.join(i.amounts)})" if i.amounts else ""
            lines.append(f"    $ {i.title} [{i.modality}] — {ELIGIBILITY[lang][i.eligibility]}{amounts}")
            for q in (c.question for c in i.conditions if c.question):
                lines.append(f"      ? {q}")
        for x in m.ended_incentives:
            lines.append(f"    ✗ {x.title} — {x.note}")
        if m.also_in:
            lines.append("    " + ("同样适用: " if zh else "Also covers: ") + ", ".join(m.also_in))
        lines.append("")
    return "\n".join(lines)
