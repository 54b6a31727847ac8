"""Killed with SIGKILL mid-run and started again with the same arguments, the batch resumes: no row lost or doubled."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from matcher.batch.synth import descriptions, write_csv
from matcher.kb import KnowledgeBase


def test_kill_9_then_resume(tmp_path: Path, real_kb: KnowledgeBase) -> None:
    rows = descriptions(real_kb.taxonomy, 3000, seed=11)
    src = tmp_path / "list.csv"
    write_csv(src, rows, encoding="gbk")
    out = tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "matcher", "batch", str(src), "-o", str(out), "--cache", str(tmp_path / "cache")]
    ckpt = out.with_name(out.name + ".partial.jsonl")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if ckpt.exists() and ckpt.read_text(encoding="utf-8").count("\n") > 300:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; give it more rows"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = ckpt.read_text(encoding="utf-8").count("\n") - 1
    assert 0 < done_before < len(rows) and not out.exists()

    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert f"resuming: {done_before}" in res.stderr or "resuming:" in res.stderr
    with out.open(encoding="utf-8-sig") as f:
        scored = [int(r["row"]) for r in csv.DictReader(f)]
    with out.with_name("out.errors.csv").open(encoding="utf-8-sig") as f:
        errors = [int(r["row"]) for r in csv.DictReader(f)]
    everything = scored + errors
    assert len(everything) == len(set(everything)) == len(rows)
    assert sorted(everything) == list(range(2, len(rows) + 2))
    assert not ckpt.exists()
