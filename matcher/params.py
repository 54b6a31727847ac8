"""Tuned scoring parameters: read from models/engine.yaml, written by `matcher eval --tune`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from .scoring import FusionWeights, ScoringParams


def load_params(path: Path | None) -> ScoringParams:
    """Defaults overlaid with the file's values; a missing file means the defaults."""
    if path is None or not path.exists():
        return ScoringParams()
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = raw.get("params", raw)
    f_args: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.pop("fusion", {}).items()}
    fusion = FusionWeights(**f_args)
    known = {f.name for f in dataclasses.fields(ScoringParams)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{path}: unknown parameter(s) {sorted(unknown)}")
    rest: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return ScoringParams(fusion=fusion, **rest)


def params_to_dict(p: ScoringParams) -> dict[str, Any]:
    d = dataclasses.asdict(p)

    def lists(x: Any) -> Any:
        if isinstance(x, tuple):
            return [lists(v) for v in x]
        if isinstance(x, dict):
            return {k: lists(v) for k, v in x.items()}
        return round(x, 4) if isinstance(x, float) else x

    return dict(lists(d))
