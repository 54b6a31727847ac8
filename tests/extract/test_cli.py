"""`matcher kb extract` and `matcher kb extract-eval` through click's runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from matcher.cli import main
from matcher.kb.models import Measure

from .docs import POLICY, write_pdf


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_extract_writes_staging_manifest_and_text(two_doc_kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "hp.txt"
    src.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "out" / "hp.yaml"
    out.parent.mkdir()
    code, _, err = _run("kb", "extract", "--data", str(two_doc_kb), str(src), "--doc-id", "hp-2026", "-o", str(out))
    assert code == 0, err
    assert re.search(r"\d+ proposals \(\d+ with a field below 0\.5 confidence\), \d+ sections without one", err)
    items = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert items and all(i["source"]["doc"] == "hp-2026" for i in items)
    assert (tmp_path / "out" / "hp-2026.txt").read_text(encoding="utf-8") == POLICY
    assert "period" in yaml.safe_load((tmp_path / "out" / "hp.manifest.yaml").read_text(encoding="utf-8"))[0]


def test_extract_to_stdout(two_doc_kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "hp.txt"
    src.write_text(POLICY, encoding="utf-8")
    code, out, _ = _run("kb", "extract", "--data", str(two_doc_kb), str(src), "--doc-id", "hp-2026")
    assert code == 0
    assert out.startswith("# Proposed measures for hp-2026 from hp.txt (txt)")
    assert isinstance(yaml.safe_load(out), list)


def test_a_scanned_pdf_is_a_clear_error(two_doc_kb: Path, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "scan.pdf", scanned_pages=1)
    code, _, err = _run("kb", "extract", "--data", str(two_doc_kb), str(pdf), "--doc-id", "scan")
    assert code == 1
    assert "Error: scan.pdf: the PDF has no text layer" in err and "Traceback" not in err


def test_id_and_exclusion_checks(two_doc_kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "hp.txt"
    src.write_text(POLICY, encoding="utf-8")
    code, _, err = _run("kb", "extract", "--data", str(two_doc_kb), str(src), "--doc-id", "nansha-opinions")
    assert code == 1 and "already in the knowledge base" in err
    code, _, err = _run("kb", "extract", "--data", str(two_doc_kb), str(src), "--doc-id", "x", "--exclude-doc", "nope")
    assert code == 1 and "--exclude-doc: unknown document(s) ['nope']" in err


def test_extract_eval_on_two_documents(two_doc_kb: Path) -> None:
    code, out, _ = _run("kb", "extract-eval", "--data", str(two_doc_kb))
    rows = {ln.split()[0]: ln.split() for ln in out.splitlines() if ln.startswith(("nansha-", "shenzhen-"))}
    assert set(rows) == {"nansha-opinions", "shenzhen-cluster-2020"}
    for cols in rows.values():
        curated, proposals, recall, precision = int(cols[1]), int(cols[2]), float(cols[3]), float(cols[4])
        assert curated > 50 and proposals > 0
        assert 0.3 < recall <= 1.0 and 0.3 < precision <= 1.0  # trained on the other document only
    if "modality" not in Measure.model_fields:
        assert "[n/a] modality n/a (no labels) ≥ 0.8" in out
    assert code == (1 if "[FAIL]" in out else 0)


def test_extraction_is_json_ready(two_doc_kb: Path, tmp_path: Path) -> None:
    from matcher.kb import load_kb
    from matcher.kb.extract import ExtractOptions, Extractor, read_bytes

    ex = Extractor(load_kb(two_doc_kb)).run(read_bytes(POLICY.encode(), "hp.txt"), "hp.txt", ExtractOptions("hp"))
    data = json.loads(json.dumps(ex.to_dict(), ensure_ascii=False))
    assert data["manifest"]["period"]["start"] == "2026-01-01"
    assert {p["quote"] for p in data["proposals"]} <= set(POLICY[p["start"] : p["end"]] for p in data["proposals"])
