"""`matcher kb import`: staged measures are checked whole, then appended to location files."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from matcher.cli import main
from matcher.kb import load_kb

STAGED = [
    {
        "location": "demo-park",
        "id": "demo-park.pilot-service",
        "kind": "platform",
        "modality": "resource",
        "sectors": ["cdmo-cmo"],
        "needs": ["pilot_cdmo"],
        "title_zh": "中试生产服务",
        "title_en": "Pilot production service",
        "offer_zh": "为企业提供中试生产服务。",
        "offer_en": "Pilot production services for companies.",
        "source": {"doc": "demo-doc", "section": "二、（一）", "quote": "为企业提供中试生产服务。"},
    }
]


def stage(tmp_path: Path, items: list[dict[str, object]]) -> Path:
    p = tmp_path / "staged.yaml"
    p.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    return p


def test_import_appends_and_keeps_the_kb_valid(mini_kb: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["kb", "import", "--data", str(mini_kb), str(stage(tmp_path, STAGED))])
    assert res.exit_code == 0, res.output
    assert "added 1 measures: demo-park +1" in res.output
    kb = load_kb(mini_kb)
    assert [m.id for m in kb.locations["demo-park"].measures] == ["demo-park.vector-cdmo", "demo-park.pilot-service"]


def test_dry_run_writes_nothing(mini_kb: Path, tmp_path: Path) -> None:
    before = (mini_kb / "parks" / "demo-park.yaml").read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["kb", "import", "--dry-run", "--data", str(mini_kb), str(stage(tmp_path, STAGED))])
    assert res.exit_code == 0 and "would add 1" in res.output
    assert (mini_kb / "parks" / "demo-park.yaml").read_text(encoding="utf-8") == before


def test_a_bad_quote_blocks_the_whole_import(mini_kb: Path, tmp_path: Path) -> None:
    bad = [dict(STAGED[0], source={"doc": "demo-doc", "section": "二、（一）", "quote": "提供免费厂房。"})]
    before = (mini_kb / "parks" / "demo-park.yaml").read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["kb", "import", "--data", str(mini_kb), str(stage(tmp_path, bad))])
    assert res.exit_code == 1
    assert "quote not found verbatim" in res.output and "nothing written" in res.output
    assert (mini_kb / "parks" / "demo-park.yaml").read_text(encoding="utf-8") == before


def test_unknown_location_is_reported(mini_kb: Path, tmp_path: Path) -> None:
    bad = [dict(STAGED[0], location="nowhere")]
    res = CliRunner().invoke(main, ["kb", "import", "--data", str(mini_kb), str(stage(tmp_path, bad))])
    assert res.exit_code == 1
    assert "[0].location: unknown location 'nowhere'" in res.output


def test_a_staged_goal_that_answers_a_need_is_refused(mini_kb: Path, tmp_path: Path) -> None:
    goal = [dict(STAGED[0], modality="target")]
    res = CliRunner().invoke(main, ["kb", "import", "--data", str(mini_kb), str(stage(tmp_path, goal))])
    assert res.exit_code == 1
    assert "(demo-park.pilot-service).needs: a target answers no need" in res.output, res.output
