"""Lexical channels: exact terms count (CDMO, AAV, POCT, PET-MRI, 人工晶体, 配方颗粒).

Imported on first use: ranking needs only the TF-IDF channel, and neither needs the other's libraries at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bm25 import BM25Index
    from .tfidf import TfidfIndex

__all__ = ["BM25Index", "TfidfIndex"]


def __getattr__(name: str) -> Any:
    if name == "BM25Index":
        from .bm25 import BM25Index

        return BM25Index
    if name == "TfidfIndex":
        from .tfidf import TfidfIndex

        return TfidfIndex
    raise AttributeError(name)
