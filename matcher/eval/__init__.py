"""Ranking-quality evaluation on labelled prospects."""

from .dataset import LabelledProspect, load_prospects
from .run import METRICS, evaluate_all, tune

__all__ = ["METRICS", "LabelledProspect", "evaluate_all", "load_prospects", "tune"]
