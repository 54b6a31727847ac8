"""Done when, CLI path: each of the five documents is withdrawn from a scratch copy of data/, extracted again from
its source file by classifiers that never saw it (its measures left with it), reviewed, and imported; the
knowledge base is then the curated one again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from matcher.cli import main
from matcher.kb import KnowledgeBase, default_data_dir, load_kb

from .reviewer import curated, review, reviewed_entry

DOCS = ("gz-action-2018", "nansha-opinions", "zhuhai-action-2020", "shenzhen-cluster-2020", "gd-cluster-2021")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(default_data_dir(), dst, ignore=shutil.ignore_patterns("companies"))
    return dst


def cli(*args: str) -> str:
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def same_except_citations_of(a: KnowledgeBase, b: KnowledgeBase, doc: str) -> None:
    """Every location has the same measures and focus; a measure of another document that also cited `doc`
    lost that citation (the import adds measures; it does not edit other documents' measures)."""
    assert a.locations.keys() == b.locations.keys()
    for lid, loc in a.locations.items():
        assert set(loc.focus_sectors) == set(b.locations[lid].focus_sectors), lid
        mine = {m.id: m for m in loc.measures}
        theirs = {m.id: m for m in b.locations[lid].measures}
        assert mine.keys() == theirs.keys(), lid
        for mid, m in mine.items():
            if m.source.doc != doc:
                m = m.model_copy(update={"also_cited": [c for c in m.also_cited if c.doc != doc]})
            assert theirs[mid] == m, mid


@pytest.mark.parametrize("doc", DOCS)
def test_a_document_goes_out_and_comes_back(doc: str, scratch: Path, real_kb: KnowledgeBase, tmp_path: Path) -> None:
    data = str(scratch)
    source = real_kb.sources[doc].source
    out = cli("kb", "withdraw", "--data", data, doc, "--reason", "round trip", "--by", "test")
    assert f"removed {doc}: {len(curated(real_kb, doc))} measures" in out
    assert doc not in load_kb(scratch).sources

    staging = tmp_path / "staging" / "staging.yaml"
    staging.parent.mkdir()
    cli(
        "kb",
        "extract",
        "--data",
        data,
        str(default_data_dir() / "sources" / source.file),
        "--doc-id",
        doc,
        "-o",
        str(staging),
    )
    proposals = yaml.safe_load(staging.read_text(encoding="utf-8"))
    text = (staging.parent / f"{doc}.txt").read_text(encoding="utf-8")
    assert text == real_kb.sources[doc].text  # the extracted text is the source, byte for byte

    # The review: proposals corrected or rejected, missed measures added, the manifest entry checked.
    rv = review(real_kb, doc, text, proposals)
    n = len(curated(real_kb, doc))
    assert rv.accepted + rv.split + rv.added == n
    assert rv.added <= 0.35 * n, f"the machine missed {rv.added} of {n} measures"
    staging.write_text(yaml.safe_dump(rv.items, allow_unicode=True, sort_keys=False), encoding="utf-8")
    entry = reviewed_entry(real_kb, doc)
    (staging.parent / "staging.manifest.yaml").write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    (staging.parent / entry["file"]).write_text(text, encoding="utf-8")

    cli("kb", "import", "--dry-run", "--data", data, str(staging))
    assert doc not in load_kb(scratch).sources
    out = cli("kb", "import", "--data", data, str(staging))
    assert f"added {n} measures" in out
    assert load_kb(scratch).sources[doc].source == source
    same_except_citations_of(real_kb, load_kb(scratch), doc)
    assert "ok: 5 documents" in cli("kb", "validate", "--data", data)
