"""Plain settings for the library; the CLI and the service fill them from their own edges (the environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .encoders import DEFAULT_ENCODER
from .kb import default_data_dir

__all__ = ["DEFAULT_ENCODER", "MatcherConfig"]


@dataclass
class MatcherConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    cache_dir: Path | None = None  # profile embeddings and the fitted TF-IDF index are cached here when set
    encoder: str = DEFAULT_ENCODER
    models_dir: Path | None = None  # tuned parameters and the sector model (default: models/ beside data/)

    @property
    def models(self) -> Path:
        return self.models_dir or self.data_dir.parent / "models"
