"""The whole extraction on a small document: proposals, manifest, staging YAML that imports, and refusals."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from matcher.kb import KnowledgeBase, load_kb
from matcher.kb.extract import (
    Extraction,
    ExtractOptions,
    Extractor,
    NoSectionNumbering,
    NotPolicyDocument,
    dump_manifest,
    read_bytes,
    staging_item,
    write_outputs,
)
from matcher.kb.extract.classify import train
from matcher.kb.extract.training import curated_docs
from matcher.kb.imports import import_measures

from .docs import POLICY


@pytest.fixture(scope="module")
def kb2(two_doc_kb: Path) -> KnowledgeBase:
    return load_kb(two_doc_kb)


@pytest.fixture(scope="module")
def extractor(kb2: KnowledgeBase) -> Extractor:
    return Extractor(kb2)


@pytest.fixture(scope="module")
def extraction(extractor: Extractor) -> Extraction:
    stages: list[tuple[str, float]] = []
    ex = extractor.run(
        read_bytes(POLICY.encode(), "hp.txt"),
        "hp.txt",
        ExtractOptions(doc_id="hp-2026"),
        lambda s, f: stages.append((s, f)),
    )
    assert [s for s, _ in stages] == ["segment", "classify", "fields", "skipped", "done"]
    assert [f for _, f in stages] == sorted(f for _, f in stages)
    return ex


def test_quotes_are_verbatim_spans_in_their_sections(extraction: Extraction) -> None:
    assert extraction.proposals
    for p in extraction.proposals:
        assert extraction.text[p.start : p.end] == p.quote
        assert p.section.startswith(("一、", "二、"))
        assert set(p.confidence) >= {"quote", "kind", "modality", "sectors", "location"}


def test_the_subsidy_clause_is_proposed_with_its_amounts(extraction: Extraction) -> None:
    (p,) = [p for p in extraction.proposals if "最高500万元" in p.quote]
    assert p.section == "一、（一）"
    assert [(a.text, a.min, a.max, a.unit, a.role) for a in p.amounts] == [
        ("20%", 20.0, 20.0, "percent", "benefit"),
        ("最高500万元", None, 5_000_000.0, "CNY", "benefit"),
    ]
    assert p.location == "gz-gdd"  # the title names 黄埔区, an alias of the Guangzhou Development District
    assert p.doc == "hp-2026" and p.id.startswith("gz-gdd.")
    assert p.title_en and p.offer_en.endswith("[machine draft: rewrite from the quote]")


def test_the_coordination_section_is_skipped_with_a_reason(extraction: Extraction) -> None:
    skipped = {s.section: s.reason for s in extraction.skipped}
    assert skipped["二、（一）"].startswith("internal organisation and coordination")


def test_manifest_entry(extraction: Extraction) -> None:
    m = extraction.manifest
    assert m.title.value == "广州市黄埔区促进生物医药产业发展若干措施（2026—2028年）"
    assert m.period.value == {"start": dt.date(2026, 1, 1), "end": dt.date(2028, 12, 31), "text": "2026—2028年"}
    assert (m.location.value, m.level.value) == ("gz-gdd", "district")
    assert m.doc_number.value is None and m.issued.value is None
    assert 0 < m.title.confidence <= 1


def test_manifest_period_from_the_effective_date_and_term(extractor: Extractor) -> None:
    text = POLICY.replace("（2026—2028年）", "")
    ex = extractor.run(read_bytes(text.encode(), "p.txt"), "p.txt", ExtractOptions(doc_id="x"))
    assert ex.manifest.period.value == {
        "start": dt.date(2026, 1, 1),
        "end": dt.date(2028, 12, 31),
        "text": "自2026年1月1日起施行；有效期3年",
    }


def test_staging_imports_after_the_analyst_adds_the_source(
    extraction: Extraction, two_doc_kb: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(two_doc_kb, data)
    staging = tmp_path / "hp.yaml"
    written = write_outputs(extraction, staging)
    assert [p.name for p in written] == ["hp.yaml", "hp.manifest.yaml", "hp-2026.txt"]
    # The analyst's steps: the text to data/sources/, the manifest entry (with an English title) to the manifest.
    shutil.copy(written[2], data / "sources" / "hp-2026.txt")
    (entry,) = yaml.safe_load(written[1].read_text(encoding="utf-8"))
    entry["title_en"] = "Huangpu biomedicine measures (2026–2028)"
    man = data / "sources" / "manifest.yaml"
    man.write_text(man.read_text(encoding="utf-8") + yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    items = yaml.safe_load(staging.read_text(encoding="utf-8"))
    assert all(i["review"]["status"] == "pending" for i in items)
    items[-1]["review"]["status"] = "rejected"
    staging.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    res = import_measures(data, staging)
    assert res.issues == []
    assert sum(res.added.values()) == len(items) - 1
    kb = load_kb(data)
    assert {m.id for m in kb.locations["gz-gdd"].measures} >= {i["id"] for i in items[:-1]}


def test_staging_item_keeps_planned_fields_for_review(extraction: Extraction) -> None:
    (p,) = [p for p in extraction.proposals if "最高500万元" in p.quote]
    item = staging_item(p)
    assert item["location"] == "gz-gdd" and item["source"]["quote"] == p.quote
    assert item["review"]["span"] == [p.start, p.end]
    # Until the measure model has modality and amount roles, they travel under review.proposed.
    proposed = item["review"].get("proposed", {})
    assert item.get("modality", proposed.get("modality")) == p.modality
    assert "no_measures" in yaml.safe_load(dump_manifest(extraction))[0]


def test_a_text_that_is_not_a_policy_document(extractor: Extractor) -> None:
    doc = read_bytes(b"Quarterly sales report. Revenue grew 4% in Q3. " * 20, "report.txt")
    with pytest.raises(NotPolicyDocument, match="only 0% of its characters are Chinese"):
        extractor.run(doc, "report.txt", ExtractOptions(doc_id="x"))
    novel = read_bytes(("他走进房间，看见窗外的雨。她笑了笑，没有说话。" * 20).encode(), "novel.txt")
    with pytest.raises(NotPolicyDocument, match="does not read as a policy document"):
        extractor.run(novel, "novel.txt", ExtractOptions(doc_id="x"))


def test_a_document_with_no_section_numbering(extractor: Extractor) -> None:
    text = (
        "关于支持生物医药企业发展的通知\n为推动产业发展，支持企业建设研发平台，鼓励引进人才，加快落实各项政策措施。\n"
    )
    doc = read_bytes(text.encode(), "flat.txt")
    with pytest.raises(NoSectionNumbering, match="no recognisable section numbering"):
        extractor.run(doc, "flat.txt", ExtractOptions(doc_id="x"))
    ex = extractor.run(doc, "flat.txt", ExtractOptions(doc_id="x", allow_unnumbered=True))
    assert all(p.section == "" for p in ex.proposals)


def test_an_excluded_document_trains_nothing(kb2: KnowledgeBase) -> None:
    assert [d.doc for d in curated_docs(kb2, ["nansha-opinions"])] == ["shenzhen-cluster-2020"]
    assert train(kb2, ["nansha-opinions"]).trained_on == ["shenzhen-cluster-2020"]
    with pytest.raises(ValueError, match="no curated documents"):
        train(kb2, ["nansha-opinions", "shenzhen-cluster-2020"])
