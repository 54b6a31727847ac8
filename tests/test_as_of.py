"""What is current: on the as-of date only offers and resources in force are usable incentives, lapsed ones are
listed with their document's end, an ended fit says so, and it does not outrank comparable current evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from matcher import Matcher, MatchOptions, Prospect
from matcher.kb import load_kb
from tests.fakes import HashEncoder

TEXT = (
    "示例区生物医药方案\n\n一、总体要求\n\n到2020年，产业规模达50亿元。\n\n二、重点任务\n\n"
    "（一）重点发展细胞治疗。\n\n支持建设病毒载体CDMO平台，为企业提供中试\n生产服务。\n"
)


def twin_parks(mini_kb: Path) -> Path:
    """The demo park, and a twin whose identical platform clause comes from a document that ended in 2020."""
    (mini_kb / "sources" / "doc2.txt").write_text(TEXT, encoding="utf-8")
    manifest = yaml.safe_load((mini_kb / "sources" / "manifest.yaml").read_text(encoding="utf-8"))
    manifest.append(
        {
            "id": "old-doc",
            "file": "doc2.txt",
            "title": "示例区生物医药方案",
            "title_en": "Demo district plan",
            "issuer": "示例市",
            "level": "city",
            "location": "demo-city",
            "period": {"start": dt.date(2018, 1, 1), "end": dt.date(2020, 12, 31), "text": "2018-2020年"},
            "no_measures": {"一、": "targets"},
        }
    )
    (mini_kb / "sources" / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    park = yaml.safe_load((mini_kb / "parks" / "demo-park.yaml").read_text(encoding="utf-8"))
    twin = {**park, "id": "demo-park-2", "name_zh": "示例二园", "name_en": "Demo Park 2"}
    twin["coordinates"] = {"lat": 22.7, "lon": 114.1, "precision": "approximate"}
    twin["measures"] = [
        {
            **park["measures"][0],
            "id": "demo-park-2.vector-cdmo",
            "source": {"doc": "old-doc", "section": "二、（一）", "quote": park["measures"][0]["source"]["quote"]},
        }
    ]
    (mini_kb / "parks" / "demo-park-2.yaml").write_text(yaml.safe_dump(twin, allow_unicode=True), encoding="utf-8")
    return mini_kb


def test_current_evidence_outranks_the_same_evidence_that_has_ended(mini_kb: Path) -> None:
    m = Matcher(load_kb(twin_parks(mini_kb)), HashEncoder())
    p = Prospect(text="病毒载体CDMO平台，需要中试生产服务", needs=["pilot_cdmo"])
    r = m.match_many([p], MatchOptions(top_k=None, as_of=dt.date(2024, 6, 1), expand=True))[0]
    by_id = {x.location_id: x for x in r.matches}
    now, old = by_id["demo-park"], by_id["demo-park-2"]
    assert now.rank < old.rank and now.score > old.score
    own_old = next(e for e in old.evidence if e.measure_id == "demo-park-2.vector-cdmo")
    assert own_old.validity == "ended" and own_old.discounted
    assert all(not e.discounted for e in now.evidence if e.measure_id == "demo-park.vector-cdmo")
    assert old.policy_status in ("ended", "partly_ended") and "已到期" in old.reason
    assert "demo-park.vector-cdmo" in [i.measure_id for i in now.incentives]
    assert "demo-park-2.vector-cdmo" not in [i.measure_id for i in old.incentives + now.incentives]
    (lapsed,) = [x for x in old.ended_incentives if x.measure_id == "demo-park-2.vector-cdmo"]
    assert lapsed.ended_on == dt.date(2020, 12, 31)
    assert "2020-12-31" in lapsed.note
    # In mid-2020 both documents were in force: the twins are equal.
    then = m.match_many([p], MatchOptions(top_k=None, as_of=dt.date(2020, 6, 1), expand=True))[0]
    scores = {x.location_id: x.score for x in then.matches}
    assert scores["demo-park"] == scores["demo-park-2"]


def test_every_labelled_prospect_today_gets_only_usable_current_incentives(real_matcher: Matcher) -> None:
    """At 2026-11-29: no usable incentive is a target, task or encouragement or comes from an ended document, and no
    incentive is "met" without a condition that was checked."""
    from matcher.eval import load_prospects
    from matcher.kb import default_data_dir

    items = load_prospects(default_data_dir() / "companies" / "prospects.yaml")
    kb = real_matcher.kb
    day = dt.date(2026, 11, 29)
    rankings = real_matcher.match_many([it.prospect() for it in items], MatchOptions(top_k=10, as_of=day))
    seen = 0
    for r in rankings:
        for x in r.matches:
            for i in x.incentives:
                seen += 1
                measure = kb.measures[i.measure_id][1]
                assert measure.modality in ("offer", "resource") and i.modality == measure.modality
                assert kb.status_of(measure, day) == "in_force" and i.validity == "in_force"
                if i.eligibility == "met":
                    assert i.conditions and all(c.status == "met" for c in i.conditions)
                if not measure.conditions:
                    assert i.eligibility == "no_conditions"
                for c in i.conditions:
                    assert (c.question is not None) == (c.status == "unknown")
                roles = {a.text: a.role for a in measure.amounts}
                assert all(roles[a] == "benefit" for a in i.amounts)
            for e in x.ended_incentives:
                assert kb.status_of(kb.measures[e.measure_id][1], day) != "in_force"
            statuses = {e.validity for e in x.evidence}
            expected = "current" if statuses <= {"in_force"} else "ended" if "in_force" not in statuses else None
            assert expected is None or x.policy_status == expected
    assert seen > 100
