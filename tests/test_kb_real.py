"""The real knowledge base: coverage, fidelity of every quote, and the required locations."""

from __future__ import annotations

import datetime as dt
import math

import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.cli import main
from matcher.kb import KnowledgeBase, Location, default_data_dir
from matcher.kb.imports import dump_location
from matcher.kb.sections import squash
from matcher.kb.stats import kb_stats

REQUIRED_LOCATIONS = {
    "guangdong": "province",
    "guangzhou": "city",
    "shenzhen": "city",
    "zhuhai": "city",
    "foshan": "city",
    "dongguan": "city",
    "zhongshan": "city",
    "yunfu": "city",
    "gz-gdd": "district",
    "gz-bio-island": "park",
    "nansha": "district",
    "ns-bio-valley": "park",
    "ns-pearl-innovation-valley": "park",
    "ns-health-valley": "park",
    "ns-hengli-biomed-park": "park",
    "ns-life-health-park": "park",
    "ns-guangdong-medical-valley-2": "park",
    "ns-sysu-pharma-valley": "park",
    "ns-fudan-sci-park": "park",
    "ns-gidi-life-science-park": "park",
    "ns-intl-health-city": "park",
    "hengqin": "district",
    "hengqin-tcm-park": "park",
    "jinwan": "district",
    "zh-health-port": "park",
    "zh-hitech-zone": "district",
    "sz-pingshan-bio-base": "park",
    "sz-hk-policy-zone": "park",
    "sz-guangming-bme-zone": "park",
    "sz-baolong-biologics-zone": "park",
    "sz-bagang-precision-zone": "park",
    "gba-mainland": "region",
    "zhaoqing": "city",
    "zq-gaoyao-nanyao-park": "park",
    "zq-deqing-nanyao-park": "park",
    "sz-china-israel-park": "park",
    "ns-hkust-gz-transfer-base": "park",
}
GBA_CITIES = {"guangzhou", "shenzhen", "zhuhai", "foshan", "dongguan", "zhongshan", "zhaoqing"}


def test_required_locations_exist_at_their_level(real_kb: KnowledgeBase) -> None:
    for loc_id, level in REQUIRED_LOCATIONS.items():
        assert real_kb.locations[loc_id].level == level, loc_id


def test_every_location_reaches_the_province(real_kb: KnowledgeBase) -> None:
    for loc_id in real_kb.locations:
        chain = [loc_id] + [a.id for a in real_kb.ancestors(loc_id)]
        assert chain[-1] == "guangdong", chain


def test_every_evidence_quote_is_verbatim_in_its_section(real_kb: KnowledgeBase) -> None:
    """Checked here directly against the source files, independent of the validator."""
    sources = {s.source.id: s for s in real_kb.sources.values()}
    raw = {
        doc_id: (default_data_dir() / "sources" / s.source.file).read_text(encoding="utf-8")
        for doc_id, s in sources.items()
    }
    n = 0
    for _, m in real_kb.measures.values():
        for c in m.citations:
            assert squash(c.quote) in squash(raw[c.doc]), (m.id, c.quote)
            assert squash(c.quote) in squash(sources[c.doc].section_text(c.section) or ""), (m.id, c.section)
            n += 1
        for frag in [*(c.text for c in m.conditions), *(a.text for a in m.amounts)]:
            assert squash(frag) in squash(m.source.quote), (m.id, frag)
    assert n >= 150


def test_coverage_every_measure_carrying_section_is_cited(real_kb: KnowledgeBase) -> None:
    st_ = kb_stats(real_kb)
    assert st_.measures >= 150
    for d in st_.docs:
        assert d.uncited == [], (d.doc, d.uncited)
        assert d.measures > 0


def test_every_document_and_kind_is_used(real_kb: KnowledgeBase) -> None:
    kinds = {m.kind for _, m in real_kb.measures.values()}
    assert {"sector_focus", "platform", "carrier", "fund", "subsidy", "tax", "land", "talent"} <= kinds
    assert {"regulatory", "clinical", "customs", "service"} <= kinds


def test_stated_figures_are_recorded(real_kb: KnowledgeBase) -> None:
    """Amounts and conditions the issue names as examples are machine-readable."""
    amounts = [(a.text, a.min, a.max, a.unit) for _, m in real_kb.measures.values() for a in m.amounts]
    texts = {squash(a[0]) for a in amounts}
    assert any("5-10亿元" in t for t in texts)
    assert any("25%" in t for t in texts)
    roles = {squash(a.text): a.role for _, m in real_kb.measures.values() for a in m.amounts}
    assert roles["5-10亿元"] == "fund_size"  # the sub-fund's size, not what a company gets
    assert roles["25%"] != "benefit"  # the province urges cities to grant it; no company is entitled to it
    # The seed and VC funds' loss tolerances govern the funds' managers: stated in the offer, not an amount.
    _, tolerance = real_kb.measures["nansha.fund-loss-tolerance"]
    assert "50%" in tolerance.offer_zh and "30%" in tolerance.offer_zh and not tolerance.amounts
    conds = [c for _, m in real_kb.measures.values() for c in m.conditions if c.field == "revenue_cny"]
    assert any(c.min == 10_000_000 and c.max == 20_000_000 for c in conds)


def test_stats_cli_reports_no_gaps() -> None:
    res = CliRunner().invoke(main, ["kb", "stats"])
    assert res.exit_code == 0, res.output
    assert "Every section that carries a measure is cited." in res.output


def test_validate_cli_passes_on_real_data() -> None:
    res = CliRunner().invoke(main, ["kb", "validate"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("ok: 5 documents")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_location_profiles_survive_dump_and_load(real_kb: KnowledgeBase, data: st.DataObject) -> None:
    loc = data.draw(st.sampled_from(sorted(real_kb.locations.values(), key=lambda x: x.id)))
    again = Location.model_validate(yaml.safe_load(dump_location(loc)))
    assert again == loc


def test_gba_only_measures_reach_the_mainland_gba_cities_and_not_yunfu(real_kb: KnowledgeBase) -> None:
    assert {c.id for c in real_kb.children("gba-mainland")} == GBA_CITIES
    assert real_kb.locations["yunfu"].parent == "guangdong"
    gba_only = [
        "gba-mainland.hk-macau-mah-recruitment",
        "gba-mainland.hk-macau-products-reimbursement",
        "gba-mainland.hk-macau-foreign-medics",
        "gba-mainland.hk-macau-drugs-devices-designated-hospitals",
        "gba-mainland.drug-device-connect-expansion",
    ]
    yunfu = {m.id for _, m in real_kb.measures_for("yunfu")}
    zhaoqing_park = {m.id for _, m in real_kb.measures_for("zq-deqing-nanyao-park")}
    for mid in gba_only:
        assert mid not in yunfu and mid in zhaoqing_park, mid


def test_places_the_issue_names_are_where_their_text_puts_them(real_kb: KnowledgeBase) -> None:
    where = {m.id: loc.id for loc, m in real_kb.measures.values()}
    assert where["guangzhou.tcm-dampness-state-key-lab"] == "guangzhou"
    assert where["nansha.gba-precision-medicine-institute"] == "nansha"
    assert where["gz-gdd.new-huangpu-tcm-institute"] == "gz-gdd"
    assert where["sz-china-israel-park.precision-medicine-cooperation"] == "sz-china-israel-park"
    assert where["ns-hkust-gz-transfer-base.tech-transfer-hq-base"] == "ns-hkust-gz-transfer-base"
    gaoyao, deqing = (real_kb.locations[i].coordinates for i in ("zq-gaoyao-nanyao-park", "zq-deqing-nanyao-park"))
    km = 111 * math.hypot(gaoyao.lat - deqing.lat, (gaoyao.lon - deqing.lon) * math.cos(math.radians(23)))
    assert km > 50  # two parks, each on its own county, not one point between them


def test_goals_urgings_and_named_projects_are_not_offers(real_kb: KnowledgeBase) -> None:
    modality = {m.id: m.modality for _, m in real_kb.measures.values()}
    assert modality["nansha.biomed-carrier-target-2024"] == "target"
    assert modality["hengqin.two-quality-firms"] == "target"
    assert modality["guangdong.rd-super-deduction-top-up"] == "encouragement"
    for named in (
        "guangdong.named-project-landing-services",
        "hengqin.zhihe-life-science-centre",
        "guangdong.livzon-xinhua-projects",
        "guangzhou.beigene-new-plant",
    ):
        assert modality[named] == "task", named
    usable = [m for _, m in real_kb.measures.values() if m.usable]
    assert len(usable) > 150
    assert all(a.role != "benefit" for _, m in real_kb.measures.values() if not m.usable for a in m.amounts)


def test_fixed_kinds_conditions_and_sectors(real_kb: KnowledgeBase) -> None:
    _, lead = real_kb.measures["guangdong.leading-enterprise-support"]
    assert lead.kind == "service" and "grants" not in lead.needs
    _, mnc = real_kb.measures["guangdong.mnc-through-train"]
    assert {"multinational", "research_institute"} <= set(mnc.conditions[0].values)
    sectors = {m.id: set(m.sectors) for _, m in real_kb.measures.values()}
    assert "biopharma" in sectors["nansha.gcp-sites-multicentre-trials"]
    for mid in (
        "guangdong.innovative-product-procurement",
        "zhuhai.drug-device-approval-pilots",
        "guangdong.vbp-payment-standard-coordination",
    ):
        assert "all" not in sectors[mid], mid


def test_a_one_off_call_ends_with_its_year_not_its_document(real_kb: KnowledgeBase) -> None:
    _, call = real_kb.measures["guangdong.pearl-river-talent-health"]
    mid_2022 = dt.date(2022, 6, 1)
    assert real_kb.sources[call.source.doc].source.status(mid_2022) == "in_force"
    assert real_kb.status_of(call, mid_2022) == "ended"
    _, target = real_kb.measures["nansha.biomed-carrier-target-2024"]
    assert real_kb.status_of(target, dt.date(2026, 11, 29)) == "ended"  # Nansha's document is still in force
