"""`matcher kb validate` on a valid fixture and on one broken fixture per error kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.cli import main


def run_validate(root: Path) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["kb", "validate", "--data", str(root)])
    return res.exit_code, res.output


def edit(path: Path, old: str | tuple[str, ...], new: str | tuple[str, ...]) -> None:
    """Replace `old` by `new` once; tuples make several edits to the same file."""
    olds, news = (old, new) if isinstance(old, tuple) and isinstance(new, tuple) else ((old,), (new,))
    text = path.read_text(encoding="utf-8")
    for o, n in zip(olds, news, strict=True):
        assert o in text, f"fixture no longer contains {o!r}"
        text = text.replace(o, n, 1)
    path.write_text(text, encoding="utf-8")


def test_valid_fixture_passes(mini_kb: Path) -> None:
    code, out = run_validate(mini_kb)
    assert code == 0, out
    assert "4 measures" in out


BROKEN = {
    # name: (file, old, new, expected "file: field: message" pattern)
    "quote not verbatim": (
        "parks/demo-city.yaml",
        "quote: 重点发展细胞治疗。",
        "quote: 重点发展干细胞治疗。",
        r"demo-city\.yaml: measures\[0\] \(demo-city\.cgt-focus\)\.source\.quote: quote not found verbatim",
    ),
    "quote in the wrong section": (
        "parks/demo-city.yaml",
        "section: 二、（一）, quote: 重点发展细胞治疗。",
        "section: 二、（二）, quote: 重点发展细胞治疗。",
        r"source\.quote: quote is in 'demo-doc' but not in section '二、（二）'",
    ),
    "unknown section": (
        "parks/demo-city.yaml",
        "section: 二、（一）, quote: 重点发展细胞治疗。",
        "section: 三、（一）, quote: 重点发展细胞治疗。",
        r"source\.section: document 'demo-doc' has no section '三、（一）'",
    ),
    "unknown sector": (
        "parks/demo-park.yaml",
        "sectors: [cell-gene-therapy, cdmo-cmo]",
        "sectors: [cell-gene-therapy, quantum-widgets]",
        r"demo-park\.yaml: measures\[0\] \(demo-park\.vector-cdmo\)\.sectors: unknown sector 'quantum-widgets'",
    ),
    "unknown kind": (
        "parks/demo-park.yaml",
        "kind: platform",
        "kind: free_lunch",
        r"demo-park\.yaml: measures\[0\] \(demo-park\.vector-cdmo\)\.kind: unknown incentive kind 'free_lunch'",
    ),
    "unknown need": (
        "parks/demo-park.yaml",
        "needs: [pilot_cdmo]",
        "needs: [time_machine]",
        r"\.needs: unknown need 'time_machine'",
    ),
    "duplicate measure id": (
        "parks/demo-city.yaml",
        "id: demo-city.fund",
        "id: demo-city.cgt-focus",
        r"demo-city\.yaml: measures\[1\] \(demo-city\.cgt-focus\)\.id: duplicate measure id",
    ),
    "broken parent": (
        "parks/demo-park.yaml",
        "parent: demo-city",
        "parent: atlantis",
        r"demo-park\.yaml: parent: unknown parent 'atlantis'",
    ),
    "parent below child": (
        "parks/demo-city.yaml",
        "parent: demo-region",
        "parent: demo-park",
        r"demo-city\.yaml: parent: parent 'demo-park' is a park, not above a city",
    ),
    "coordinates outside Guangdong": (
        "parks/demo-park.yaml",
        "lat: 22.6, lon: 114.0",
        "lat: 39.9, lon: 116.4",
        r"demo-park\.yaml: coordinates: \(39\.9, 116\.4\) is outside Guangdong",
    ),
    "missing source document": (
        "parks/demo-park.yaml",
        "doc: demo-doc",
        "doc: lost-doc",
        r"demo-park\.yaml: measures\[0\] \(demo-park\.vector-cdmo\)\.source\.doc: unknown source document 'lost-doc'",
    ),
    "missing source file": (
        "sources/manifest.yaml",
        "file: doc.txt",
        "file: gone.txt",
        r"manifest\.yaml: sources\[0\]\.file: source file 'gone\.txt' not found",
    ),
    "wrong field type": (
        "parks/demo-park.yaml",
        "lat: 22.6",
        "lat: north",
        r"demo-park\.yaml: coordinates\.lat: Input should be a valid number",
    ),
    "amount not in quote": (
        "parks/demo-city.yaml",
        "text: 5-10亿元",
        "text: 50亿元",
        r"demo-city\.yaml: measures\[1\] \(demo-city\.fund\)\.amounts\[0\]\.text: not a fragment of the measure",
    ),
    "unbacked focus sector": (
        "parks/demo-city.yaml",
        "focus_sectors: [cell-gene-therapy]",
        "focus_sectors: [cdmo-cmo]",
        r"demo-city\.yaml: focus_sectors: 'cdmo-cmo' is not backed",
    ),
    "missing modality": (
        "parks/demo-park.yaml",
        "    modality: resource\n",
        "",
        r"demo-park\.yaml: measures\[0\]\.modality: Field required",
    ),
    "unknown modality": (
        "parks/demo-park.yaml",
        "modality: resource",
        "modality: promise",
        r"demo-park\.yaml: measures\[0\]\.modality: Input should be 'offer', 'resource'",
    ),
    "a target answers a need": (
        "parks/demo-park.yaml",
        "modality: resource",
        "modality: target",
        r"measures\[0\] \(demo-park\.vector-cdmo\)\.needs: a target answers no need",
    ),
    "an orientation answers a need": (
        "parks/demo-city.yaml",
        "    sectors: [cell-gene-therapy]\n",
        "    sectors: [cell-gene-therapy]\n    needs: [funding_growth]\n",
        r"measures\[0\] \(demo-city\.cgt-focus\)\.needs: an orientation answers no need",
    ),
    "a benefit on a resource": (
        "parks/demo-city.yaml",
        ("modality: offer", "role: fund_size"),
        ("modality: resource", "role: benefit"),
        r"measures\[1\] \(demo-city\.fund\)\.amounts\[0\]\.role: a benefit belongs to an offer, not to a resource",
    ),
    "amount without a role": (
        "parks/demo-city.yaml",
        "role: fund_size, ",
        "",
        r"demo-city\.yaml: measures\[1\]\.amounts\[0\]\.role: Field required",
    ),
    "measure dates outside the document": (
        "parks/demo-city.yaml",
        "valid: {end: 2022-12-31",
        "valid: {end: 2027-12-31",
        r"measures\[2\] \(demo-city\.space-target\)\.valid: 2027-12-31 lies outside the document's period",
    ),
    "measure date words not in the quote": (
        "parks/demo-city.yaml",
        "text: 2022年}",
        "text: 2023年}",
        r"\(demo-city\.space-target\)\.valid\.text: not a fragment of the measure's citations",
    ),
    "override without need": (
        "parks/demo-city.yaml",
        "text: 2022年}",
        "text: 2022年, beyond_document: 2022年}",
        r"\(demo-city\.space-target\)\.valid\.beyond_document: the dates lie inside the document's period",
    ),
    "override not in the quote": (
        "parks/demo-city.yaml",
        "valid: {end: 2022-12-31, text: 2022年}",
        "valid: {end: 2027-12-31, text: 2022年, beyond_document: 十四五期间}",
        r"\(demo-city\.space-target\)\.valid\.beyond_document: not a fragment of the measure's citations",
    ),
    "region under a city": (
        "parks/demo-region.yaml",
        "parent: demo-province",
        "parent: demo-city",
        r"demo-region\.yaml: parent: parent 'demo-city' is a city, not above a region",
    ),
    "location id differs from file": (
        "parks/demo-park.yaml",
        "id: demo-park\n",
        "id: other-park\n",
        r"demo-park\.yaml: id: id 'other-park' does not match the file name",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_error_kind_is_reported_with_file_and_field(mini_kb: Path, name: str) -> None:
    file, old, new, pattern = BROKEN[name]
    edit(mini_kb / file, old, new)
    code, out = run_validate(mini_kb)
    assert code == 1
    assert re.search(pattern, out), out


def test_duplicate_location_id_across_files(mini_kb: Path) -> None:
    (mini_kb / "parks" / "demo-park-copy.yaml").write_text(
        (mini_kb / "parks" / "demo-park.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, out = run_validate(mini_kb)
    assert code == 1
    assert "duplicate location id 'demo-park'" in out


def test_invalid_yaml_names_the_file(mini_kb: Path) -> None:
    (mini_kb / "parks" / "demo-park.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    code, out = run_validate(mini_kb)
    assert code == 1
    assert re.search(r"demo-park\.yaml: -: invalid YAML", out), out
