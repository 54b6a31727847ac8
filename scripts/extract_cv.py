"""Figures for issue 16 (extraction): is kind and modality accuracy limited by one document's conventions differing
from another's, or by the labels themselves? The extractor's kind and modality classifiers, trained on the curated
measures' quote units (and, as in extraction, the curators' titles and offers), scored on the units they did not
see: each document left out in turn, then random 5-fold splits with every document mixed in.

    .venv/bin/python scripts/extract_cv.py

Scored on the units that hold the curated quotes (not on proposals), so the leave-one-document-out figures are a
little below `matcher kb extract-eval`'s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

from matcher.kb.extract.classify import _TextClassifier, augmented, candidate
from matcher.kb.extract.segment import Sample
from matcher.kb.extract.training import curated_docs
from matcher.kb.load import load_kb

FIELDS = ("kind", "modality")


def main() -> None:
    kb = load_kb(Path(__file__).resolve().parent.parent / "data")
    pairs = [(Sample(u.text, u.context), m, d.doc) for d in curated_docs(kb) for u, m in d.measure_units(candidate)]
    print(f"{len(pairs)} curated quote units in {len({d for *_, d in pairs})} documents")

    def run(name: str, folds: list[tuple[list[int], list[int]]]) -> None:
        right: dict[str, list[bool]] = {f: [] for f in FIELDS}
        for train, test in folds:
            more = augmented([(pairs[i][0], pairs[i][1]) for i in train])
            for f in FIELDS:
                clf = _TextClassifier([s for s, _ in more], [getattr(m, f) for _, m in more])
                pred = clf.predict([pairs[i][0] for i in test])
                right[f] += [p.label == getattr(pairs[i][1], f) for p, i in zip(pred, test, strict=True)]
        print(f"{name:48s} " + "  ".join(f"{f} {np.mean(right[f]):.3f}" for f in FIELDS))

    docs = sorted({d for *_, d in pairs})
    run(
        "each document left out",
        [([i for i, p in enumerate(pairs) if p[2] != d], [i for i, p in enumerate(pairs) if p[2] == d]) for d in docs],
    )
    for seed in (0, 1):
        folds = [(a.tolist(), b.tolist()) for a, b in KFold(5, shuffle=True, random_state=seed).split(pairs)]
        run(f"random 5-fold, documents mixed (seed {seed})", folds)


if __name__ == "__main__":
    main()
