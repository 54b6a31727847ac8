"""The policy knowledge base: sources, taxonomy, locations and measures, loaded and checked."""

from pathlib import Path

from .base import Issue, KBError, KnowledgeBase
from .load import check_kb, load_kb
from .models import Location, Measure, Source, Taxonomy


def default_data_dir() -> Path:
    """The repository's `data/` folder, next to the package."""
    return Path(__file__).resolve().parents[2] / "data"


__all__ = [
    "Issue",
    "KBError",
    "KnowledgeBase",
    "Location",
    "Measure",
    "Source",
    "Taxonomy",
    "check_kb",
    "default_data_dir",
    "load_kb",
]
