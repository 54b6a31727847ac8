"""Records the engine's behaviour as a golden file: `python -m tests.golden.record` (see tests/test_golden.py).

For every labelled prospect (with its structured fields) and 300 synthetic descriptions: the full ranked order
with scores and components, the evidence and incentive measures of the top five, and the batch rows (top 3 and
`--for nansha`) the list path writes. Regenerate only in a change that moves rankings on purpose, and say why in
the commit message.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

from matcher import Matcher
from matcher.batch.synth import descriptions
from matcher.eval import load_prospects
from matcher.kb import default_data_dir
from matcher.prospect import Prospect

AS_OF = dt.date(2026, 11, 23)
PATH = Path(__file__).parent / "rankings.json.gz"
N_SYNTH = 300


def cases(m: Matcher) -> list[tuple[str, Prospect]]:
    labelled = load_prospects(default_data_dir() / "companies" / "prospects.yaml")
    out = [(it.id, it.prospect()) for it in labelled]
    out += [(f"s{k:03}", Prospect(text=t)) for k, (_, t) in enumerate(descriptions(m.kb.taxonomy, N_SYNTH, seed=11))]
    return out


def ranking_record(m: Matcher, p: Prospect) -> dict[str, Any]:
    r = m.match(p, top_k=len(m.candidates), as_of=AS_OF)
    return {
        "order": [x.location_id for x in r.matches],
        "score": [x.score for x in r.matches],
        "components": [[x.components.sector, x.components.incentive, x.components.validity] for x in r.matches],
        "fit": [x.fit for x in r.matches],
        "also_in": {x.location_id: x.also_in for x in r.matches if x.also_in},
        "evidence": [[e.measure_id for e in x.evidence] for x in r.matches[:5]],
        "incentives": [[(i.measure_id, i.eligibility) for i in x.incentives] for x in r.matches[:5]],
        "reason": [x.reason for x in r.matches[:3]],
    }


def batch_records(m: Matcher, items: list[tuple[str, Prospect]]) -> dict[str, Any]:
    """What the list path stores per row, for all places (top 3) and for one place."""
    import tempfile

    from matcher.batch.checkpoint import Checkpoint
    from matcher.batch.columns import Columns
    from matcher.batch.read import Table
    from matcher.batch.run import BatchOptions, run_batch
    from matcher.batch.store import EmbeddingStore

    rows = [(k + 2, {"name": cid, "description": p.text}) for k, (cid, p) in enumerate(items)]
    table = Table(["name", "description"], rows, "utf-8", [])
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, loc in (("top3", None), ("for-nansha", "nansha")):
            ck = Checkpoint(Path(tmp) / f"{label}.jsonl", "golden")
            opts = BatchOptions(top=3, location=loc, as_of=AS_OF)
            recs = run_batch(
                m, table, Columns(name="name", text="description"), opts, ck, EmbeddingStore(m.encoder, "x", None)
            )
            out[label] = {r.name: r.result for r in recs}
            ck.close(remove=True)
    return out


def record(m: Matcher) -> dict[str, Any]:
    items = cases(m)
    return {
        "as_of": AS_OF.isoformat(),
        "kb_hash": m.kb.content_hash,
        "rankings": {cid: ranking_record(m, p) for cid, p in items},
        "batch": batch_records(m, items[-N_SYNTH:]),
    }


def main() -> None:
    m = Matcher.load()
    doc = record(m)
    with gzip.open(PATH, "wt", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, sort_keys=True)
    print(f"wrote {PATH} ({len(doc['rankings'])} prospects, kb {doc['kb_hash']})")


if __name__ == "__main__":
    main()
