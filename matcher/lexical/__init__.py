"""Lexical channels: exact terms count (CDMO, AAV, POCT, PET-MRI, 人工晶体, 配方颗粒)."""

from .bm25 import BM25Index
from .tfidf import TfidfIndex

__all__ = ["BM25Index", "TfidfIndex"]
