"""Killed with SIGKILL mid-run and started again with the same arguments, the batch resumes: no row lost or doubled.

The kill-and-resume runs a separate process on a few hundred rows with the fake encoder (a pause between chunks
gives the kill its moment); the real model scores a small list once through the CLI with the session's engine."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher import Matcher
from matcher.batch.synth import descriptions, write_csv
from matcher.kb import KnowledgeBase

JOB = """
import sys, time
from pathlib import Path
from matcher import Matcher
from matcher.batch.job import prepare_file, score_file
from matcher.batch.run import BatchOptions
from matcher.kb import default_data_dir, load_kb
from tests.fakes import HashEncoder

src, out, cache, pause = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
m = Matcher(load_kb(default_data_dir()), HashEncoder())
prepared = prepare_file(src, {})
res = score_file(m, src, prepared, out, out.with_name("out.errors.csv"), BatchOptions(top=2), cache,
                 progress=lambda n: time.sleep(pause), on_start=lambda r: print(f"resuming: {r}", file=sys.stderr))
print(f"done {res.scored} {res.errors} resumed {res.resumed}", file=sys.stderr)
"""
ROOT = Path(__file__).resolve().parents[2]


def rows_of(path: Path) -> list[int]:
    with path.open(encoding="utf-8-sig") as f:
        return [int(r["row"]) for r in csv.DictReader(f)]


def test_kill_9_then_resume(tmp_path: Path, real_kb: KnowledgeBase) -> None:
    rows = descriptions(real_kb.taxonomy, 700, seed=11)
    src = tmp_path / "list.csv"
    write_csv(src, rows, encoding="gbk")
    out = tmp_path / "out.csv"
    cmd = [sys.executable, "-c", JOB, str(src), str(out), str(tmp_path / "cache")]
    ckpt = out.with_name(out.name + ".partial.jsonl")
    proc = subprocess.Popen([*cmd, "2.0"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if ckpt.exists() and ckpt.read_text(encoding="utf-8").count("\n") > 256:  # the first chunk is fsynced
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "finished before the kill"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = ckpt.read_text(encoding="utf-8").count("\n") - 1
    assert 0 < done_before < len(rows) and not out.exists()

    res = subprocess.run([*cmd, "0"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"resuming: {done_before}" in res.stderr
    everything = rows_of(out) + rows_of(out.with_name("out.errors.csv"))
    assert len(everything) == len(set(everything)) == len(rows)
    assert sorted(everything) == list(range(2, len(rows) + 2))
    assert not ckpt.exists()


def test_cli_scores_a_gbk_list_with_the_real_model(
    tmp_path: Path, real_kb: KnowledgeBase, real_matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matcher.cli

    monkeypatch.setattr(matcher.cli, "_matcher", lambda *a: real_matcher)
    rows = descriptions(real_kb.taxonomy, 60, seed=5)
    src = tmp_path / "list.csv"
    write_csv(src, rows, encoding="gbk")
    out = tmp_path / "ranked.csv"
    res = CliRunner().invoke(matcher.cli.main, ["batch", str(src), "-o", str(out), "--top", "2"])
    assert res.exit_code == 0, res.output
    assert "60 rows (gbk/gb18030)" in res.output
    scored, errors = rows_of(out), rows_of(tmp_path / "ranked.errors.csv")
    assert sorted(scored + errors) == list(range(2, 62))
    with out.open(encoding="utf-8-sig") as f:
        first = next(csv.DictReader(f))
    assert first["location_1"] in real_matcher.candidates
