"""Adding and withdrawing a whole document: one validated change, all or nothing, with the record kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from matcher.cli import main
from matcher.kb import load_kb
from matcher.kb.documents import _Writes, add_document, withdraw_document, withdrawn
from matcher.kb.manifest_file import append_entry, remove_entry

TEXT = "示例区生物医药若干措施（2026—2028年）\n\n一、支持创新\n\n（一）对新落户的细胞治疗企业，给予最高200万元奖励。\n"
ENTRY: dict[str, Any] = {
    "id": "demo-doc-2",
    "file": "demo-doc-2.txt",
    "title": "示例区生物医药若干措施（2026—2028年）",
    "title_en": "Demo district biomedicine measures (2026–2028)",
    "issuer": "示例市",
    "level": "city",
    "location": "demo-city",
    "period": {"start": dt.date(2026, 1, 1), "end": dt.date(2028, 12, 31), "text": "2026—2028年"},
}
MEASURE: dict[str, Any] = {
    "location": "demo-park",
    "id": "demo-park.landing-award",
    "kind": "fund",
    "modality": "offer",
    "sectors": ["cell-gene-therapy"],
    "needs": ["funding_growth"],
    "title_zh": "细胞治疗企业落户奖励",
    "title_en": "Landing award for cell-therapy firms",
    "offer_zh": "对新落户的细胞治疗企业给予最高200万元奖励。",
    "offer_en": "Up to CNY 2 million for cell-therapy firms that land.",
    "amounts": [
        {"label_zh": "奖励", "label_en": "award", "role": "benefit", "text": "最高200万元", "max": 2e6, "unit": "CNY"}
    ],
    "source": {"doc": "demo-doc-2", "section": "一、（一）", "quote": "对新落户的细胞治疗企业，给予最高200万元奖励。"},
    "review": {"status": "accepted", "span": [0, 1]},
}
NEW_PLACE: dict[str, Any] = {
    "id": "demo-park-2",
    "name_zh": "示例二园",
    "name_en": "Demo Park Two",
    "level": "park",
    "parent": "demo-city",
    "coordinates": {"lat": 22.7, "lon": 114.1, "precision": "approximate"},
}


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_document_is_added_whole_and_withdrawn_with_a_record(mini_kb: Path) -> None:
    before = files(mini_kb)
    moved = {**MEASURE, "location": "demo-park-2", "id": "demo-park-2.landing-award"}
    change = add_document(mini_kb, entry=ENTRY, text=TEXT, measures=[MEASURE, moved], new_locations=[NEW_PLACE])
    assert change.issues == []
    assert dict(change.added) == {"demo-park": 1, "demo-park-2": 1} and change.new_locations == ["demo-park-2"]
    assert change.kb_hash_before != change.kb_hash_after
    kb = load_kb(mini_kb)
    assert kb.sources["demo-doc-2"].text == TEXT
    assert kb.measures["demo-park.landing-award"][1].amounts[0].max == 2e6
    assert kb.locations["demo-park-2"].measures[0].id == "demo-park-2.landing-award"
    # The manifest keeps every earlier line; the entry is appended in the file's style.
    manifest = (mini_kb / "sources" / "manifest.yaml").read_text(encoding="utf-8")
    assert manifest.startswith(before["sources/manifest.yaml"].decode().rstrip("\n"))
    assert "- id: demo-doc-2\n  file: demo-doc-2.txt\n" in manifest

    change = withdraw_document(mini_kb, "demo-doc-2", by="analyst", reason="superseded", when=dt.date(2027, 3, 1))
    assert change.issues == []
    assert dict(change.removed) == {"demo-park": 1, "demo-park-2": 1}
    assert [d["id"] for d in withdrawn(mini_kb)] == ["demo-doc-2"]
    assert withdrawn(mini_kb)[0] | {"measures": 2} == {
        "id": "demo-doc-2",
        "title": ENTRY["title"],
        "file": "demo-doc-2.txt",
        "withdrawn": dt.date(2027, 3, 1),
        "by": "analyst",
        "reason": "superseded",
        "measures": 2,
    }
    after = files(mini_kb)
    # Back to where it was, but for the record, the new place (kept, now without measures) and nothing else.
    assert after["sources/manifest.yaml"] == before["sources/manifest.yaml"]
    assert yaml.safe_load(after["parks/demo-park.yaml"]) == {
        **yaml.safe_load(before["parks/demo-park.yaml"]),
        "focus_sectors": [],
    }
    assert set(after) - set(before) == {"sources/withdrawn.yaml", "parks/demo-park-2.yaml"}
    assert "sources/demo-doc-2.txt" not in after


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            {"measures": [{**MEASURE, "source": {**MEASURE["source"], "quote": "给予最高300万元奖励"}}]},
            "quote",
            "verbatim",
        ),
        ({"entry": {**ENTRY, "id": "demo-doc"}}, "id", "already in the knowledge base"),
        ({"entry": {**ENTRY, "file": "../doc.txt"}}, "file", "plain file name"),
        ({"entry": {**ENTRY, "file": "doc.txt"}}, "file", "another document's file"),
        ({"entry": {**ENTRY, "level": "town"}}, "level", "Input should be"),
        ({"measures": [{**MEASURE, "location": "nowhere"}]}, "location", "unknown location 'nowhere'"),
        ({"new_locations": [{**NEW_PLACE, "id": "demo-park"}]}, "id", "already exists"),
        ({"measures": [{**MEASURE, "modality": "target"}]}, "role", "a benefit belongs to an offer"),
    ],
)
def test_a_bad_document_writes_nothing(mini_kb: Path, change: dict[str, Any], where: str, message: str) -> None:
    before = files(mini_kb)
    args: dict[str, Any] = {"entry": ENTRY, "text": TEXT, "measures": [MEASURE], **change}
    res = add_document(mini_kb, **args)
    assert any(where in i.field and message in i.message for i in res.issues), res.issues
    assert files(mini_kb) == before


def test_a_rejected_item_is_not_imported_and_dry_run_writes_nothing(mini_kb: Path) -> None:
    before = files(mini_kb)
    rejected = {**MEASURE, "id": "demo-park.other", "review": {"status": "rejected"}, "kind": "no-such-kind"}
    res = add_document(mini_kb, entry=ENTRY, text=TEXT, measures=[MEASURE, rejected], dry_run=True)
    assert res.issues == [] and dict(res.added) == {"demo-park": 1}
    assert files(mini_kb) == before


def test_a_withdrawal_needs_a_reason_and_a_known_document(mini_kb: Path) -> None:
    before = files(mini_kb)
    assert "say why" in withdraw_document(mini_kb, "demo-doc", by="a", reason=" ").issues[0].message
    assert "no document 'x'" in withdraw_document(mini_kb, "x", by="a", reason="r").issues[0].message
    assert withdraw_document(mini_kb, "demo-doc", by="a", reason="r", dry_run=True).removed["demo-park"] == 1
    assert files(mini_kb) == before


def test_writes_roll_back_when_one_fails(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b"
    a.write_text("old a", encoding="utf-8")
    b.mkdir()  # replacing a folder with a file fails
    w = _Writes()
    w.write(a, "new a")
    w.write(b, "new b")
    with pytest.raises(OSError):
        w.apply()
    assert a.read_text(encoding="utf-8") == "old a"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_manifest_entries_round_trip_as_text() -> None:
    text = "# header\n\n- id: a\n  file: a.txt\n\n- id: b\n  file: b.txt\n  parts:\n    - label: x\n"
    assert remove_entry(text, "a") == "# header\n\n- id: b\n  file: b.txt\n  parts:\n    - label: x\n"
    assert append_entry(remove_entry(text, "b"), {"id": "b", "file": "b.txt", "parts": [{"label": "x"}]}) == text
    with pytest.raises(KeyError):
        remove_entry(text, "c")


def test_cli_import_adds_a_new_document_with_its_manifest_and_text(mini_kb: Path, tmp_path: Path) -> None:
    staging = tmp_path / "new.yaml"
    staging.write_text(yaml.safe_dump([MEASURE], allow_unicode=True), encoding="utf-8")
    entry = {**ENTRY, "title_en": "TODO: English title"}
    (tmp_path / "new.manifest.yaml").write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    run = CliRunner().invoke
    res = run(main, ["kb", "import", "--data", str(mini_kb), str(staging)])
    assert res.exit_code == 1 and "title_en: write the English title" in res.output
    (tmp_path / "new.manifest.yaml").write_text(yaml.safe_dump([ENTRY], allow_unicode=True), encoding="utf-8")
    res = run(main, ["kb", "import", "--data", str(mini_kb), str(staging)])
    assert res.exit_code == 1 and "demo-doc-2.txt is missing; pass --text" in res.output
    (tmp_path / "demo-doc-2.txt").write_text(TEXT, encoding="utf-8")
    res = run(main, ["kb", "import", "--data", str(mini_kb), str(staging)])
    assert res.exit_code == 0, res.output
    assert "added 1 measures: demo-park +1" in res.output
    assert load_kb(mini_kb).sources["demo-doc-2"].source.title_en == ENTRY["title_en"]
    res = run(main, ["kb", "withdraw", "--data", str(mini_kb), "demo-doc-2", "--reason", "superseded", "--by", "me"])
    assert res.exit_code == 0 and "removed demo-doc-2: 1 measures (demo-park -1)" in res.output
    assert withdrawn(mini_kb)[0]["by"] == "me"
