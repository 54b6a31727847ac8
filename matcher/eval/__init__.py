"""Ranking-quality evaluation on labelled prospects (run.py) and tuning on the dev split (tune.py)."""

from .dataset import LabelledProspect, load_prospects
from .run import METRICS, Evaluation, evaluate_all

__all__ = ["METRICS", "Evaluation", "LabelledProspect", "evaluate_all", "load_prospects"]
